package replay

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tradeengine/engine/matcher"
	"github.com/tradeengine/engine/risk"
)

func sampleCheckpoint(seq uint64) Checkpoint {
	return Checkpoint{Seq: seq, TS: 34200e9 + int64(seq), Snapshot: seq%2 == 0, State: 0xabc + seq, Output: 0xdef, Global: 7,
		Books:       []matcher.BookHash{{Symbol: 0, Hash: 1}, {Symbol: 3, Hash: 2}},
		Accounts:    []risk.AccountHash{{Account: 9, Hash: 5}},
		OutputState: []byte("xxhash-state")}
}

// TestCheckpointRecord: a record decodes to what was encoded; every flipped
// byte and every cut is refused with ErrDigest, and a record of another
// journal fails its checksum.
func TestCheckpointRecord(t *testing.T) {
	c := sampleCheckpoint(1 << 20)
	b := AppendCheckpoint(nil, &c, 42)
	got, n, err := DecodeCheckpoint(b, 42)
	if err != nil || n != len(b) || !reflect.DeepEqual(got, c) {
		t.Fatalf("decoded %+v, %d, %v; want %+v, %d", got, n, err, c, len(b))
	}
	if _, _, err := DecodeCheckpoint(b, 43); !errors.Is(err, ErrDigest) {
		t.Fatalf("another journal's id: %v", err)
	}
	for i := range b {
		d := bytes.Clone(b)
		d[i] ^= 0x10
		if _, _, err := DecodeCheckpoint(d, 42); !errors.Is(err, ErrDigest) {
			t.Fatalf("byte %d flipped: %v", i, err)
		}
	}
	for i := range len(b) {
		if _, _, err := DecodeCheckpoint(b[:i], 42); !errors.Is(err, ErrDigest) {
			t.Fatalf("cut to %d: %v", i, err)
		}
	}
}

// TestDigestLogTorn: a log whose last record is torn reads without it, and
// reopening for appending cuts it and goes on after the last whole one;
// a record at or before the last is not appended twice.
func TestDigestLogTorn(t *testing.T) {
	dir := t.TempDir()
	dl, err := OpenDigestLog(dir, 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, seq := range []uint64{100, 200, 300} {
		c := sampleCheckpoint(seq)
		if err := dl.Append(&c); err != nil {
			t.Fatal(err)
		}
	}
	c := sampleCheckpoint(200)
	if err := dl.Append(&c); err != nil {
		t.Fatal(err)
	}
	dl.Close()
	path := filepath.Join(dir, DigestFile)
	st, _ := os.Stat(path)
	if err := os.Truncate(path, st.Size()-5); err != nil {
		t.Fatal(err)
	}
	cs, err := ReadDigests(dir, 7)
	if err != nil || len(cs) != 2 || cs[1].Seq != 200 {
		t.Fatalf("torn log read as %d records, %v", len(cs), err)
	}
	if _, err := ReadDigests(dir, 8); !errors.Is(err, ErrDigest) {
		t.Fatalf("another journal's log: %v", err)
	}
	dl, err = OpenDigestLog(dir, 7)
	if err != nil {
		t.Fatal(err)
	}
	if dl.Last() != 200 {
		t.Fatalf("reopened at %d, want 200", dl.Last())
	}
	c = sampleCheckpoint(400)
	if err := dl.Append(&c); err != nil {
		t.Fatal(err)
	}
	dl.Close()
	cs, err = ReadDigests(dir, 7)
	if err != nil || len(cs) != 3 || cs[2].Seq != 400 {
		t.Fatalf("after reopening: %d records, %v", len(cs), err)
	}
	// Damage before the end is an error, not a silent cut.
	b, _ := os.ReadFile(path)
	b[digestHeader+10] ^= 1
	os.WriteFile(path, b, 0o644)
	if _, err := ReadDigests(dir, 7); !errors.Is(err, ErrDigest) {
		t.Fatalf("damaged first record: %v", err)
	}
}

// FuzzDecodeCheckpoint: the decoder never panics, and what it accepts
// encodes back to the same bytes.
func FuzzDecodeCheckpoint(f *testing.F) {
	c := sampleCheckpoint(5)
	f.Add(AppendCheckpoint(nil, &c, 1))
	empty := Checkpoint{Seq: 1}
	f.Add(AppendCheckpoint(nil, &empty, 1))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, n, err := DecodeCheckpoint(b, 1)
		if err != nil {
			return
		}
		if again := AppendCheckpoint(nil, &c, 1); !bytes.Equal(again, b[:n]) {
			t.Fatalf("re-encoded %x, decoded from %x", again, b[:n])
		}
	})
}
