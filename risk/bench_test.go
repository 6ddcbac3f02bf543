package risk

import (
	"testing"
	"time"

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

// newAppliers returns a matcher alone and a guard in front of another
// matcher, both warmed with two passes of flow (so that nothing allocates
// afterwards), and the event-time offset of the next pass.
func newAppliers(b *testing.B, flow []event.In, span int64) (matcherOnly, guarded applier, off int64) {
	m1, err := matcher.New(matcher.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	m2, err := matcher.New(matcher.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	g, err := New(DefaultConfig(), m2)
	if err != nil {
		b.Fatal(err)
	}
	out := make([]event.Out, 0, 1<<14) // room for the mass cancel ending each pass (about 8,000 outputs)
	for range 2 {
		out = runPass(m1, flow, off, out)
		out = runPass(g, flow, off, out)
		off += span
	}
	return m1, g, off
}

// BenchmarkGuard measures the matcher alone and the guard in front of a
// matcher on a generated flow, one op per input, each in its own
// sub-benchmark (allocs/op must be 0 for both). Each pass of the flow runs
// at a later event time than the last, so the guard sees time go on
// (buckets refill, windows slide). The guard's cost as a ratio is
// BenchmarkGuardCost's.
func BenchmarkGuard(b *testing.B) {
	flow, span := benchFlow(b, 1<<20)
	run := func(b *testing.B, guarded bool) {
		m, g, off := newAppliers(b, flow, span)
		a := m
		if guarded {
			a = g
		}
		out := make([]event.Out, 0, 1<<14) // room for the mass cancel ending each pass (about 8,000 outputs)
		b.ReportAllocs()
		i := 0
		var ev event.In
		for b.Loop() {
			ev = flow[i]
			ev.TS += off
			out = a.Apply(&ev, out[:0])
			if i++; i == len(flow) {
				i, off = 0, off+span
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	}
	b.Run("matcher-only", func(b *testing.B) { run(b, false) })
	b.Run("guarded", func(b *testing.B) { run(b, true) })
}

// guardChunk is how many inputs BenchmarkGuardCost applies to one side
// before switching to the other: enough that refilling the caches after a
// switch is a small part of a chunk.
const guardChunk = 1 << 16

// BenchmarkGuardCost measures the guard's cost as ratios, the matcher
// alone and the guard in front of a matcher interleaved in one run: each
// op applies the same chunk of guardChunk inputs to both, the order
// alternating from op to op, and times each side with one clock read per
// chunk. So a noisy neighbour slows both alike, where two sub-benchmarks
// run one after the other would each see their own noise. It reports
// throughput-loss-%, the share of the matcher's throughput the guard costs
// (100*(1-matcher/guarded); the target is at most 25), and guard-cost-%,
// the guard's extra time per input as a share of the matcher's.
func BenchmarkGuardCost(b *testing.B) {
	flow, span := benchFlow(b, 1<<20)
	m, g, off := newAppliers(b, flow, span)
	offs := [2]int64{off, off} // each side's event-time offset
	pos := [2]int{}            // each side's position in the flow
	sides := [2]applier{m, g}
	var took [2]time.Duration
	out := make([]event.Out, 0, 1<<14) // room for the mass cancel ending each pass (about 8,000 outputs)
	b.ReportAllocs()
	op := 0
	for b.Loop() {
		for k := range 2 {
			side := k ^ op&1
			a, i, o := sides[side], pos[side], offs[side]
			start := time.Now()
			for range guardChunk {
				scratch = flow[i]
				scratch.TS += o
				out = a.Apply(&scratch, out[:0])
				if i++; i == len(flow) {
					i, o = 0, o+span
				}
			}
			took[side] += time.Since(start)
			pos[side], offs[side] = i, o
		}
		op++
	}
	matcherNs := float64(took[0].Nanoseconds()) / float64(op*guardChunk)
	guardedNs := float64(took[1].Nanoseconds()) / float64(op*guardChunk)
	b.ReportMetric(matcherNs, "matcher-ns/input")
	b.ReportMetric(guardedNs, "guarded-ns/input")
	b.ReportMetric(100*(guardedNs-matcherNs)/matcherNs, "guard-cost-%")
	b.ReportMetric(100*(1-matcherNs/guardedNs), "throughput-loss-%")
}
