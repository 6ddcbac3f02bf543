package matcher

import (
	"math"

	"github.com/tradeengine/engine/event"
)

// sync applies KindSync (see event.KindSync): the levels strictly between
// the rank above (Aux) and Price are emptied, then the level at Price is
// brought to Qty. Every order it removes or shrinks is reported with
// ReasonSync (OutCancelled, or OutReplaced with its new quantity), an order
// it adds with OutAccepted, and each level changed with OutBook.
func (e *Engine) sync(in *event.In, out []event.Out) []event.Out {
	b := e.book(in.Symbol)
	switch {
	case b == nil:
		return e.reject(in, in.Symbol, event.ReasonUnknownSymbol, out)
	case !in.Side.Valid():
		return e.reject(in, in.Symbol, event.ReasonBadSide, out)
	case in.Price < 0 || in.Price > event.MaxPrice || in.Aux > uint64(event.MaxPrice):
		return e.reject(in, in.Symbol, event.ReasonBadPrice, out)
	case in.Qty < 0 || in.Qty > event.MaxQty || in.Price == 0 && in.Qty != 0:
		return e.reject(in, in.Symbol, event.ReasonBadQty, out)
	case in.Account == event.Any:
		return e.reject(in, in.Symbol, event.ReasonBadAccount, out)
	}
	// What may refuse the order a sync adds refuses the sync before it
	// changes anything.
	if in.Qty > 0 {
		if _, dup := e.ids.Find(in.ID); dup {
			return e.reject(in, in.Symbol, event.ReasonDuplicateID, out)
		}
		if e.resting >= e.cfg.MaxOrders {
			return e.reject(in, in.Symbol, event.ReasonCapacity, out)
		}
	}
	l := b.ladder(in.Side)
	above := int64(math.MaxInt64) // key of the rank above: every level is below it
	if in.Aux != 0 {
		above = l.sign * int64(in.Aux)
	}
	at := int64(math.MinInt64) // key of the level to set: every level is above it
	if in.Price != 0 {
		at = l.sign * in.Price
	}
	for {
		i, _ := l.search(above) // the first level at or above the rank above
		i--                     // the best level below it
		if i < 0 || l.levels[i].key <= at {
			break
		}
		out = e.syncShrink(in, l, i, l.levels[i].qty, out)
	}
	if in.Price == 0 {
		return out
	}
	i, found := l.search(at)
	var have int64
	if found {
		have = l.levels[i].qty
	}
	switch {
	case have > in.Qty:
		return e.syncShrink(in, l, i, have-in.Qty, out)
	case have == in.Qty:
		return out
	}
	var lv *level
	if found {
		lv = &l.levels[i]
	} else {
		lv = l.insertAt(i, at)
	}
	s := e.pool.alloc()
	orders := e.pool.orders
	qty := in.Qty - have
	orders[s] = order{
		id: in.ID, price: in.Price, qty: qty, account: in.Account, symbol: in.Symbol,
		prev: lv.tail, next: nilSlot, side: in.Side, typ: event.Limit,
	}
	if lv.tail != nilSlot {
		orders[lv.tail].next = s
	} else {
		lv.head = s
	}
	lv.tail = s
	lv.qty += qty
	lv.count++
	e.ids.Insert(in.ID, s)
	e.resting++
	out = append(out, event.Out{
		Seq: in.Seq, TS: in.TS, Kind: event.OutAccepted, Symbol: in.Symbol,
		ID: in.ID, Account: in.Account, Side: in.Side, Price: in.Price, Qty: qty,
	})
	return append(out, bookOut(in, in.Symbol, l.sign, lv))
}

// syncShrink takes qty off level i of l: from the orders of the sync's
// account first (the liquidity syncs added), then from the newest orders.
// The level goes when it is left empty.
func (e *Engine) syncShrink(in *event.In, l *ladder, i int, qty int64, out []event.Out) []event.Out {
	orders := e.pool.orders
	lv := &l.levels[i]
	for pass := 0; pass < 2 && qty > 0; pass++ {
		for s := lv.tail; s != nilSlot && qty > 0; {
			o := &orders[s]
			prev := o.prev
			if pass == 1 || o.account == in.Account {
				qty = e.syncTake(in, lv, s, qty, &out)
			}
			s = prev
		}
	}
	out = append(out, bookOut(in, in.Symbol, l.sign, lv))
	if lv.count == 0 {
		l.removeAt(i)
	}
	return out
}

// syncTake takes up to qty off the order in slot s of level lv, removing it
// when it has no more, and returns what is left to take.
func (e *Engine) syncTake(in *event.In, lv *level, s int32, qty int64, out *[]event.Out) int64 {
	orders := e.pool.orders
	o := &orders[s]
	if o.qty > qty {
		o.qty -= qty
		lv.qty -= qty
		*out = append(*out, event.Out{
			Seq: in.Seq, TS: in.TS, Kind: event.OutReplaced, Reason: event.ReasonSync, Symbol: o.symbol,
			ID: o.id, Account: o.account, Side: o.side, Price: o.price, Qty: o.qty,
		})
		return 0
	}
	*out = append(*out, event.Out{
		Seq: in.Seq, TS: in.TS, Kind: event.OutCancelled, Reason: event.ReasonSync, Symbol: o.symbol,
		ID: o.id, Account: o.account, Side: o.side, Price: o.price, Qty: o.qty,
	})
	if o.prev != nilSlot {
		orders[o.prev].next = o.next
	} else {
		lv.head = o.next
	}
	if o.next != nilSlot {
		orders[o.next].prev = o.prev
	} else {
		lv.tail = o.prev
	}
	lv.qty -= o.qty
	lv.count--
	left := qty - o.qty
	e.ids.Delete(o.id)
	e.pool.release(s)
	e.resting--
	return left
}
