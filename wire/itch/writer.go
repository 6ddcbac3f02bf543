package itch

import (
	"bufio"
	"fmt"
	"io"
)

// Writer writes messages as a BinaryFILE stream: each body prefixed by its
// 2-byte big-endian length. It buffers its output: call [Writer.Flush] at the
// end.
type Writer struct {
	bw  *bufio.Writer
	buf [PrefixLen + MaxBodyLen]byte // one frame, reused
}

// NewWriter returns a Writer writing frames to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{bw: bufio.NewWriter(w)}
}

// Write writes m as one frame. It returns an error wrapping [ErrUnknownType]
// (and writes nothing) if m.Type is not a known message type, or the
// underlying writer's error. Write allocates nothing.
func (w *Writer) Write(m *Message) error {
	if _, ok := BodyLen(m.Type); !ok {
		return fmt.Errorf("%w %q", ErrUnknownType, m.Type)
	}
	b := Append(w.buf[:PrefixLen], m)
	be.PutUint16(b, uint16(len(b)-PrefixLen))
	_, err := w.bw.Write(b)
	return err
}

// Flush writes any buffered frames to the underlying writer.
func (w *Writer) Flush() error { return w.bw.Flush() }
