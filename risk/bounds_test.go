package risk

import (
	"fmt"
	"testing"

	"github.com/tradeengine/engine/event"
)

// TestUnknownAccountsMakeNoState sends 200,000 cancels, replaces and mass
// cancels of unknown orders from distinct accounts, and new orders in an
// undefined symbol or rejected by a pre-trade check: the guard makes no
// account or position state for any of them (before, each cancel made an
// account: 200,000 of them took a process to 1.6 GB and a 317 MB
// snapshot), so its account count and its state's size are unchanged.
func TestUnknownAccountsMakeNoState(t *testing.T) {
	n := scaled(200_000)
	cfg := DefaultConfig()
	h := newHarness(t, cfg, "AAPL")
	h.limit(1, 0, event.Buy, 100, 10) // one account with an order
	accts, positions := len(h.g.accts), h.g.pt.n
	size := len(h.g.AppendState(nil))
	kinds := []event.Kind{event.KindCancel, event.KindReplace, event.KindMassCancel}
	for i := range n {
		acct := uint32(1000 + i)
		in := event.In{Kind: kinds[i%3], Account: acct, Symbol: 0, ID: uint64(1<<40 + i), Price: 100, Qty: 1}
		if in.Kind == event.KindMassCancel {
			in.Symbol = event.Any
		}
		h.ts += 1000 // 1 us apart: within every bucket
		h.apply(in)
	}
	for i := range n / 10 {
		h.ts += 1000
		acct := uint32(1_000_000 + i)
		// An undefined symbol, a quantity above the limit, a bad price: all rejected.
		h.apply(event.In{Kind: event.KindNew, Account: acct, Symbol: 5, ID: h.newID(), Side: event.Buy, Type: event.Limit, Price: 100, Qty: 1})
		if r := rejection(h.limit(acct, 0, event.Buy, 100, 1_000_000)); r != event.ReasonMaxQty {
			t.Fatalf("oversized order: %v", r)
		}
		if r := rejection(h.limit(acct, 0, event.Sell, -5, 1)); r != event.ReasonBadPrice {
			t.Fatalf("bad price: %v", r)
		}
	}
	if len(h.g.accts) != accts || h.g.acctIdx.Len() != accts || h.g.pt.n != positions {
		t.Fatalf("%d accounts (%d indexed), %d positions; want %d and %d", len(h.g.accts), h.g.acctIdx.Len(), h.g.pt.n, accts, positions)
	}
	if got := len(h.g.AppendState(nil)); got != size {
		t.Fatalf("state is %d bytes, was %d", got, size)
	}
	// The known account still trades, and a new one that is accepted gets
	// its state.
	if out := h.limit(2, 0, event.Sell, 100, 10); count(out, event.OutTrade) != 1 {
		t.Fatalf("trade: %+v", out)
	}
	if len(h.g.accts) != accts+1 {
		t.Fatalf("%d accounts after a new account's accepted order, want %d", len(h.g.accts), accts+1)
	}
	if err := h.g.checkTables(); err != nil {
		t.Fatal(err)
	}
}

// TestKnownAccountRejectedOrderLeavesNoPosition: a known account's order in
// a new symbol that is rejected leaves no position behind, and positions
// moved by the removal are still found.
func TestKnownAccountRejectedOrderLeavesNoPosition(t *testing.T) {
	names := make([]string, 40)
	for i := range names {
		names[i] = string(rune('A'+i%26)) + string(rune('A'+i/26))
	}
	h := newHarness(t, DefaultConfig(), names...)
	for s := range uint32(40) {
		if s%2 == 0 {
			h.limit(1, s, event.Buy, 100, 1)
		} else if r := rejection(h.limit(1, s, event.Buy, 100, 1_000_000)); r != event.ReasonMaxQty {
			t.Fatalf("symbol %d: %v", s, r)
		}
	}
	if h.g.pt.n != 20 {
		t.Fatalf("%d positions, want 20", h.g.pt.n)
	}
	for s := uint32(0); s < 40; s += 2 {
		if _, ok := h.g.pt.find(1<<32 | uint64(s)); !ok {
			t.Fatalf("position in symbol %d lost", s)
		}
	}
	if err := h.g.checkTables(); err != nil {
		t.Fatal(err)
	}
}

// TestMaxAccounts: beyond max_accounts, a new account's order, parent
// instruction and operator command are rejected with too_many_accounts;
// known accounts go on trading, and an account whose orders were all
// rejected takes no room.
func TestMaxAccounts(t *testing.T) {
	cfg := quietConfig()
	cfg.MaxAccounts = 3
	cfg.Accounts = []AccountConfig{{ID: 50}}
	h := newHarness(t, cfg, "AAPL")
	h.limit(1, 0, event.Buy, 100, 1)
	h.apply(event.In{Kind: event.KindNew, Account: 9, Symbol: 0, ID: h.newID(), Side: event.Buy, Type: event.Limit, Price: -1, Qty: 1}) // rejected: no room taken
	h.limit(2, 0, event.Buy, 100, 1)
	if len(h.g.accts) != 3 {
		t.Fatalf("%d accounts, want 3", len(h.g.accts))
	}
	for _, in := range []event.In{
		{Kind: event.KindNew, Account: 3, Symbol: 0, Side: event.Buy, Type: event.Limit, Price: 100, Qty: 1, ID: 1 << 30},
		{Kind: event.KindParent, Account: 3, Symbol: 0, Side: event.Buy, Qty: 10},
		{Kind: event.KindKill, Account: 3, Symbol: event.Any},
		{Kind: event.KindSetLimit, Arg: uint16(LimitMaxOrderQty), Account: 3, Symbol: event.Any, Qty: 10},
	} {
		out := h.apply(in)
		if len(out) != 1 || rejection(out) != event.ReasonTooManyAccounts {
			t.Fatalf("%v of a fourth account: %+v, want too_many_accounts", in.Kind, out)
		}
	}
	if out := h.limit(50, 0, event.Sell, 100, 1); count(out, event.OutTrade) != 1 {
		t.Fatalf("the configured account: %+v", out)
	}
	if out := h.limit(2, 0, event.Sell, 100, 1); count(out, event.OutTrade) != 1 {
		t.Fatalf("a known account: %+v", out)
	}
	if event.ReasonTooManyAccounts.String() != "too_many_accounts" {
		t.Fatalf("name %q", event.ReasonTooManyAccounts)
	}
}

// TestMaxParents: beyond max_parents (account, symbol) pairs with an
// allowance, a parent instruction for a new pair is rejected with
// too_many_parents; more for a pair that has one is granted; the count
// survives a snapshot.
func TestMaxParents(t *testing.T) {
	cfg := quietConfig()
	cfg.MaxParents = 2
	h := newHarness(t, cfg, "AAPL", "MSFT")
	parent := func(acct, sym uint32) []event.Out {
		return h.apply(event.In{Kind: event.KindParent, Account: acct, Symbol: sym, Side: event.Buy, Qty: 10})
	}
	for _, p := range [][2]uint32{{1, 0}, {1, 1}, {1, 0}} {
		if out := parent(p[0], p[1]); out[0].Kind != event.OutParent {
			t.Fatalf("parent %v: %+v", p, out)
		}
	}
	for _, p := range [][2]uint32{{2, 0}, {3, 1}} {
		if out := parent(p[0], p[1]); rejection(out) != event.ReasonTooManyParents {
			t.Fatalf("parent %v: %+v, want too_many_parents", p, out)
		}
	}
	if len(h.g.accts) != 1 {
		t.Fatalf("%d accounts: a rejected parent instruction made one", len(h.g.accts))
	}
	m2 := h.g.m
	g2, _ := New(cfg, m2)
	if err := g2.LoadState(h.g.AppendState(nil)); err != nil {
		t.Fatal(err)
	}
	if g2.parents != 2 {
		t.Fatalf("loaded guard counts %d parents, want 2", g2.parents)
	}
}

// checkTables verifies the account index and the position table against
// the guard's arrays.
func (g *Guard) checkTables() error {
	if err := g.acctIdx.Check(); err != nil {
		return err
	}
	for a := range g.accts {
		if i, ok := g.acctIdx.Get(uint64(g.accts[a].id)); !ok || i != int32(a) {
			return errorf("account %d at index %d not indexed", g.accts[a].id, a)
		}
	}
	n := 0
	for p := range g.pt.hot {
		pos := &g.pt.hot[p]
		if !pos.used {
			continue
		}
		n++
		if q, ok := g.pt.find(pos.key); !ok || q != int32(p) {
			return errorf("position %#x at slot %d not found", pos.key, p)
		}
		if int(pos.acct) >= len(g.accts) || g.accts[pos.acct].id != uint32(pos.key>>32) {
			return errorf("position %#x: account index %d", pos.key, pos.acct)
		}
	}
	if n != g.pt.n {
		return errorf("%d positions, count says %d", n, g.pt.n)
	}
	return nil
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
