package risk

import (
	"fmt"
	"testing"

	"github.com/tradeengine/engine/event"
)

// TestKillScopes checks which orders each kill-switch scope stops: accounts
// 7 and 8 in symbols 0 and 1, after killing one scope.
func TestKillScopes(t *testing.T) {
	const any = event.Any
	cases := []struct {
		acct, sym uint32
		stopped   [2][2]bool // [account 7, 8][symbol 0, 1]
	}{
		{7, any, [2][2]bool{{true, true}, {false, false}}},
		{any, 1, [2][2]bool{{false, true}, {false, true}}},
		{7, 1, [2][2]bool{{false, true}, {false, false}}},
		{any, any, [2][2]bool{{true, true}, {true, true}}},
	}
	for _, c := range cases {
		t.Run(scopeName(c.acct, c.sym), func(t *testing.T) {
			h := newHarness(t, quietConfig(), "AAPL", "MSFT")
			out := h.apply(event.In{Kind: event.KindKill, Account: c.acct, Symbol: c.sym})
			if len(out) != 1 || out[0].Kind != event.OutKill || out[0].Reason != event.ReasonOperator || out[0].Account != c.acct || out[0].Symbol != c.sym {
				t.Fatalf("kill: %+v", out)
			}
			for ai, acct := range []uint32{7, 8} {
				for s := range uint32(2) {
					want := event.Reason(0)
					if c.stopped[ai][s] {
						want = event.ReasonKilled
					}
					if got := rejection(h.limit(acct, s, event.Buy, 90, 1)); got != want {
						t.Errorf("account %d symbol %d: %v, want %v", acct, s, got, want)
					}
					if h.g.Blocked(acct, s) != c.stopped[ai][s] {
						t.Errorf("Blocked(%d, %d) = %v", acct, s, !c.stopped[ai][s])
					}
				}
			}
			if k, r := h.g.Killed(c.acct, c.sym); !k || r != event.ReasonOperator {
				t.Fatalf("Killed = %v %v", k, r)
			}
			if h.g.Trips() != 1 {
				t.Fatalf("%d trips", h.g.Trips())
			}
		})
	}
}

// TestKillLatchAndClear checks that a kill stays latched over time and
// clears only with a clear of the same scope, and how scopes interact.
func TestKillLatchAndClear(t *testing.T) {
	h := newHarness(t, quietConfig(), "AAPL", "MSFT")
	kill := func(acct, sym uint32) { h.apply(event.In{Kind: event.KindKill, Account: acct, Symbol: sym}) }
	clear := func(acct, sym uint32) {
		out := h.apply(event.In{Kind: event.KindClear, Account: acct, Symbol: sym})
		if len(out) != 1 || out[0].Kind != event.OutClear || out[0].Account != acct || out[0].Symbol != sym {
			t.Fatalf("clear: %+v", out)
		}
	}
	stopped := func(step string, acct, sym uint32, want bool) {
		t.Helper()
		got := rejection(h.limit(acct, sym, event.Buy, 90, 1)) == event.ReasonKilled
		if got != want {
			t.Fatalf("%s: account %d symbol %d stopped %v, want %v", step, acct, sym, got, want)
		}
	}
	kill(7, event.Any)
	h.ts += 3600e9 // an hour later: still latched
	stopped("latched", 7, 0, true)
	clear(7, 0) // another scope: changes nothing
	stopped("cleared another scope", 7, 0, true)
	kill(event.Any, event.Any)
	clear(7, event.Any)
	stopped("account cleared, engine killed", 7, 0, true)
	stopped("engine killed", 8, 1, true)
	clear(event.Any, event.Any)
	stopped("all cleared", 7, 0, false)
	kill(event.Any, 0)
	kill(7, 0)
	clear(event.Any, 0)
	stopped("symbol cleared, account-symbol killed", 7, 0, true)
	stopped("symbol cleared", 8, 0, false)
	if out := h.apply(event.In{Kind: event.KindKill, Account: 7, Symbol: 5}); rejection(out) != event.ReasonUnknownSymbol {
		t.Fatalf("kill of an undefined symbol: %+v", out)
	}
}

// TestKillCancel checks cancel-on-kill: an operator's kill with KillCancel
// cancels the scope's resting orders through the matcher's mass cancel, and
// cancels always pass while killed.
func TestKillCancel(t *testing.T) {
	for _, withCancel := range []bool{false, true} {
		t.Run(fmt.Sprintf("cancel=%v", withCancel), func(t *testing.T) {
			h := newHarness(t, quietConfig(), "AAPL", "MSFT")
			a0 := h.limit(7, 0, event.Buy, 90, 10)[0].ID
			h.limit(7, 0, event.Sell, 110, 20)
			h.limit(7, 1, event.Buy, 90, 30)
			h.limit(8, 0, event.Buy, 91, 40)
			in := event.In{Kind: event.KindKill, Account: 7, Symbol: 0}
			if withCancel {
				in.Arg = event.KillCancel
			}
			out := h.apply(in)
			if out[0].Kind != event.OutKill {
				t.Fatalf("first output %+v", out[0])
			}
			if !withCancel {
				if len(out) != 1 {
					t.Fatalf("kill without cancel: %+v", out)
				}
				if got := h.apply(event.In{Kind: event.KindCancel, Account: 7, ID: a0}); count(got, event.OutCancelled) != 1 {
					t.Fatalf("cancel while killed: %+v", got)
				}
				return
			}
			if n := count(out, event.OutCancelled); n != 2 {
				t.Fatalf("%d orders cancelled, want account 7's two in symbol 0: %+v", n, out)
			}
			for _, o := range out {
				if o.Kind == event.OutCancelled && (o.Account != 7 || o.Symbol != 0 || o.Reason != event.ReasonMassCancel) {
					t.Fatalf("cancelled %+v", o)
				}
			}
			if mc, ok := find(out, event.OutMassCancelled); !ok || mc.Qty != 2 || mc.Account != 7 || mc.Symbol != 0 {
				t.Fatalf("mass cancel %+v", mc)
			}
			if a, _ := h.g.Account(7); a.OpenOrders != 1 {
				t.Fatalf("account 7 has %d open orders, want 1 (in MSFT)", a.OpenOrders)
			}
			if err := checkBooks(h.g); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAutomaticTrips trips each detector and checks its OutKill figures,
// the cancel of the scope's resting orders, and the latch.
func TestAutomaticTrips(t *testing.T) {
	type tc struct {
		name  string
		cfg   func(c *Config)
		run   func(h *harness) []event.Out // returns the outputs of the input that trips
		want  event.Out                    // Account, Symbol, Reason, Qty, Price, Other of the OutKill
		check func(h *harness)
	}
	cases := []tc{
		{
			name: "account execution ceiling",
			cfg:  func(c *Config) { c.Account[LimitMaxExecs] = 5 },
			run: func(h *harness) []event.Out {
				h.limit(7, 1, event.Buy, 80, 100) // rests: cancelled by the trip
				for i := range uint32(6) {
					h.limit(20+i, 0, event.Sell, 100, 1) // makers of their own
				}
				return h.limit(7, 0, event.Buy, 100, 6) // six executions
			},
			want: event.Out{Account: 7, Symbol: event.Any, Reason: event.ReasonExecCeiling, Qty: 6, Price: 5, Other: 1e9},
			check: func(h *harness) {
				if a, _ := h.g.Account(7); a.OpenOrders != 0 || !a.Killed {
					h.t.Fatalf("account 7 after the trip: %+v", a)
				}
			},
		},
		{
			name: "symbol quantity ceiling in the second window",
			cfg:  func(c *Config) { c.Symbol[LimitMaxQtyTraded+1] = 100 },
			run: func(h *harness) []event.Out {
				h.limit(8, 0, event.Sell, 100, 60)
				h.limit(7, 0, event.Buy, 100, 60)
				h.ts += 2e9 // past the first window, within the second (10 s)
				h.limit(8, 0, event.Sell, 100, 41)
				return h.limit(9, 0, event.Buy, 100, 41)
			},
			want: event.Out{Account: event.Any, Symbol: 0, Reason: event.ReasonQtyCeiling, Qty: 101, Price: 100, Other: 10e9},
		},
		{
			name: "global notional ceiling, in dollars",
			cfg:  func(c *Config) { c.Global[LimitMaxNotionalTraded] = 1000 }, // $1,000: 100,000 tick-lots
			run: func(h *harness) []event.Out {
				h.limit(8, 1, event.Sell, 10_000, 10)
				h.limit(7, 1, event.Buy, 10_000, 10) // $1,000 traded: at the ceiling
				h.limit(8, 1, event.Sell, 10_000, 1)
				return h.limit(7, 1, event.Buy, 10_000, 1) // $1,100
			},
			want: event.Out{Account: event.Any, Symbol: event.Any, Reason: event.ReasonNotionalCeiling, Qty: 1100, Price: 1000, Other: 1e9},
		},
		{
			name: "loss",
			cfg:  func(c *Config) { c.Account[LimitMaxLoss] = 100 }, // $100: 10,000 tick-lots
			run: func(h *harness) []event.Out {
				h.limit(8, 0, event.Sell, 1000, 100)
				h.limit(7, 0, event.Buy, 1000, 100) // long 100 at $10
				h.limit(9, 0, event.Buy, 899, 100)
				return h.limit(7, 0, event.Sell, 899, 100) // sold at $8.99: lost $101
			},
			want: event.Out{Account: 7, Symbol: event.Any, Reason: event.ReasonLoss, Qty: 101, Price: 100, Other: 60e9},
		},
		{
			name: "out versus in",
			cfg:  func(c *Config) { c.Account[LimitParentExcess], c.Account[LimitParentWindow] = 3, 1e9 },
			run: func(h *harness) []event.Out {
				h.apply(event.In{Kind: event.KindParent, Account: 7, Symbol: 0, Side: event.Buy, ID: 1, Qty: 100})
				h.limit(7, 0, event.Buy, 90, 100)
				h.limit(7, 0, event.Buy, 90, 1)
				h.limit(7, 0, event.Buy, 90, 1)
				return h.limit(7, 0, event.Buy, 90, 1)
			},
			want: event.Out{Account: 7, Symbol: event.Any, Reason: event.ReasonOutVsIn, Qty: 101, Price: 100, Other: 1e9},
			check: func(h *harness) {
				if a, _ := h.g.Account(7); a.OpenOrders != 0 {
					h.t.Fatalf("the trip should cancel the account's orders: %+v", a)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := quietConfig()
			c.cfg(cfg)
			h := newHarness(t, cfg, "AAPL", "MSFT")
			out := c.run(h)
			k, ok := find(out, event.OutKill)
			if !ok {
				t.Fatalf("no trip: %+v", out)
			}
			w := c.want
			if k.Account != w.Account || k.Symbol != w.Symbol || (w.Reason != 0 && (k.Reason != w.Reason || k.Qty != w.Qty || k.Price != w.Price || k.Other != w.Other)) {
				t.Fatalf("OutKill %+v, want %+v", k, w)
			}
			if h.g.Trips() != 1 {
				t.Fatalf("%d trips", h.g.Trips())
			}
			if c.check != nil {
				c.check(h)
			}
			if err := checkBooks(h.g); err != nil {
				t.Fatal(err)
			}
			// Latched: the next order in the scope is refused, an hour later too.
			h.ts += 3600e9
			acct, sym := k.Account, k.Symbol
			if acct == event.Any {
				acct = 77
			}
			if sym == event.Any {
				sym = 1
			}
			if r := rejection(h.limit(acct, sym, event.Buy, 50, 1)); r != event.ReasonKilled {
				t.Fatalf("after the trip: %v", r)
			}
			h.apply(event.In{Kind: event.KindClear, Account: k.Account, Symbol: k.Symbol})
			// (A parented account needs an allowance for any order.)
			h.apply(event.In{Kind: event.KindParent, Account: acct, Symbol: sym, Side: event.Buy, ID: 2, Qty: 10})
			if r := rejection(h.limit(acct, sym, event.Buy, 50, 1)); r != 0 {
				t.Fatalf("after the clear: %v", r)
			}
		})
	}
}

// TestAnomaly trips the learned baseline: a symbol trades steadily for the
// warm-up, then bursts. Below the floor, or within the deviations, nothing
// trips.
func TestAnomaly(t *testing.T) {
	for _, burst := range []int{20, 60} {
		t.Run(fmt.Sprintf("burst=%d", burst), func(t *testing.T) {
			cfg := quietConfig()
			cfg.AnomalyDeviations = 4
			cfg.AnomalyRatioPct = 200
			cfg.WarmupPeriods = 3
			cfg.Symbol[LimitFloorExecs] = 30
			h := newHarness(t, cfg, "AAPL")
			// 10 executions a second for 6 seconds (alternating 8 and 12, so
			// there is a spread), in the middle of each second.
			for sec := range 6 {
				n := 8 + 4*(sec%2)
				h.ts = t0 + int64(sec)*1e9 + 500e6
				for range n {
					h.limit(8, 0, event.Sell, 100, 1)
					if out := h.limit(7, 0, event.Buy, 100, 1); count(out, event.OutKill) != 0 {
						t.Fatalf("trip during the steady flow: %+v", out)
					}
				}
			}
			h.ts = t0 + 6e9 + 500e6
			var trip event.Out
			for i := range burst {
				h.limit(8, 0, event.Sell, 100, 1)
				out := h.limit(7, 0, event.Buy, 100, 1)
				if k, ok := find(out, event.OutKill); ok {
					trip = k
					t.Logf("tripped at execution %d: %+v", i+1, k)
					break
				}
			}
			// The mean is 10, the deviation 2: the threshold is the floor, 30.
			if burst < 31 {
				if trip.Kind != 0 {
					t.Fatalf("a burst of %d below the floor tripped: %+v", burst, trip)
				}
				return
			}
			if trip.Reason != event.ReasonExecAnomaly || trip.Qty != 31 || trip.Price != 30 || trip.Symbol != 0 {
				t.Fatalf("trip %+v, want exec_anomaly at 31 over 30", trip)
			}
		})
	}
}
