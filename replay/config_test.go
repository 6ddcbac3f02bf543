package replay

import (
	"bytes"
	"os"
	"testing"
)

// TestConfigRoundTrip: the journaled configuration of the default
// configuration reads back to the same bytes, and configDiff names what
// differs.
func TestConfigRoundTrip(t *testing.T) {
	cfg := DefaultConfig()
	raw := EncodeConfig(&cfg)
	back, err := ApplyConfig(cfg, raw)
	if err != nil {
		t.Fatal(err)
	}
	if again := EncodeConfig(&back); !bytes.Equal(again, raw) {
		t.Fatalf("configuration does not round-trip:\n%s\n%s", raw, again)
	}
	other := cfg
	rc := *cfg.Risk
	rc.MaxAccounts++
	other.Risk = &rc
	other.Matcher.ProtectionBps++
	diff := ConfigDiff(raw, EncodeConfig(&other), 8)
	if len(diff) != 2 {
		t.Fatalf("diff %v, want the two settings changed", diff)
	}
}

// FuzzRunConfig: a journaled configuration file that does not parse is an
// error, never a panic; one that parses encodes back to an equivalent one.
func FuzzRunConfig(f *testing.F) {
	cfg := DefaultConfig()
	f.Add(EncodeConfig(&cfg))
	f.Add([]byte(`{"matcher":{"max_symbols":1,"max_orders":1,"protection_bps":0},"risk":null}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ApplyConfig(cfg, b)
		if err != nil {
			return
		}
		raw := EncodeConfig(&c)
		c2, err := ApplyConfig(cfg, raw)
		if err != nil {
			t.Fatalf("re-encoded configuration refused: %v", err)
		}
		if !bytes.Equal(EncodeConfig(&c2), raw) {
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
	if bytes.Equal(old, EncodeConfig(&cfg)) {
		t.Fatal("the old encoding equals today's: the test proves nothing")
	}
	dir := t.TempDir()
	if err := WriteConfig(dir, 1, old); err != nil {
		t.Fatal(err)
	}
	cs, err := ReadConfigs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || !bytes.Equal(cs[0].Raw, EncodeConfig(&cfg)) {
		t.Fatalf("the older default reads as another configuration:\n%s", ConfigDiff(cs[0].Raw, EncodeConfig(&cfg), 5))
	}
}
