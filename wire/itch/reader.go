package itch

import (
	"bufio"
	"fmt"
	"io"
)

// readerBufSize is the size of a Reader's buffer: room for the longest frame
// a length prefix can announce (2 + 65535 bytes), so that every frame is
// decoded in place, with as much again so that refills are rare.
const readerBufSize = 128 << 10

// Reader reads messages from a BinaryFILE stream: frames of a 2-byte
// big-endian length and a body. It decodes each body in its buffer, without
// copying or allocating.
//
// A bad frame (an empty one, a body of an unknown type or of the wrong
// length) is a [*FrameError] naming its offset and index, after which the
// Reader carries on with the next frame, which the length prefix locates. A
// stream that ends inside a frame (in its length prefix or its body) is a
// FrameError wrapping [ErrTruncated], then io.EOF. An error from the
// underlying reader other than io.EOF is fatal: Next returns it, wrapped
// with the offset, from then on.
type Reader struct {
	br    *bufio.Reader
	off   int64 // byte offset of the next frame
	index int64 // index of the next frame
	err   error // sticky: io.EOF once the stream ended, or a read error
}

// NewReader returns a Reader reading frames from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, readerBufSize)}
}

// Next decodes the next message into m. It returns io.EOF at the end of a
// stream that ends between frames, a [*FrameError] for a bad frame (m is
// then unchanged, and Next may be called again), or a fatal read error.
func (r *Reader) Next(m *Message) error {
	if r.err != nil {
		return r.err
	}
	off, index := r.off, r.index
	p, err := r.br.Peek(PrefixLen)
	if len(p) < PrefixLen {
		if len(p) == 0 && err == io.EOF {
			r.err = io.EOF
			return io.EOF
		}
		return r.short(len(p), err, fmt.Errorf("%w: length prefix has %d of %d bytes", ErrTruncated, len(p), PrefixLen))
	}
	n := PrefixLen + int(be.Uint16(p))
	if n == PrefixLen {
		r.skip(n)
		return &FrameError{Offset: off, Index: index, Err: fmt.Errorf("%w: zero length", ErrSize)}
	}
	p, err = r.br.Peek(n)
	if len(p) < n {
		return r.short(len(p), err, fmt.Errorf("%w: body has %d of %d bytes", ErrTruncated, max(len(p)-PrefixLen, 0), n-PrefixLen))
	}
	err = Decode(p[PrefixLen:], m)
	r.skip(n)
	if err != nil {
		return &FrameError{Offset: off, Index: index, Err: err}
	}
	return nil
}

// Offset returns the byte offset of the next frame in the stream: after the
// last, the number of bytes read.
func (r *Reader) Offset() int64 { return r.off }

// skip moves past the next n bytes, which are buffered.
func (r *Reader) skip(n int) {
	r.br.Discard(n)
	r.off += int64(n)
	r.index++
}

// short handles a frame of which only have bytes could be read before err:
// at io.EOF a torn tail, reported as torn, after which the stream has ended;
// otherwise a fatal read error.
func (r *Reader) short(have int, err error, torn error) error {
	if err != io.EOF {
		if err == nil {
			err = io.ErrNoProgress
		}
		r.err = fmt.Errorf("itch: offset %d: read: %w", r.off+int64(have), err)
		return r.err
	}
	fe := &FrameError{Offset: r.off, Index: r.index, Err: torn}
	r.skip(have)
	r.err = io.EOF
	return fe
}
