package risk

import (
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
)

// TestZeroAllocs applies a warmed guard to a flow with every kind of input
// the hot path sees (orders, cancels, replaces, trades, IOC and market
// orders, client order ids, parent instructions, rejections by the guard's
// checks, a final mass cancel): no input may allocate.
func TestZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	gc := gen.DefaultConfig()
	gc.Events = 50_000
	gc.Scenario = gen.ScenarioKnight
	gc.Knight.Start = 1 << 62 // the router works its parents
	flow, span := genFlow(t, gc), int64(0)
	span = flow[len(flow)-1].TS - flow[0].TS + 1e9
	for i := range flow {
		if i%7 == 0 && flow[i].Kind == event.KindNew {
			flow[i].Aux = uint64(i) // client order ids
		}
	}
	flow = append(flow, event.In{Kind: event.KindMassCancel, TS: flow[len(flow)-1].TS, Account: event.Any, Symbol: event.Any})
	cfg := DefaultConfig()
	cfg.Account[LimitMaxOrderQty] = 5000 // some rejections by the guard
	cfg.ClOrdIDWindow = 4096             // full after the warm-up: the steady state
	g := newGuard(t, cfg)
	out := make([]event.Out, 0, 1<<18) // the final mass cancel answers every resting order
	off := int64(0)
	for range 3 {
		out = runPass(g, flow, off, out)
		off += span
	}
	allocs := testing.AllocsPerRun(3, func() {
		out = runPass(g, flow, off, out)
		off += span
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per pass of %d inputs, want 0", allocs, len(flow))
	}
}
