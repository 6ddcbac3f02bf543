package matcher

import (
	"fmt"
	"testing"

	"github.com/tradeengine/engine/event"
)

// BenchmarkApply measures Engine.Apply on two flows, single threaded.
//
//   - generated: a realistic generated flow (8 symbols, prices around a
//     random-walk mid, about 90% of the limit orders cancelled later, some
//     marketable IOC and market orders). One op is one input; orders/s is
//     inputs per second.
//   - lobster-amzn: the real LOBSTER AMZN day (57,515 messages, converted
//     by loadLobster). One op is one pass over the whole day; ns/order and
//     orders/s are per input, trades/op counts the trades of one pass.
//
// Both flows end with a mass cancel of everything, so the engine is empty
// again at the start of each pass, and are applied once before timing so the
// pool and level arrays have grown: allocs/op must be 0.
func BenchmarkApply(b *testing.B) {
	b.Run("generated", func(b *testing.B) {
		flow := genFlow(flowConfig{seed: 1, symbols: 8, accounts: 100, events: 1 << 20, depth: 500})
		e := benchEngine(b, 8)
		out := make([]event.Out, 0, 256)
		_, out = runFlow(e, flow, out)
		b.ReportAllocs()
		i, n := 0, 0
		for b.Loop() {
			out = e.Apply(&flow[i], out[:0])
			if i++; i == len(flow) {
				i = 0
			}
			n++
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "orders/s")
	})
	b.Run("lobster-amzn", func(b *testing.B) {
		flow := lobsterFlow(b)
		e := benchEngine(b, 1)
		out := make([]event.Out, 0, 256)
		st, out := runFlow(e, flow, out)
		b.ReportAllocs()
		passes := 0
		for b.Loop() {
			for i := range flow {
				out = e.Apply(&flow[i], out[:0])
			}
			passes++
		}
		perOrder := float64(b.Elapsed().Nanoseconds()) / float64(passes*len(flow))
		b.ReportMetric(perOrder, "ns/order")
		b.ReportMetric(1e9/perOrder, "orders/s")
		b.ReportMetric(float64(st.trades), "trades/op")
	})
}

func benchEngine(b *testing.B, symbols int) *Engine {
	cfg := DefaultConfig()
	cfg.MaxSymbols = symbols
	e, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkApplyDepth sweeps the resting depth the generated flow settles
// around (per symbol, 8 symbols), to show how the cost per input grows with
// the size of the books: deeper books mean more levels to search and a
// larger working set in the pool and the id index.
func BenchmarkApplyDepth(b *testing.B) {
	for _, depth := range []int{50, 500, 5000, 50000} {
		b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
			flow := genFlow(flowConfig{seed: 2, symbols: 8, accounts: 100, events: 1 << 20, depth: depth})
			e := benchEngine(b, 8)
			out := make([]event.Out, 0, 256)
			_, out = runFlow(e, flow, out)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				out = e.Apply(&flow[i], out[:0])
				if i++; i == len(flow) {
					i = 0
				}
			}
		})
	}
}

// BenchmarkReference is the baseline: the reference book of the tests (plain
// slices and linear scans) on the LOBSTER AMZN day, per input, to compare
// with BenchmarkApply/lobster-amzn in the same run.
func BenchmarkReference(b *testing.B) {
	flow := lobsterFlow(b)
	cfg := DefaultConfig()
	cfg.MaxSymbols = 1
	ref := newRef(cfg)
	passes := 0
	for b.Loop() {
		for i := range flow {
			ref.Apply(&flow[i])
		}
		passes++
	}
	perOrder := float64(b.Elapsed().Nanoseconds()) / float64(passes*len(flow))
	b.ReportMetric(perOrder, "ns/order")
	b.ReportMetric(1e9/perOrder, "orders/s")
}
