package bench

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestSyncWriter: the writer makes its writes durable until stopped, leaves
// no file behind, and refuses a cadence that means nothing.
func TestSyncWriter(t *testing.T) {
	dir := t.TempDir()
	w, err := StartSyncWriter(dir, 4096, 100*time.Microsecond)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for w.Syncs() < 3 && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if _, err := os.Stat(filepath.Join(dir, "syncwriter")); err != nil {
		t.Errorf("writing, no file: %v", err)
	}
	n, err := w.Stop()
	if err != nil || n < 3 {
		t.Fatalf("stopped after %d syncs, %v: want at least 3", n, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left behind %v", ents)
	}
	for _, c := range []struct {
		bytes int
		every time.Duration
	}{{0, time.Millisecond}, {4096, 0}} {
		if _, err := StartSyncWriter(dir, c.bytes, c.every); err == nil {
			t.Errorf("%d bytes every %v accepted", c.bytes, c.every)
		}
	}
	if _, err := StartSyncWriter(filepath.Join(dir, "missing"), 4096, time.Millisecond); err == nil {
		t.Error("a missing directory accepted")
	}
}
