package audit

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/pipeline"
)

// benchFlow is a steady-state flow of n inputs with their outputs: orders
// that rest (accepted and a book change), orders that trade, cancels and
// rejects, over the given account ids and 64 symbols.
func benchFlow(n int, accounts []uint32) ([]event.In, [][]event.Out) {
	rng := rand.New(rand.NewPCG(7, 7))
	ins := make([]event.In, n)
	outs := make([][]event.Out, n)
	acct := func() uint32 { return accounts[rng.IntN(len(accounts))] }
	for i := range ins {
		sym := uint32(rng.IntN(64))
		in := event.In{Seq: uint64(i + 1), TS: int64(i) * 1000, Kind: event.KindNew, Symbol: sym, Account: acct(),
			ID: uint64(i + 1), Side: event.Side(1 + rng.IntN(2)), Type: event.Limit, Price: 1000 + rng.Int64N(50), Qty: 1 + rng.Int64N(100)}
		o := event.Out{Seq: in.Seq, TS: in.TS, Symbol: sym, Account: in.Account, ID: in.ID, Side: in.Side, Price: in.Price, Qty: in.Qty}
		book := o
		book.Kind = event.OutBook
		switch p := rng.IntN(100); {
		case p < 60:
			o.Kind = event.OutAccepted
			outs[i] = []event.Out{o, book}
		case p < 85:
			acc, tr := o, o
			acc.Kind = event.OutAccepted
			tr.Kind, tr.OtherAccount, tr.Other = event.OutTrade, acct(), uint64(i)
			outs[i] = []event.Out{acc, tr, book}
		case p < 95:
			in.Kind = event.KindCancel
			o.Kind, o.Reason = event.OutCancelled, event.ReasonUser
			outs[i] = []event.Out{o, book}
		default:
			o.Kind, o.Reason = event.OutRejected, event.ReasonMaxQty
			outs[i] = []event.Out{o}
		}
		ins[i] = in
	}
	return ins, outs
}

// BenchmarkInput measures Builder.Input per input event in the steady
// state (the flow's accounts and symbols seen), beside a baseline that
// only counts what `engine run`'s summary counts. Accounts are dense small
// ids, or ids spread over the uint32 range (the map path).
func BenchmarkInput(b *testing.B) {
	const n = 1 << 16
	for _, tc := range []struct {
		name     string
		accounts func() []uint32
	}{
		{"accounts=16", func() []uint32 { return seq(16, 1) }},
		{"accounts=4096", func() []uint32 { return seq(4096, 1) }},
		{"accounts=4096-sparse", func() []uint32 { return seq(4096, 1_000_003) }},
	} {
		ins, outs := benchFlow(n, tc.accounts())
		b.Run(tc.name, func(b *testing.B) {
			bd := New()
			for i := range ins { // the accounts and symbols seen
				bd.Input(&ins[i], outs[i])
			}
			b.ReportAllocs()
			i, ts := 0, int64(n)*1000
			for b.Loop() {
				in := &ins[i&(n-1)]
				in.TS = ts
				bd.Input(in, outs[i&(n-1)])
				i++
				ts += 1000
			}
		})
		b.Run(tc.name+"/baseline=summary-counts", func(b *testing.B) {
			c := pipeline.NewTally(false)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c.Add(&ins[i&(n-1)], outs[i&(n-1)])
				i++
			}
			if c.Summary("", 0).EventsOut == 0 {
				b.Fatal("nothing counted")
			}
		})
	}
}

// seq returns n account ids from stride, stride apart.
func seq(n int, stride uint32) []uint32 {
	ids := make([]uint32, n)
	for i := range ids {
		ids[i] = uint32(i+1) * stride
	}
	return ids
}

func ExampleBuilder() {
	b := New()
	name, _ := event.PackName("AAPL")
	b.Input(&event.In{Seq: 1, TS: 1709631000e9, Kind: event.KindSymbol, Symbol: 1, Aux: name},
		[]event.Out{{Seq: 1, TS: 1709631000e9, Kind: event.OutSymbol, Symbol: 1, Other: name}})
	// Account 7 buys 30 lots at 1000 ticks from account 9's resting order.
	b.Input(&event.In{Seq: 2, TS: 1709631001e9, Kind: event.KindNew, Symbol: 1, Account: 7, Side: event.Buy, Price: 1000, Qty: 30},
		[]event.Out{
			{Seq: 2, TS: 1709631001e9, Kind: event.OutAccepted, Symbol: 1, Account: 7, Side: event.Buy, Price: 1000, Qty: 30},
			{Seq: 2, TS: 1709631001e9, Kind: event.OutTrade, Symbol: 1, Account: 7, OtherAccount: 9, Side: event.Buy, Price: 1000, Qty: 30},
		})
	r := b.Report(Integrity{Verified: true, FirstSeq: 1, LastSeq: 2})
	fmt.Println(r.Date, "trades", r.Totals.Trades, "notional", r.Totals.TradedNotional)
	for _, a := range r.Accounts {
		fmt.Printf("account %d: %s %+d\n", a.ID, a.Positions[0].Name, a.Positions[0].Qty)
	}
	// Output:
	// 2024-03-05 trades 1 notional 30000
	// account 7: AAPL +30
	// account 9: AAPL -30
}
