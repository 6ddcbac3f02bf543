package wire

import (
	"bufio"
	"fmt"
	"io"

	"github.com/tradeengine/engine/event"
)

// NativeDecoder reads a native binary feed (see the package documentation).
// Next does not allocate for a good frame.
type NativeDecoder struct {
	fr frameReader
}

// NewNativeDecoder reads and checks the stream header from r: a bad magic,
// an unsupported version or a wrong frame size is an error.
func NewNativeDecoder(r io.Reader) (*NativeDecoder, error) {
	fr, err := newFrameReader(r, FeedMagic, "native feed")
	if err != nil {
		return nil, err
	}
	return &NativeDecoder{fr: fr}, nil
}

// Next decodes the next frame into in, with in.Seq zero. It returns io.EOF at
// the clean end; a *DecodeError for a frame that does not decode (Next may be
// called again: the frame was skipped) or for a truncated last frame (then
// io.EOF); any other error is fatal.
func (d *NativeDecoder) Next(in *event.In) error {
	off, err := d.fr.next()
	if err != nil {
		return err
	}
	if err := in.Decode(d.fr.frame[:]); err != nil {
		return d.fr.frameError(off, err)
	}
	in.Seq = 0
	return nil
}

// Offset returns the byte offset of the next frame.
func (d *NativeDecoder) Offset() int64 { return d.fr.off }

// NativeEncoder writes a native binary feed.
type NativeEncoder struct {
	bw    *bufio.Writer
	frame [FrameSize]byte
}

// NewNativeEncoder writes the stream header to w and returns an encoder for
// the frames that follow.
func NewNativeEncoder(w io.Writer) (*NativeEncoder, error) {
	var h [HeaderSize]byte
	putHeader(h[:], FeedMagic)
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("wire: native feed: write header: %w", err)
	}
	return &NativeEncoder{bw: bufio.NewWriterSize(w, bufSize)}, nil
}

// Encode writes in as one frame, with the seq field zero. It does not
// allocate.
func (e *NativeEncoder) Encode(in *event.In) error {
	in.Encode(e.frame[:])
	clear(e.frame[16:24])
	if _, err := e.bw.Write(e.frame[:]); err != nil {
		return fmt.Errorf("wire: native feed: write frame: %w", err)
	}
	return nil
}

// Flush writes any buffered frames to the underlying writer.
func (e *NativeEncoder) Flush() error {
	if err := e.bw.Flush(); err != nil {
		return fmt.Errorf("wire: native feed: flush: %w", err)
	}
	return nil
}

// Buffered returns how many bytes the decoder holds that it can decode
// without reading again. A caller batching events from a live stream
// publishes what it has before calling Next when Buffered is 0, since that
// Next may block.
func (d *NativeDecoder) Buffered() int { return d.fr.br.Buffered() }
