package bench

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	c := SystemClock()
	if c != SystemClock() {
		t.Fatal("SystemClock calibrated twice")
	}
	switch c.Source {
	case "rdtsc":
		if c.TicksPerSecond < 1e8 {
			t.Errorf("rdtsc at %g ticks/s", c.TicksPerSecond)
		}
	case "runtime.nanotime":
		if c.TicksPerSecond != 1e9 || c.NS(1000) != 1000 {
			t.Errorf("nanotime clock: %g ticks/s, NS(1000) = %d", c.TicksPerSecond, c.NS(1000))
		}
	default:
		t.Fatalf("unknown source %q", c.Source)
	}
	// One second of ticks is one second of nanoseconds, and back.
	if ns := c.NS(int64(c.TicksPerSecond)); ns < 999_999_000 || ns > 1_000_001_000 {
		t.Errorf("NS(one second of ticks) = %d", ns)
	}
	if ticks := c.Ticks(1e9); ticks < 0.999999*c.TicksPerSecond || ticks > 1.000001*c.TicksPerSecond {
		t.Errorf("Ticks(1e9) = %g, want %g", ticks, c.TicksPerSecond)
	}
	prev := c.Now()
	for range 1000 {
		now := c.Now()
		if now < prev {
			t.Fatalf("clock went back from %d to %d", prev, now)
		}
		prev = now
	}
}

func TestMeasureClockCost(t *testing.T) {
	cost := MeasureClockCost(SystemClock(), 1000)
	if cost.NS <= 0 || cost.TimeNowNS <= 0 || cost.Source == "" {
		t.Errorf("cost %+v", cost)
	}
}

func TestFindLOBSTER(t *testing.T) {
	dir := t.TempDir()
	lob := filepath.Join(dir, LOBSTERDirName)
	if err := os.Mkdir(lob, 0o755); err != nil {
		t.Fatal(err)
	}
	if m, _, looked := FindLOBSTER(dir); m != "" || len(looked) == 0 {
		t.Fatalf("found %q in an empty directory", m)
	}
	for _, f := range []string{"AMZN_x_message_1.csv", "AMZN_x_orderbook_1.csv"} {
		if err := os.WriteFile(filepath.Join(lob, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{dir, lob} {
		m, b, _ := FindLOBSTER(d)
		if filepath.Base(m) != "AMZN_x_message_1.csv" || filepath.Base(b) != "AMZN_x_orderbook_1.csv" {
			t.Errorf("FindLOBSTER(%s) = %q, %q", d, m, b)
		}
	}
}

func TestFindPeersDir(t *testing.T) {
	dir, _ := FindPeersDir("")
	if dir == "" {
		t.Skip("peers module not beside the source") // a copy of the package without it
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatal(err)
	}
	if d, looked := FindPeersDir(t.TempDir()); d != "" || len(looked) != 1 {
		t.Errorf("found peers in an empty directory: %q", d)
	}
}

var benchSink int64

func BenchmarkClock(b *testing.B) {
	c := SystemClock()
	b.Run(c.Source, func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			benchSink += c.Now()
		}
	})
	b.Run("time.Now", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			benchSink += time.Now().UnixNano()
		}
	})
}
