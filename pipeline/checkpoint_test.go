package pipeline

import (
	"bytes"
	"errors"
	"os"
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

// TestConfigRoundTrip: the journaled configuration of the default
// configuration reads back to the same bytes, and configDiff names what
// differs.
func TestConfigRoundTrip(t *testing.T) {
	cfg := testConfig()
	raw := configOf(&cfg)
	back, err := applyConfig(cfg, raw)
	if err != nil {
		t.Fatal(err)
	}
	if again := configOf(&back); !bytes.Equal(again, raw) {
		t.Fatalf("configuration does not round-trip:\n%s\n%s", raw, again)
	}
	other := cfg
	rc := *cfg.Risk
	rc.MaxAccounts++
	other.Risk = &rc
	other.Matcher.ProtectionBps++
	diff := configDiff(raw, configOf(&other), 8)
	if len(diff) != 2 {
		t.Fatalf("diff %v, want the two settings changed", diff)
	}
}

// FuzzRunConfig: a journaled configuration file that does not parse is an
// error, never a panic; one that parses encodes back to an equivalent one.
func FuzzRunConfig(f *testing.F) {
	cfg := testConfig()
	f.Add(configOf(&cfg))
	f.Add([]byte(`{"matcher":{"max_symbols":1,"max_orders":1,"protection_bps":0},"risk":null}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := applyConfig(cfg, b)
		if err != nil {
			return
		}
		raw := configOf(&c)
		c2, err := applyConfig(cfg, raw)
		if err != nil {
			t.Fatalf("re-encoded configuration refused: %v", err)
		}
		if !bytes.Equal(configOf(&c2), raw) {
			t.Fatal("configuration does not round-trip")
		}
	})
}

// TestOlderConfigAccepted: a run configuration journaled by an older engine
// (testdata/config-v1.json: the default configuration as the engine wrote it
// before the approval settings existed) is the same configuration as
// today's default, so a restart under the default is not refused.
func TestOlderConfigAccepted(t *testing.T) {
	old, err := os.ReadFile("testdata/config-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	if bytes.Equal(old, configOf(&cfg)) {
		t.Fatal("the old encoding equals today's: the test proves nothing")
	}
	dir := t.TempDir()
	if err := writeConfig(dir, 1, old); err != nil {
		t.Fatal(err)
	}
	cs, err := readConfigs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || !bytes.Equal(cs[0].raw, configOf(&cfg)) {
		t.Fatalf("the older default reads as another configuration:\n%s", configDiff(cs[0].raw, configOf(&cfg), 5))
	}
}
