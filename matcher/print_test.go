package matcher

import (
	"testing"

	"github.com/tradeengine/engine/event"
)

// TestPrint: a trade outside the book is reported as given and changes no
// book; a print the engine cannot put on its tape is rejected.
func TestPrint(t *testing.T) {
	e, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	name, _ := event.PackName("AMZN")
	var out []event.Out
	out = e.Apply(&event.In{Kind: event.KindSymbol, Symbol: 0, Aux: name}, out[:0])
	out = e.Apply(&event.In{Seq: 2, Kind: event.KindNew, Symbol: 0, Account: 1, ID: 1, Side: event.Sell, Type: event.Limit, Price: 100, Qty: 10}, out[:0])
	if len(out) != 2 {
		t.Fatalf("resting order: %+v", out)
	}
	// A hidden execution through the resting order's price takes nothing.
	in := event.In{Seq: 3, TS: 9, Kind: event.KindPrint, Symbol: 0, Side: event.Buy, Price: 101, Qty: 50, ID: 77, Arg: event.PrintHidden}
	out = e.Apply(&in, out[:0])
	want := event.Out{Seq: 3, TS: 9, Kind: event.OutPrint, Symbol: 0, ID: 77, Side: event.Buy, Price: 101, Qty: 50, Other: uint64(event.PrintHidden)}
	if len(out) != 1 || out[0] != want {
		t.Fatalf("print: %+v, want %+v", out, want)
	}
	var lv [2]Level
	if n := e.Depth(0, event.Sell, lv[:]); n != 1 || lv[0] != (Level{Price: 100, Qty: 10, Orders: 1}) || e.Resting() != 1 {
		t.Errorf("the book moved: %d levels %+v, %d resting", n, lv, e.Resting())
	}
	tests := []struct {
		name string
		in   event.In
		why  event.Reason
	}{
		{"unknown symbol", event.In{Kind: event.KindPrint, Symbol: 5, Price: 1, Qty: 1}, event.ReasonUnknownSymbol},
		{"side", event.In{Kind: event.KindPrint, Side: 7, Price: 1, Qty: 1}, event.ReasonBadSide},
		{"qty", event.In{Kind: event.KindPrint, Price: 1}, event.ReasonBadQty},
		{"price", event.In{Kind: event.KindPrint, Price: -1, Qty: 1}, event.ReasonBadPrice},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := e.Apply(&tc.in, nil)
			if len(out) != 1 || out[0].Kind != event.OutRejected || out[0].Reason != tc.why {
				t.Errorf("%+v, want a rejection %v", out, tc.why)
			}
		})
	}
	// Without a side (a cross), accepted.
	if out := e.Apply(&event.In{Kind: event.KindPrint, Price: 100, Qty: 5, Arg: event.PrintCross}, nil); len(out) != 1 || out[0].Kind != event.OutPrint {
		t.Errorf("cross: %+v", out)
	}
}
