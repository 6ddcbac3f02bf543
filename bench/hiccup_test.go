package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tradeengine/engine/ring"
)

// checkGaps checks what holds for any gap histogram whatever the machine
// does: values were recorded, the ladder is ordered, and the median (the
// loop's own cost) is above 0 where the clock has a nanosecond's resolution
// and below 10 µs (it is some 10 to 100 ns).
func checkGaps(t *testing.T, l *Latency) {
	t.Helper()
	lad := LadderOf(l.Raw)
	if lad.Count == 0 {
		t.Fatal("no gap recorded")
	}
	if !(lad.Max >= lad.P9999 && lad.P9999 >= lad.P99 && lad.P99 >= lad.P50) {
		t.Errorf("ladder out of order: %+v", lad)
	}
	if (runtime.GOOS == "linux" || SystemClock().Source == "rdtsc") && lad.P50 <= 0 {
		t.Errorf("median gap %d ns: a clock of 1 ns resolution cannot be read twice in 0 ns", lad.P50)
	}
	if lad.P50 >= 10_000 {
		t.Errorf("median gap %d ns: the loop costs some 10 to 100 ns", lad.P50)
	}
}

// TestHiccupSpin runs the spin loop for a few milliseconds on the test's
// goroutine and checks that the gaps it recorded add up to the span it
// spun: each gap is the difference of two reads converted to ns, so the sum
// telescopes, within the histogram's resolution (0.1%).
func TestHiccupSpin(t *testing.T) {
	clk := SystemClock()
	lat := NewLatency("hiccup", "t", "t", MethodClosedLoop)
	var stop atomic.Bool
	deadline := clk.Now() + int64(clk.Ticks(20e6))
	r := spin(clk, lat, &stop, deadline, nil)
	checkGaps(t, lat)
	if r.gaps != lat.Raw.TotalCount() {
		t.Errorf("%d gaps, %d recorded", r.gaps, lat.Raw.TotalCount())
	}
	if r.last < deadline {
		t.Errorf("stopped at %d, before the deadline %d", r.last, deadline)
	}
	span := clk.NS(r.last) - clk.NS(r.first)
	sum := lat.Raw.Mean() * float64(lat.Raw.TotalCount())
	if d := sum - float64(span); d > 0.002*float64(span) || d < -0.002*float64(span) {
		t.Errorf("gaps add up to %.0f ns over a span of %d ns", sum, span)
	}
	if lat.Clamped != 0 {
		t.Errorf("%d gaps clamped", lat.Clamped)
	}
}

// TestHiccupSpinAllocs: the spin loop records into the histogram in place.
func TestHiccupSpinAllocs(t *testing.T) {
	clk := SystemClock()
	lat := NewLatency("hiccup", "t", "t", MethodClosedLoop)
	var stop atomic.Bool
	allocs := testing.AllocsPerRun(3, func() {
		spin(clk, lat, &stop, clk.Now()+int64(clk.Ticks(2e6)), nil)
	})
	if allocs != 0 {
		t.Errorf("spin allocates %.1f times a run", allocs)
	}
}

// TestHiccupStartStop starts and stops the spinner pinned, unpinned and
// asked for a CPU it may not have (it then runs unpinned and says why).
func TestHiccupStartStop(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cpu     int
		pinned  bool
		refused bool
	}{
		{"pinned", HiccupCPU(-1), true, false},
		{"unpinned", -1, false, false},
		{"refused", 1 << 20, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.pinned && tc.cpu < 0 {
				t.Skip("no CPU to pin to here")
			}
			h := StartHiccup(SystemClock(), tc.cpu)
			time.Sleep(20 * time.Millisecond)
			l := h.Stop()
			if pinned := h.CPU() >= 0; pinned != tc.pinned {
				if !(tc.pinned && errors.Is(h.PinErr(), ring.ErrPinUnsupported)) {
					t.Errorf("pinned %v (cpu %d, err %v), want %v", pinned, h.CPU(), h.PinErr(), tc.pinned)
				}
			}
			if refused := h.PinErr() != nil; refused != tc.refused && !tc.pinned {
				t.Errorf("pin error %v, want one: %v", h.PinErr(), tc.refused)
			}
			checkGaps(t, l)
			if h.Gaps() != l.Raw.TotalCount() || h.SpanNS() < 20e6 {
				t.Errorf("%d gaps over %d ns, %d recorded: want them all, over at least the 20 ms slept", h.Gaps(), h.SpanNS(), l.Raw.TotalCount())
			}
			if l.Method != MethodClosedLoop || l.Corrected.TotalCount() < l.Raw.TotalCount() || l.Interval != max(l.Raw.ValueAtQuantile(50), 1) {
				t.Errorf("method %q interval %d, %d corrected for %d raw: want corrected at the median gap", l.Method, l.Interval, l.Corrected.TotalCount(), l.Raw.TotalCount())
			}
			if l.Scenario != "hiccup" || l.Name != "hiccup" || !strings.Contains(l.Title, SystemClock().Source) {
				t.Errorf("latency %s/%s %q", l.Scenario, l.Name, l.Title)
			}
			if h.Stop() != l {
				t.Error("a second Stop returned another latency")
			}
		})
	}
}

// TestHiccupScenario runs the hiccup scenario for 200 ms alone and 200 ms
// beside durable writes, and checks its rows, its .hgrm files, its plot and
// BENCHMARKS.md. It asserts no timing.
func TestHiccupScenario(t *testing.T) {
	cfg := SmokeConfig()
	cfg.Scenarios = []string{"hiccup"}
	cfg.Duration = 200 * time.Millisecond
	cfg.Out = t.TempDir()
	cfg.Peers = false
	cfg.Command = "go test -run TestHiccupScenario"
	cfg.BenchmarksMD = filepath.Join(t.TempDir(), "BENCHMARKS.md")
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	CheckOutput(t, cfg.Out, rep)

	i := slices.IndexFunc(rep.Latencies, func(l LatencyFile) bool { return l.Name == "hiccup" })
	if i < 0 {
		t.Fatal("no latency hiccup")
	}
	lf := rep.Latencies[i]
	if lf.Scenario != "hiccup" || lf.Method != MethodClosedLoop || lf.Samples == 0 || lf.CorrectedL.Count < lf.RawL.Count {
		t.Errorf("latency %+v", lf)
	}
	if l := lf.RawL; !(l.Max >= l.P99 && l.P99 >= l.P50) {
		t.Errorf("raw ladder out of order: %+v", l)
	}
	for _, f := range []struct {
		file  string
		count int64
	}{{lf.Raw, lf.RawL.Count}, {lf.Corrected, lf.CorrectedL.Count}} {
		h, err := readHgrm(filepath.Join(cfg.Out, f.file))
		if err != nil {
			t.Fatal(err)
		}
		if h.TotalCount != f.count || h.Unit != HgrmUnit || !strings.Contains(h.Title, "spinning") {
			t.Errorf("%s: %d values in %q titled %q, want %d in %q", f.file, h.TotalCount, h.Unit, h.Title, f.count, HgrmUnit)
		}
	}
	if f := lf.Raw; f != "hiccup.raw.hgrm" {
		t.Errorf("raw histogram in %s", f)
	}

	svg, err := os.ReadFile(filepath.Join(cfg.Out, PlotName("hiccup")))
	if err != nil {
		t.Fatal(err)
	}
	if names, err := SVGSeries(svg); err != nil || !slices.Equal(names, []string{"hiccup", "hiccup (raw)", "hiccup-syncs", "hiccup-syncs (raw)"}) {
		t.Errorf("plot series %q, %v", names, err)
	}

	metrics := []string{"gap p50", "gap p99", "gap p99.9", "gap p99.99", "gap max"}
	for _, m := range metrics[:5] {
		metrics = append(metrics, "beside syncs: "+m)
	}
	if i := slices.IndexFunc(rep.Latencies, func(l LatencyFile) bool { return l.Name == "hiccup-syncs" }); i < 0 {
		t.Error("no latency hiccup-syncs")
	} else if l := rep.Latencies[i]; l.Samples == 0 || !strings.Contains(l.Title, "fdatasync") {
		t.Errorf("latency hiccup-syncs: %d samples, titled %q", l.Samples, l.Title)
	}
	md, err := os.ReadFile(cfg.BenchmarksMD)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range metrics {
		k := slices.IndexFunc(rep.Rows, func(r Row) bool { return r.Scenario == "hiccup" && r.Metric == m })
		if k < 0 {
			t.Errorf("no row %q", m)
			continue
		}
		if r := rep.Rows[k]; r.Unit != "ns" || r.Note == "" {
			t.Errorf("row %q: unit %q, note %q", m, r.Unit, r.Note)
		}
		if !strings.Contains(string(md), "| hiccup | "+m+" | ") {
			t.Errorf("BENCHMARKS.md lacks the row %q", m)
		}
	}
	if !strings.Contains(string(md), "hiccup.corrected.hgrm") || !strings.Contains(string(md), PlotName("hiccup")) {
		t.Error("BENCHMARKS.md does not link the hiccup histograms and plot")
	}
}

// ExampleStartHiccup measures the machine's floor beside a piece of work:
// start the spinner, do the work, stop it, and report its latency (renamed
// to sit beside the work's own) with the others.
func ExampleStartHiccup() {
	h := StartHiccup(SystemClock(), HiccupCPU(-1))
	time.Sleep(10 * time.Millisecond) // the work: an e2e run, say
	lat := h.Stop()
	lat.Scenario, lat.Name = "e2e", "hiccup-e2e-1M"
	lad := LadderOf(lat.Raw)
	fmt.Println(lad.Count > 0, lad.Max >= lad.P99 && lad.P99 >= lad.P50)
	// Output: true true
}
