package risk

import (
	"testing"

	"github.com/tradeengine/engine/event"
)

// TestSetLimit checks KindSetLimit: its scopes, what it refuses, and that
// a default changes every account that has no value of its own.
func TestSetLimit(t *testing.T) {
	const any = event.Any
	cfg := quietConfig()
	cfg.Accounts = []AccountConfig{{ID: 7, Settings: []Setting{{LimitMaxOrderQty, 50}}}}
	h := newHarness(t, cfg, "AAPL")
	h.limit(8, 0, event.Buy, 90, 1) // account 8 exists, with the defaults

	bad := []struct {
		name      string
		arg       Limit
		acct, sym uint32
		v         int64
		reason    event.Reason
	}{
		{"undefined limit", 23, 7, any, 1, event.ReasonBadLimit},
		{"beyond the ids", 400, 7, any, 1, event.ReasonBadLimit},
		{"negative", LimitMaxOrderQty, 7, any, -1, event.ReasonBadLimit},
		{"out of range", LimitCollarBps, any, 0, 10_001, event.ReasonBadLimit},
		{"account limit for a symbol", LimitMaxOpenOrders, any, 0, 5, event.ReasonBadLimit},
		{"symbol limit for an account", LimitCollarBps, 7, any, 5, event.ReasonBadLimit},
		{"global of an account-only limit", LimitGlobal | LimitMaxOpenOrders, any, any, 5, event.ReasonBadLimit},
		{"global with an account", LimitGlobal | LimitMsgsPerSec, 7, any, 5, event.ReasonBadLimit},
		{"both scopes", LimitMaxOrderQty, 7, 0, 5, event.ReasonBadLimit},
		{"restricted without a symbol", LimitRestricted, 7, any, 1, event.ReasonBadLimit},
		{"undefined symbol", LimitCollarBps, any, 9, 5, event.ReasonUnknownSymbol},
		{"conflict: order rate above message rate", LimitOrdersPerSec, 7, any, 10, 0},
	}
	h.setLimit(LimitMsgBurst, 7, any, 5)
	h.setLimit(LimitMsgsPerSec, 7, any, 5)
	bad[len(bad)-1].reason = event.ReasonBadLimit
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			out := h.apply(event.In{Kind: event.KindSetLimit, Arg: uint16(b.arg), Account: b.acct, Symbol: b.sym, Qty: b.v})
			if len(out) != 1 || rejection(out) != b.reason {
				t.Fatalf("%+v, want a rejection %v", out, b.reason)
			}
		})
	}

	// A default changes the accounts without a value of their own, and
	// accounts seen later.
	h.setLimit(LimitMaxOrderQty, any, any, 10)
	for _, c := range []struct {
		acct uint32
		want int64
	}{{7, 50}, {8, 10}, {9, 10}} {
		if got := rejection(h.limit(c.acct, 0, event.Buy, 90, c.want+1)); got != event.ReasonMaxQty {
			t.Errorf("account %d: %d lots: %v, want max_qty", c.acct, c.want+1, got)
		}
		if got := rejection(h.limit(c.acct, 0, event.Buy, 90, c.want)); got != 0 {
			t.Errorf("account %d: %d lots: %v", c.acct, c.want, got)
		}
		if v, ok := h.g.Limit(LimitMaxOrderQty, c.acct, any); !ok || v != c.want {
			t.Errorf("Limit(max_order_qty, %d) = %d %v, want %d", c.acct, v, ok, c.want)
		}
	}
	// A symbol's limit tightens every account's.
	h.setLimit(LimitMaxOrderQty, any, 0, 5)
	if got := rejection(h.limit(7, 0, event.Buy, 90, 6)); got != event.ReasonMaxQty {
		t.Errorf("symbol limit: %v", got)
	}
	// USD limits are taken and reported in dollars.
	h.setLimit(LimitMaxOrderNotional, 8, any, 100) // 10,000 tick-lots
	if got := rejection(h.limit(8, 0, event.Buy, 2_001, 5)); got != event.ReasonMaxNotional {
		t.Errorf("notional $100.05: %v", got)
	}
	if v, _ := h.g.Limit(LimitMaxOrderNotional, 8, any); v != 100 {
		t.Errorf("Limit(max_order_notional_usd, 8) = %d", v)
	}
	// The engine's limits take LimitGlobal.
	h.setLimit(LimitGlobal|LimitOrderBurst, any, any, 1)
	h.setLimit(LimitGlobal|LimitOrdersPerSec, any, any, 1)
	h.limit(8, 0, event.Buy, 90, 1)
	if got := rejection(h.limit(9, 0, event.Buy, 90, 1)); got != event.ReasonThrottleOrders {
		t.Errorf("global order bucket of 1: %v", got)
	}
	if v, ok := h.g.Limit(LimitGlobal|LimitOrdersPerSec, any, any); !ok || v != 1 {
		t.Errorf("Limit(global orders_per_sec) = %d %v", v, ok)
	}
}

// TestSetLimitApproval sets the approval thresholds at run time: for an
// account, a symbol, every account; refused for the engine or a pair.
func TestSetLimitApproval(t *testing.T) {
	const any = event.Any
	h := newHarness(t, quietConfig(), "AAPL", "MSFT")
	for _, b := range []struct {
		name      string
		arg       Limit
		acct, sym uint32
		v         int64
	}{
		{"global", LimitGlobal | LimitApproveQty, any, any, 5},
		{"pair", LimitApproveQty, 7, 0, 5},
		{"out of range", LimitApproveNotional, 7, any, maxUSD + 1},
	} {
		if out := h.apply(event.In{Kind: event.KindSetLimit, Arg: uint16(b.arg), Account: b.acct, Symbol: b.sym, Qty: b.v}); rejection(out) != event.ReasonBadLimit {
			t.Errorf("%s: %+v", b.name, out)
		}
	}
	h.setLimit(LimitApproveQty, 7, any, 100)
	h.setLimit(LimitApproveNotional, any, 1, 2_000) // $2,000 in MSFT
	h.setLimit(LimitApproveQty, any, any, 500)      // every account without its own
	for _, c := range []struct {
		l         Limit
		acct, sym uint32
		want      int64
	}{
		{LimitApproveQty, 7, any, 100},
		{LimitApproveQty, 8, any, 500},
		{LimitApproveQty, any, any, 500},
		{LimitApproveNotional, any, 1, 2_000},
		{LimitApproveNotional, any, 0, 0},
	} {
		if v, ok := h.g.Limit(c.l, c.acct, c.sym); !ok || v != c.want {
			t.Errorf("Limit(%v, %d, %d) = %d %v, want %d", c.l, c.acct, c.sym, v, ok, c.want)
		}
	}
	h.hold(7, 0, event.Buy, 100, 101, event.ReasonApproveQty)
	h.hold(8, 0, event.Buy, 100, 501, event.ReasonApproveQty)
	h.hold(8, 1, event.Buy, 2001, 100, event.ReasonApproveNotional) // $2,001
	if out := h.limit(8, 0, event.Buy, 2001, 100); count(out, event.OutAccepted) != 1 {
		t.Fatalf("AAPL has no notional threshold: %+v", out)
	}
	// Off again: orders pass; those held stay held.
	h.setLimit(LimitApproveQty, 7, any, 0)
	h.setLimit(LimitApproveQty, any, any, 0)
	if out := h.limit(7, 0, event.Buy, 100, 101); count(out, event.OutAccepted) != 1 {
		t.Fatalf("threshold off: %+v", out)
	}
	if h.g.PendingCount() != 3 {
		t.Fatalf("%d held", h.g.PendingCount())
	}
}
