package gen

import (
	"sort"
	"testing"

	"github.com/tradeengine/engine/event"
)

// simBook is a slow, simple price-time book for all symbols, just enough to
// tell how often the generated flow cancels or replaces an order that is no
// longer resting, and how much it trades.
type simBook struct {
	orders map[uint64]*simOrder
	levels map[simKey][]uint64 // FIFO of order ids at a price
	trades int
	dead   int // cancels and replaces of orders no longer resting
}

type simKey struct {
	symbol uint32
	side   event.Side
	price  int64
}

type simOrder struct {
	key simKey
	qty int64
}

func newSimBook() *simBook {
	return &simBook{orders: map[uint64]*simOrder{}, levels: map[simKey][]uint64{}}
}

// prices returns the prices with orders on a side of a symbol, best first.
func (b *simBook) prices(symbol uint32, side event.Side) []int64 {
	var ps []int64
	for k, q := range b.levels {
		if k.symbol == symbol && k.side == side && len(q) > 0 {
			ps = append(ps, k.price)
		}
	}
	sort.Slice(ps, func(i, j int) bool {
		if side == event.Buy {
			return ps[i] > ps[j]
		}
		return ps[i] < ps[j]
	})
	return ps
}

func crosses(side event.Side, limit, price int64, market bool) bool {
	if market {
		return true
	}
	if side == event.Buy {
		return price <= limit
	}
	return price >= limit
}

// match fills qty of an incoming order against the opposite side and
// returns what is left.
func (b *simBook) match(symbol uint32, side event.Side, limit, qty int64, market bool) int64 {
	for _, p := range b.prices(symbol, side.Opposite()) {
		if qty == 0 || !crosses(side, limit, p, market) {
			break
		}
		k := simKey{symbol, side.Opposite(), p}
		q := b.levels[k]
		for len(q) > 0 && qty > 0 {
			o := b.orders[q[0]]
			n := min(qty, o.qty)
			qty -= n
			o.qty -= n
			b.trades++
			if o.qty == 0 {
				delete(b.orders, q[0])
				q = q[1:]
			}
		}
		b.levels[k] = q
	}
	return qty
}

func (b *simBook) fillable(symbol uint32, side event.Side, limit int64) int64 {
	var n int64
	for _, p := range b.prices(symbol, side.Opposite()) {
		if !crosses(side, limit, p, false) {
			break
		}
		for _, id := range b.levels[simKey{symbol, side.Opposite(), p}] {
			n += b.orders[id].qty
		}
	}
	return n
}

func (b *simBook) rest(id uint64, k simKey, qty int64) {
	b.orders[id] = &simOrder{key: k, qty: qty}
	b.levels[k] = append(b.levels[k], id)
}

func (b *simBook) remove(id uint64) *simOrder {
	o := b.orders[id]
	q := b.levels[o.key]
	for i, x := range q {
		if x == id {
			b.levels[o.key] = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	delete(b.orders, id)
	return o
}

func (b *simBook) apply(in *event.In) {
	switch in.Kind {
	case event.KindNew:
		k := simKey{in.Symbol, in.Side, in.Price}
		switch in.Type {
		case event.PostOnly:
			if ps := b.prices(in.Symbol, in.Side.Opposite()); len(ps) > 0 && crosses(in.Side, in.Price, ps[0], false) {
				return
			}
			b.rest(in.ID, k, in.Qty)
		case event.Limit:
			if left := b.match(in.Symbol, in.Side, in.Price, in.Qty, false); left > 0 {
				b.rest(in.ID, k, left)
			}
		case event.IOC, event.Market:
			b.match(in.Symbol, in.Side, in.Price, in.Qty, in.Type == event.Market)
		case event.FOK:
			if b.fillable(in.Symbol, in.Side, in.Price) >= in.Qty {
				b.match(in.Symbol, in.Side, in.Price, in.Qty, false)
			}
		}
	case event.KindCancel:
		if _, ok := b.orders[in.ID]; !ok {
			b.dead++
			return
		}
		b.remove(in.ID)
	case event.KindReplace:
		o, ok := b.orders[in.ID]
		if !ok {
			b.dead++
			return
		}
		if in.Price == o.key.price && in.Qty <= o.qty {
			o.qty = in.Qty
			return
		}
		b.remove(in.ID)
		k := simKey{o.key.symbol, o.key.side, in.Price}
		if left := b.match(k.symbol, k.side, k.price, in.Qty, false); left > 0 {
			b.rest(in.ID, k, left)
		}
	}
}

// TestFlowAgainstABook runs the flow through a simple book: marketable
// orders must trade, and cancels and replaces of orders already gone must
// stay a small share. Takers alone make almost none (they hit the orders at
// the touch, which the generator avoids cancelling); most come from the mid's
// random walk, after which new passive orders cross stale ones.
func TestFlowAgainstABook(t *testing.T) {
	cfg := small(11, 30_000)
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := newSimBook()
	var in event.In
	for g.Next(&in) {
		b.apply(&in)
	}
	st := g.Stats()
	deadShare := float64(b.dead) / float64(st.Cancels+st.Replaces)
	t.Logf("%d trades from %d marketable orders; %d of %d cancels and replaces (%.1f%%) hit orders no longer resting; %d orders rest",
		b.trades, st.Marketable, b.dead, st.Cancels+st.Replaces, 100*deadShare, len(b.orders))
	if b.trades < st.Marketable/2 {
		t.Errorf("only %d trades from %d marketable orders", b.trades, st.Marketable)
	}
	if deadShare > 0.08 {
		t.Errorf("%.1f%% of cancels and replaces hit orders no longer resting, want at most 8%%", 100*deadShare)
	}
}
