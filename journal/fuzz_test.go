package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cespare/xxhash/v2"
)

// goldenSegments returns the bytes of the golden segments, every version,
// as fuzz seeds.
func goldenSegments(t testing.TB) [][]byte {
	paths, _ := filepath.Glob(filepath.Join("testdata", "v*", "*"+segmentExt))
	var segs [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		segs = append(segs, b)
	}
	return segs
}

// FuzzDecodeFrame: any bytes decode to a valid record whose fields are
// consistent with its frame, or to a reason; never a panic, never a length
// trusted beyond the bytes given. A valid record re-encodes to the same
// bytes.
func FuzzDecodeFrame(f *testing.F) {
	for _, seg := range goldenSegments(f) {
		f.Add(seg[segmentHeaderSize:], uint8(seg[8]), uint64(0x0123456789abcdef))
		f.Add(seg[segmentHeaderSize+96:segmentHeaderSize+300], uint8(seg[8]), uint64(0x0123456789abcdef))
	}
	f.Add([]byte{}, uint8(2), uint64(1))
	f.Add(make([]byte, 40), uint8(1), uint64(0))
	f.Fuzz(func(t *testing.T, b []byte, version uint8, key uint64) {
		if version == 1 {
			key = 0
		}
		rec, size, why := decodeFrame(b, version, key)
		if why != frameOK {
			if size != 0 || rec.Payload != nil {
				t.Fatalf("reason %v with size %d", why, size)
			}
			return
		}
		if size > len(b) || size != FrameSize(len(rec.Payload)) || rec.Type == 0 || len(rec.Payload) > MaxPayload {
			t.Fatalf("valid record with size %d of %d bytes, payload %d, type %d", size, len(b), len(rec.Payload), rec.Type)
		}
		if rec.Count == 0 || version < 3 && rec.Count != 1 {
			t.Fatalf("valid version %d record with count %d", version, rec.Count)
		}
		out := make([]byte, size)
		encodeFrame(out, version, key, rec.Type, rec.Count, rec.Seq, rec.TS, rec.Payload)
		// The padding is covered by the checksum, so a decoded frame with
		// non-zero padding cannot exist: re-encoding gives the same bytes.
		if !bytes.Equal(out, b[:size]) {
			t.Fatalf("re-encoded frame differs")
		}
	})
}

// FuzzDecodeSegmentHeader: any 64 bytes give a header that re-encodes to
// themselves, or an error that is ErrCorrupt or ErrVersion.
func FuzzDecodeSegmentHeader(f *testing.F) {
	for _, seg := range goldenSegments(f) {
		f.Add(seg[:segmentHeaderSize])
	}
	f.Add(make([]byte, 64))
	f.Add([]byte(segmentMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := decodeSegmentHeader(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
				t.Fatalf("error %v is neither ErrCorrupt nor ErrVersion", err)
			}
			return
		}
		var out [segmentHeaderSize]byte
		h.encode(out[:])
		if !bytes.Equal(out[:], b[:segmentHeaderSize]) {
			t.Fatalf("header %+v re-encodes differently", h)
		}
	})
}

// FuzzDecodeSnapshot: any bytes give a snapshot that re-encodes to
// themselves, or an error; the payload always aliases the input (nothing is
// allocated from a length field).
func FuzzDecodeSnapshot(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "v*", "*"+SnapshotExt))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte(snapshotMagic))
	for _, v := range []uint16{1, 2} {
		for _, id := range []uint64{0, goldenID} {
			b := make([]byte, snapshotHeaderSize+5)
			n := encodeSnapshotHeader(b, v, id, 7, []byte("state"))
			f.Add(append(b[:n], "state"...))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeSnapshot(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
				t.Fatalf("error %v is neither ErrCorrupt nor ErrVersion", err)
			}
			return
		}
		hn := snapshotHeaderLen(s.Version)
		if len(s.Payload) != len(b)-hn || (len(s.Payload) > 0 && &s.Payload[0] != &b[hn]) {
			t.Fatalf("payload does not alias the input")
		}
		if s.Version == 1 && s.ID != 0 {
			t.Fatalf("version 1 snapshot with id %#x", s.ID)
		}
		out := make([]byte, snapshotHeaderSize)
		if n := encodeSnapshotHeader(out, s.Version, s.ID, s.Seq, s.Payload); n != hn || !bytes.Equal(out[:n], b[:hn]) {
			t.Fatalf("header re-encodes differently")
		}
	})
}

// FuzzScanSegment: the recovery scan of any segment bytes terminates
// without a panic, and what it calls valid records decode again, in
// sequence.
func FuzzScanSegment(f *testing.F) {
	for _, seg := range goldenSegments(f) {
		f.Add(seg, uint64(1))
	}
	f.Fuzz(func(t *testing.T, b []byte, first uint64) {
		b = b[:len(b)&^7]
		if len(b) < segmentHeaderSize {
			return
		}
		m := make([]byte, len(b)) // 8-byte aligned, as a mapping is
		copy(m, b)
		sc := scanSegment(m, Version, 0x0123456789abcdef, first)
		if sc.end < segmentHeaderSize || sc.end > int64(len(m)) || sc.tailEnd < sc.end || sc.tailEnd > int64(len(m)) {
			t.Fatalf("scan end %d tail %d of %d bytes", sc.end, sc.tailEnd, len(m))
		}
		// Walk the records the scan accepted: each decodes, carries the
		// next sequence, and together they cover first..sc.next-1.
		next, n := first, int64(0)
		for off := int(segmentHeaderSize); off < int(sc.end); n++ {
			rec, size, why := decodeFrame(m[off:], Version, 0x0123456789abcdef)
			if why != frameOK || rec.Seq != next {
				t.Fatalf("record %d at %d: %v, sequence %d, want %d", n, off, why, rec.Seq, next)
			}
			next = rec.Last() + 1
			off += size
		}
		if n != sc.records || next != sc.next {
			t.Fatalf("scan says %d records, next %d; walked %d, next %d", sc.records, sc.next, n, next)
		}
	})
}

// FuzzSumEvent: the inlined checksum of a 64-byte event equals
// xxhash.Sum64 of the header and payload bytes.
func FuzzSumEvent(f *testing.F) {
	f.Add(uint64(0), uint64(0), uint64(0), make([]byte, 64))
	f.Add(uint64(0x0000024001000040), uint64(7), uint64(1<<62), bytes.Repeat([]byte{0xff}, 64))
	f.Fuzz(func(t *testing.T, w0, seq, ts uint64, p []byte) {
		if len(p) < 64 {
			p = append(p, make([]byte, 64-len(p))...)
		}
		p = p[:64]
		b := make([]byte, 88)
		binary.LittleEndian.PutUint64(b[0:], w0)
		binary.LittleEndian.PutUint64(b[8:], seq)
		binary.LittleEndian.PutUint64(b[16:], ts)
		copy(b[24:], p)
		if got, want := sumEvent(w0, seq, ts, (*[64]byte)(p)), xxhash.Sum64(b); got != want {
			t.Fatalf("sumEvent %#x, xxhash.Sum64 %#x", got, want)
		}
	})
}
