package risk_test

import (
	"fmt"
	"strings"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/matcher"
	"github.com/tradeengine/engine/risk"
)

// Example puts a guard configured from a file in front of a matcher: an
// order above the account's size limit is rejected, and an operator's kill
// of the account cancels its resting order and stops the next one.
func Example() {
	const conf = `
[account 7]
max_order_qty = 500   # this desk trades small
`
	cfg, err := risk.ParseConfig(strings.NewReader(conf), "desk.conf")
	if err != nil {
		panic(err)
	}
	m, _ := matcher.New(matcher.DefaultConfig())
	g, _ := risk.New(cfg, m)

	aapl, _ := event.PackName("AAPL")
	ts := int64(34_200_000_000_000)
	inputs := []event.In{
		{Kind: event.KindSymbol, Symbol: 0, Aux: aapl},
		{Kind: event.KindNew, Account: 7, Symbol: 0, ID: 1, Side: event.Buy, Type: event.Limit, Price: 18_950, Qty: 1000},
		{Kind: event.KindNew, Account: 7, Symbol: 0, ID: 2, Side: event.Buy, Type: event.Limit, Price: 18_950, Qty: 300},
		{Kind: event.KindKill, Account: 7, Symbol: event.Any, Arg: event.KillCancel},
		{Kind: event.KindNew, Account: 7, Symbol: 0, ID: 3, Side: event.Buy, Type: event.Limit, Price: 18_950, Qty: 100},
	}
	var out []event.Out
	for i := range inputs {
		in := &inputs[i]
		in.Seq, in.TS = uint64(i+1), ts+int64(i)
		out = g.Apply(in, out[:0])
		for _, o := range out {
			switch o.Kind {
			case event.OutRejected, event.OutCancelled:
				fmt.Printf("seq %d: %v order %d: %v\n", o.Seq, o.Kind, o.ID, o.Reason)
			case event.OutAccepted, event.OutKill:
				fmt.Printf("seq %d: %v\n", o.Seq, o.Kind)
			}
		}
	}
	// Output:
	// seq 2: rejected order 1: max_qty
	// seq 3: accepted
	// seq 4: kill
	// seq 4: cancelled order 2: mass_cancel
	// seq 5: rejected order 3: killed
}
