package itch

import (
	"bytes"
	"io"
	"maps"
	"os"
	"testing"
)

// samplePath is the first 1,000 messages of a real NASDAQ ITCH 5.0
// BinaryFILE (see ../shared/data/PROVENANCE.md).
const samplePath = "../../../shared/data/itch50_real_head1000/sample.itch"

// readSample returns the bytes of sample.itch, skipping when it is absent.
func readSample(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile(samplePath)
	if os.IsNotExist(err) {
		tb.Skipf("%s absent", samplePath)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// walkFrames counts the frames of data by type without decoding a body:
// the independent count the Reader's is checked against.
func walkFrames(tb testing.TB, data []byte) map[byte]int {
	tb.Helper()
	counts := map[byte]int{}
	for off := 0; off < len(data); {
		if len(data)-off < 2 {
			tb.Fatalf("walk: torn length prefix at offset %d", off)
		}
		n := int(data[off])<<8 | int(data[off+1])
		if n == 0 || len(data)-off-2 < n {
			tb.Fatalf("walk: frame of length %d at offset %d", n, off)
		}
		counts[data[off+2]]++
		off += 2 + n
	}
	return counts
}

func TestRealSample(t *testing.T) {
	data := readSample(t)
	walked := walkFrames(t, data)

	r := NewReader(bytes.NewReader(data))
	var buf bytes.Buffer
	w := NewWriter(&buf)
	counts := map[byte]int{}
	total := 0
	for {
		var m Message
		err := r.Next(&m)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("message %d: %v", total, err)
		}
		counts[m.Type]++
		total++
		if err := w.Write(&m); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if total != 1000 {
		t.Errorf("read %d messages, want 1000", total)
	}
	if len(counts) == 0 {
		t.Error("no message types")
	}
	if !maps.Equal(counts, walked) {
		t.Errorf("Reader counts %v; walking the length prefixes counts %v", fmtCounts(counts), fmtCounts(walked))
	}
	// Counted independently (a Python walk of the length prefixes) when the
	// file was added: 1 system event, 993 stock directory, 3 trading
	// action and 3 Reg SHO messages.
	if want := map[byte]int{'S': 1, 'R': 993, 'H': 3, 'Y': 3}; !maps.Equal(counts, want) {
		t.Errorf("per-type counts %v, want %v", fmtCounts(counts), fmtCounts(want))
	}
	t.Logf("%d messages: %v", total, fmtCounts(counts))
	if r.Offset() != int64(len(data)) {
		t.Errorf("Offset() = %d at the end, want %d", r.Offset(), len(data))
	}
	if !bytes.Equal(buf.Bytes(), data) {
		i := 0
		for i < min(buf.Len(), len(data)) && buf.Bytes()[i] == data[i] {
			i++
		}
		t.Errorf("re-encoded stream (%d bytes) differs from the file (%d bytes) at offset %d", buf.Len(), len(data), i)
	}
}

// fmtCounts formats per-type counts as map[S:1 R:993], types as characters.
func fmtCounts(c map[byte]int) map[string]int {
	out := map[string]int{}
	for t, n := range c {
		out[string(t)] = n
	}
	return out
}
