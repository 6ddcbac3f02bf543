package matcher

import (
	"testing"

	"github.com/tradeengine/engine/event"
)

// testFlow is a small generated flow for the allocation and shape tests.
func testFlow() []event.In {
	return genFlow(flowConfig{seed: 3, symbols: 4, accounts: 20, events: 20000, depth: 200})
}

// TestFlowShape checks that the generated benchmark flow is what it claims
// to be: most adds cancelled, trades happening, few rejections.
func TestFlowShape(t *testing.T) {
	flow := testFlow()
	e, err := New(Config{MaxSymbols: 4, MaxOrders: 1 << 16, InitialOrders: 1 << 10, InitialLevels: 64, ProtectionBps: 500})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := runFlow(e, flow, nil)
	t.Log(st)
	if st.trades < len(flow)/50 {
		t.Errorf("only %d trades in %d events", st.trades, len(flow))
	}
	if st.rejects > len(flow)/100 {
		t.Errorf("%d rejections in %d events", st.rejects, len(flow))
	}
	if c := 100 * st.cancels / st.adds; c < 85 || c > 95 {
		t.Errorf("%d cancels for %d limit and post-only orders: %d%%, want about 90%%", st.cancels, st.adds, c)
	}
	if e.Resting() != 0 {
		t.Errorf("%d orders rest after the final mass cancel", e.Resting())
	}
}

// TestZeroAllocs applies a mixed flow (adds, cancels, replaces, trades,
// IOC and market orders, a mass cancel) to a warmed-up engine: no input may
// allocate.
func TestZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	flow := testFlow()
	e, err := New(Config{MaxSymbols: 4, MaxOrders: 1 << 16, InitialOrders: 1 << 8, InitialLevels: 1, ProtectionBps: 500})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]event.Out, 0, 64)
	_, out = runFlow(e, flow, out) // warm up: the pool and levels grow here
	allocs := testing.AllocsPerRun(3, func() {
		for i := range flow {
			out = e.Apply(&flow[i], out[:0])
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per pass of %d events, want 0", allocs, len(flow))
	}
}
