package wire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Format is an input feed format.
type Format uint8

// Feed formats.
const (
	FormatUnknown Format = iota
	FormatNative         // native binary feed
	FormatCSV            // CSV feed
	FormatLOBSTER        // LOBSTER message file
)

var formatNames = [...]string{"unknown", "native", "csv", "lobster"}

// String returns the format's name as [ParseFormat] accepts it.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "format?"
}

// ParseFormat parses "native", "csv" or "lobster", ignoring case.
func ParseFormat(s string) (Format, error) {
	for f := FormatNative; int(f) < len(formatNames); f++ {
		if strings.EqualFold(s, formatNames[f]) {
			return f, nil
		}
	}
	return FormatUnknown, fmt.Errorf("%w: %q (want native, csv or lobster)", ErrFormat, s)
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
