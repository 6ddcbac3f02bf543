package matcher_test

import (
	"fmt"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/matcher"
)

// A resting sell is crossed by a larger buy: one trade at the maker's
// price, the ask level is gone, and the rest of the buy rests as the new
// best bid.
func ExampleEngine_Apply() {
	cfg := matcher.DefaultConfig()
	cfg.InitialOrders = 1024 // the default preallocates a million orders
	e, err := matcher.New(cfg)
	if err != nil {
		panic(err)
	}
	name, _ := event.PackName("AAPL")
	inputs := []event.In{
		{Seq: 1, Kind: event.KindSymbol, Symbol: 1, Aux: name},
		{Seq: 2, Kind: event.KindNew, Symbol: 1, Account: 7, ID: 100, Side: event.Sell, Type: event.Limit, Price: 1500, Qty: 10},
		{Seq: 3, Kind: event.KindNew, Symbol: 1, Account: 8, ID: 101, Side: event.Buy, Type: event.Limit, Price: 1510, Qty: 25},
	}
	var out []event.Out
	for i := range inputs {
		out = e.Apply(&inputs[i], out[:0])
		for _, o := range out {
			switch o.Kind {
			case event.OutTrade:
				fmt.Printf("seq %d: trade %d@%d taker %d maker %d\n", o.Seq, o.Qty, o.Price, o.ID, o.Other)
			case event.OutBook:
				fmt.Printf("seq %d: book %v %d: qty %d orders %d\n", o.Seq, o.Side, o.Price, o.Qty, o.Other)
			default:
				fmt.Printf("seq %d: %v\n", o.Seq, o.Kind)
			}
		}
	}
	bid, _ := e.Best(1, event.Buy)
	fmt.Println("best bid", bid, "resting", e.Resting())
	// Output:
	// seq 1: symbol
	// seq 2: accepted
	// seq 2: book sell 1500: qty 10 orders 1
	// seq 3: accepted
	// seq 3: trade 10@1500 taker 101 maker 100
	// seq 3: book sell 1500: qty 0 orders 0
	// seq 3: book buy 1510: qty 15 orders 1
	// best bid 1510 resting 1
}
