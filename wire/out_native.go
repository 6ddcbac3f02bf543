package wire

import (
	"bufio"
	"fmt"
	"io"

	"github.com/tradeengine/engine/event"
)

// OutNative writes the native output stream: a header, then the canonical
// 64-byte encoding of each event.Out (see the package documentation).
type OutNative struct {
	bw    *bufio.Writer
	frame [FrameSize]byte
}

// NewOutNative writes the stream header to w and returns a writer for the
// frames that follow.
func NewOutNative(w io.Writer) (*OutNative, error) {
	var h [HeaderSize]byte
	putHeader(h[:], OutMagic)
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("wire: native output: write header: %w", err)
	}
	return NewOutNativeAppend(w), nil
}

// NewOutNativeAppend returns a writer to w that continues a native output
// stream written before: it writes no header. Checking that the stream it
// continues is one (its header, and a length that is the header plus whole
// frames) is the caller's: [NewOutNativeDecoder] reads it.
func NewOutNativeAppend(w io.Writer) *OutNative {
	return &OutNative{bw: bufio.NewWriterSize(w, bufSize)}
}

// SeedSymbols does nothing but check syms as [OutCSV.SeedSymbols] does: the
// native output carries symbol ids, not names. It is there so that a caller
// seeds every writer alike.
func (n *OutNative) SeedSymbols(syms []SymbolDef) error {
	var names outNames
	return names.seed(syms)
}

// Write writes o as one frame.
func (n *OutNative) Write(o *event.Out) error {
	o.Encode(n.frame[:])
	if _, err := n.bw.Write(n.frame[:]); err != nil {
		return fmt.Errorf("wire: native output: write frame: %w", err)
	}
	return nil
}

// Flush writes any buffered frames to the underlying writer.
func (n *OutNative) Flush() error {
	if err := n.bw.Flush(); err != nil {
		return fmt.Errorf("wire: native output: flush: %w", err)
	}
	return nil
}

// OutNativeDecoder reads a native output stream, for tools and tests.
type OutNativeDecoder struct {
	fr frameReader
}

// NewOutNativeDecoder reads and checks the stream header from r.
func NewOutNativeDecoder(r io.Reader) (*OutNativeDecoder, error) {
	fr, err := newFrameReader(r, OutMagic, "native output")
	if err != nil {
		return nil, err
	}
	return &OutNativeDecoder{fr: fr}, nil
}

// Next decodes the next frame into o, with the same error contract as
// [NativeDecoder.Next]. It does not allocate for a good frame.
func (d *OutNativeDecoder) Next(o *event.Out) error {
	off, err := d.fr.next()
	if err != nil {
		return err
	}
	if err := o.Decode(d.fr.frame[:]); err != nil {
		return d.fr.frameError(off, err)
	}
	return nil
}
