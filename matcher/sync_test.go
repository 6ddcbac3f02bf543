package matcher

import (
	"testing"

	"github.com/tradeengine/engine/event"
)

// TestSync: a KindSync empties the levels between the rank above and its
// price, adds the missing quantity at the front of the level, takes the
// excess from its own orders first and then the newest, and reports each
// change; nothing matches.
func TestSync(t *testing.T) {
	e, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	name, _ := event.PackName("AAPL")
	var out []event.Out
	apply := func(in event.In) []event.Out {
		t.Helper()
		out = e.Apply(&in, out[:0])
		return out
	}
	apply(event.In{Kind: event.KindSymbol, Aux: name})
	for _, o := range []event.In{
		{ID: 1, Account: 1, Side: event.Buy, Price: 1000, Qty: 100},
		{ID: 2, Account: 2, Side: event.Buy, Price: 1000, Qty: 50},
		{ID: 3, Account: 3, Side: event.Buy, Price: 990, Qty: 30},
		{ID: 4, Account: 4, Side: event.Sell, Price: 1010, Qty: 20},
	} {
		o.Kind, o.Type = event.KindNew, event.Limit
		apply(o)
	}
	const acct = 67
	sync := func(side event.Side, price, qty int64, above uint64, id uint64) event.In {
		return event.In{Kind: event.KindSync, Side: side, Price: price, Qty: qty, Aux: above, Account: acct, ID: id}
	}
	type o struct {
		kind   event.OutKind
		id     uint64
		price  int64
		qty    int64
		reason event.Reason
	}
	check := func(got []event.Out, want []o) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%d outputs %+v, want %d %+v", len(got), got, len(want), want)
		}
		for i, w := range want {
			g := got[i]
			if g.Kind != w.kind || g.ID != w.id || g.Price != w.price || g.Qty != w.qty || g.Reason != w.reason {
				t.Errorf("output %d: %v id %d %dx%d %v, want %+v", i, g.Kind, g.ID, g.Price, g.Qty, g.Reason, w)
			}
		}
	}
	// A best bid the engine lacks: added.
	check(apply(sync(event.Buy, 1005, 70, 0, 900)), []o{{event.OutAccepted, 900, 1005, 70, 0}, {event.OutBook, 0, 1005, 70, 0}})
	// Rank 2 at 990: the 1000 level between them goes (newest first), 990
	// loses 20 from its only order.
	check(apply(sync(event.Buy, 990, 10, 1005, 901)), []o{
		{event.OutCancelled, 2, 1000, 50, event.ReasonSync}, {event.OutCancelled, 1, 1000, 100, event.ReasonSync}, {event.OutBook, 0, 1000, 0, 0},
		{event.OutReplaced, 3, 990, 10, event.ReasonSync}, {event.OutBook, 0, 990, 10, 0},
	})
	// No level below 990: nothing there to empty.
	check(apply(sync(event.Buy, 0, 0, 990, 902)), nil)
	var lv [4]Level
	if n := e.Depth(0, event.Buy, lv[:]); n != 2 || lv[0] != (Level{1005, 70, 1}) || lv[1] != (Level{990, 10, 1}) {
		t.Fatalf("bids %d %+v", n, lv[:n])
	}
	// The ask level short of 30: added at the back of the queue, so a
	// buyer takes order 4 first.
	check(apply(sync(event.Sell, 1010, 50, 0, 903)), []o{{event.OutAccepted, 903, 1010, 30, 0}, {event.OutBook, 0, 1010, 50, 0}})
	got := apply(event.In{Kind: event.KindNew, ID: 5, Account: 5, Side: event.Buy, Type: event.IOC, Price: 1010, Qty: 35})
	var makers []uint64
	for _, g := range got {
		if g.Kind == event.OutTrade {
			makers = append(makers, g.Other)
		}
	}
	if len(makers) != 2 || makers[0] != 4 || makers[1] != 903 {
		t.Errorf("makers %v, want order 4 first, then the sync order 903: %+v", makers, got)
	}
	// Excess: the sync's own orders first.
	check(apply(sync(event.Sell, 1010, 10, 0, 904)), []o{{event.OutReplaced, 903, 1010, 10, event.ReasonSync}, {event.OutBook, 0, 1010, 10, 0}})
	// The venue shows no ask at all.
	check(apply(sync(event.Sell, 0, 0, 0, 905)), []o{{event.OutCancelled, 903, 1010, 10, event.ReasonSync}, {event.OutBook, 0, 1010, 0, 0}})
	if n := e.Depth(0, event.Sell, lv[:]); n != 0 || e.Resting() != 2 {
		t.Errorf("asks %d, resting %d: want none and the two bids", n, e.Resting())
	}
	// The sync account's own orders go first when a level shrinks.
	apply(event.In{Kind: event.KindNew, ID: 6, Account: 6, Side: event.Buy, Type: event.Limit, Price: 1005, Qty: 5})
	check(apply(sync(event.Buy, 1005, 60, 0, 906)), []o{{event.OutReplaced, 900, 1005, 55, event.ReasonSync}, {event.OutBook, 0, 1005, 60, 0}})

	for _, tc := range []struct {
		name string
		in   event.In
		why  event.Reason
	}{
		{"unknown symbol", event.In{Kind: event.KindSync, Symbol: 9, Side: event.Buy, Price: 1, Qty: 1, Account: acct, ID: 950}, event.ReasonUnknownSymbol},
		{"side", event.In{Kind: event.KindSync, Price: 1, Qty: 1, Account: acct, ID: 950}, event.ReasonBadSide},
		{"qty without a price", event.In{Kind: event.KindSync, Side: event.Buy, Qty: 1, Account: acct, ID: 950}, event.ReasonBadQty},
		{"negative price", event.In{Kind: event.KindSync, Side: event.Buy, Price: -1, Account: acct, ID: 950}, event.ReasonBadPrice},
		{"account", event.In{Kind: event.KindSync, Side: event.Buy, Price: 1, Qty: 1, Account: event.Any, ID: 950}, event.ReasonBadAccount},
		{"duplicate id", event.In{Kind: event.KindSync, Side: event.Buy, Price: 500, Qty: 1, Account: acct, ID: 3}, event.ReasonDuplicateID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := e.Apply(&tc.in, nil)
			if len(got) != 1 || got[0].Kind != event.OutRejected || got[0].Reason != tc.why {
				t.Errorf("%+v, want a rejection %v", got, tc.why)
			}
		})
	}
}
