package bench

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/pipeline"
	"github.com/tradeengine/engine/ring"
)

// SustainableRule is how the e2e scenario decides that an offered rate is
// sustained, and how it searches for the highest one.
const SustainableRule = "a rate is sustained when the achieved rate is at least 99% of the offered rate and the corrected (intended-time) p99 is at most 1 ms (queues do not build up); the search doubles the offered rate from the best sustained fixed rate until a rate is not sustained, then bisects twice between the last sustained rate and the first that was not; when no fixed rate is sustained it halves the lowest one, at most three times"

// Bounds of the sustainable rule.
const (
	sustainAchieved = 0.99
	sustainP99      = 1_000_000 // ns
	maxSearchRate   = 64e6
	// maxE2EEvents caps the events of one e2e step (and its 8 bytes of
	// send time per event).
	maxE2EEvents = 32 << 20
)

// E2EResult is one e2e step: the engine at one offered rate.
type E2EResult struct {
	Offered  float64 // events/s
	Achieved float64 // events/s: measured events over the span from the first one's intended time to the last one's first output
	Events   int     // events sent, warm-up included
	Warm     int     // warm-up events, not recorded
	Latency  *Latency
	GCCycles uint64        // completed GC cycles from the end of the warm-up to the end of the run
	GCPause  time.Duration // their stop-the-world pauses
	Passes   uint64        // times the source wrapped around its flow
	// Unanswered counts inputs that produced no output event (not measured).
	Unanswered int64
	Summary    pipeline.Summary
	Sent       []int64 // the send times, for reuse by the next step
}

// Sustained reports whether the step meets SustainableRule.
func (r *E2EResult) Sustained() bool {
	return r.Achieved >= sustainAchieved*r.Offered && r.Latency.Corrected.ValueAtQuantile(99) <= sustainP99
}

// RateLabel names a rate: "100K", "1M", "2.5M".
func RateLabel(rate float64) string { return FormatSI(rate) }

// E2EOptions describe one e2e step.
type E2EOptions struct {
	Rate        float64       // offered events per second
	Duration    time.Duration // how long the source offers events
	JournalDir  string        // where the batch-mode journal goes (empty, or new)
	SegmentSize int64         // the journal's segment size, 0 for its default
	// FlipPinning runs the logic the other way from DefaultConfig, a
	// diagnostic: pinned to the last CPU when the default leaves it
	// unpinned (machines with fewer than pipeline.PinMinCPUs CPUs), else
	// unpinned.
	FlipPinning bool
}

// E2ERun offers events from pool at o.Rate for about o.Duration through the
// whole engine: pipeline.Run with pipeline.DefaultConfig and a batch-mode
// journal, with a PacedSource and a LatencySink. sent is reused for the
// send times when it is long enough.
func E2ERun(ctx context.Context, o E2EOptions, pool *FlowPool, sent []int64) (*E2EResult, error) {
	clk := SystemClock()
	rate := o.Rate
	n := int(math.Min(rate*o.Duration.Seconds(), maxE2EEvents))
	n = max(n, 2000)
	pool.Ensure(n)
	warm := n / 10
	src := NewPacedSource(clk, pool.Events(), n, rate, warm, sent)
	label := RateLabel(rate)
	lat := NewLatency("e2e", "e2e-"+label, fmt.Sprintf("end to end at %s events/s offered: intended send to first output, batch journal", label), MethodIntended)
	cfg := pipeline.DefaultConfig()
	cfg.Journal = &pipeline.JournalConfig{Dir: o.JournalDir, Options: journal.Options{Durability: journal.Batch, SegmentSize: o.SegmentSize}}
	if o.FlipPinning {
		if cfg.CPU == pipeline.NoPin {
			cpus, err := ring.AllowedCPUs()
			if err != nil || len(cpus) == 0 {
				return nil, fmt.Errorf("bench: e2e: no cpu to pin the logic to: %v", err)
			}
			cfg.CPU = cpus[len(cpus)-1]
		} else {
			cfg.CPU = pipeline.NoPin
		}
	}
	if cfg.CPU == pipeline.NoPin {
		lat.Title += ", logic unpinned"
	} else {
		lat.Title += fmt.Sprintf(", logic pinned to cpu %d", cfg.CPU)
	}
	if o.FlipPinning {
		lat.Name += "-" + pinLabel(cfg.CPU)
	}
	sink := NewLatencySink(clk, src, cfg.FirstSeq, lat)

	runtime.GC() // start clean: nothing in the window should need a cycle
	sum, err := pipeline.Run(ctx, cfg, src, sink)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if err != nil {
		return nil, fmt.Errorf("bench: e2e at %s/s: %w", label, err)
	}
	res := &E2EResult{Offered: rate, Events: n, Warm: warm, Latency: lat, Passes: src.Passes(), Summary: sum, Sent: src.Sent}
	switch {
	case sum.EventsIn != int64(n):
		return nil, fmt.Errorf("bench: e2e at %s/s: %d events entered the engine, %d were sent", label, sum.EventsIn, n)
	case sink.Inputs == 0:
		return nil, fmt.Errorf("bench: e2e at %s/s: no output reached the sink", label)
	}
	// The matcher answers every input; should a stage ever swallow one, its
	// latency cannot be measured, and the rows say how many.
	res.Unanswered = int64(n) - sink.Inputs
	if gcs := uint64(ms.NumGC); gcs > src.GCAtWarm() {
		res.GCCycles = gcs - src.GCAtWarm()
		for k := src.GCAtWarm() + 1; k <= gcs && k+256 > gcs; k++ {
			res.GCPause += time.Duration(ms.PauseNs[(k+255)%256])
		}
	}
	if span := clk.NS(sink.LastTick - src.Due(warm)); span > 0 {
		res.Achieved = float64(n-warm) / (float64(span) / 1e9)
	}
	return res, nil
}

// runE2E is the e2e scenario: the fixed rates, then the search for the
// highest sustainable rate when Rates holds a 0.
func (s *suite) runE2E(ctx context.Context) error {
	pool, err := s.flowPool()
	if err != nil {
		return err
	}
	var sent []int64
	step := func(rate float64, flip bool) (*E2EResult, error) {
		dir, done, err := s.tempDir("e2e")
		if err != nil {
			return nil, err
		}
		defer done()
		r, err := E2ERun(ctx, E2EOptions{Rate: rate, Duration: s.cfg.Duration, JournalDir: dir, SegmentSize: s.cfg.SegmentSize, FlipPinning: flip}, pool, sent)
		if err != nil {
			return nil, err
		}
		sent = r.Sent
		ok := "sustained"
		if !r.Sustained() {
			ok = "not sustained"
		}
		s.progress("e2e: %s/s offered: achieved %s/s, p50 %s, p99 %s, p99.99 %s: %s", RateLabel(rate), FormatSI(r.Achieved),
			FormatNS(float64(r.Latency.Corrected.ValueAtQuantile(50))), FormatNS(float64(r.Latency.Corrected.ValueAtQuantile(99))),
			FormatNS(float64(r.Latency.Corrected.ValueAtQuantile(99.99))), ok)
		return r, nil
	}

	search := false
	var best *E2EResult
	for _, rate := range s.cfg.Rates {
		if rate == 0 {
			search = true
			continue
		}
		s.progress("e2e: %s/s offered for %v", RateLabel(rate), s.cfg.Duration)
		r, err := step(rate, false)
		if err != nil {
			return err
		}
		if err := s.addE2E(r, RateLabel(rate)+"/s"); err != nil {
			return err
		}
		if rate == 1e6 {
			// The diagnostic beside the 1M/s target: the same step with
			// the logic pinned the other way, to show what pinning does
			// here.
			other := pinLabel(pipeline.NoPin)
			if pipeline.DefaultConfig().CPU == pipeline.NoPin {
				other = pinLabel(0)
			}
			s.progress("e2e: %s/s offered, logic %s (diagnostic)", RateLabel(rate), other)
			u, err := step(rate, true)
			if err != nil {
				return err
			}
			if err := s.addE2E(u, RateLabel(rate)+"/s "+other); err != nil {
				return err
			}
		}
		if r.Sustained() && (best == nil || r.Offered > best.Offered) {
			best = r
		}
	}
	if !search {
		return nil
	}

	var steps []string
	try := func(rate float64) (*E2EResult, error) {
		s.progress("e2e: search: %s/s offered for %v", RateLabel(rate), s.cfg.Duration)
		r, err := step(rate, false)
		if err != nil {
			return nil, err
		}
		verdict := "sustained"
		if !r.Sustained() {
			verdict = "not sustained"
		}
		steps = append(steps, fmt.Sprintf("%s/s %s (achieved %s/s, p99 %s)", RateLabel(rate), verdict,
			FormatSI(r.Achieved), FormatNS(float64(r.Latency.Corrected.ValueAtQuantile(99)))))
		return r, nil
	}
	good := best
	var bad float64
	if !slices.ContainsFunc(s.cfg.Rates, func(r float64) bool { return r > 0 }) {
		// No fixed rate ran: start the search at 1M/s.
		r, err := try(1e6)
		if err != nil {
			return err
		}
		if r.Sustained() {
			good = r
		}
	}
	if good != nil {
		for rate := 2 * good.Offered; rate <= maxSearchRate; rate *= 2 {
			r, err := try(rate)
			if err != nil {
				return err
			}
			if !r.Sustained() {
				bad = rate
				break
			}
			good = r
		}
	} else {
		bad = 1e6
		for _, r := range s.cfg.Rates {
			if r > 0 {
				bad = min(bad, r)
			}
		}
		for range 3 {
			r, err := try(bad / 2)
			if err != nil {
				return err
			}
			if r.Sustained() {
				good = r
				break
			}
			bad /= 2
		}
	}
	if good != nil && bad > 0 {
		for range 2 {
			mid := roundRate((good.Offered + bad) / 2)
			if mid <= good.Offered || mid >= bad {
				break
			}
			r, err := try(mid)
			if err != nil {
				return err
			}
			if r.Sustained() {
				good = r
			} else {
				bad = mid
			}
		}
	}
	s.rep.Note("e2e search for the highest sustainable rate: %s", strings.Join(steps, "; "))
	if good == nil {
		row := NewRow("e2e", "highest sustainable rate", math.NaN(), "events/s")
		row.Note = "no rate tried was sustained"
		s.rep.Add(row)
		return nil
	}
	row := NewRow("e2e", "highest sustainable rate", good.Offered, "events/s")
	row.Note = fmt.Sprintf("achieved %s/s, p99 %s; not sustained at %s/s", FormatSI(good.Achieved),
		FormatNS(float64(good.Latency.Corrected.ValueAtQuantile(99))), RateLabel(bad))
	if bad == 0 {
		row.Note = fmt.Sprintf("achieved %s/s, p99 %s; the search stopped at %s/s", FormatSI(good.Achieved),
			FormatNS(float64(good.Latency.Corrected.ValueAtQuantile(99))), RateLabel(maxSearchRate))
	}
	s.rep.Add(row)
	if good != best { // the fixed rates' results are in the table already
		good.Latency.Name = "e2e-max-" + RateLabel(good.Offered)
		good.Latency.Title = "end to end at the highest sustainable rate, " + RateLabel(good.Offered) + " events/s offered"
		return s.addE2E(good, "max "+RateLabel(good.Offered)+"/s")
	}
	return nil
}

// roundRate rounds a rate to two significant digits.
func roundRate(r float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(r))-1)
	return math.Round(r/p) * p
}

// addE2E adds a step's latency and rows under the given label.
func (s *suite) addE2E(r *E2EResult, label string) error {
	if err := s.addLatency(r.Latency); err != nil {
		return err
	}
	c := r.Latency.Corrected
	row := NewRow("e2e", label+" achieved rate", r.Achieved, "events/s")
	row.Note = fmt.Sprintf("offered %s/s, %d events (%d warm-up)", RateLabel(r.Offered), r.Events, r.Warm)
	if r.Passes > 0 {
		row.Note += fmt.Sprintf(", flow cycled %d times", r.Passes)
	}
	if r.Unanswered > 0 {
		row.Note += fmt.Sprintf(", %d inputs without output (not measured)", r.Unanswered)
	}
	s.rep.Add(row)
	for _, q := range []struct {
		name string
		q    float64
	}{{"p50", 50}, {"p99", 99}, {"p99.99", 99.99}} {
		row := NewRow("e2e", label+" "+q.name, float64(c.ValueAtQuantile(q.q)), "ns")
		row.Note = "raw " + FormatNS(float64(r.Latency.Raw.ValueAtQuantile(q.q)))
		s.rep.Add(row)
	}
	row = NewRow("e2e", label+" max", float64(c.Max()), "ns")
	s.rep.Add(row)
	row = NewRow("e2e", label+" GC cycles", float64(r.GCCycles), "count")
	row.Note = fmt.Sprintf("GC pause %v in the window", r.GCPause)
	s.rep.Add(row)
	return nil
}

// pinLabel names a pinning: "pinned" or "unpinned".
func pinLabel(cpu int) string {
	if cpu == pipeline.NoPin {
		return "unpinned"
	}
	return "pinned"
}
