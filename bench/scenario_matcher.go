package bench

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/matcher"
	"github.com/tradeengine/engine/wire"
)

// MatcherResult is what MatcherRun measured on one flow.
type MatcherResult struct {
	Throughput
	AllocsPerOrder float64
	Latency        *Latency
}

// resetAll is the mass cancel that ends a replayable flow: it empties every
// book, so the flow can be applied again from the start.
var resetAll = event.In{Kind: event.KindMassCancel, Account: event.Any, Symbol: event.Any}

// GeneratedFlow returns n events of the generator's default flow followed
// by a mass cancel of everything.
func GeneratedFlow(n int) ([]event.In, error) {
	gc := gen.DefaultConfig()
	gc.Events = n
	flow, err := gen.Generate(gc)
	if err != nil {
		return nil, fmt.Errorf("bench: generated flow: %w", err)
	}
	return append(flow, resetAll), nil
}

// LOBSTERFlow loads the AMZN day (see FindLOBSTER) as input events, the book
// seeded from the orderbook file, followed by a mass cancel of everything.
func LOBSTERFlow(messages, orderbook string) ([]event.In, error) {
	flow, _, err := wire.LoadLOBSTER(messages, orderbook, wire.DefaultLOBSTERConfig("AMZN"))
	if err != nil {
		return nil, fmt.Errorf("bench: lobster flow: %w", err)
	}
	return append(flow, resetAll), nil
}

// MatcherRun measures matcher.Engine.Apply, single threaded, on flow (which
// must end by emptying the books, so it can be replayed): one untimed pass
// to warm the engine, then for d/2 a loop over the flow for throughput and
// allocations per order (runtime.MemStats mallocs delta over the orders
// applied), then for d/2 the same loop reading the clock around each Apply
// for the per-order latency histogram. Every input counts as an order.
func MatcherRun(name string, flow []event.In, d time.Duration) (MatcherResult, error) {
	e, err := matcher.New(matcher.DefaultConfig())
	if err != nil {
		return MatcherResult{}, fmt.Errorf("bench: matcher: %w", err)
	}
	out := make([]event.Out, 0, 1<<14)
	for i := range flow {
		out = e.Apply(&flow[i], out[:0])
	}
	if e.Resting() != 0 {
		return MatcherResult{}, fmt.Errorf("bench: matcher flow %s leaves %d orders resting: it must end with a mass cancel", name, e.Resting())
	}
	clk := SystemClock()
	span := int64(clk.Ticks(float64(d.Nanoseconds()) / 2))

	var res MatcherResult
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	i, n := 0, int64(0)
	start := clk.Now()
	deadline := start + span
	for {
		for range checkEvery {
			out = e.Apply(&flow[i], out[:0])
			if i++; i == len(flow) {
				i = 0
			}
		}
		n += checkEvery
		if clk.Now() >= deadline {
			break
		}
	}
	end := clk.Now()
	runtime.ReadMemStats(&ms1)
	res.Events, res.Elapsed = n, time.Duration(clk.NS(end-start))
	res.AllocsPerOrder = float64(ms1.Mallocs-ms0.Mallocs) / float64(n)

	lat := NewLatency("matcher", "matcher-"+name, "matcher.Engine.Apply per order, "+name+" flow, single threaded", MethodClosedLoop)
	deadline = clk.Now() + span
	for {
		for range checkEvery {
			t0 := clk.Now()
			out = e.Apply(&flow[i], out[:0])
			t1 := clk.Now()
			lat.RecordRaw(clk.NS(t1 - t0))
			if i++; i == len(flow) {
				i = 0
			}
		}
		if clk.Now() >= deadline {
			break
		}
	}
	lat.CorrectClosedLoop()
	res.Latency = lat
	return res, nil
}

// runMatcher is the matcher scenario: the generated flow, then the AMZN day
// when its files are found.
func (s *suite) runMatcher() error {
	s.progress("matcher: generating %d events", s.cfg.MatcherEvents)
	flow, err := GeneratedFlow(s.cfg.MatcherEvents)
	if err != nil {
		return err
	}
	if err := s.matcherFlow("generated", flow, fmt.Sprintf("gen.DefaultConfig, %d events", len(flow))); err != nil {
		return err
	}
	gen, err := s.logicFlow("generated", flow, 0)
	if err != nil {
		return err
	}
	flow = nil
	msgs, book, looked := FindLOBSTER(s.cfg.DataDir)
	if msgs == "" {
		row := NewRow("matcher", "lobster-amzn orders/s", math.NaN(), "orders/s")
		row.Note = "skipped: LOBSTER AMZN day not found"
		s.rep.Add(row)
		s.rep.Note("matcher: the LOBSTER AMZN day was not found, looked in %s; pass --data DIR", strings.Join(looked, ", "))
		return nil
	}
	s.progress("matcher: loading %s", msgs)
	flow, err = LOBSTERFlow(msgs, book)
	if err != nil {
		return err
	}
	if err := s.matcherFlow("lobster-amzn", flow, fmt.Sprintf("%d events", len(flow))); err != nil {
		return err
	}
	if _, err := s.logicFlow("lobster-amzn", flow, gen); err != nil {
		return err
	}
	s.progress("matcher: loading %s re-synchronised to its orderbook file", msgs)
	flow, err = LOBSTERSyncedFlow(msgs, book)
	if err != nil {
		return err
	}
	_, err = s.logicFlow("lobster-amzn-sync", flow, gen)
	return err
}

// logicFlow adds the row of the engine's logic (guard and matcher, see
// LogicRun) on a flow, with its ratio to base events/s (the generated
// flow's in the same run) when base is not 0, and returns its events/s.
func (s *suite) logicFlow(name string, flow []event.In, base float64) (float64, error) {
	s.progress("matcher: the logic with the guard, %s flow", name)
	t, err := LogicRun(flow, LogicConfig(), s.cfg.Duration)
	if err != nil {
		return 0, err
	}
	row := NewRow("matcher", name+" logic events/s", t.PerSec(), "events/s")
	row.Note = fmt.Sprintf("risk guard and matcher (replay.Logic, the guard at a $0.0001 tick), %.1f ns/event, %d events a pass", t.NSPerEvent(), len(flow))
	if base > 0 {
		row.Peer, row.PeerValue = "generated", base
		row.Ratio = t.PerSec() / base
	}
	s.rep.Add(row)
	return t.PerSec(), nil
}

func (s *suite) matcherFlow(name string, flow []event.In, what string) error {
	s.progress("matcher: %s flow", name)
	r, err := MatcherRun(name, flow, s.cfg.Duration)
	if err != nil {
		return err
	}
	row := NewRow("matcher", name+" orders/s", r.PerSec(), "orders/s")
	row.Note = fmt.Sprintf("%.1f ns/order; %s", r.NSPerEvent(), what)
	s.rep.Add(row, NewRow("matcher", name+" allocs/order", r.AllocsPerOrder, "allocs/order"))
	if err := s.addLatency(r.Latency); err != nil {
		return err
	}
	row = NewRow("matcher", name+" per-order p99 (corrected)", float64(r.Latency.Corrected.ValueAtQuantile(99)), "ns")
	row.Note = fmt.Sprintf("raw %s; includes one clock read (%.0f ns)", FormatNS(float64(r.Latency.Raw.ValueAtQuantile(99))), s.rep.Clock.NS)
	s.rep.Add(row)
	return nil
}
