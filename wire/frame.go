package wire

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// frameReader reads the fixed-size frames of a native stream after its
// header, keeping the byte offset of each frame for error reports.
type frameReader struct {
	br    *bufio.Reader
	name  string
	off   int64 // offset of the next frame
	done  bool  // io.EOF has been reached
	err   error // sticky fatal error
	frame [FrameSize]byte
}

func newFrameReader(r io.Reader, magic [8]byte, name string) (frameReader, error) {
	br := bufio.NewReaderSize(r, bufSize)
	if err := readHeader(br, magic, name); err != nil {
		return frameReader{}, err
	}
	return frameReader{br: br, name: name, off: HeaderSize}, nil
}

// next reads one whole frame into f.frame and returns its offset. It returns
// io.EOF at the clean end, a *DecodeError for a truncated last frame (io.EOF
// follows), or a fatal read error.
func (f *frameReader) next() (int64, error) {
	if f.err != nil {
		return 0, f.err
	}
	if f.done {
		return 0, io.EOF
	}
	off := f.off
	n, err := io.ReadFull(f.br, f.frame[:])
	f.off += int64(n)
	switch {
	case err == nil:
		return off, nil
	case err == io.EOF:
		f.done = true
		return 0, io.EOF
	case err == io.ErrUnexpectedEOF:
		f.done = true
		return 0, &DecodeError{
			Offset: off,
			Record: append([]byte(nil), f.frame[:n]...),
			Err:    &problem{sentinel: ErrTruncated, detail: strconv.Itoa(n) + " of " + strconv.Itoa(FrameSize) + " bytes at the end of the stream"},
		}
	default:
		f.err = fmt.Errorf("wire: %s: read frame at offset %d: %w", f.name, off, err)
		return 0, f.err
	}
}

// frameError returns the DecodeError for the frame just read at off that
// failed to decode with cause.
func (f *frameReader) frameError(off int64, cause error) *DecodeError {
	return &DecodeError{
		Offset: off,
		Record: append([]byte(nil), f.frame[:]...),
		Err:    &problem{sentinel: ErrFrame, cause: cause},
	}
}
