package risk

import (
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/matcher"
)

// quietConfig returns a configuration with every limit off (no pre-trade
// limit, no bucket, no breaker, no ceiling, no anomaly detector), for tests
// that turn on only what they test.
func quietConfig() *Config {
	c := DefaultConfig()
	c.Global, c.Account, c.Symbol = Values{}, Values{}, Values{}
	c.AnomalyDeviations = 0
	return c
}

// harness drives a guard over a fresh matcher with a few symbols, one input
// at a time, at an event time the test sets.
type harness struct {
	t   *testing.T
	g   *Guard
	seq uint64
	ts  int64
	id  uint64
	out []event.Out
}

const t0 = 34_200_000_000_000 // 09:30, ns after midnight

// newHarness returns a harness with symbols defined as ids 0, 1, ...
func newHarness(t *testing.T, cfg *Config, symbols ...string) *harness {
	t.Helper()
	m, err := matcher.New(matcher.Config{MaxSymbols: 64, MaxOrders: 1 << 16, InitialOrders: 1 << 10, InitialLevels: 16, ProtectionBps: 500})
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, g: g, ts: t0, id: 1000}
	for i, s := range symbols {
		p, err := event.PackName(s)
		if err != nil {
			t.Fatal(err)
		}
		out := h.apply(event.In{Kind: event.KindSymbol, Symbol: uint32(i), Aux: p})
		if len(out) != 1 || out[0].Kind != event.OutSymbol {
			t.Fatalf("define %s: %+v", s, out)
		}
	}
	return h
}

// apply applies in at the harness's time (or in.TS when set) and returns a
// copy of the outputs.
func (h *harness) apply(in event.In) []event.Out {
	h.t.Helper()
	h.seq++
	in.Seq = h.seq
	if in.TS == 0 {
		in.TS = h.ts
	}
	h.out = h.g.Apply(&in, h.out[:0])
	if len(h.out) == 0 {
		h.t.Fatalf("seq %d: no output for %+v", in.Seq, in)
	}
	for i := range h.out {
		if h.out[i].Seq != in.Seq || h.out[i].TS != in.TS {
			h.t.Fatalf("seq %d: output %d carries seq %d ts %d", in.Seq, i, h.out[i].Seq, h.out[i].TS)
		}
	}
	return append([]event.Out(nil), h.out...)
}

// newID returns a fresh order id.
func (h *harness) newID() uint64 { h.id++; return h.id }

// limit sends a limit order and returns its outputs.
func (h *harness) limit(acct, sym uint32, side event.Side, px, qty int64) []event.Out {
	h.t.Helper()
	return h.apply(event.In{Kind: event.KindNew, Account: acct, Symbol: sym, ID: h.newID(), Side: side, Type: event.Limit, Price: px, Qty: qty})
}

// order sends a new order of any type and returns its outputs.
func (h *harness) order(acct, sym uint32, side event.Side, typ event.OrdType, px, qty int64) []event.Out {
	h.t.Helper()
	return h.apply(event.In{Kind: event.KindNew, Account: acct, Symbol: sym, ID: h.newID(), Side: side, Type: typ, Price: px, Qty: qty})
}

// setLimit applies a KindSetLimit and fails unless it is acknowledged.
func (h *harness) setLimit(l Limit, acct, sym uint32, v int64) {
	h.t.Helper()
	out := h.apply(event.In{Kind: event.KindSetLimit, Arg: uint16(l), Account: acct, Symbol: sym, Qty: v})
	if len(out) != 1 || out[0].Kind != event.OutLimit || out[0].Qty != v || out[0].Other != uint64(l) {
		h.t.Fatalf("setlimit %v = %d: %+v", l, v, out)
	}
}

// rejection returns the reason of the first OutRejected in out, or 0.
func rejection(out []event.Out) event.Reason {
	for _, o := range out {
		if o.Kind == event.OutRejected {
			return o.Reason
		}
	}
	return 0
}

// count returns how many outputs of kind k out holds.
func count(out []event.Out, k event.OutKind) int {
	n := 0
	for _, o := range out {
		if o.Kind == k {
			n++
		}
	}
	return n
}

// find returns the first output of kind k, and false when there is none.
func find(out []event.Out, k event.OutKind) (event.Out, bool) {
	for _, o := range out {
		if o.Kind == k {
			return o, true
		}
	}
	return event.Out{}, false
}
