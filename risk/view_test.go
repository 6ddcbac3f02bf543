package risk

import (
	"fmt"
	"testing"

	"github.com/tradeengine/engine/event"
)

// viewHarness returns a guard with a bit of everything the views show:
// account 8 killed by an operator, account 10's breaker open, account 11
// killed by its execution ceiling, symbol MSFT killed, account 9 killed in
// AAPL, account 7 with approval thresholds of its own and an order held,
// account 42 and MSFT configured.
func viewHarness(t *testing.T) *harness {
	t.Helper()
	const any = event.Any
	cfg := DefaultConfig()
	cfg.Accounts = []AccountConfig{
		{ID: 10, Settings: []Setting{{LimitMsgsPerSec, 1}, {LimitMsgBurst, 1}, {LimitOrdersPerSec, 1}, {LimitOrderBurst, 1},
			{LimitBreakerBreaches, 1}, {LimitBreakerCooldown, 60e9}}},
		{ID: 11, Settings: []Setting{{LimitMaxExecs, 1}}},
		{ID: 42, Settings: []Setting{{LimitMaxOrderQty, 10_000}}, Restricted: []string{"AAPL"}},
	}
	cfg.Symbols = []SymbolConfig{{Name: "MSFT", Settings: []Setting{{LimitCollarBps, 500}}}}
	h := newHarness(t, cfg, "AAPL", "MSFT")
	h.setLimit(LimitApproveQty, 7, any, 100)
	h.setLimit(LimitApproveNotional, 7, any, 1_000_000)
	h.apply(event.In{Kind: event.KindKill, Account: 8, Symbol: any})
	h.apply(event.In{Kind: event.KindKill, Account: any, Symbol: 1})
	h.apply(event.In{Kind: event.KindKill, Account: 9, Symbol: 0})
	h.limit(10, 0, event.Buy, 90, 1)
	if r := rejection(h.limit(10, 0, event.Buy, 90, 1)); r != event.ReasonThrottleMsgs {
		t.Fatalf("account 10's second order: %v", r)
	}
	h.limit(12, 0, event.Sell, 100, 10)
	h.limit(11, 0, event.Buy, 100, 1)
	if out := h.limit(11, 0, event.Buy, 100, 1); count(out, event.OutKill) != 1 {
		t.Fatalf("account 11's second execution: %+v", out)
	}
	h.hold(7, 0, event.Buy, 100, 200, event.ReasonApproveQty)
	return h
}

// guardLine writes a GuardState compactly.
func guardLine(s GuardState) string {
	return fmt.Sprintf("%s %s %s w%d %s %d/%d %v", s.Kind, scopeName(s.Account, s.Symbol), s.Metric, s.Window/1e9, s.State, s.Figure, s.Limit, s.Reason)
}

func TestGuardsView(t *testing.T) {
	h := viewHarness(t)
	gs := h.g.Guards(nil, 0)
	var lines []string
	for _, s := range gs {
		lines = append(lines, guardLine(s))
	}
	// The engine's: kill, breaker, 3 windows x (3 ceilings, 3 anomaly
	// detectors), approval.
	global := 2 + NumWindows*2*nMetrics + 1
	want := map[int]string{
		0:          "kill all  w0 ok 0/0 none",
		1:          "breaker all breaches w1 closed 0/100 none",
		2:          "ceiling all execs w1 ok 2/500000 none",
		3:          "ceiling all qty w1 ok 2/200000000 none",
		4:          "ceiling all notional_usd w1 ok 2/20000000000 none",
		5:          "anomaly all execs w1 warmup 2/50000 none",
		global - 1: "approval all held w0 ok 1/10000 none",
		global:     "kill account 8  w0 tripped 0/0 operator",
		global + 1: "breaker account 10 breaches w1 open 1/1 none",
		global + 2: "kill account 11  w0 tripped 0/0 exec_ceiling",
		global + 3: "ceiling account 11 execs w1 tripped 2/1 exec_ceiling",
		global + 4: "kill symbol 1  w0 tripped 0/0 operator",
		global + 5: "kill account 9 symbol 0  w0 tripped 0/0 operator",
	}
	if len(gs) != global+6 {
		t.Fatalf("%d guards, want %d:\n%q", len(gs), global+6, lines)
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("guard %d: %q, want %q", i, lines[i], w)
		}
	}
	for i := 2; i < global-1; i++ {
		if w := gs[i].Window; w != h.g.cfg.Windows[(i-2)/(2*nMetrics)] {
			t.Errorf("guard %d: window %d", i, w)
		}
	}
	if got := h.g.Guards(nil, 5); len(got) != 5 || got[4] != gs[4] {
		t.Fatalf("at most 5: %d", len(got))
	}
	// A second later, the 1s window has moved on: account 11's ceiling is
	// no longer crossed (its kill stays latched).
	h.ts += 1e9
	h.apply(event.In{Kind: event.KindHalt, Symbol: 0})
	if later := h.g.Guards(nil, 0); len(later) != len(gs)-1 || later[2].Figure != 0 || later[global+2].Kind != "kill" || later[global+3].Kind != "kill" {
		t.Fatalf("a second later: %d guards, %+v", len(later), later[2])
	}
	// A view changes nothing.
	st := h.g.AppendState(nil)
	h.g.Guards(nil, 0)
	if string(h.g.AppendState(nil)) != string(st) {
		t.Fatal("Guards changed the state")
	}

	kills := h.g.Kills(nil)
	var ks []string
	for _, k := range kills {
		ks = append(ks, guardLine(k))
	}
	wantKills := []string{
		"kill account 8  w0 tripped 0/0 operator",
		"kill account 11  w0 tripped 0/0 exec_ceiling",
		"kill symbol 1  w0 tripped 0/0 operator",
		"kill account 9 symbol 0  w0 tripped 0/0 operator",
	}
	if fmt.Sprint(ks) != fmt.Sprint(wantKills) {
		t.Fatalf("kills %q, want %q", ks, wantKills)
	}
	h.apply(event.In{Kind: event.KindKill, Account: event.Any, Symbol: event.Any})
	if k := h.g.Kills(nil); len(k) != 5 || k[0].Account != event.Any || k[0].Symbol != event.Any {
		t.Fatalf("kills after killing all: %+v", k)
	}
}

func TestLimitsView(t *testing.T) {
	h := viewHarness(t)
	ls := h.g.Limits(nil)
	count := func(s scope) int {
		n := 0
		for l := Limit(1); l < numLimits; l++ {
			if li, _, ok := l.info(); ok && li.scopes&s != 0 {
				n++
			}
		}
		return n
	}
	nGlobal, nAcct, nSym := count(scopeGlobal), count(scopeAccount), count(scopeSymbol)
	type key struct {
		scope     string
		acct, sym uint32
		l         Limit
	}
	got := map[key]int64{}
	for i, lv := range ls {
		want := "global"
		switch {
		case i >= nGlobal+nAcct+nSym:
			want = lv.Scope // checked below
		case i >= nGlobal+nAcct:
			want = "symbols"
		case i >= nGlobal:
			want = "defaults"
		}
		if lv.Scope != want || lv.Key != lv.Limit.String() || lv.Global != (lv.Scope == "global") {
			t.Errorf("limit %d: %+v", i, lv)
		}
		got[key{lv.Scope, lv.Account, lv.Symbol, lv.Limit}] = lv.Value
	}
	const any = event.Any
	want := []struct {
		k key
		v int64
	}{
		{key{"global", any, any, LimitMsgsPerSec}, 2_000_000},
		{key{"global", any, any, LimitMaxExecs + 2}, 10_000_000},
		{key{"defaults", any, any, LimitMaxOrderNotional}, 50_000_000},
		{key{"defaults", any, any, LimitApproveQty}, 0},
		{key{"symbols", any, any, LimitCollarBps}, 1000},
		{key{"symbols", any, any, LimitMaxOrderQty}, 0},
		{key{"account", 7, any, LimitApproveQty}, 100},
		{key{"account", 7, any, LimitApproveNotional}, 1_000_000},
		{key{"account", 10, any, LimitBreakerCooldown}, 60e9},
		{key{"account", 11, any, LimitMaxExecs}, 1},
		{key{"account", 42, any, LimitMaxOrderQty}, 10_000},
		{key{"account", 42, 0, LimitRestricted}, 1},
		{key{"symbol", any, 1, LimitCollarBps}, 500},
	}
	for _, w := range want {
		if v, ok := got[w.k]; !ok || v != w.v {
			t.Errorf("%+v = %d (%v), want %d", w.k, v, ok, w.v)
		}
	}
	// Overrides: exactly those, accounts by id, then symbols.
	var order []string
	for _, lv := range ls[nGlobal+nAcct+nSym:] {
		order = append(order, fmt.Sprintf("%s %s %s", lv.Scope, scopeName(lv.Account, lv.Symbol), lv.Key))
	}
	wantOrder := []string{
		"account account 7 approve_qty", "account account 7 approve_notional_usd",
		"account account 10 msgs_per_sec", "account account 10 msg_burst", "account account 10 orders_per_sec",
		"account account 10 order_burst", "account account 10 breaker_breaches", "account account 10 breaker_cooldown",
		"account account 11 max_execs/0",
		"account account 42 max_order_qty", "account account 42 symbol 0 restricted",
		"symbol symbol 1 collar_bps",
	}
	if fmt.Sprint(order) != fmt.Sprint(wantOrder) {
		t.Fatalf("overrides\n%q\nwant\n%q", order, wantOrder)
	}
}

func TestPendingView(t *testing.T) {
	h := viewHarness(t)
	in, id := h.hold(7, 0, event.Sell, 100, 300, event.ReasonApproveQty)
	p := h.g.Pending(nil)
	if len(p) != 2 || h.g.PendingCount() != 2 {
		t.Fatalf("pending %+v", p)
	}
	in.TS = h.ts
	want := Held{PendingID: id, Order: in, Reason: event.ReasonApproveQty, Since: h.ts, Deadline: h.ts + 60e9}
	if p[1] != want || p[0].PendingID >= id || p[0].Order.Side != event.Buy {
		t.Fatalf("pending %+v, want %+v second", p, want)
	}
}
