package risk

import (
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
)

// TestZeroAllocs applies a warmed guard to a flow with every kind of input
// the hot path sees (orders, cancels, replaces, trades, IOC and market
// orders, client order ids, parent instructions, rejections by the guard's
// checks, orders held for approval then approved, denied, cancelled and
// timed out, a final mass cancel): no input may allocate.
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
	flow = appendApprovals(flow, approver)
	flow = append(flow, event.In{Kind: event.KindMassCancel, TS: flow[len(flow)-1].TS, Account: event.Any, Symbol: event.Any})
	span = flow[len(flow)-1].TS - flow[0].TS + 1e9
	cfg := DefaultConfig()
	cfg.Account[LimitMaxOrderQty] = 5000 // some rejections by the guard
	cfg.ClOrdIDWindow = 4096             // full after the warm-up: the steady state
	cfg.Accounts = []AccountConfig{{ID: approver, Settings: []Setting{{LimitApproveQty, 10}}}}
	cfg.ApprovalTimeout = 1e9
	g := newGuard(t, cfg)
	out := make([]event.Out, 0, 1<<18) // the final mass cancel answers every resting order
	r := NewReport(event.Any, 0)
	run(g, flow, r, nil) // the first warm-up pass: the approvals happen
	if r.Held != 6 || r.Rejections[event.ReasonDenied] != 1 || r.Rejections[event.ReasonApprovalTimeout] != 2 || g.PendingCount() != 0 {
		t.Fatalf("approvals: %d held, %d denied, %d timed out, %d left", r.Held, r.Rejections[event.ReasonDenied],
			r.Rejections[event.ReasonApprovalTimeout], g.PendingCount())
	}
	off := span
	for range 2 {
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

// approver is the account whose orders above 10 lots TestZeroAllocs holds
// for approval.
const approver = 4_000_000

// appendApprovals appends to flow orders of account approver held for
// approval, in symbol 0 at its last order's price, then their approval, a
// denial, a cancel, and an input two seconds later that times the rest out
// (with a timeout of 1s). Each pass leaves nothing held.
func appendApprovals(flow []event.In, acct uint32) []event.In {
	last := flow[len(flow)-1]
	px := int64(0)
	for i := len(flow) - 1; i >= 0 && px == 0; i-- {
		if flow[i].Kind == event.KindNew && flow[i].Symbol == 0 && flow[i].Price > 0 {
			px = flow[i].Price
		}
	}
	seq, ts := last.Seq, last.TS
	add := func(in event.In) uint64 {
		seq++
		in.Seq, in.TS = seq, ts
		flow = append(flow, in)
		return seq
	}
	var pending []uint64
	for k := range 6 {
		side := event.Buy
		if k%2 == 1 {
			side = event.Sell
		}
		pending = append(pending, add(event.In{Kind: event.KindNew, Account: acct, Symbol: 0, ID: 1<<56 + uint64(k),
			Side: side, Type: event.IOC, Price: px, Qty: 20}))
	}
	add(event.In{Kind: event.KindApprove, ID: pending[0]})
	add(event.In{Kind: event.KindApprove, ID: pending[1]})
	add(event.In{Kind: event.KindDeny, ID: pending[2]})
	add(event.In{Kind: event.KindCancel, Account: acct, ID: 1<<56 + 3})
	ts += 2e9
	add(event.In{Kind: event.KindCancel, Account: acct, ID: 1 << 57}) // times out the last two
	return flow
}
