package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/tradeengine/engine/event"
)

// Stream header constants. Part of the native formats.
const (
	// HeaderSize is the size of the header that opens a native stream.
	HeaderSize = 16
	// StreamVersion is the version of the native stream layout written in
	// the header, and the only one the decoders accept.
	StreamVersion = 1
	// FrameSize is the size of one frame of a native stream.
	FrameSize = event.Size
)

// Magic numbers of the native streams. Part of the formats.
var (
	// FeedMagic opens a native input feed.
	FeedMagic = [8]byte{'T', 'E', 'F', 'E', 'E', 'D', '\r', '\n'}
	// OutMagic opens a native output stream.
	OutMagic = [8]byte{'T', 'E', 'O', 'U', 'T', 'S', '\r', '\n'}
)

// bufSize is the size of the buffers between the codecs and the io.Reader or
// io.Writer they wrap.
const bufSize = 64 << 10

// putHeader writes a stream header with magic into b[:HeaderSize].
func putHeader(b []byte, magic [8]byte) {
	copy(b, magic[:])
	binary.LittleEndian.PutUint16(b[8:], StreamVersion)
	binary.LittleEndian.PutUint16(b[10:], FrameSize)
	clear(b[12:HeaderSize])
}

// readHeader reads and checks a stream header that must open with magic.
// name says which stream it is, for messages.
func readHeader(r io.Reader, magic [8]byte, name string) error {
	var h [HeaderSize]byte
	n, err := io.ReadFull(r, h[:])
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: %s: %d of %d header bytes", ErrHeader, name, n, HeaderSize)
		}
		return fmt.Errorf("wire: %s: read header: %w", name, err)
	}
	return checkHeader(h[:], magic, name)
}

func checkHeader(h []byte, magic [8]byte, name string) error {
	if !bytes.Equal(h[:8], magic[:]) {
		if name == "native feed" && bytes.Equal(h[:8], OutMagic[:]) {
			return fmt.Errorf("%w: %s: %w", ErrMagic, name, ErrOutStream)
		}
		return fmt.Errorf("%w: %s: got %q, want %q", ErrMagic, name, h[:8], magic[:])
	}
	if v := binary.LittleEndian.Uint16(h[8:]); v != StreamVersion {
		return fmt.Errorf("%w: %s: version %d, want %d", ErrVersion, name, v, StreamVersion)
	}
	if fs := binary.LittleEndian.Uint16(h[10:]); fs != FrameSize {
		return fmt.Errorf("%w: %s: %d bytes, want %d", ErrFrameSize, name, fs, FrameSize)
	}
	if !allZero(h[12:HeaderSize]) {
		return fmt.Errorf("%w: %s: reserved bytes 12:16 are %x, want zero", ErrHeader, name, h[12:HeaderSize])
	}
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
