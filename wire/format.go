package wire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Format is an input feed format.
type Format uint8

// Feed formats.
const (
	FormatUnknown Format = iota
	FormatNative         // native binary feed
	FormatCSV            // CSV feed
	FormatLOBSTER        // LOBSTER message file
	FormatITCH           // NASDAQ TotalView-ITCH 5.0, BinaryFILE framing
)

var formatNames = [...]string{"unknown", "native", "csv", "lobster", "itch"}

// String returns the format's name as [ParseFormat] accepts it.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "format?"
}

// ParseFormat parses the name of a feed format the engine reads
// ("native", "csv" or "lobster", ignoring case; see [Formats]).
func ParseFormat(s string) (Format, error) {
	f, err := LookupFormat(StreamFeed, s, true)
	if err != nil {
		return FormatUnknown, err
	}
	return f.Feed, nil
}

// Sniff peeks at the start of r without consuming it: the native feed magic
// means [FormatNative], anything else (including an empty stream) [FormatCSV].
// A LOBSTER file cannot be told from a CSV feed by its first bytes; name it
// explicitly. The magic of a native output stream is an error wrapping
// [ErrOutStream].
func Sniff(r *bufio.Reader) (Format, error) {
	b, err := r.Peek(len(FeedMagic))
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return FormatUnknown, fmt.Errorf("wire: sniff: %w", err)
	}
	switch {
	case bytes.Equal(b, FeedMagic[:]):
		return FormatNative, nil
	case bytes.Equal(b, OutMagic[:]):
		return FormatUnknown, fmt.Errorf("wire: sniff: %w", ErrOutStream)
	}
	return FormatCSV, nil
}
