package risk

import (
	"fmt"
	"testing"

	"github.com/tradeengine/engine/event"
)

// trade makes a trade in sym at px between accounts 901 and 902, so that
// the symbol has a last trade price (the collar's reference).
func (h *harness) trade(sym uint32, px int64) {
	h.t.Helper()
	h.limit(901, sym, event.Sell, px, 1)
	if out := h.limit(902, sym, event.Buy, px, 1); count(out, event.OutTrade) != 1 {
		h.t.Fatalf("no trade at %d: %+v", px, out)
	}
}

// TestPreTradeLimits checks each pre-trade check just below, at and just
// above its limit: below and at pass, above is rejected with the check's
// reason and changes nothing in the matcher.
func TestPreTradeLimits(t *testing.T) {
	type tc struct {
		name   string
		cfg    func(c *Config)
		setup  func(h *harness)
		probe  func(h *harness, d int64) []event.Out // d: -1 below, 0 at, +1 above the limit
		reason event.Reason
	}
	acct := func(c *Config, l Limit, v int64) {
		c.Accounts = append(c.Accounts, AccountConfig{ID: 7, Settings: []Setting{{l, v}}})
	}
	cases := []tc{
		{
			name:   "max_order_qty account",
			cfg:    func(c *Config) { acct(c, LimitMaxOrderQty, 1000) },
			probe:  func(h *harness, d int64) []event.Out { return h.limit(7, 0, event.Buy, 100, 1000+d) },
			reason: event.ReasonMaxQty,
		},
		{
			name: "max_order_qty symbol tighter than account",
			cfg: func(c *Config) {
				acct(c, LimitMaxOrderQty, 1000)
				c.Symbols = []SymbolConfig{{Name: "AAPL", Settings: []Setting{{LimitMaxOrderQty, 500}}}}
			},
			probe:  func(h *harness, d int64) []event.Out { return h.limit(7, 0, event.Sell, 100, 500+d) },
			reason: event.ReasonMaxQty,
		},
		{
			name: "max_order_notional",
			// $1,000 at $0.01 a tick is 100,000 tick-lots: 1,000 lots at 100 ticks.
			cfg:    func(c *Config) { c.Account[LimitMaxOrderNotional] = 1000 },
			probe:  func(h *harness, d int64) []event.Out { return h.limit(7, 0, event.Buy, 100, 1000+d) },
			reason: event.ReasonMaxNotional,
		},
		{
			name:   "collar_bps buy",
			cfg:    func(c *Config) { c.Symbol[LimitCollarBps] = 100 }, // 1% of 10,000 ticks: 100
			setup:  func(h *harness) { h.trade(0, 10_000) },
			probe:  func(h *harness, d int64) []event.Out { return h.limit(7, 0, event.Buy, 10_100+d, 10) },
			reason: event.ReasonPriceCollar,
		},
		{
			name:   "collar_bps sell",
			cfg:    func(c *Config) { c.Symbol[LimitCollarBps] = 100 },
			setup:  func(h *harness) { h.trade(0, 10_000) },
			probe:  func(h *harness, d int64) []event.Out { return h.limit(7, 0, event.Sell, 9_900-d, 10) },
			reason: event.ReasonPriceCollar,
		},
		{
			name:   "collar_ticks",
			cfg:    func(c *Config) { c.Symbol[LimitCollarTicks] = 5 },
			setup:  func(h *harness) { h.trade(0, 10_000) },
			probe:  func(h *harness, d int64) []event.Out { return h.limit(7, 0, event.Buy, 10_005+d, 10) },
			reason: event.ReasonPriceCollar,
		},
		{
			name: "collar on the mid without a trade",
			cfg:  func(c *Config) { c.Symbol[LimitCollarTicks] = 5 },
			setup: func(h *harness) {
				h.limit(901, 0, event.Buy, 9_990, 1)
				h.limit(902, 0, event.Sell, 10_010, 1) // mid 10,000
			},
			probe:  func(h *harness, d int64) []event.Out { return h.limit(7, 0, event.Sell, 9_995-d, 10) },
			reason: event.ReasonPriceCollar,
		},
		{
			name: "collar on the configured reference price",
			cfg: func(c *Config) {
				c.Symbol[LimitCollarTicks] = 5
				c.Symbols = []SymbolConfig{{Name: "AAPL", Settings: []Setting{{LimitRefPrice, 10_000}}}}
			},
			probe:  func(h *harness, d int64) []event.Out { return h.limit(7, 0, event.Buy, 10_005+d, 10) },
			reason: event.ReasonPriceCollar,
		},
		{
			name: "collar of a market order's protection limit",
			cfg:  func(c *Config) { c.Symbol[LimitCollarTicks] = 5 },
			setup: func(h *harness) {
				h.trade(0, 10_000)
				h.limit(903, 0, event.Sell, 10_003, 50)
			},
			probe: func(h *harness, d int64) []event.Out {
				return h.order(7, 0, event.Buy, event.Market, 10_005+d, 10)
			},
			reason: event.ReasonPriceCollar,
		},
		{
			name: "max_open_orders",
			cfg:  func(c *Config) { c.Account[LimitMaxOpenOrders] = 3 },
			setup: func(h *harness) {
				h.limit(7, 0, event.Buy, 90, 1)
				h.limit(7, 1, event.Buy, 90, 1)
				h.order(7, 0, event.Buy, event.IOC, 90, 1) // never rests: not counted
			},
			probe: func(h *harness, d int64) []event.Out {
				if d >= 0 {
					h.limit(7, 0, event.Sell, 200, 1) // the third
				}
				if d > 0 {
					return h.limit(7, 1, event.Sell, 200, 1) // a fourth
				}
				return h.order(7, 0, event.Buy, event.IOC, 90, 1)
			},
			reason: event.ReasonMaxOpenOrders,
		},
		{
			name:  "max_net_position long with open orders",
			cfg:   func(c *Config) { c.Account[LimitMaxNetPosition] = 1000 },
			setup: func(h *harness) { h.limit(7, 0, event.Buy, 90, 600) },
			probe: func(h *harness, d int64) []event.Out {
				return h.limit(7, 0, event.Buy, 91, 400+d)
			},
			reason: event.ReasonNetPosition,
		},
		{
			name: "max_net_position short after fills",
			cfg:  func(c *Config) { c.Account[LimitMaxNetPosition] = 1000 },
			setup: func(h *harness) {
				h.limit(903, 0, event.Buy, 100, 700)
				h.limit(7, 0, event.Sell, 100, 700) // filled: short 700
			},
			probe:  func(h *harness, d int64) []event.Out { return h.limit(7, 0, event.Sell, 120, 300+d) },
			reason: event.ReasonNetPosition,
		},
		{
			name: "max_gross_position",
			cfg:  func(c *Config) { c.Account[LimitMaxGrossPosition] = 1000 },
			setup: func(h *harness) {
				h.limit(7, 0, event.Sell, 200, 500)
			},
			probe:  func(h *harness, d int64) []event.Out { return h.limit(7, 0, event.Buy, 100, 500+d) },
			reason: event.ReasonGrossPosition,
		},
		{
			name: "credit_usd counts open buys and longs",
			// $1,000 is 100,000 tick-lots.
			cfg: func(c *Config) { c.Account[LimitCredit] = 1000 },
			setup: func(h *harness) {
				h.limit(903, 1, event.Sell, 100, 200)
				h.limit(7, 1, event.Buy, 100, 200)  // long 200 at 100: 20,000
				h.limit(7, 0, event.Sell, 500, 100) // sells use no credit
				h.limit(7, 0, event.Buy, 100, 300)  // open: 30,000
			},
			probe:  func(h *harness, d int64) []event.Out { return h.limit(7, 0, event.Buy, 100, 500+d) },
			reason: event.ReasonCredit,
		},
		{
			name: "parent instructions",
			setup: func(h *harness) {
				h.apply(event.In{Kind: event.KindParent, Account: 7, Symbol: 0, Side: event.Buy, ID: 1, Qty: 1000})
				h.limit(903, 0, event.Sell, 100, 300)
				h.limit(7, 0, event.Buy, 100, 300) // filled 300
				h.limit(7, 0, event.Buy, 90, 200)  // open 200
			},
			probe:  func(h *harness, d int64) []event.Out { return h.limit(7, 0, event.Buy, 90, 500+d) },
			reason: event.ReasonParentExceeded,
		},
		{
			name: "orders_per_sec",
			cfg:  func(c *Config) { c.Account[LimitOrdersPerSec], c.Account[LimitOrderBurst] = 10, 10 },
			setup: func(h *harness) {
				for range 9 {
					h.limit(7, 0, event.Buy, 90, 1)
				}
			},
			probe: func(h *harness, d int64) []event.Out {
				if d > 0 {
					h.limit(7, 0, event.Buy, 90, 1)
				} else if d < 0 {
					h.ts += 100e6 // a tenth of a second later: a token more
					h.limit(7, 0, event.Buy, 90, 1)
				}
				return h.limit(7, 0, event.Buy, 90, 1)
			},
			reason: event.ReasonThrottleOrders,
		},
		{
			name: "msgs_per_sec counts cancels but never refuses them",
			cfg:  func(c *Config) { c.Account[LimitMsgsPerSec], c.Account[LimitMsgBurst] = 10, 10 },
			setup: func(h *harness) {
				for range 4 {
					h.limit(7, 0, event.Buy, 90, 1)
				}
				for range 5 {
					out := h.apply(event.In{Kind: event.KindCancel, Account: 7, ID: 999_999})
					if rejection(out) != event.ReasonUnknownOrder {
						h.t.Fatalf("cancel: %+v", out)
					}
				}
			},
			probe: func(h *harness, d int64) []event.Out {
				if d > 0 {
					h.limit(7, 0, event.Buy, 90, 1)
				}
				return h.limit(7, 0, event.Buy, 90, 1)
			},
			reason: event.ReasonThrottleMsgs,
		},
	}
	for _, c := range cases {
		for _, d := range []int64{-1, 0, 1} {
			t.Run(fmt.Sprintf("%s/%+d", c.name, d), func(t *testing.T) {
				cfg := quietConfig()
				if c.cfg != nil {
					c.cfg(cfg)
				}
				h := newHarness(t, cfg, "AAPL", "MSFT")
				if c.setup != nil {
					c.setup(h)
				}
				resting := h.g.m.Resting()
				out := c.probe(h, d)
				got := rejection(out)
				want := event.Reason(0)
				if d > 0 {
					want = c.reason
				}
				if got != want {
					t.Fatalf("rejection %v, want %v; outputs %+v", got, want, out)
				}
				if d > 0 {
					last := out[len(out)-1]
					if len(out) != 1 || last.Account != 7 {
						t.Fatalf("a rejection should be the only output: %+v", out)
					}
					if h.g.m.Resting() != resting && c.reason != event.ReasonMaxOpenOrders && c.reason != event.ReasonThrottleOrders && c.reason != event.ReasonThrottleMsgs {
						t.Fatalf("the matcher changed: %d resting, was %d", h.g.m.Resting(), resting)
					}
				}
				if err := checkBooks(h.g); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestNoReference checks the order of the reference prices and
// require_reference: an order into a symbol with no trade, an empty book
// and no configured price passes without a collar, or is rejected with
// ReasonNoReference when the symbol requires a reference.
func TestNoReference(t *testing.T) {
	for _, require := range []int64{0, 1} {
		t.Run(fmt.Sprintf("require=%d", require), func(t *testing.T) {
			cfg := quietConfig()
			cfg.Symbol[LimitCollarTicks] = 5
			cfg.Symbol[LimitRequireReference] = require
			h := newHarness(t, cfg, "AAPL")
			want := event.Reason(0)
			if require == 1 {
				want = event.ReasonNoReference
			}
			if got := rejection(h.limit(7, 0, event.Buy, 10_000, 1)); got != want {
				t.Fatalf("empty book: %v, want %v", got, want)
			}
			if require == 1 {
				return
			}
			// A one-sided book is a reference: its best price.
			h.apply(event.In{Kind: event.KindMassCancel, Account: 7, Symbol: event.Any})
			h.limit(8, 0, event.Sell, 10_000, 1)
			if got := rejection(h.limit(7, 0, event.Buy, 10_006, 1)); got != event.ReasonPriceCollar {
				t.Fatalf("one-sided book: %v, want price_collar", got)
			}
			if err := checkBooks(h.g); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestDuplicateClOrdID checks the duplicate client order id window:
// per account, bounded, and forgetting the oldest.
func TestDuplicateClOrdID(t *testing.T) {
	cfg := quietConfig()
	cfg.ClOrdIDWindow = 3
	h := newHarness(t, cfg, "AAPL")
	send := func(acct uint32, clid uint64) event.Reason {
		return rejection(h.apply(event.In{Kind: event.KindNew, Account: acct, Symbol: 0, ID: h.newID(), Side: event.Buy, Type: event.Limit, Price: 90, Qty: 1, Aux: clid}))
	}
	steps := []struct {
		acct uint32
		clid uint64
		want event.Reason
	}{
		{7, 1, 0},
		{7, 1, event.ReasonDuplicateClOrdID},
		{8, 1, 0}, // another account may use the same id
		{7, 2, 0},
		{7, 0, 0}, // 0 is no client order id
		{7, 0, 0},
		{7, 3, 0}, // the window holds (8,1), (7,2), (7,3): (7,1) is forgotten
		{7, 1, 0},
		{7, 3, event.ReasonDuplicateClOrdID},
	}
	for i, s := range steps {
		if got := send(s.acct, s.clid); got != s.want {
			t.Fatalf("step %d: account %d id %d: %v, want %v", i, s.acct, s.clid, got, s.want)
		}
	}
}

// TestRestricted checks restricted symbols from the configuration (by
// name, resolved when the symbol is defined) and set at run time.
func TestRestricted(t *testing.T) {
	cfg := quietConfig()
	cfg.Accounts = []AccountConfig{{ID: 7, Restricted: []string{"MSFT"}}}
	h := newHarness(t, cfg, "AAPL", "MSFT")
	if got := rejection(h.limit(7, 1, event.Buy, 90, 1)); got != event.ReasonRestricted {
		t.Fatalf("MSFT for account 7: %v, want restricted", got)
	}
	if got := rejection(h.limit(7, 0, event.Buy, 90, 1)); got != 0 {
		t.Fatalf("AAPL for account 7: %v", got)
	}
	if got := rejection(h.limit(8, 1, event.Buy, 90, 1)); got != 0 {
		t.Fatalf("MSFT for account 8: %v", got)
	}
	h.setLimit(LimitRestricted, 7, 1, 0)
	if got := rejection(h.limit(7, 1, event.Buy, 90, 1)); got != 0 {
		t.Fatalf("MSFT lifted: %v", got)
	}
	h.setLimit(LimitRestricted, 8, 0, 1)
	if got := rejection(h.limit(8, 0, event.Buy, 90, 1)); got != event.ReasonRestricted {
		t.Fatalf("AAPL for account 8 at run time: %v", got)
	}
}

// TestReplaceChecks checks that a replace is checked like the order it
// becomes, and that a cut at the same price always passes.
func TestReplaceChecks(t *testing.T) {
	cfg := quietConfig()
	cfg.Account[LimitMaxOrderQty] = 1000
	cfg.Account[LimitMaxNetPosition] = 1500
	h := newHarness(t, cfg, "AAPL")
	out := h.limit(7, 0, event.Buy, 90, 800)
	id := out[0].ID
	h.limit(7, 0, event.Buy, 89, 600)
	replace := func(px, qty int64) event.Reason {
		return rejection(h.apply(event.In{Kind: event.KindReplace, Account: 7, ID: id, Price: px, Qty: qty}))
	}
	if r := replace(90, 1001); r != event.ReasonMaxQty {
		t.Fatalf("replace above max qty: %v", r)
	}
	if r := replace(90, 901); r != event.ReasonNetPosition {
		t.Fatalf("replace above net position (600+901): %v", r)
	}
	if r := replace(90, 900); r != 0 {
		t.Fatalf("replace to the net position limit: %v", r)
	}
	h.setLimit(LimitMaxOrderQty, 7, event.Any, 100)
	if r := replace(90, 500); r != 0 {
		t.Fatalf("a cut at the same price must pass: %v", r)
	}
	if r := replace(91, 500); r != event.ReasonMaxQty {
		t.Fatalf("a price change is checked: %v", r)
	}
	if err := checkBooks(h.g); err != nil {
		t.Fatal(err)
	}
}

// TestCollarBandFollows checks that the collar band the guard derives from
// the last trade (symbol.setLast) follows the trades, changes of the collar
// limits and a loaded state.
func TestCollarBandFollows(t *testing.T) {
	const any = event.Any
	cfg := quietConfig()
	cfg.Symbol[LimitCollarTicks] = 5
	h := newHarness(t, cfg, "AAPL")
	band := func(g *Guard) {
		t.Helper()
		s := &g.syms[0]
		b := max(s.collarTicks, s.last*s.collarBps/10000)
		if s.collarLo != s.last-b || s.collarHi != s.last+b {
			t.Fatalf("last %d, band %d: collar %d to %d", s.last, b, s.collarLo, s.collarHi)
		}
	}
	buys := func(ok, collared int64) {
		t.Helper()
		if got := rejection(h.limit(3, 0, event.Buy, ok, 1)); got != 0 {
			t.Fatalf("buy at %d: %v, want it accepted", ok, got)
		}
		if got := rejection(h.limit(3, 0, event.Buy, collared, 1)); got != event.ReasonPriceCollar {
			t.Fatalf("buy at %d: %v, want price_collar", collared, got)
		}
		band(h.g)
	}
	// A sell at the floor rests; below it, it is collared. The resting
	// sell is taken back so that it does not trade with the next buys.
	sells := func(ok, collared int64) {
		t.Helper()
		if got := rejection(h.limit(4, 0, event.Sell, ok, 1)); got != 0 {
			t.Fatalf("sell at %d: %v, want it accepted", ok, got)
		}
		if out := h.apply(event.In{Kind: event.KindCancel, Account: 4, ID: h.id}); count(out, event.OutCancelled) != 1 {
			t.Fatalf("cancel of the sell at %d: %+v", ok, out)
		}
		if got := rejection(h.limit(4, 0, event.Sell, collared, 1)); got != event.ReasonPriceCollar {
			t.Fatalf("sell at %d: %v, want price_collar", collared, got)
		}
	}
	h.limit(1, 0, event.Sell, 10_000, 10)
	h.limit(2, 0, event.Buy, 10_000, 10) // the last trade: 10,000
	sells(9_995, 9_994)
	buys(10_005, 10_006)
	h.setLimit(LimitCollarTicks, any, 0, 20)
	buys(10_020, 10_021)
	h.setLimit(LimitCollarBps, any, 0, 100) // 1%: 100 ticks, wider than 20
	buys(10_100, 10_101)
	h.limit(1, 0, event.Sell, 10_050, 1) // trades at 10,100: the band moves
	buys(10_201, 10_202)

	g2, err := New(cfg, h.g.Matcher())
	if err != nil {
		t.Fatal(err)
	}
	if err := g2.LoadState(h.g.AppendState(nil)); err != nil {
		t.Fatal(err)
	}
	band(g2)
	if g2.syms[0].collarHi != h.g.syms[0].collarHi || g2.syms[0].collarLo != h.g.syms[0].collarLo {
		t.Fatalf("loaded collar %d to %d, want %d to %d", g2.syms[0].collarLo, g2.syms[0].collarHi,
			h.g.syms[0].collarLo, h.g.syms[0].collarHi)
	}
}
