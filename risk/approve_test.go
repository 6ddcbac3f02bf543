package risk

import (
	"errors"
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/matcher"
)

// approveHarness returns a harness over symbols AAPL (0) and MSFT (1) in
// which account 7's orders above 100 lots, and those of every account above
// $1,000 (prices in cents), are held for approval, with timeout 0 (never)
// unless cfg says otherwise.
func approveHarness(t *testing.T, edit func(c *Config)) *harness {
	t.Helper()
	cfg := quietConfig()
	cfg.ApprovalTimeout = 0
	cfg.Accounts = []AccountConfig{{ID: 7, Settings: []Setting{{LimitApproveQty, 100}}}}
	cfg.Account[LimitApproveNotional] = 1000
	if edit != nil {
		edit(cfg)
	}
	return newHarness(t, cfg, "AAPL", "MSFT")
}

// held checks that out is exactly the OutHeld of the order the harness
// just applied (in) with reason r, and returns its pending id.
func (h *harness) held(out []event.Out, in event.In, r event.Reason) uint64 {
	h.t.Helper()
	want := event.Out{Seq: h.seq, TS: h.ts, Kind: event.OutHeld, Reason: r, Symbol: in.Symbol,
		ID: in.ID, Account: in.Account, Side: in.Side, Price: in.Price, Qty: in.Qty, Other: h.seq}
	if len(out) != 1 || out[0] != want {
		h.t.Fatalf("held: %+v, want %+v", out, want)
	}
	return out[0].Other
}

// newOrder returns a new limit order with a fresh id.
func (h *harness) newOrder(acct, sym uint32, side event.Side, px, qty int64) event.In {
	return event.In{Kind: event.KindNew, Account: acct, Symbol: sym, ID: h.newID(), Side: side, Type: event.Limit, Price: px, Qty: qty}
}

// hold sends a new limit order that must be held for reason r, and returns
// the order (with its Seq) and its pending id.
func (h *harness) hold(acct, sym uint32, side event.Side, px, qty int64, r event.Reason) (event.In, uint64) {
	h.t.Helper()
	in := h.newOrder(acct, sym, side, px, qty)
	out := h.apply(in)
	in.Seq = h.seq
	return in, h.held(out, in, r)
}

func TestApprovalHolds(t *testing.T) {
	h := approveHarness(t, nil)
	// At the threshold: accepted. Above: held, and nothing else happens.
	if out := h.limit(7, 0, event.Buy, 100, 100); count(out, event.OutAccepted) != 1 {
		t.Fatalf("100 lots: %+v", out)
	}
	o, id := h.hold(7, 0, event.Buy, 100, 101, event.ReasonApproveQty)
	if id != o.Seq {
		t.Fatalf("pending id %d, want the order's seq %d", id, o.Seq)
	}
	if _, rests := h.g.m.Lookup(o.ID); rests {
		t.Fatal("a held order rests")
	}
	// A held order counts for nothing: not an open order, no open
	// quantity, no credit.
	ai, _ := h.g.Account(7)
	pi, _ := h.g.Position(7, 0)
	if ai.OpenOrders != 1 || pi.OpenBuy != 100 || ai.Credit != 100*100 {
		t.Fatalf("account %+v, position %+v: the held order counts", ai, pi)
	}
	// Notional: $10.01 x 100 above $1,000, for an account with only the
	// default.
	h.hold(8, 0, event.Sell, 1001, 100, event.ReasonApproveNotional)
	if out := h.limit(8, 0, event.Sell, 1000, 100); count(out, event.OutAccepted) != 1 {
		t.Fatalf("$1,000: %+v", out)
	}
	// A symbol's threshold tightens the account's.
	h.setLimit(LimitApproveQty, event.Any, 1, 50)
	h.hold(7, 1, event.Buy, 1, 51, event.ReasonApproveQty)
	h.hold(8, 1, event.Buy, 1, 51, event.ReasonApproveQty)
	if out := h.limit(8, 0, event.Buy, 1, 51); count(out, event.OutAccepted) != 1 {
		t.Fatalf("other symbol: %+v", out)
	}
	// A failed pre-trade check comes first.
	h.setLimit(LimitMaxOrderQty, 7, event.Any, 150)
	if r := rejection(h.limit(7, 0, event.Buy, 100, 151)); r != event.ReasonMaxQty {
		t.Fatalf("above max_order_qty: %v", r)
	}
	if n := h.g.PendingCount(); n != 4 {
		t.Fatalf("%d held, want 4", n)
	}
	// An order the matcher refuses at once is not held: a halted symbol.
	h.apply(event.In{Kind: event.KindHalt, Symbol: 0})
	if r := rejection(h.limit(7, 0, event.Buy, 100, 120)); r != event.ReasonHalted {
		t.Fatalf("halted: %v", r)
	}
	if err := h.g.checkTables(); err != nil {
		t.Fatal(err)
	}
}

func TestApprovalApprove(t *testing.T) {
	h := approveHarness(t, nil)
	h.limit(8, 0, event.Sell, 100, 300)
	o, id := h.hold(7, 0, event.Buy, 100, 200, event.ReasonApproveQty)
	h.ts += 5e9
	out := h.apply(event.In{Kind: event.KindApprove, ID: id}) // the harness checks Seq and TS
	tr, ok := find(out, event.OutTrade)
	if a, _ := find(out, event.OutAccepted); a.ID != o.ID || a.Qty != 200 || !ok || tr.ID != o.ID || tr.Qty != 200 {
		t.Fatalf("approve: %+v", out)
	}
	if pi, _ := h.g.Position(7, 0); pi.Net != 200 {
		t.Fatalf("position after the approved order traded: %+v", pi)
	}
	if h.g.PendingCount() != 0 {
		t.Fatal("still held")
	}
	// Approved twice, or never held: unknown.
	for _, pid := range []uint64{id, 9999} {
		out := h.apply(event.In{Kind: event.KindApprove, ID: pid})
		if len(out) != 1 || rejection(out) != event.ReasonUnknownPending || out[0].ID != pid {
			t.Fatalf("approve %d: %+v", pid, out)
		}
	}
	// An approved order that rests is an open order from then on; its
	// thresholds are not checked again.
	h.setLimit(LimitApproveQty, 7, event.Any, 10)
	o2, id2 := h.hold(7, 0, event.Buy, 99, 150, event.ReasonApproveQty)
	out = h.apply(event.In{Kind: event.KindApprove, ID: id2})
	if len(out) != 2 || out[0].Kind != event.OutAccepted || out[0].ID != o2.ID || out[1].Kind != event.OutBook {
		t.Fatalf("approve of a resting order: %+v", out)
	}
	if ai, _ := h.g.Account(7); ai.OpenOrders != 1 {
		t.Fatalf("open orders %d", ai.OpenOrders)
	}
	if err := checkBooks(h.g); err != nil {
		t.Fatal(err)
	}
}

func TestApprovalDeny(t *testing.T) {
	h := approveHarness(t, nil)
	in := h.newOrder(7, 0, event.Buy, 100, 200)
	in.Aux = 555 // a client order id
	out := h.apply(in)
	in.Seq = h.seq
	id := out[0].Other
	out = h.apply(event.In{Kind: event.KindDeny, ID: id})
	want := event.Out{Seq: h.seq, TS: h.ts, Kind: event.OutRejected, Reason: event.ReasonDenied, Symbol: 0,
		ID: in.ID, Account: 7, Side: event.Buy, Price: 100, Qty: 200, Other: 555}
	if len(out) != 1 || out[0] != want {
		t.Fatalf("deny: %+v, want %+v", out, want)
	}
	if out := h.apply(event.In{Kind: event.KindDeny, ID: id}); rejection(out) != event.ReasonUnknownPending {
		t.Fatalf("deny twice: %+v", out)
	}
	// The order id is free again; the client order id stays used.
	if out := h.apply(event.In{Kind: event.KindNew, Account: 7, Symbol: 0, ID: in.ID, Side: event.Buy, Type: event.Limit, Price: 100, Qty: 1}); count(out, event.OutAccepted) != 1 {
		t.Fatalf("order id of a denied order: %+v", out)
	}
	if r := rejection(h.apply(event.In{Kind: event.KindNew, Account: 7, Symbol: 0, ID: h.newID(), Side: event.Buy, Type: event.Limit, Price: 100, Qty: 1, Aux: 555})); r != event.ReasonDuplicateClOrdID {
		t.Fatalf("client order id of a denied order: %v", r)
	}
}

// TestApprovalReservesIDs: a held order's id is taken (as a resting
// order's is) and so is its client order id.
func TestApprovalReservesIDs(t *testing.T) {
	h := approveHarness(t, nil)
	in := h.newOrder(7, 0, event.Buy, 100, 200)
	in.Aux = 77
	h.apply(in)
	for _, c := range []struct {
		name string
		in   event.In
		want event.Reason
	}{
		{"same id, other account", event.In{Kind: event.KindNew, Account: 8, Symbol: 1, ID: in.ID, Side: event.Sell, Type: event.Limit, Price: 5, Qty: 1}, event.ReasonDuplicateID},
		{"same id, same account, small", event.In{Kind: event.KindNew, Account: 7, Symbol: 0, ID: in.ID, Side: event.Buy, Type: event.Limit, Price: 100, Qty: 1}, event.ReasonDuplicateID},
		{"same client order id", event.In{Kind: event.KindNew, Account: 7, Symbol: 0, ID: h.newID(), Side: event.Buy, Type: event.Limit, Price: 100, Qty: 1, Aux: 77}, event.ReasonDuplicateClOrdID},
		{"replace of a held order", event.In{Kind: event.KindReplace, Account: 7, ID: in.ID, Price: 100, Qty: 1}, event.ReasonUnknownOrder},
	} {
		if r := rejection(h.apply(c.in)); r != c.want {
			t.Errorf("%s: %v, want %v", c.name, r, c.want)
		}
	}
	// An order to hold whose id rests goes to the matcher, which refuses
	// it.
	h.limit(8, 1, event.Buy, 5, 1)
	rest := h.id
	if r := rejection(h.apply(event.In{Kind: event.KindNew, Account: 7, Symbol: 0, ID: rest, Side: event.Buy, Type: event.Limit, Price: 100, Qty: 500})); r != event.ReasonDuplicateID {
		t.Fatalf("id resting: %v", r)
	}
	if h.g.PendingCount() != 1 {
		t.Fatalf("%d held", h.g.PendingCount())
	}
}

func TestApprovalTimeout(t *testing.T) {
	h := approveHarness(t, func(c *Config) { c.ApprovalTimeout = 1e9 })
	a, ida := h.hold(7, 0, event.Buy, 100, 200, event.ReasonApproveQty)
	h.ts += 5e8
	b, idb := h.hold(7, 0, event.Buy, 100, 300, event.ReasonApproveQty)
	if p := h.g.Pending(nil); len(p) != 2 || p[0].PendingID != ida || p[1].PendingID != idb || p[0].Deadline != t0+1e9 || p[1].Since != t0+5e8 {
		t.Fatalf("pending %+v", p)
	}
	// Just before the first deadline: nothing. At it: the first, before
	// the input's own answer, with the input's Seq and TS.
	h.ts = t0 + 1e9 - 1
	if out := h.limit(8, 1, event.Buy, 5, 1); len(out) != 2 {
		t.Fatalf("before the deadline: %+v", out)
	}
	h.ts = t0 + 1e9
	out := h.limit(8, 1, event.Buy, 5, 1)
	want := event.Out{Seq: h.seq, TS: h.ts, Kind: event.OutRejected, Reason: event.ReasonApprovalTimeout,
		ID: a.ID, Account: 7, Side: event.Buy, Price: 100, Qty: 200}
	if len(out) != 3 || out[0] != want || out[1].Kind != event.OutAccepted {
		t.Fatalf("at the deadline: %+v", out)
	}
	// An input with an earlier TS counts at the guard's time; an approve
	// that comes too late finds the order gone.
	h.ts = t0 + 2e9
	out = h.apply(event.In{Kind: event.KindApprove, ID: idb})
	if len(out) != 2 || out[0].Reason != event.ReasonApprovalTimeout || out[0].ID != b.ID || rejection(out[1:]) != event.ReasonUnknownPending {
		t.Fatalf("approve after the deadline: %+v", out)
	}
	if h.g.PendingCount() != 0 || h.g.heldNext != 1<<63-1 {
		t.Fatalf("%d held, next timeout %d", h.g.PendingCount(), h.g.heldNext)
	}

	// Several at once, oldest first, whatever the input.
	h.ts = t0 + 10e9
	var ids []uint64
	for range 3 {
		o, _ := h.hold(7, 1, event.Sell, 5, 101, event.ReasonApproveQty)
		ids = append(ids, o.ID)
	}
	h.ts += 3e9
	out = h.apply(event.In{Kind: event.KindHalt, Symbol: 1})
	if len(out) != 4 || out[3].Kind != event.OutHalted {
		t.Fatalf("timeouts: %+v", out)
	}
	for i, id := range ids {
		if out[i].ID != id || out[i].Reason != event.ReasonApprovalTimeout {
			t.Fatalf("timeout %d: %+v", i, out[i])
		}
	}

	// Timeout 0: never.
	h = approveHarness(t, nil)
	h.hold(7, 0, event.Buy, 100, 200, event.ReasonApproveQty)
	h.ts += 30 * 86400e9
	h.limit(8, 1, event.Buy, 5, 1)
	if p := h.g.Pending(nil); len(p) != 1 || p[0].Deadline != 0 {
		t.Fatalf("no timeout: %+v", p)
	}
}

func TestApprovalTooManyPending(t *testing.T) {
	h := approveHarness(t, func(c *Config) { c.MaxPending = 2 })
	_, id := h.hold(7, 0, event.Buy, 100, 200, event.ReasonApproveQty)
	h.hold(8, 0, event.Buy, 100, 2000, event.ReasonApproveNotional)
	in := h.newOrder(7, 0, event.Buy, 100, 200)
	in.Aux = 42
	if out := h.apply(in); len(out) != 1 || out[0].Reason != event.ReasonTooManyPending || out[0].ID != in.ID || out[0].Other != 42 {
		t.Fatalf("third: %+v", out)
	}
	// Rejected: its client order id was not taken. Room again after a deny.
	h.apply(event.In{Kind: event.KindDeny, ID: id})
	in.ID = h.newID()
	out := h.apply(in)
	in.Seq = h.seq
	h.held(out, in, event.ReasonApproveQty)
	if p := h.g.Guards(nil, 0); p[len(p)-1].Kind != "approval" || p[len(p)-1].State != "full" || p[len(p)-1].Figure != 2 {
		t.Fatalf("approval guard: %+v", p[len(p)-1])
	}
}

// TestApprovalRecheck: an approval checks again what may have changed
// since the order was held.
func TestApprovalRecheck(t *testing.T) {
	const any = event.Any
	cases := []struct {
		name  string
		setup func(h *harness)
		want  event.Reason
	}{
		{"account killed", func(h *harness) { h.apply(event.In{Kind: event.KindKill, Account: 7, Symbol: any}) }, event.ReasonKilled},
		{"engine killed", func(h *harness) { h.apply(event.In{Kind: event.KindKill, Account: any, Symbol: any}) }, event.ReasonKilled},
		{"pair killed", func(h *harness) { h.apply(event.In{Kind: event.KindKill, Account: 7, Symbol: 0}) }, event.ReasonKilled},
		{"restricted", func(h *harness) { h.setLimit(LimitRestricted, 7, 0, 1) }, event.ReasonRestricted},
		{"max qty lowered", func(h *harness) { h.setLimit(LimitMaxOrderQty, 7, any, 150) }, event.ReasonMaxQty},
		{"collar moved", func(h *harness) {
			h.setLimit(LimitCollarBps, any, 0, 100)
			h.trade(0, 80) // the reference is now 80: a buy at 100 is 25% above
		}, event.ReasonPriceCollar},
		{"position used up", func(h *harness) {
			h.setLimit(LimitMaxNetPosition, 7, any, 250)
			h.limit(7, 0, event.Buy, 90, 100) // open: 100 + 200 held > 250
		}, event.ReasonNetPosition},
		{"credit", func(h *harness) { h.setLimit(LimitCredit, 7, any, 150) }, event.ReasonCredit},
		{"nothing changed", func(h *harness) {}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := approveHarness(t, nil)
			in, id := h.hold(7, 0, event.Buy, 100, 200, event.ReasonApproveQty)
			c.setup(h)
			out := h.apply(event.In{Kind: event.KindApprove, ID: id})
			if c.want == 0 {
				if count(out, event.OutAccepted) != 1 {
					t.Fatalf("approve: %+v", out)
				}
				return
			}
			want := event.Out{Seq: h.seq, TS: h.ts, Kind: event.OutRejected, Reason: c.want, ID: in.ID, Account: 7, Side: event.Buy, Price: 100, Qty: 200}
			if len(out) != 1 || out[0] != want {
				t.Fatalf("approve: %+v, want %+v", out, want)
			}
			if h.g.PendingCount() != 0 {
				t.Fatal("a refused approval leaves the order held")
			}
		})
	}
}

// TestApprovalBreakerNotBuckets: an approval passes an open breaker's
// check (it is refused) but takes nothing from the buckets.
func TestApprovalBreakerNotBuckets(t *testing.T) {
	h := approveHarness(t, func(c *Config) {
		c.Account[LimitMsgsPerSec], c.Account[LimitMsgBurst] = 1, 2
		c.Account[LimitOrdersPerSec], c.Account[LimitOrderBurst] = 1, 2
	})
	_, id := h.hold(7, 0, event.Buy, 100, 200, event.ReasonApproveQty)
	h.limit(7, 0, event.Buy, 100, 1) // the account's last token
	if out := h.apply(event.In{Kind: event.KindApprove, ID: id}); count(out, event.OutAccepted) != 1 {
		t.Fatalf("approve with the buckets empty: %+v", out)
	}
	// With the breaker open, refused.
	h = approveHarness(t, func(c *Config) {
		c.Account[LimitMsgsPerSec], c.Account[LimitMsgBurst] = 1, 2
		c.Account[LimitOrdersPerSec], c.Account[LimitOrderBurst] = 1, 2
		c.Account[LimitBreakerBreaches], c.Account[LimitBreakerWindow], c.Account[LimitBreakerCooldown] = 1, 1e9, 60e9
	})
	_, id = h.hold(7, 0, event.Buy, 100, 200, event.ReasonApproveQty)
	h.limit(7, 0, event.Buy, 100, 1)
	if r := rejection(h.limit(7, 0, event.Buy, 100, 1)); r != event.ReasonThrottleMsgs {
		t.Fatalf("third order: %v", r)
	}
	if out := h.apply(event.In{Kind: event.KindApprove, ID: id}); rejection(out) != event.ReasonBreakerOpen {
		t.Fatalf("approve with the breaker open: %+v", out)
	}
}

func TestApprovalCancel(t *testing.T) {
	h := approveHarness(t, nil)
	in, id := h.hold(7, 0, event.Buy, 100, 200, event.ReasonApproveQty)
	if out := h.apply(event.In{Kind: event.KindCancel, Account: 8, ID: in.ID}); len(out) != 1 || rejection(out) != event.ReasonNotOwner {
		t.Fatalf("cancel by another account: %+v", out)
	}
	out := h.apply(event.In{Kind: event.KindCancel, Account: 7, ID: in.ID})
	want := event.Out{Seq: h.seq, TS: h.ts, Kind: event.OutCancelled, Reason: event.ReasonUser, ID: in.ID, Account: 7, Side: event.Buy, Price: 100, Qty: 200}
	if len(out) != 1 || out[0] != want {
		t.Fatalf("cancel: %+v, want %+v", out, want)
	}
	if out := h.apply(event.In{Kind: event.KindApprove, ID: id}); rejection(out) != event.ReasonUnknownPending {
		t.Fatalf("approve after cancel: %+v", out)
	}
	if out := h.apply(event.In{Kind: event.KindCancel, Account: 7, ID: in.ID}); rejection(out) != event.ReasonUnknownOrder {
		t.Fatalf("cancel again: %+v", out)
	}
}

// TestApprovalKillCancel: a kill with KillCancel, and an automatic trip in
// cancel_on_trip, reject the held orders of the scope after the mass
// cancel; a kill without it leaves them held.
func TestApprovalKillCancel(t *testing.T) {
	const any = event.Any
	h := approveHarness(t, nil)
	a, _ := h.hold(7, 0, event.Buy, 100, 200, event.ReasonApproveQty)
	b, _ := h.hold(7, 1, event.Buy, 100, 200, event.ReasonApproveQty)
	c, _ := h.hold(8, 0, event.Buy, 100, 2000, event.ReasonApproveNotional)
	h.limit(7, 0, event.Buy, 90, 1)
	if out := h.apply(event.In{Kind: event.KindKill, Account: 8, Symbol: any}); len(out) != 1 || h.g.PendingCount() != 3 {
		t.Fatalf("kill without cancel: %+v", out)
	}
	out := h.apply(event.In{Kind: event.KindKill, Account: 7, Symbol: 0, Arg: event.KillCancel})
	// OutKill, the resting order's cancel and book, the mass cancel's
	// close, then the held order of account 7 in symbol 0.
	last := out[len(out)-1]
	if out[0].Kind != event.OutKill || count(out, event.OutMassCancelled) != 1 || last.Kind != event.OutRejected ||
		last.Reason != event.ReasonKilled || last.ID != a.ID || count(out, event.OutRejected) != 1 {
		t.Fatalf("kill account 7 in symbol 0 with cancel: %+v", out)
	}
	out = h.apply(event.In{Kind: event.KindKill, Account: any, Symbol: any, Arg: event.KillCancel})
	if r := out[len(out)-2:]; r[0].ID != b.ID || r[1].ID != c.ID || r[0].Reason != event.ReasonKilled || r[1].Reason != event.ReasonKilled {
		t.Fatalf("kill all with cancel: %+v", out)
	}
	if h.g.PendingCount() != 0 {
		t.Fatal("held orders left")
	}

	// An automatic trip (a ceiling of account 7's executions).
	h = approveHarness(t, func(c *Config) { c.Account.setWindows(LimitMaxExecs, [NumWindows]int64{1, 0, 0}) })
	d, _ := h.hold(7, 1, event.Buy, 100, 200, event.ReasonApproveQty)
	h.limit(8, 0, event.Sell, 100, 10)
	h.limit(7, 0, event.Buy, 100, 5)
	out = h.limit(7, 0, event.Buy, 100, 5) // the second execution trips
	if k, _ := find(out, event.OutKill); k.Reason != event.ReasonExecCeiling || k.Account != 7 {
		t.Fatalf("trip: %+v", out)
	}
	if r, _ := find(out, event.OutRejected); r.ID != d.ID || r.Reason != event.ReasonKilled || h.g.PendingCount() != 0 {
		t.Fatalf("trip: %+v", out)
	}
}

// TestApprovalState takes snapshots with orders held and checks that a
// guard loaded from them answers the approvals, denials, cancels and
// timeouts that follow exactly as the original.
func TestApprovalState(t *testing.T) {
	h := approveHarness(t, func(c *Config) { c.ApprovalTimeout = 10e9 })
	h.limit(8, 0, event.Sell, 100, 1000)
	var ids []uint64
	for i := range 6 {
		in := h.newOrder(7, uint32(i%2), event.Buy, 100, int64(150+i))
		in.Aux = uint64(900 + i)
		ids = append(ids, h.apply(in)[0].Other)
		h.ts += 1e9
	}
	h.apply(event.In{Kind: event.KindDeny, ID: ids[1]}) // a hole in the middle
	st := h.g.AppendState(nil)

	m2, _ := matcher.New(matcher.Config{MaxSymbols: 64, MaxOrders: 1 << 16, InitialOrders: 1 << 10, InitialLevels: 16, ProtectionBps: 500})
	if err := m2.LoadState(h.g.m.AppendState(nil)); err != nil {
		t.Fatal(err)
	}
	g2, _ := New(h.g.cfg, m2)
	if err := g2.LoadState(st); err != nil {
		t.Fatal(err)
	}
	if string(g2.AppendState(nil)) != string(st) {
		t.Fatal("the loaded state encodes differently")
	}
	if p1, p2 := h.g.Pending(nil), g2.Pending(nil); len(p1) != 5 || len(p2) != 5 || p1[4] != p2[4] || p1[0] != p2[0] {
		t.Fatalf("pending %+v and %+v", p1, p2)
	}
	ins := []event.In{
		{Kind: event.KindApprove, ID: ids[2]},
		{Kind: event.KindCancel, Account: 7, ID: h.id - 2},
		{Kind: event.KindNew, Account: 7, Symbol: 0, ID: h.id, Side: event.Buy, Type: event.Limit, Price: 100, Qty: 1},
		{Kind: event.KindNew, Account: 7, Symbol: 0, ID: h.newID(), Side: event.Buy, Type: event.Limit, Price: 100, Qty: 1, Aux: 905},
		{Kind: event.KindDeny, ID: ids[1]},
		{Kind: event.KindHalt, Symbol: 1, TS: h.ts + 5e9}, // times out the oldest
		{Kind: event.KindApprove, ID: ids[5], TS: h.ts + 5e9},
		{Kind: event.KindResume, Symbol: 1, TS: h.ts + 60e9},
	}
	seq := h.seq
	var o1, o2 []event.Out
	for i, in := range ins {
		seq++
		in.Seq = seq
		if in.TS == 0 {
			in.TS = h.ts
		}
		o1 = h.g.Apply(&in, o1[:0])
		o2 = g2.Apply(&in, o2[:0])
		if len(o1) != len(o2) {
			t.Fatalf("input %d: %+v and %+v", i, o1, o2)
		}
		for k := range o1 {
			if o1[k] != o2[k] {
				t.Fatalf("input %d output %d: %+v and %+v", i, k, o1[k], o2[k])
			}
		}
	}
	if h.g.PendingCount() != 0 || string(h.g.AppendState(nil)) != string(g2.AppendState(nil)) {
		t.Fatalf("%d held at the end, or the states differ", h.g.PendingCount())
	}
}

// TestApprovalStateErrors damages the held orders of a state.
func TestApprovalStateErrors(t *testing.T) {
	h := approveHarness(t, nil)
	h.hold(7, 0, event.Buy, 100, 200, event.ReasonApproveQty)
	h.ts += 1e9
	h.hold(7, 1, event.Buy, 100, 300, event.ReasonApproveQty)
	st := h.g.AppendState(nil)
	heldAt := len(st) - 2*heldSize // the first held order
	load := func(b []byte, edit func(c *Config)) error {
		m, _ := matcher.New(matcher.Config{MaxSymbols: 64, MaxOrders: 1 << 16, InitialOrders: 1 << 10, InitialLevels: 16, ProtectionBps: 500})
		if err := m.LoadState(h.g.m.AppendState(nil)); err != nil {
			t.Fatal(err)
		}
		cfg := h.g.Config()
		if edit != nil {
			edit(cfg)
		}
		g, _ := New(cfg, m)
		return g.LoadState(b)
	}
	if err := load(st, nil); err != nil {
		t.Fatal(err)
	}
	edit := func(f func(b []byte)) []byte {
		b := append([]byte(nil), st...)
		f(b)
		return b
	}
	second := heldAt + heldSize
	cases := []struct {
		name string
		b    []byte
		cfg  func(c *Config)
	}{
		{"more than max_pending", st, func(c *Config) { c.MaxPending = 1 }},
		{"not a new order", edit(func(b []byte) { b[heldAt] = byte(event.KindCancel) }), nil},
		{"bad quantity", edit(func(b []byte) { b[heldAt+48] = 0 }), nil}, // Qty 200 -> 0
		{"undefined symbol", edit(func(b []byte) { b[heldAt+8] = 9 }), nil},
		{"reason", edit(func(b []byte) { b[heldAt+event.Size+8] = byte(event.ReasonMaxQty) }), nil},
		{"reserved", edit(func(b []byte) { b[heldAt+event.Size+9] = 1 }), nil},
		{"held in the future", edit(func(b []byte) { b[heldAt+event.Size+7] = 0x7f }), nil},
		{"out of order", edit(func(b []byte) {
			copy(b[second+event.Size:], b[heldAt+event.Size:heldAt+event.Size+8]) // the second held before the first
			copy(b[heldAt+event.Size:], st[second+event.Size:second+event.Size+8])
		}), nil},
		{"same order id", edit(func(b []byte) { copy(b[second+32:second+40], b[heldAt+32:heldAt+40]) }), nil},
		{"same pending id", edit(func(b []byte) { copy(b[second+16:second+24], b[heldAt+16:heldAt+24]) }), nil},
		{"count", edit(func(b []byte) { b[heldAt-8] = 3 }), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := load(c.b, c.cfg)
			if !errors.Is(err, ErrState) {
				t.Fatalf("LoadState = %v, want ErrState", err)
			}
			t.Log(err)
		})
	}
}

// TestStateOldVersions: states of versions 1 and 2 (50 limits a scope, no
// held orders) load, and are written back as the current version.
func TestStateOldVersions(t *testing.T) {
	h := newHarness(t, DefaultConfig(), "AAPL", "MSFT")
	h.limit(7, 0, event.Buy, 100, 10)
	h.limit(8, 0, event.Sell, 100, 4)
	h.setLimit(LimitMaxOrderQty, 7, event.Any, 500)
	h.apply(event.In{Kind: event.KindKill, Account: 8, Symbol: 1})
	st := h.g.AppendState(nil)
	for _, v := range []uint16{1, 2} {
		old := h.g.appendState(nil, v)
		if len(old) >= len(st) {
			t.Fatalf("version %d: %d bytes, current %d", v, len(old), len(st))
		}
		m, _ := matcher.New(matcher.Config{MaxSymbols: 64, MaxOrders: 1 << 16, InitialOrders: 1 << 10, InitialLevels: 16, ProtectionBps: 500, HashKey: h.g.m.HashKey()})
		if err := m.LoadState(h.g.m.AppendState(nil)); err != nil {
			t.Fatal(err)
		}
		g, _ := New(DefaultConfig(), m)
		if err := g.LoadState(old); err != nil {
			t.Fatalf("version %d: %v", v, err)
		}
		if string(g.AppendState(nil)) != string(st) {
			t.Fatalf("version %d: written back differently", v)
		}
	}
}

// TestApprovalReplace: a replace may not raise an order above an approval
// threshold (it would bypass the approval); cuts and amendments that raise
// neither pass, also for an approved order above the threshold.
func TestApprovalReplace(t *testing.T) {
	h := approveHarness(t, nil) // account 7: 100 lots; every account: $1,000
	h.limit(7, 0, event.Buy, 90, 100)
	small := h.id
	rep := func(id uint64, px, qty int64) []event.Out {
		return h.apply(event.In{Kind: event.KindReplace, Account: 7, ID: id, Price: px, Qty: qty})
	}
	if r := rejection(rep(small, 90, 101)); r != event.ReasonApproveQty {
		t.Fatalf("raised above approve_qty: %v", r)
	}
	if r := rejection(rep(small, 1001, 100)); r != event.ReasonApproveNotional {
		t.Fatalf("raised above approve_notional_usd: %v", r)
	}
	if out := rep(small, 95, 100); count(out, event.OutReplaced) != 1 {
		t.Fatalf("new price, under both: %+v", out)
	}
	_, id := h.hold(7, 0, event.Buy, 90, 300, event.ReasonApproveQty)
	h.apply(event.In{Kind: event.KindApprove, ID: id})
	big := h.id
	for _, c := range []struct {
		px, qty int64
		want    event.Reason
	}{
		{90, 250, 0},                            // a cut
		{80, 250, 0},                            // a lower price: notional down
		{500, 250, event.ReasonApproveNotional}, // notional up, to $1,250
		{80, 260, event.ReasonApproveQty},       // more lots
	} {
		out := rep(big, c.px, c.qty)
		if r := rejection(out); r != c.want || c.want == 0 && count(out, event.OutReplaced) != 1 {
			t.Fatalf("approved order to %d @ %d: %+v, want %v", c.qty, c.px, out, c.want)
		}
	}
}
