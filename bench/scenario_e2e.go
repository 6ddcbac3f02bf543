package bench

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"

	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/pipeline"
)

// SustainableRule is how the e2e scenario decides that an offered rate is
// sustained, and how it searches for the highest one.
const SustainableRule = "a rate is sustained when the achieved rate is at least 99% of the offered rate and the corrected (intended-time) p99 is at most 1 ms (queues do not build up); the search doubles the offered rate from the best sustained fixed rate until a rate is not sustained, then bisects twice between the last sustained rate and the first that was not; when no rate is sustained it halves from 1M/s until one is, down to 1K/s; it runs in every threading mode"

// Bounds of the sustainable rule.
const (
	sustainAchieved = 0.99
	sustainP99      = 1_000_000 // ns
	maxSearchRate   = 64e6
	minSearchRate   = 1e3
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
	// Hiccup is the machine's hiccups measured beside the run, when asked.
	Hiccup *Latency
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
	// Threads is the engine's threading mode (pipeline.ThreadsAuto: the
	// machine's default).
	Threads pipeline.Threads
	// CPU pins the logic (or the shared thread) to a CPU; CPUDefault
	// keeps pipeline.DefaultConfig's choice, pipeline.NoPin pins nothing.
	CPU int
	// PrivateMap maps the journal's segments privately
	// (journal.Options.PrivateMap): the committer writes appends out
	// instead of msyncing the appender's pages.
	PrivateMap bool
}

// CPUDefault as E2EOptions.CPU keeps pipeline.DefaultConfig's pinning.
const CPUDefault = -2

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
	cfg.Journal = &pipeline.JournalConfig{Dir: o.JournalDir, Options: journal.Options{Durability: journal.Batch, SegmentSize: o.SegmentSize, PrivateMap: o.PrivateMap}}
	cfg.Threads = o.Threads.Resolve()
	if o.CPU != CPUDefault {
		cfg.CPU = o.CPU
	}
	lat.Title += ", " + cfg.Threads.String() + " threads"
	if cfg.CPU == pipeline.NoPin {
		lat.Title += ", unpinned"
	} else {
		lat.Title += fmt.Sprintf(", pinned to cpu %d", cfg.CPU)
	}
	if o.Threads != pipeline.ThreadsAuto {
		lat.Name += "-" + cfg.Threads.String()
	}
	if o.PrivateMap {
		lat.Name += "-private"
		lat.Title += ", private journal map"
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

// runE2E is the e2e scenario: the fixed rates in the configured threading
// mode, at 1M/s the other modes and the machine's hiccups beside it, then
// the search for the highest sustainable rate in each mode when Rates
// holds a 0.
func (s *suite) runE2E(ctx context.Context) error {
	pool, err := s.flowPool()
	if err != nil {
		return err
	}
	var sent []int64
	main := s.cfg.Threads.Resolve()
	stepMap := func(rate float64, mode pipeline.Threads, hic, private bool) (*E2EResult, error) {
		dir, done, err := s.tempDir("e2e")
		if err != nil {
			return nil, err
		}
		defer done()
		o := E2EOptions{Rate: rate, Duration: s.cfg.Duration, JournalDir: dir, SegmentSize: s.cfg.SegmentSize, CPU: s.cfg.CPU, PrivateMap: private}
		if mode != main || s.cfg.Threads != pipeline.ThreadsAuto {
			o.Threads = mode
		}
		var h *Hiccup
		if hic {
			cpu := pipeline.DefaultConfig().CPU
			if s.cfg.CPU != CPUDefault {
				cpu = s.cfg.CPU
			}
			h = StartHiccup(SystemClock(), HiccupCPU(cpu))
		}
		r, err := E2ERun(ctx, o, pool, sent)
		if h != nil {
			lat := h.Stop()
			if err == nil {
				r.Hiccup = lat
			}
		}
		if err != nil {
			return nil, err
		}
		sent = r.Sent
		ok := "sustained"
		if !r.Sustained() {
			ok = "not sustained"
		}
		s.progress("e2e: %s/s offered, %s threads%s: achieved %s/s, p50 %s, p99 %s, p99.99 %s: %s", RateLabel(rate), mode, mapNote(private), FormatSI(r.Achieved),
			FormatNS(float64(r.Latency.Corrected.ValueAtQuantile(50))), FormatNS(float64(r.Latency.Corrected.ValueAtQuantile(99))),
			FormatNS(float64(r.Latency.Corrected.ValueAtQuantile(99.99))), ok)
		return r, nil
	}
	step := func(rate float64, mode pipeline.Threads, hic bool) (*E2EResult, error) {
		return stepMap(rate, mode, hic, s.cfg.PrivateMap)
	}

	search := false
	best := map[pipeline.Threads]*E2EResult{}
	keep := func(r *E2EResult, mode pipeline.Threads) {
		if r.Sustained() && (best[mode] == nil || r.Offered > best[mode].Offered) {
			best[mode] = r
		}
	}
	for _, rate := range s.cfg.Rates {
		if rate == 0 {
			search = true
			continue
		}
		s.progress("e2e: %s/s offered for %v, %s threads", RateLabel(rate), s.cfg.Duration, main)
		r, err := step(rate, main, false)
		if err != nil {
			return err
		}
		keep(r, main)
		if rate != 1e6 {
			if err := s.addE2E(r, RateLabel(rate)+"/s", nil, nil); err != nil {
				return err
			}
			continue
		}
		// At 1M/s, the machine's floor measured right after, alone, and
		// each other mode beside: the ratios are of the same run.
		s.progress("e2e: the machine's hiccups, alone, for %v", s.cfg.Duration)
		floor := s.hiccupFloor(ctx, false)
		s.progress("e2e: the machine's hiccups beside durable writes, for %v", s.cfg.Duration)
		ioFloor := s.hiccupFloor(ctx, true)
		if err := s.addE2E(r, RateLabel(rate)+"/s "+main.String(), floor, ioFloor); err != nil {
			return err
		}
		for _, mode := range []pipeline.Threads{pipeline.ThreadsShared, pipeline.ThreadsDedicated, pipeline.ThreadsLogic} {
			if mode == main {
				continue
			}
			u, err := step(rate, mode, false)
			if err != nil {
				return err
			}
			keep(u, mode)
			if err := s.addE2E(u, RateLabel(rate)+"/s "+mode.String(), floor, ioFloor); err != nil {
				return err
			}
			s.rep.Add(NewRow("e2e", RateLabel(rate)+"/s p99 "+mode.String()+" / "+main.String(),
				float64(u.Latency.Corrected.ValueAtQuantile(99))/math.Max(1, float64(r.Latency.Corrected.ValueAtQuantile(99))), "x"))
		}
		// Shared mode with the other journal map, in the same run: a
		// private map spares the shared thread the committer's msyncs.
		other := !s.cfg.PrivateMap
		s.progress("e2e: %s/s offered, shared threads%s", RateLabel(rate), mapNote(other))
		pm, err := stepMap(rate, pipeline.ThreadsShared, false, other)
		if err != nil {
			return err
		}
		if !other {
			pm.Latency.Name += "-shared-map"
			pm.Latency.Title += ", shared journal map"
		}
		if err := s.addE2E(pm, RateLabel(rate)+"/s shared"+mapNote(other), floor, ioFloor); err != nil {
			return err
		}
		// The spinner beside the engine: the floor under load, which also
		// takes a CPU from the engine (its figures are worse for it).
		s.progress("e2e: %s/s offered, %s threads, hiccup spinner beside", RateLabel(rate), main)
		h, err := step(rate, main, true)
		if err != nil {
			return err
		}
		h.Latency.Name += "-beside-hiccup"
		h.Latency.Title += ", hiccup spinner beside"
		if h.Hiccup != nil {
			h.Hiccup.Scenario, h.Hiccup.Name = "e2e", "hiccup-beside-e2e-"+RateLabel(rate)
			h.Hiccup.Title += ", beside e2e at " + RateLabel(rate) + "/s"
		}
		if err := s.addE2E(h, RateLabel(rate)+"/s "+main.String()+" beside hiccup", h.Hiccup, nil); err != nil {
			return err
		}
		if h.Hiccup != nil {
			if err := s.addLatency(h.Hiccup); err != nil {
				return err
			}
		}
	}
	if !search {
		return nil
	}
	searched := map[pipeline.Threads]bool{}
	for _, mode := range []pipeline.Threads{main, pipeline.ThreadsShared, pipeline.ThreadsDedicated, pipeline.ThreadsLogic} {
		if searched[mode] {
			continue
		}
		searched[mode] = true
		if err := s.searchE2E(ctx, mode, best[mode], step); err != nil {
			return err
		}
	}
	return nil
}

// mapNote names a journal map in labels: "" for shared, the default.
func mapNote(private bool) string {
	if private {
		return " private map"
	}
	return ""
}

// hiccupFloor measures the machine's hiccups for the run's duration, with
// nothing else running or beside durable writes at the committer's cadence
// (see hiccupFor), for the e2e rows' ratios; nil when it cannot.
func (s *suite) hiccupFloor(ctx context.Context, syncs bool) *Latency {
	_, lat, err := s.hiccupFor(ctx, syncs)
	if err != nil {
		s.rep.Note("e2e: the machine's hiccups (durable writes beside: %v): %v", syncs, err)
		return nil
	}
	lat.Scenario, lat.Name = "e2e", "hiccup-e2e"
	if syncs {
		lat.Name = "hiccup-syncs-e2e"
	}
	lat.Title += ", in the e2e scenario"
	if err := s.addLatency(lat); err != nil {
		return nil
	}
	return lat
}

// searchE2E searches the highest sustainable rate in one threading mode,
// from the best sustained fixed rate (good, nil for none).
func (s *suite) searchE2E(ctx context.Context, mode pipeline.Threads, good *E2EResult, step func(float64, pipeline.Threads, bool) (*E2EResult, error)) error {
	var steps []string
	try := func(rate float64) (*E2EResult, error) {
		s.progress("e2e: search, %s threads: %s/s offered for %v", mode, RateLabel(rate), s.cfg.Duration)
		r, err := step(rate, mode, false)
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
	var bad float64
	if good == nil {
		r, err := try(1e6)
		if err != nil {
			return err
		}
		if r.Sustained() {
			good = r
		} else {
			bad = 1e6
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
		// Halve until a rate is sustained: every mode gets a number.
		for bad > minSearchRate {
			r, err := try(roundRate(bad / 2))
			if err != nil {
				return err
			}
			if r.Sustained() {
				good = r
				break
			}
			bad = roundRate(bad / 2)
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
	metric := "highest sustainable rate, " + mode.String() + " threads"
	s.rep.Note("e2e search for the highest sustainable rate, %s threads: %s", mode, strings.Join(steps, "; "))
	if good == nil {
		row := NewRow("e2e", metric, math.NaN(), "events/s")
		row.Note = fmt.Sprintf("not sustained down to %s/s", RateLabel(minSearchRate))
		s.rep.Add(row)
		return nil
	}
	row := NewRow("e2e", metric, good.Offered, "events/s")
	row.Note = fmt.Sprintf("achieved %s/s, p99 %s; not sustained at %s/s", FormatSI(good.Achieved),
		FormatNS(float64(good.Latency.Corrected.ValueAtQuantile(99))), RateLabel(bad))
	if bad == 0 {
		row.Note = fmt.Sprintf("achieved %s/s, p99 %s; the search stopped at %s/s", FormatSI(good.Achieved),
			FormatNS(float64(good.Latency.Corrected.ValueAtQuantile(99))), RateLabel(maxSearchRate))
	}
	s.rep.Add(row)
	return nil
}

// addE2E adds a step's latency and rows under the given label; floor, when
// not nil, is the machine's hiccups measured in the same run, and ioFloor
// the same beside durable writes at the committer's cadence, whose ratios
// each percentile row notes.
func (s *suite) addE2E(r *E2EResult, label string, floor, ioFloor *Latency) error {
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
		if floor != nil {
			// The machine's own floor at the same quantile, in the same
			// run (jHiccup's corrected histogram: time-weighted, like the
			// e2e's intended-time one).
			hq := float64(floor.Corrected.ValueAtQuantile(q.q))
			row.Note += fmt.Sprintf("; hiccup %s, ratio %.1fx", FormatNS(hq), float64(c.ValueAtQuantile(q.q))/math.Max(1, hq))
		}
		if ioFloor != nil {
			hq := float64(ioFloor.Corrected.ValueAtQuantile(q.q))
			row.Note += fmt.Sprintf("; beside durable writes %s, ratio %.1fx", FormatNS(hq), float64(c.ValueAtQuantile(q.q))/math.Max(1, hq))
		}
		s.rep.Add(row)
	}
	row = NewRow("e2e", label+" max", float64(c.Max()), "ns")
	s.rep.Add(row)
	row = NewRow("e2e", label+" GC cycles", float64(r.GCCycles), "count")
	row.Note = fmt.Sprintf("GC pause %v in the window", r.GCPause)
	s.rep.Add(row)
	return nil
}

// roundRate rounds a rate to two significant digits.
func roundRate(r float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(r))-1)
	return math.Round(r/p) * p
}
