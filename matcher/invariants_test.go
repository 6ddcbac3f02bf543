package matcher

import (
	"fmt"

	"github.com/tradeengine/engine/event"
)

// checkInvariants walks the whole engine and returns the first broken
// invariant: levels strictly sorted and never empty, every level's aggregate
// and count equal to its orders', list links consistent, the book not
// crossed, the id index and the resting orders in one-to-one
// correspondence, and the free list holding every other pool slot.
func (e *Engine) checkInvariants() error {
	orders := e.pool.orders
	seen := 0
	for sym := range e.books {
		b := &e.books[sym]
		if !b.defined {
			if len(b.sides[0].levels)+len(b.sides[1].levels) != 0 {
				return fmt.Errorf("undefined symbol %d has levels", sym)
			}
			continue
		}
		for si := range b.sides {
			l := &b.sides[si]
			side := event.Side(si + 1)
			if want := int64(1 - 2*si); l.sign != want {
				return fmt.Errorf("sym %d %v: sign %d", sym, side, l.sign)
			}
			for i := range l.levels {
				lv := &l.levels[i]
				price := l.price(lv)
				if i > 0 && l.levels[i-1].key >= lv.key {
					return fmt.Errorf("sym %d %v: levels %d and %d not strictly sorted", sym, side, i-1, i)
				}
				if price <= 0 || price > event.MaxPrice {
					return fmt.Errorf("sym %d %v: level price %d", sym, side, price)
				}
				if lv.count <= 0 {
					return fmt.Errorf("sym %d %v px %d: empty level kept (count %d)", sym, side, price, lv.count)
				}
				var q int64
				var n int32
				prev := nilSlot
				for s := lv.head; s != nilSlot; s = orders[s].next {
					o := &orders[s]
					if n > lv.count {
						return fmt.Errorf("sym %d %v px %d: list longer than count %d", sym, side, price, lv.count)
					}
					if o.prev != prev {
						return fmt.Errorf("sym %d %v px %d: order %d prev %d, want %d", sym, side, price, o.id, o.prev, prev)
					}
					if o.symbol != uint32(sym) || o.side != side || o.price != price {
						return fmt.Errorf("order %d (sym %d %v px %d) in level sym %d %v px %d", o.id, o.symbol, o.side, o.price, sym, side, price)
					}
					if o.qty <= 0 {
						return fmt.Errorf("order %d rests with qty %d", o.id, o.qty)
					}
					if o.typ != event.Limit && o.typ != event.PostOnly {
						return fmt.Errorf("order %d of type %v rests", o.id, o.typ)
					}
					if got, ok := e.ids.Get(o.id); !ok || got != s {
						return fmt.Errorf("order %d in slot %d: index has %d %v", o.id, s, got, ok)
					}
					q += o.qty
					n++
					prev = s
				}
				if lv.tail != prev {
					return fmt.Errorf("sym %d %v px %d: tail %d, want %d", sym, side, price, lv.tail, prev)
				}
				if q != lv.qty || n != lv.count {
					return fmt.Errorf("sym %d %v px %d: level says qty %d count %d, orders sum to %d and %d", sym, side, price, lv.qty, lv.count, q, n)
				}
				seen += int(n)
			}
		}
		bid, okb := e.Best(uint32(sym), event.Buy)
		ask, oka := e.Best(uint32(sym), event.Sell)
		if okb && oka && bid >= ask {
			return fmt.Errorf("sym %d crossed: bid %d >= ask %d", sym, bid, ask)
		}
	}
	if seen != e.resting || e.ids.Len() != e.resting {
		return fmt.Errorf("resting %d, orders in levels %d, ids indexed %d", e.resting, seen, e.ids.Len())
	}
	// Every index entry names a slot whose order has its id (with the level
	// walk above, that makes the index and the books a bijection).
	var bad error
	e.ids.Each(func(id uint64, s int32) {
		if bad == nil && (int(s) >= len(orders) || orders[s].id != id || orders[s].qty <= 0) {
			bad = fmt.Errorf("index maps id %d to slot %d, which does not hold it", id, s)
		}
	})
	if bad != nil {
		return bad
	}
	if err := e.ids.Check(); err != nil {
		return err
	}
	free := 0
	for s := e.pool.free; s != nilSlot; s = orders[s].next {
		if free++; free > len(orders) {
			return fmt.Errorf("free list cycles")
		}
	}
	if free+e.resting != len(orders) {
		return fmt.Errorf("free slots %d + resting %d != pool size %d", free, e.resting, len(orders))
	}
	if len(orders) > e.cfg.MaxOrders {
		return fmt.Errorf("pool size %d > MaxOrders %d", len(orders), e.cfg.MaxOrders)
	}
	return nil
}

// levelAt returns the state of the level at price on one side of a book
// (zero when there is none).
func (e *Engine) levelAt(sym uint32, side event.Side, price int64) (int64, int) {
	l := e.ladderOf(sym, side)
	if l == nil {
		return 0, 0
	}
	if i, ok := l.search(l.sign * price); ok {
		return l.levels[i].qty, int(l.levels[i].count)
	}
	return 0, 0
}

// ledger checks quantity conservation from the output stream: for every
// order, accepted quantity (reset by a replace to what was traded and
// cancelled plus the new open quantity) equals traded plus cancelled plus
// open, after every input.
type ledger struct {
	recs map[uint64]*ledgerRec
}

type ledgerRec struct {
	accepted, traded, cancelled int64
}

func newLedger() *ledger { return &ledger{recs: map[uint64]*ledgerRec{}} }

// step accounts for the outputs of one input and checks every order they
// touch against the engine's open quantities, and every OutBook level the
// step left last against the book.
func (l *ledger) step(e *Engine, in *event.In, outs []event.Out) error {
	if len(outs) == 0 {
		return fmt.Errorf("no output")
	}
	touched := map[uint64]bool{}
	type lvKey struct {
		sym   uint32
		side  event.Side
		price int64
	}
	lastBook := map[lvKey]event.Out{}
	rec := func(id uint64) (*ledgerRec, error) {
		r := l.recs[id]
		if r == nil {
			return nil, fmt.Errorf("order %d has no accepted record", id)
		}
		touched[id] = true
		return r, nil
	}
	for i := range outs {
		o := &outs[i]
		if o.Seq != in.Seq || o.TS != in.TS {
			return fmt.Errorf("output %d carries seq %d ts %d, input has %d %d", i, o.Seq, o.TS, in.Seq, in.TS)
		}
		switch o.Kind {
		case event.OutAccepted:
			if r := l.recs[o.ID]; r != nil && r.accepted != r.traded+r.cancelled {
				return fmt.Errorf("order %d accepted again while its previous life is open: %+v", o.ID, *r)
			}
			l.recs[o.ID] = &ledgerRec{accepted: o.Qty}
			touched[o.ID] = true
		case event.OutTrade:
			if o.Qty <= 0 {
				return fmt.Errorf("trade of qty %d", o.Qty)
			}
			for _, id := range []uint64{o.ID, o.Other} {
				r, err := rec(id)
				if err != nil {
					return err
				}
				r.traded += o.Qty
			}
		case event.OutCancelled:
			r, err := rec(o.ID)
			if err != nil {
				return err
			}
			if o.Qty <= 0 {
				return fmt.Errorf("cancel of order %d qty %d", o.ID, o.Qty)
			}
			r.cancelled += o.Qty
		case event.OutReplaced:
			r, err := rec(o.ID)
			if err != nil {
				return err
			}
			r.accepted = r.traded + r.cancelled + o.Qty
		case event.OutBook:
			lastBook[lvKey{o.Symbol, o.Side, o.Price}] = *o
		}
	}
	for id := range touched {
		r := l.recs[id]
		var open int64
		if info, ok := e.Lookup(id); ok {
			open = info.Qty
		}
		if r.accepted != r.traded+r.cancelled+open {
			return fmt.Errorf("order %d: accepted %d != traded %d + cancelled %d + open %d", id, r.accepted, r.traded, r.cancelled, open)
		}
		if open == 0 {
			delete(l.recs, id)
		}
	}
	for k, o := range lastBook {
		q, n := e.levelAt(k.sym, k.side, k.price)
		if q != o.Qty || uint64(n) != o.Other {
			return fmt.Errorf("last book event %s, level is qty %d orders %d", fmtOut(&o), q, n)
		}
	}
	return nil
}
