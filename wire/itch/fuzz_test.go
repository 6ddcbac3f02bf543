package itch

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// seedHex are spec vector bodies, hard-coded so that the fuzz targets have
// seeds when the shared data is absent.
var seedHex = []string{
	// S
	"53 00 00 03 04 00 00 05 06 07 08 4f",
	// R
	"52 01 02 03 04 00 00 05 06 07 08 54 45 53 54 20 20 20 20 51 4e 00 00 00 64 4e 43 43 20 50 4e 4e 31 4e 00 00 00 00 4e",
	// H
	"48 01 02 03 04 00 00 05 06 07 08 54 45 53 54 20 20 20 20 48 20 54 31 20 20",
	// V
	"56 00 00 03 04 00 00 05 06 07 08 00 00 00 00 05 f5 e1 00 00 00 00 00 0b eb c2 00 00 00 00 00 11 e1 a3 00",
	// A
	"41 01 02 03 04 00 00 05 06 07 08 00 00 00 00 00 00 00 11 42 00 00 00 22 54 45 53 54 20 20 20 20 00 01 e2 40",
	// F
	"46 01 02 03 04 00 00 05 06 07 08 00 00 00 00 00 00 00 11 42 00 00 00 22 54 45 53 54 20 20 20 20 00 01 e2 40 4e 53 44 51",
	// C
	"43 01 02 03 04 00 00 05 06 07 08 00 00 00 00 00 00 00 11 00 00 00 22 00 00 00 00 00 00 00 33 59 00 01 e2 40",
	// U
	"55 01 02 03 04 00 00 05 06 07 08 00 00 00 00 00 00 00 11 00 00 00 00 00 00 00 12 00 00 00 22 00 01 e2 40",
	// Q
	"51 01 02 03 04 00 00 05 06 07 08 00 00 00 00 00 00 03 e8 54 45 53 54 20 20 20 20 00 01 e2 40 00 00 00 00 00 00 00 33 4f",
	// I
	"49 01 02 03 04 00 00 05 06 07 08 00 00 00 00 00 00 03 e8 00 00 00 00 00 00 00 64 42 54 45 53 54 20 20 20 20 00 01 d4 c0 00 01 e2 40 00 01 e8 48 4f 4c",
	// O
	"4f 01 02 03 04 00 00 05 06 07 08 54 45 53 54 20 20 20 20 59 00 01 86 a0 00 03 0d 40 00 02 49 f0 00 00 00 00 00 00 00 55 00 02 0f 58 00 02 84 88",
}

// seedBodies returns the hard-coded seeds and, when the shared data is
// present, every spec vector's body.
func seedBodies(tb testing.TB) [][]byte {
	var bodies [][]byte
	for _, s := range seedHex {
		b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
		if err != nil {
			tb.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	files, _ := filepath.Glob(filepath.Join(vectorDir, "*.toml"))
	for _, f := range files {
		if v, err := readVector(f); err == nil {
			bodies = append(bodies, v.raw)
		}
	}
	return bodies
}

func FuzzDecode(f *testing.F) {
	for _, b := range seedBodies(f) {
		f.Add(b)
		f.Add(b[:len(b)-1])
		f.Add(append(b[:len(b):len(b)], 0))
	}
	f.Add([]byte{})
	f.Add([]byte{'Z'})
	f.Fuzz(func(t *testing.T, body []byte) {
		var m Message
		err := Decode(body, &m)
		n, known := len(body), false
		if len(body) > 0 {
			n, known = BodyLen(body[0])
		}
		switch {
		case len(body) == 0 || known && n != len(body):
			if !errors.Is(err, ErrSize) {
				t.Fatalf("Decode(% x) = %v, want ErrSize", body, err)
			}
			return
		case !known:
			if !errors.Is(err, ErrUnknownType) {
				t.Fatalf("Decode(% x) = %v, want ErrUnknownType", body, err)
			}
			return
		case err != nil:
			t.Fatalf("Decode(% x) = %v", body, err)
		}
		enc := Append(nil, &m)
		if !bytes.Equal(enc, body) {
			t.Fatalf("Append(Decode(b)) =\n% x\nwant\n% x", enc, body)
		}
		var again Message
		if err := Decode(enc, &again); err != nil || again != m {
			t.Fatalf("Decode(Append(m)) = %+v, %v; want %+v", again, err, m)
		}
	})
}

func FuzzReader(f *testing.F) {
	bodies := seedBodies(f)
	var all []byte
	for _, b := range bodies {
		all = append(all, frame(b)...)
		f.Add(frame(b))
	}
	f.Add(all)
	f.Add([]byte{})
	f.Add([]byte{0})
	f.Add([]byte{0, 0, 0, 0})
	f.Add(append(frame(bodies[0]), 0xff, 0xff, 'A'))
	f.Add(append(frame([]byte{'Z', 1, 2}), frame(bodies[0])...))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data))
		// Every call consumes at least two bytes or ends the stream.
		limit := len(data)/2 + 2
		var out bytes.Buffer
		w := NewWriter(&out)
		var good []byte // the frames that decoded, as they were in data
		for calls := 0; ; calls++ {
			if calls > limit {
				t.Fatalf("no io.EOF after %d calls on %d bytes", calls, len(data))
			}
			off := r.Offset()
			var m Message
			err := r.Next(&m)
			if err == io.EOF {
				break
			}
			if r.Offset() <= off {
				t.Fatalf("Next made no progress at offset %d: %v", off, err)
			}
			var fe *FrameError
			switch {
			case err == nil:
				good = append(good, data[off:r.Offset()]...)
				if err := w.Write(&m); err != nil {
					t.Fatal(err)
				}
			case errors.As(err, &fe):
				if fe.Offset != off {
					t.Fatalf("FrameError at offset %d, frame at %d", fe.Offset, off)
				}
				if !errors.Is(err, ErrSize) && !errors.Is(err, ErrUnknownType) && !errors.Is(err, ErrTruncated) {
					t.Fatalf("FrameError wraps no sentinel: %v", err)
				}
			default:
				t.Fatalf("fatal error from an in-memory reader: %v", err)
			}
		}
		if r.Offset() != int64(len(data)) {
			t.Fatalf("ended at offset %d of %d", r.Offset(), len(data))
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), good) {
			t.Fatalf("re-encoded good frames differ from the input's")
		}
	})
}
