package itch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// frame returns body with its 2-byte big-endian length prefix.
func frame(body []byte) []byte {
	return append([]byte{byte(len(body) >> 8), byte(len(body))}, body...)
}

// body returns the encoded body of the sample message of type t.
func body(t byte) []byte {
	for _, m := range sampleMessages() {
		if m.Type == t {
			return Append(nil, &m)
		}
	}
	panic(fmt.Sprintf("no sample message of type %q", t))
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// step is one expected result of Reader.Next: a message of type typ, or an
// error wrapping err, a *FrameError at offset off and index idx, unless
// err is io.EOF.
type step struct {
	typ      byte
	err      error
	off, idx int64
}

func TestReaderEdgeCases(t *testing.T) {
	s, a, q := frame(body('S')), frame(body('A')), frame(body('Q'))
	unknown := frame([]byte{'Z', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	shortA := frame(body('A')[:LenAddOrder-1])
	longS := frame(append(body('S'), 0))
	zero := []byte{0, 0}
	eof := step{err: io.EOF}
	ls, la := int64(len(s)), int64(len(a))
	tests := []struct {
		name  string
		in    []byte
		steps []step
	}{
		{"empty", nil, []step{eof}},
		{"one message", s, []step{{typ: 'S'}, eof}},
		{"three messages", cat(s, a, q), []step{{typ: 'S'}, {typ: 'A'}, {typ: 'Q'}, eof}},
		{"torn length prefix", cat(s, []byte{0}), []step{{typ: 'S'}, {err: ErrTruncated, off: ls, idx: 1}, eof}},
		{"torn length prefix only", []byte{0}, []step{{err: ErrTruncated}, eof}},
		{"prefix without body", cat(s, a[:2]), []step{{typ: 'S'}, {err: ErrTruncated, off: ls, idx: 1}, eof}},
		{"torn body", cat(s, a[:20]), []step{{typ: 'S'}, {err: ErrTruncated, off: ls, idx: 1}, eof}},
		{"torn body by one byte", cat(a, s[:len(s)-1]), []step{{typ: 'A'}, {err: ErrTruncated, off: la, idx: 1}, eof}},
		{"long length at the end", cat(s, []byte{0xff, 0xff}, body('A')), []step{{typ: 'S'}, {err: ErrTruncated, off: ls, idx: 1}, eof}},
		{"zero length", cat(s, zero, a), []step{{typ: 'S'}, {err: ErrSize, off: ls, idx: 1}, {typ: 'A'}, eof}},
		{"zero length at the start", cat(zero, zero, s), []step{{err: ErrSize, off: 0, idx: 0}, {err: ErrSize, off: 2, idx: 1}, {typ: 'S'}, eof}},
		{"unknown type in the middle", cat(s, unknown, a), []step{{typ: 'S'}, {err: ErrUnknownType, off: ls, idx: 1}, {typ: 'A'}, eof}},
		{"wrong size in the middle", cat(s, shortA, a), []step{{typ: 'S'}, {err: ErrSize, off: ls, idx: 1}, {typ: 'A'}, eof}},
		{"too long in the middle", cat(a, longS, s), []step{{typ: 'A'}, {err: ErrSize, off: la, idx: 1}, {typ: 'S'}, eof}},
		{"bad frames in a row", cat(unknown, shortA, s), []step{
			{err: ErrUnknownType, off: 0, idx: 0},
			{err: ErrSize, off: int64(len(unknown)), idx: 1},
			{typ: 'S'}, eof,
		}},
		{"bad last frame", cat(s, unknown), []step{{typ: 'S'}, {err: ErrUnknownType, off: ls, idx: 1}, eof}},
	}
	for _, tc := range tests {
		for _, rd := range []struct {
			name string
			wrap func(io.Reader) io.Reader
		}{
			{"", func(r io.Reader) io.Reader { return r }},
			{"/onebyte", iotest.OneByteReader},
			{"/dataerr", iotest.DataErrReader},
		} {
			t.Run(tc.name+rd.name, func(t *testing.T) {
				r := NewReader(rd.wrap(bytes.NewReader(tc.in)))
				checkSteps(t, r, tc.steps)
				if r.Offset() != int64(len(tc.in)) {
					t.Errorf("Offset() at the end = %d, want %d", r.Offset(), len(tc.in))
				}
			})
		}
	}
}

func checkSteps(t *testing.T, r *Reader, steps []step) {
	t.Helper()
	for i, st := range steps {
		var m Message
		err := r.Next(&m)
		switch {
		case st.err == nil:
			if err != nil {
				t.Fatalf("step %d: Next = %v, want a message of type %q", i, err, st.typ)
			}
			if m.Type != st.typ {
				t.Fatalf("step %d: type %q, want %q", i, m.Type, st.typ)
			}
			if want := sampleOf(st.typ); m != want {
				t.Fatalf("step %d: decoded\n%+v\nwant\n%+v", i, m, want)
			}
		case st.err == io.EOF:
			if err != io.EOF {
				t.Fatalf("step %d: Next = %v, want io.EOF", i, err)
			}
		default:
			if !errors.Is(err, st.err) {
				t.Fatalf("step %d: Next = %v, want an error wrapping %v", i, err, st.err)
			}
			var fe *FrameError
			if !errors.As(err, &fe) {
				t.Fatalf("step %d: %v is not a *FrameError", i, err)
			}
			if fe.Offset != st.off || fe.Index != st.idx {
				t.Errorf("step %d: offset %d index %d, want %d and %d", i, fe.Offset, fe.Index, st.off, st.idx)
			}
			if want := fmt.Sprintf("itch: offset %d (message %d): ", st.off, st.idx); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("step %d: error %q does not start with %q", i, err, want)
			}
			if strings.Count(err.Error(), "itch:") != 1 {
				t.Errorf("step %d: error %q repeats its prefix", i, err)
			}
			if m != (Message{}) {
				t.Errorf("step %d: a bad frame changed m: %+v", i, m)
			}
		}
	}
	// The end is sticky.
	var m Message
	if err := r.Next(&m); err != io.EOF {
		t.Errorf("Next after the end = %v, want io.EOF", err)
	}
}

func sampleOf(t byte) Message {
	for _, m := range sampleMessages() {
		if m.Type == t {
			return m
		}
	}
	panic(fmt.Sprintf("no sample message of type %q", t))
}

// TestReaderReadError: an error from the underlying reader other than
// io.EOF is fatal, names the offset, and is returned again.
func TestReaderReadError(t *testing.T) {
	errDisk := errors.New("disk on fire")
	s := frame(body('S'))
	for _, cut := range []int{0, 1, 2, 5, len(s) - 1} {
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			in := cat(s, s[:cut])
			r := NewReader(io.MultiReader(bytes.NewReader(in), iotest.ErrReader(errDisk)))
			var m Message
			if err := r.Next(&m); err != nil || m.Type != 'S' {
				t.Fatalf("first Next = %v, type %q", err, m.Type)
			}
			err := r.Next(&m)
			if !errors.Is(err, errDisk) {
				t.Fatalf("Next = %v, want the read error", err)
			}
			var fe *FrameError
			if errors.As(err, &fe) {
				t.Errorf("read error %v reported as a bad frame", err)
			}
			if want := fmt.Sprintf("offset %d", len(in)); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
			if err2 := r.Next(&m); err2 != err {
				t.Errorf("Next after a read error = %v, want it again", err2)
			}
		})
	}
}

func TestReaderLongFrame(t *testing.T) {
	// A frame of the longest length a prefix can announce: skipped whole as
	// a bad frame, and the message after it read.
	long := make([]byte, MaxFrameBody)
	long[0] = TypeAddOrder
	in := cat(frame(long), frame(body('D')))
	r := NewReader(bytes.NewReader(in))
	checkSteps(t, r, []step{{err: ErrSize}, {typ: 'D'}, {err: io.EOF}})
}

func TestReaderAllocs(t *testing.T) {
	var in []byte
	for _, m := range sampleMessages() {
		in = append(in, frame(Append(nil, &m))...)
	}
	br := bytes.NewReader(in)
	r := NewReader(br)
	var m Message
	allocs := testing.AllocsPerRun(50, func() {
		br.Reset(in)
		for {
			err := r.Next(&m)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		r.err = nil // bytes.Reader reset under the Reader: start over
	})
	if allocs != 0 {
		t.Errorf("Reader allocates %.1f times per %d messages", allocs, len(sampleMessages()))
	}
}

func TestWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	var want []byte
	for _, m := range sampleMessages() {
		if err := w.Write(&m); err != nil {
			t.Fatal(err)
		}
		want = append(want, frame(Append(nil, &m))...)
	}
	bad := Message{Type: 'Z'}
	if err := w.Write(&bad); !errors.Is(err, ErrUnknownType) {
		t.Errorf("Write of type 'Z' = %v, want ErrUnknownType", err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("Writer wrote\n% x\nwant\n% x", buf.Bytes(), want)
	}
	// And the Reader reads them back.
	var steps []step
	for _, m := range sampleMessages() {
		steps = append(steps, step{typ: m.Type})
	}
	checkSteps(t, NewReader(&buf), append(steps, step{err: io.EOF}))

	m := sampleOf('A')
	allocs := testing.AllocsPerRun(100, func() {
		if err := w.Write(&m); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Writer.Write allocates %.1f times", allocs)
	}
}

func TestWriterError(t *testing.T) {
	errDisk := errors.New("disk full")
	w := NewWriter(errWriter{errDisk})
	m := sampleOf('S')
	_ = w.Write(&m)
	if err := w.Flush(); !errors.Is(err, errDisk) {
		t.Errorf("Flush = %v, want the write error", err)
	}
}

type errWriter struct{ err error }

func (e errWriter) Write([]byte) (int, error) { return 0, e.err }
