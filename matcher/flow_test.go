package matcher

import (
	"fmt"
	"math/rand/v2"

	"github.com/tradeengine/engine/event"
)

// flowConfig shapes a generated realistic order flow.
type flowConfig struct {
	seed     uint64
	symbols  int // symbol ids 0..symbols-1
	accounts int
	events   int // total, including the symbol definitions and the final mass cancel
	depth    int // resting orders per symbol the flow settles around
}

// genFlow builds a realistic flow: prices around a random-walk mid per
// symbol, passive limit orders at a few ticks from it, most of them
// cancelled later (about 90%), some replaced, and marketable IOC and market
// orders that trade. It runs the flow through an engine as it goes so that
// cancels and replaces name live orders. The flow starts with the symbol
// definitions and ends with a mass cancel of everything, so it can be
// applied again and again to one engine.
func genFlow(fc flowConfig) []event.In {
	cfg := DefaultConfig()
	cfg.MaxSymbols = fc.symbols
	cfg.InitialOrders = 1 << 12
	e, err := New(cfg)
	if err != nil {
		panic(err)
	}
	r := rand.New(rand.NewPCG(fc.seed, 0x5eed))
	flow := make([]event.In, 0, fc.events)
	var out []event.Out
	apply := func(in event.In) {
		in.Seq = uint64(len(flow) + 1)
		in.TS = int64(in.Seq) * 1000
		flow = append(flow, in)
		out = e.Apply(&flow[len(flow)-1], out[:0])
	}
	mids := make([]int64, fc.symbols)
	live := make([][]uint64, fc.symbols) // ids of orders that may rest
	for s := range fc.symbols {
		name, err := event.PackName(fmt.Sprintf("SYM%d", s))
		if err != nil {
			panic(err)
		}
		apply(event.In{Kind: event.KindSymbol, Symbol: uint32(s), Aux: name})
		mids[s] = 10000 + r.Int64N(1000)
	}
	// pickLive removes and returns a random resting order of symbol s.
	pickLive := func(s int) (OrderInfo, bool) {
		for len(live[s]) > 0 {
			i := r.IntN(len(live[s]))
			id := live[s][i]
			live[s][i] = live[s][len(live[s])-1]
			live[s] = live[s][:len(live[s])-1]
			if o, ok := e.Lookup(id); ok {
				return o, true
			}
		}
		return OrderInfo{}, false
	}
	nextID := uint64(1)
	for len(flow) < fc.events-1 {
		s := r.IntN(fc.symbols)
		if r.IntN(64) == 0 {
			mids[s] += r.Int64N(3) - 1
		}
		in := event.In{Symbol: uint32(s), Account: 1 + r.Uint32N(uint32(fc.accounts))}
		n := r.IntN(100)
		// Cancel more when the book is deep, less when it is thin, so that
		// it settles around fc.depth.
		cancelPct := 44 * len(live[s]) / fc.depth
		switch {
		case n < 2:
			// Marketable: IOC through the spread, or market.
			in.Kind, in.ID = event.KindNew, nextID
			nextID++
			in.Side = event.Side(1 + r.IntN(2))
			in.Qty = 1 + r.Int64N(60)
			in.Type = event.IOC
			in.Price = mids[s] + 2
			if in.Side == event.Sell {
				in.Price = mids[s] - 2
			}
			if r.IntN(3) == 0 {
				in.Type, in.Price = event.Market, 0
			}
		case n < 5:
			o, ok := pickLive(s)
			if !ok {
				continue
			}
			in.Kind, in.ID, in.Account = event.KindReplace, o.ID, o.Account
			in.Price, in.Qty = o.Price, max(o.Qty-1-r.Int64N(10), 1) // keeps priority
			if r.IntN(2) == 0 {
				in.Price += r.Int64N(5) - 2
				if o.Side == event.Buy {
					in.Price = min(in.Price, mids[s]-1)
				} else {
					in.Price = max(in.Price, mids[s]+1)
				}
			}
			live[s] = append(live[s], o.ID)
		case n < 5+cancelPct:
			o, ok := pickLive(s)
			if !ok {
				continue
			}
			in.Kind, in.ID, in.Account = event.KindCancel, o.ID, o.Account
		default:
			in.Kind, in.ID = event.KindNew, nextID
			nextID++
			in.Side = event.Side(1 + r.IntN(2))
			in.Type = event.Limit
			if r.IntN(10) == 0 {
				in.Type = event.PostOnly
			}
			if r.IntN(20) == 0 {
				in.STP = event.STPCancelResting
			}
			// Mostly at the touch or a few ticks behind it; one in 100
			// crosses a little.
			off := int64(1)
			for off < 40 && r.IntN(3) != 0 {
				off++ // geometric: mean 3 ticks
			}
			if r.IntN(100) == 0 {
				off = -r.Int64N(3)
			}
			// Passive orders stay passive when the mid has walked into
			// the other side.
			in.Price = mids[s] - off
			if ask, ok := e.Best(uint32(s), event.Sell); ok && off > 0 {
				in.Price = min(in.Price, ask-1)
			}
			if in.Side == event.Sell {
				in.Price = mids[s] + off
				if bid, ok := e.Best(uint32(s), event.Buy); ok && off > 0 {
					in.Price = max(in.Price, bid+1)
				}
			}
			in.Qty = 1 + r.Int64N(100)
			live[s] = append(live[s], in.ID)
		}
		apply(in)
	}
	apply(event.In{Kind: event.KindMassCancel, Account: event.Any, Symbol: event.Any})
	return flow
}

// flowStats counts the inputs and outputs of one pass of a flow.
type flowStats struct {
	news, adds, cancels, replaces int // inputs; adds are the limit and post-only news
	trades, rejects, outputs      int
}

func (s flowStats) String() string {
	return fmt.Sprintf("%d new (%d limit or post-only), %d cancel, %d replace inputs; %d outputs: %d trades, %d rejections",
		s.news, s.adds, s.cancels, s.replaces, s.outputs, s.trades, s.rejects)
}

// runFlow applies flow to e once and counts.
func runFlow(e *Engine, flow []event.In, out []event.Out) (flowStats, []event.Out) {
	var st flowStats
	for i := range flow {
		switch flow[i].Kind {
		case event.KindNew:
			st.news++
			if t := flow[i].Type; t == event.Limit || t == event.PostOnly {
				st.adds++
			}
		case event.KindCancel:
			st.cancels++
		case event.KindReplace:
			st.replaces++
		}
		out = e.Apply(&flow[i], out[:0])
		st.outputs += len(out)
		for j := range out {
			switch out[j].Kind {
			case event.OutTrade:
				st.trades++
			case event.OutRejected:
				st.rejects++
			}
		}
	}
	return st, out
}
