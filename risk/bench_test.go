package risk

import (
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/matcher"
)

// benchFlow returns the generated flow of the benchmarks: gen's default
// configuration (8 symbols, 100 accounts, 200,000 events/s) with Seq set and
// a final mass cancel of everything, so the books are empty at the start of
// each pass, and the event time one pass spans.
func benchFlow(tb testing.TB, events int) ([]event.In, int64) {
	tb.Helper()
	gc := gen.DefaultConfig()
	gc.Events = events
	flow, err := gen.Generate(gc)
	if err != nil {
		tb.Fatal(err)
	}
	last := flow[len(flow)-1].TS
	flow = append(flow, event.In{Kind: event.KindMassCancel, TS: last, Account: event.Any, Symbol: event.Any})
	for i := range flow {
		flow[i].Seq = uint64(i + 1)
	}
	return flow, last - flow[0].TS + 1e6
}

// applier is what the benchmark drives: the matcher or the guard.
type applier interface {
	Apply(in *event.In, out []event.Out) []event.Out
}

// scratch is the input runPass applies: a package variable, so that
// passing it to an interface method does not allocate.
var scratch event.In

// runPass applies one pass of flow, event times shifted by off.
func runPass(a applier, flow []event.In, off int64, out []event.Out) []event.Out {
	for i := range flow {
		scratch = flow[i]
		scratch.TS += off
		out = a.Apply(&scratch, out[:0])
	}
	return out
}

// BenchmarkGuard measures the cost of the guard on a generated flow: the
// matcher alone, then the guard in front of a matcher, on the same flow in
// the same run. One op is one input. Each pass of the flow runs at a later
// event time than the last, so the guard sees time go on (buckets refill,
// windows slide). Both are warmed with two passes first, so allocs/op must be
// 0. The guarded run reports two figures against the matcher-only run just
// before it: guard-cost-%, the guard's extra time per input as a share of the
// matcher's (100*(guarded-matcher)/matcher), and throughput-loss-%, the share
// of the matcher's throughput the guard costs (100*(1-matcher/guarded)), the
// measure of the target that the guard cost at most 25% of throughput
// (guard-cost-% at most 33.3).
func BenchmarkGuard(b *testing.B) {
	flow, span := benchFlow(b, 1<<20)
	var matcherNs float64
	run := func(b *testing.B, guarded bool) float64 {
		m, err := matcher.New(matcher.DefaultConfig())
		if err != nil {
			b.Fatal(err)
		}
		var a applier = m
		if guarded {
			g, err := New(DefaultConfig(), m)
			if err != nil {
				b.Fatal(err)
			}
			a = g
		}
		out := make([]event.Out, 0, 1024)
		off := int64(0)
		for range 2 {
			out = runPass(a, flow, off, out)
			off += span
		}
		b.ReportAllocs()
		i, n := 0, 0
		var ev event.In
		for b.Loop() {
			ev = flow[i]
			ev.TS += off
			out = a.Apply(&ev, out[:0])
			if i++; i == len(flow) {
				i, off = 0, off+span
			}
			n++
		}
		ns := float64(b.Elapsed().Nanoseconds()) / float64(n)
		b.ReportMetric(1e9/ns, "events/s")
		return ns
	}
	b.Run("matcher-only", func(b *testing.B) { matcherNs = run(b, false) })
	b.Run("guarded", func(b *testing.B) {
		ns := run(b, true)
		if matcherNs > 0 {
			b.ReportMetric(100*(ns-matcherNs)/matcherNs, "guard-cost-%")
			b.ReportMetric(100*(1-matcherNs/ns), "throughput-loss-%")
		}
	})
}
