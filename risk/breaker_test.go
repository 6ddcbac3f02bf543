package risk

import (
	"fmt"
	"testing"

	"github.com/tradeengine/engine/event"
)

// breakerConfig has account buckets of one order per second (burst 1) and
// a breaker that opens after 3 breaches within a second, for 2 seconds, and
// closes after a clean second half-open.
func breakerConfig() *Config {
	c := quietConfig()
	a := &c.Account
	a[LimitOrdersPerSec], a[LimitOrderBurst] = 1, 1
	a[LimitMsgsPerSec], a[LimitMsgBurst] = 100, 100
	a[LimitBreakerBreaches], a[LimitBreakerWindow] = 3, 1e9
	a[LimitBreakerCooldown], a[LimitBreakerProbe] = 2e9, 1e9
	return c
}

// breakerOuts returns the OutBreaker reasons in out.
func breakerOuts(out []event.Out) []event.Reason {
	var r []event.Reason
	for _, o := range out {
		if o.Kind == event.OutBreaker {
			r = append(r, o.Reason)
		}
	}
	return r
}

// TestBreakerThreshold checks the breaker just below and at its number of
// breaches, and that breaches older than the window are forgotten.
func TestBreakerThreshold(t *testing.T) {
	for _, breaches := range []int{2, 3} {
		for _, spread := range []bool{false, true} {
			t.Run(fmt.Sprintf("breaches=%d/spread=%v", breaches, spread), func(t *testing.T) {
				h := newHarness(t, breakerConfig(), "AAPL")
				h.limit(7, 0, event.Buy, 90, 1) // takes the only token
				var opened []event.Reason
				for i := range breaches {
					if spread && i == breaches-1 {
						h.ts += 1e9 + 1 // out of the window, and a token earned
						h.limit(7, 0, event.Buy, 90, 1)
					}
					out := h.limit(7, 0, event.Buy, 90, 1)
					if r := rejection(out); r != event.ReasonThrottleOrders {
						t.Fatalf("breach %d: %v", i, r)
					}
					opened = append(opened, breakerOuts(out)...)
				}
				wantOpen := breaches == 3 && !spread
				if got := len(opened) == 1 && opened[0] == event.ReasonBreakerOpen; got != wantOpen {
					t.Fatalf("breaker outputs %v, want open %v", opened, wantOpen)
				}
				if (h.g.Breaker(7) == BreakerOpen) != wantOpen {
					t.Fatalf("breaker %v", h.g.Breaker(7))
				}
			})
		}
	}
}

// TestBreakerCycle runs a breaker through open, half-open, open again,
// half-open and closed, checking what passes in each state.
func TestBreakerCycle(t *testing.T) {
	h := newHarness(t, breakerConfig(), "AAPL")
	resting := h.limit(7, 0, event.Buy, 90, 1)[0].ID
	for range 3 {
		h.limit(7, 0, event.Buy, 90, 1)
	}
	if h.g.Breaker(7) != BreakerOpen {
		t.Fatalf("breaker %v after 3 breaches", h.g.Breaker(7))
	}
	opened := h.ts
	steps := []struct {
		name    string
		at      int64 // ns after opening
		in      event.In
		reject  event.Reason
		breaker []event.Reason
	}{
		{"open: new order", 100e6, event.In{Kind: event.KindNew, Side: event.Buy, Type: event.Limit, Price: 90, Qty: 1}, event.ReasonBreakerOpen, nil},
		{"open: other account", 100e6, event.In{Kind: event.KindNew, Account: 8, Side: event.Buy, Type: event.Limit, Price: 90, Qty: 1}, 0, nil},
		{"open: cancel passes", 200e6, event.In{Kind: event.KindCancel, ID: resting}, 0, nil},
		{"cool-down over: half-open", 2e9, event.In{Kind: event.KindNew, Side: event.Buy, Type: event.Limit, Price: 90, Qty: 1}, 0, []event.Reason{event.ReasonBreakerHalfOpen}},
		{"half-open: a breach opens again", 2e9, event.In{Kind: event.KindNew, Side: event.Buy, Type: event.Limit, Price: 90, Qty: 1}, event.ReasonThrottleOrders, []event.Reason{event.ReasonBreakerOpen}},
		{"open again", 3e9, event.In{Kind: event.KindNew, Side: event.Buy, Type: event.Limit, Price: 90, Qty: 1}, event.ReasonBreakerOpen, nil},
		{"half-open again", 4e9, event.In{Kind: event.KindNew, Side: event.Buy, Type: event.Limit, Price: 90, Qty: 1}, 0, []event.Reason{event.ReasonBreakerHalfOpen}},
		{"probe not over", 4e9 + 999e6, event.In{Kind: event.KindReplace, Price: 91, Qty: 1}, 0, nil},
		{"clean probe: closed", 5e9, event.In{Kind: event.KindNew, Side: event.Buy, Type: event.Limit, Price: 90, Qty: 1}, 0, []event.Reason{event.ReasonBreakerClosed}},
	}
	var last uint64
	for _, s := range steps {
		in := s.in
		in.TS = opened + s.at
		h.ts = in.TS
		if in.Account == 0 {
			in.Account = 7
		}
		switch in.Kind {
		case event.KindNew:
			in.ID = h.newID()
		case event.KindReplace:
			in.ID = last
		}
		out := h.apply(in)
		if r := rejection(out); r != s.reject {
			t.Fatalf("%s: rejection %v, want %v: %+v", s.name, r, s.reject, out)
		}
		if got := breakerOuts(out); fmt.Sprint(got) != fmt.Sprint(s.breaker) {
			t.Fatalf("%s: breaker outputs %v, want %v", s.name, got, s.breaker)
		}
		if len(s.breaker) > 0 && out[0].Kind != event.OutBreaker && s.breaker[0] != event.ReasonBreakerOpen {
			t.Fatalf("%s: a timed transition comes before the input's own outputs: %+v", s.name, out)
		}
		if in.Kind == event.KindNew && s.reject == 0 && in.Account == 7 {
			last = in.ID
		}
	}
	if h.g.Breaker(7) != BreakerClosed {
		t.Fatalf("breaker %v at the end", h.g.Breaker(7))
	}
}

// TestGlobalBreaker checks the engine's breaker: it rejects everyone's new
// orders while open, and cancels still pass.
func TestGlobalBreaker(t *testing.T) {
	c := quietConfig()
	g := &c.Global
	g[LimitMsgsPerSec], g[LimitMsgBurst] = 3, 3
	g[LimitBreakerBreaches], g[LimitBreakerWindow], g[LimitBreakerCooldown], g[LimitBreakerProbe] = 2, 1e9, 1e9, 1e9
	h := newHarness(t, c, "AAPL")
	id := h.limit(7, 0, event.Buy, 90, 1)[0].ID
	h.limit(8, 0, event.Buy, 90, 1)
	h.limit(9, 0, event.Buy, 90, 1)
	if r := rejection(h.limit(10, 0, event.Buy, 90, 1)); r != event.ReasonThrottleMsgs {
		t.Fatalf("fourth message: %v", r)
	}
	out := h.limit(11, 0, event.Buy, 90, 1)
	if r := rejection(out); r != event.ReasonThrottleMsgs || fmt.Sprint(breakerOuts(out)) != fmt.Sprint([]event.Reason{event.ReasonBreakerOpen}) {
		t.Fatalf("second breach: %+v", out)
	}
	if o, _ := find(out, event.OutBreaker); o.Account != event.Any || o.Qty != 2 || o.Other != uint64(h.ts+1e9) {
		t.Fatalf("OutBreaker %+v", o)
	}
	h.ts += 500e6
	if r := rejection(h.limit(12, 0, event.Buy, 90, 1)); r != event.ReasonBreakerOpen {
		t.Fatalf("while open: %v", r)
	}
	if out := h.apply(event.In{Kind: event.KindCancel, Account: 7, ID: id}); count(out, event.OutCancelled) != 1 {
		t.Fatalf("cancel while open: %+v", out)
	}
}
