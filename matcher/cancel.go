package matcher

import "github.com/tradeengine/engine/event"

// cancel applies KindCancel.
func (e *Engine) cancel(in *event.In, out []event.Out) []event.Out {
	i, ok := e.ids.Find(in.ID)
	if !ok {
		return e.reject(in, in.Symbol, event.ReasonUnknownOrder, out)
	}
	s := e.ids.At(i)
	o := &e.pool.orders[s]
	if o.account != in.Account {
		return e.reject(in, o.symbol, event.ReasonNotOwner, out)
	}
	out = append(out, event.Out{
		Seq: in.Seq, TS: in.TS, Kind: event.OutCancelled, Reason: event.ReasonUser, Symbol: o.symbol,
		ID: o.id, Account: o.account, Side: o.side, Price: o.price, Qty: o.qty,
	})
	out = e.unlink(in, s, out)
	e.ids.DeleteAt(i)
	e.pool.release(s)
	e.resting--
	return out
}

// levelOf returns the ladder of resting order o and the index of its level.
func (e *Engine) levelOf(o *order) (*ladder, int) {
	l := e.books[o.symbol].ladder(o.side)
	i, _ := l.search(l.sign * o.price)
	return l, i
}

// unlink takes the order in slot s out of its level, appends the level's
// OutBook and removes the level if it is left empty. The slot and the id
// stay allocated.
func (e *Engine) unlink(in *event.In, s int32, out []event.Out) []event.Out {
	orders := e.pool.orders
	o := &orders[s]
	l, i := e.levelOf(o)
	lv := &l.levels[i]
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
	out = append(out, bookOut(in, o.symbol, l.sign, lv))
	if lv.count == 0 {
		l.removeAt(i)
	}
	return out
}

// replace applies KindReplace.
func (e *Engine) replace(in *event.In, out []event.Out) []event.Out {
	i, ok := e.ids.Find(in.ID)
	if !ok {
		return e.reject(in, in.Symbol, event.ReasonUnknownOrder, out)
	}
	s := e.ids.At(i)
	o := &e.pool.orders[s]
	b := &e.books[o.symbol]
	switch {
	case o.account != in.Account:
		return e.reject(in, o.symbol, event.ReasonNotOwner, out)
	case in.Qty <= 0 || in.Qty > event.MaxQty:
		return e.reject(in, o.symbol, event.ReasonBadQty, out)
	case in.Price <= 0 || in.Price > event.MaxPrice:
		return e.reject(in, o.symbol, event.ReasonBadPrice, out)
	case b.halted:
		return e.reject(in, o.symbol, event.ReasonHalted, out)
	}
	if o.typ == event.PostOnly {
		opp := b.ladder(o.side.Opposite())
		if best := opp.best(); best != nil && opp.sign*in.Price <= best.key {
			return e.reject(in, o.symbol, event.ReasonWouldCross, out)
		}
	}
	if in.Price == o.price && in.Qty <= o.qty {
		out = append(out, event.Out{
			Seq: in.Seq, TS: in.TS, Kind: event.OutReplaced, Reason: event.ReasonPriorityKept, Symbol: o.symbol,
			ID: o.id, Account: o.account, Side: o.side, Price: in.Price, Qty: in.Qty,
		})
		if d := o.qty - in.Qty; d > 0 {
			o.qty = in.Qty
			l, li := e.levelOf(o)
			lv := &l.levels[li]
			lv.qty -= d
			out = append(out, bookOut(in, o.symbol, l.sign, lv))
		}
		return out
	}
	out = append(out, event.Out{
		Seq: in.Seq, TS: in.TS, Kind: event.OutReplaced, Reason: event.ReasonPriorityLost, Symbol: o.symbol,
		ID: o.id, Account: o.account, Side: o.side, Price: in.Price, Qty: in.Qty,
	})
	t := taker{
		id: o.id, price: in.Price, qty: in.Qty, account: o.account, symbol: o.symbol,
		side: o.side, typ: o.typ, stp: o.stp,
	}
	out = e.unlink(in, s, out)
	e.ids.DeleteAt(i)
	e.pool.release(s)
	e.resting--
	return e.take(in, b, &t, false, out)
}

// massCancel applies KindMassCancel.
func (e *Engine) massCancel(in *event.In, out []event.Out) []event.Out {
	lo, hi := uint32(0), uint32(len(e.books)) // symbols [lo, hi)
	if in.Symbol != event.Any {
		if e.book(in.Symbol) == nil {
			return e.reject(in, in.Symbol, event.ReasonUnknownSymbol, out)
		}
		lo, hi = in.Symbol, in.Symbol+1
	}
	var n int64
	for sym := lo; sym < hi; sym++ {
		b := &e.books[sym]
		if !b.defined {
			continue
		}
		for side := range b.sides {
			out = e.massCancelSide(in, sym, &b.sides[side], &n, out)
		}
	}
	return append(out, event.Out{
		Seq: in.Seq, TS: in.TS, Kind: event.OutMassCancelled, Symbol: in.Symbol, Account: in.Account, Qty: n,
	})
}

// massCancelSide cancels the orders of the accounts in in's scope on one
// side of a book, best level first, adding their number to n.
func (e *Engine) massCancelSide(in *event.In, sym uint32, l *ladder, n *int64, out []event.Out) []event.Out {
	orders := e.pool.orders
	emptied := false
	for li := len(l.levels) - 1; li >= 0; li-- {
		lv := &l.levels[li]
		hit := false
		for s := lv.head; s != nilSlot; {
			o := &orders[s]
			next := o.next
			if in.Account == event.Any || o.account == in.Account {
				out = append(out, event.Out{
					Seq: in.Seq, TS: in.TS, Kind: event.OutCancelled, Reason: event.ReasonMassCancel, Symbol: sym,
					ID: o.id, Account: o.account, Side: o.side, Price: o.price, Qty: o.qty,
				})
				if o.prev != nilSlot {
					orders[o.prev].next = next
				} else {
					lv.head = next
				}
				if next != nilSlot {
					orders[next].prev = o.prev
				} else {
					lv.tail = o.prev
				}
				lv.qty -= o.qty
				lv.count--
				e.ids.Delete(o.id)
				e.pool.release(s)
				e.resting--
				*n++
				hit = true
			}
			s = next
		}
		if hit {
			out = append(out, bookOut(in, sym, l.sign, lv))
			emptied = emptied || lv.count == 0
		}
	}
	if emptied {
		// Drop the empty levels in one pass.
		kept := l.levels[:0]
		for _, lv := range l.levels {
			if lv.count > 0 {
				kept = append(kept, lv)
			}
		}
		l.levels = kept
	}
	return out
}
