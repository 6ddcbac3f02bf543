package matcher

import "github.com/tradeengine/engine/event"

// taker is an incoming order while it matches: a new order, or a resting
// order that lost its priority in a replace and enters again.
type taker struct {
	id      uint64
	price   int64 // the limit (for a market order, the protection limit)
	qty     int64 // quantity left
	account uint32
	symbol  uint32
	side    event.Side
	typ     event.OrdType
	stp     event.STP
}

// submit applies KindNew.
func (e *Engine) submit(in *event.In, out []event.Out) []event.Out {
	b := e.book(in.Symbol)
	switch {
	case b == nil:
		return e.reject(in, in.Symbol, event.ReasonUnknownSymbol, out)
	case in.Account == event.Any:
		return e.reject(in, in.Symbol, event.ReasonBadAccount, out)
	case !in.Side.Valid():
		return e.reject(in, in.Symbol, event.ReasonBadSide, out)
	case !in.Type.Valid() || !in.STP.Valid():
		return e.reject(in, in.Symbol, event.ReasonBadType, out)
	case in.Qty <= 0 || in.Qty > event.MaxQty:
		return e.reject(in, in.Symbol, event.ReasonBadQty, out)
	case in.Price > event.MaxPrice || in.Price < 0 || (in.Price == 0 && in.Type != event.Market):
		return e.reject(in, in.Symbol, event.ReasonBadPrice, out)
	case b.halted:
		return e.reject(in, in.Symbol, event.ReasonHalted, out)
	}
	if _, dup := e.ids.Find(in.ID); dup {
		return e.reject(in, in.Symbol, event.ReasonDuplicateID, out)
	}
	rests := in.Type == event.Limit || in.Type == event.PostOnly
	if rests && e.resting >= e.cfg.MaxOrders {
		return e.reject(in, in.Symbol, event.ReasonCapacity, out)
	}
	opp := b.ladder(in.Side.Opposite())
	best := opp.best()
	if in.Type == event.PostOnly && best != nil && opp.sign*in.Price <= best.key {
		return e.reject(in, in.Symbol, event.ReasonWouldCross, out)
	}

	t := taker{
		id: in.ID, price: in.Price, qty: in.Qty, account: in.Account, symbol: in.Symbol,
		side: in.Side, typ: in.Type, stp: in.STP,
	}
	if t.typ == event.Market && t.price == 0 && best != nil {
		t.price = e.protection(opp.price(best), t.side)
	}
	out = append(out, event.Out{
		Seq: in.Seq, TS: in.TS, Kind: event.OutAccepted, Symbol: t.symbol,
		ID: t.id, Account: t.account, Side: t.side, Price: t.price, Qty: t.qty, Other: in.Aux,
	})
	if t.typ == event.FOK && e.fillable(opp, &t) < t.qty {
		return append(out, cancelled(in, &t, event.ReasonFOK, t.qty))
	}
	return e.take(in, b, &t, best == nil, out)
}

// protection returns the limit of a market order on side s without one,
// from the best opposite price bestOpp and the configured band.
func (e *Engine) protection(bestOpp int64, s event.Side) int64 {
	band := max(bestOpp*e.cfg.ProtectionBps/10000, 1)
	if s == event.Buy {
		return bestOpp + band
	}
	return max(bestOpp-band, 1)
}

// fillable counts the quantity t could fill against opp, as matching would
// walk it, stopping as soon as the count reaches t's quantity.
func (e *Engine) fillable(opp *ladder, t *taker) int64 {
	bound := opp.sign * t.price
	var n int64
	for i := len(opp.levels) - 1; i >= 0 && n < t.qty; i-- {
		lv := &opp.levels[i]
		if lv.key < bound {
			break
		}
		if t.stp == event.STPNone {
			n += lv.qty
			continue
		}
		for s := lv.head; s != nilSlot && n < t.qty; {
			m := &e.pool.orders[s]
			if m.account != t.account {
				n += m.qty
			} else if t.stp != event.STPCancelResting {
				return n
			}
			s = m.next
		}
	}
	return n
}

// take matches taker t against the opposite side of b, then rests, or
// cancels the rest of it, as its type says. emptyOnArrival tells a market
// order's ReasonNoLiquidity from ReasonProtection.
func (e *Engine) take(in *event.In, b *book, t *taker, emptyOnArrival bool, out []event.Out) []event.Out {
	opp := b.ladder(t.side.Opposite())
	bound := opp.sign * t.price
	orders := e.pool.orders // no slot is allocated while matching
	for t.qty > 0 {
		n := len(opp.levels)
		if n == 0 {
			break
		}
		lv := &opp.levels[n-1]
		if lv.key < bound {
			break
		}
		price := opp.sign * lv.key
		changed, stopped := false, false
		for t.qty > 0 {
			s := lv.head
			if s == nilSlot {
				break
			}
			m := &orders[s]
			if m.account != t.account || t.stp == event.STPNone {
				q := min(t.qty, m.qty)
				out = append(out, event.Out{
					Seq: in.Seq, TS: in.TS, Kind: event.OutTrade, Symbol: t.symbol,
					ID: t.id, Account: t.account, Side: t.side,
					Other: m.id, OtherAccount: m.account, Price: price, Qty: q,
				})
				t.qty -= q
				m.qty -= q
				lv.qty -= q
				changed = true
				if m.qty > 0 {
					break // the taker is done
				}
			} else {
				if t.stp == event.STPCancelIncoming {
					out = append(out, cancelled(in, t, event.ReasonSTP, t.qty))
					stopped = true
					break
				}
				out = append(out, event.Out{
					Seq: in.Seq, TS: in.TS, Kind: event.OutCancelled, Reason: event.ReasonSTP, Symbol: t.symbol,
					ID: m.id, Account: m.account, Side: m.side, Price: m.price, Qty: m.qty,
				})
				lv.qty -= m.qty
				changed = true
				if t.stp == event.STPCancelBoth {
					out = append(out, cancelled(in, t, event.ReasonSTP, t.qty))
					stopped = true
				}
			}
			// The maker at the head leaves the book.
			lv.head = m.next
			lv.count--
			if m.next != nilSlot {
				orders[m.next].prev = nilSlot
			} else {
				lv.tail = nilSlot
			}
			e.ids.Delete(m.id)
			e.pool.release(s)
			e.resting--
			if stopped {
				break
			}
		}
		if changed {
			out = append(out, bookOut(in, t.symbol, opp.sign, lv))
		}
		if lv.count == 0 {
			opp.levels = opp.levels[:n-1]
		}
		if stopped {
			return out
		}
	}
	if t.qty == 0 {
		return out
	}
	switch t.typ {
	case event.Limit, event.PostOnly:
		return e.rest(in, b, t, out)
	case event.IOC:
		return append(out, cancelled(in, t, event.ReasonIOC, t.qty))
	case event.Market:
		r := event.ReasonProtection
		if emptyOnArrival {
			r = event.ReasonNoLiquidity
		}
		return append(out, cancelled(in, t, r, t.qty))
	}
	// A FOK order was counted fillable: it never gets here.
	panic("matcher: FOK order left unfilled")
}

// rest adds t to its side of b, behind the orders at its price.
func (e *Engine) rest(in *event.In, b *book, t *taker, out []event.Out) []event.Out {
	own := b.ladder(t.side)
	key := own.sign * t.price
	i, found := own.search(key)
	var lv *level
	if found {
		lv = &own.levels[i]
	} else {
		lv = own.insertAt(i, key)
	}
	s := e.pool.alloc()
	orders := e.pool.orders
	orders[s] = order{
		id: t.id, price: t.price, qty: t.qty, account: t.account, symbol: t.symbol,
		prev: lv.tail, next: nilSlot, side: t.side, typ: t.typ, stp: t.stp,
	}
	if lv.tail != nilSlot {
		orders[lv.tail].next = s
	} else {
		lv.head = s
	}
	lv.tail = s
	lv.qty += t.qty
	lv.count++
	e.ids.Insert(t.id, s)
	e.resting++
	return append(out, bookOut(in, t.symbol, own.sign, lv))
}

// cancelled returns the OutCancelled of the rest (qty) of taker t.
func cancelled(in *event.In, t *taker, r event.Reason, qty int64) event.Out {
	return event.Out{
		Seq: in.Seq, TS: in.TS, Kind: event.OutCancelled, Reason: r, Symbol: t.symbol,
		ID: t.id, Account: t.account, Side: t.side, Price: t.price, Qty: qty,
	}
}

// bookOut returns the OutBook of level lv of a ladder with the given sign.
func bookOut(in *event.In, sym uint32, sign int64, lv *level) event.Out {
	side := event.Buy
	if sign < 0 {
		side = event.Sell
	}
	return event.Out{
		Seq: in.Seq, TS: in.TS, Kind: event.OutBook, Symbol: sym,
		Side: side, Price: sign * lv.key, Qty: lv.qty, Other: uint64(lv.count),
	}
}
