package pipeline

import (
	"bytes"
	"errors"
	"testing"
)

// TestCheckpointRoundTrip: a checkpoint decodes to what was encoded, and
// every damage is refused as ErrCheckpoint, the journal id included (the
// checksum is keyed by it).
func TestCheckpointRoundTrip(t *testing.T) {
	c := checkpoint{id: 0xfeedface, seq: 12345, offset: 999, digest: []byte("digest-state"), path: "/tmp/out.csv"}
	b := c.encode()
	got, err := decodeCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.id != c.id || got.seq != c.seq || got.offset != c.offset || !bytes.Equal(got.digest, c.digest) || got.path != c.path {
		t.Fatalf("decoded %+v, want %+v", got, c)
	}
	for i := range b {
		d := bytes.Clone(b)
		d[i] ^= 0x40
		if _, err := decodeCheckpoint(d); !errors.Is(err, ErrCheckpoint) {
			t.Fatalf("byte %d flipped: err %v, want ErrCheckpoint", i, err)
		}
	}
	for n := range b {
		if _, err := decodeCheckpoint(b[:n]); !errors.Is(err, ErrCheckpoint) {
			t.Fatalf("cut to %d bytes: err %v, want ErrCheckpoint", n, err)
		}
	}
}

// FuzzDecodeCheckpoint: the checkpoint decoder never panics, and what it
// accepts encodes back to the same bytes.
func FuzzDecodeCheckpoint(f *testing.F) {
	f.Add((&checkpoint{id: 1, seq: 2, offset: 3, digest: []byte("d"), path: "p"}).encode())
	f.Add((&checkpoint{id: 7}).encode())
	f.Add([]byte("TEOUTCKP"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeCheckpoint(b)
		if err != nil {
			if !errors.Is(err, ErrCheckpoint) {
				t.Fatalf("error %v does not wrap ErrCheckpoint", err)
			}
			return
		}
		if !bytes.Equal(c.encode(), b) {
			t.Fatal("accepted bytes that do not encode back")
		}
	})
}
