package matcher

import "github.com/tradeengine/engine/event"

// Level is the state of one price level: its price, the sum of its orders'
// open quantities and the number of orders.
type Level struct {
	Price  int64
	Qty    int64
	Orders int
}

// OrderInfo describes a resting order. Qty is its open quantity.
type OrderInfo struct {
	ID      uint64
	Account uint32
	Symbol  uint32
	Side    event.Side
	Type    event.OrdType
	STP     event.STP
	Price   int64
	Qty     int64
}

// ladderOf returns side s of the book of symbol sym, or nil when either is
// not defined.
func (e *Engine) ladderOf(sym uint32, s event.Side) *ladder {
	b := e.book(sym)
	if b == nil || !s.Valid() {
		return nil
	}
	return b.ladder(s)
}

// Depth fills dst with the best len(dst) levels of one side of a book, best
// first, and returns how many it filled (0 for an unknown symbol or side).
// It does not allocate.
func (e *Engine) Depth(symbol uint32, side event.Side, dst []Level) int {
	l := e.ladderOf(symbol, side)
	if l == nil {
		return 0
	}
	n := 0
	for i := len(l.levels) - 1; i >= 0 && n < len(dst); i-- {
		lv := &l.levels[i]
		dst[n] = Level{Price: l.price(lv), Qty: lv.qty, Orders: int(lv.count)}
		n++
	}
	return n
}

// Best returns the best price on one side of a book, and false when that
// side is empty or the symbol unknown.
func (e *Engine) Best(symbol uint32, side event.Side) (price int64, ok bool) {
	l := e.ladderOf(symbol, side)
	if l == nil {
		return 0, false
	}
	lv := l.best()
	if lv == nil {
		return 0, false
	}
	return l.price(lv), true
}

// Lookup returns the resting order with the given id, and false when no
// order with that id rests.
func (e *Engine) Lookup(id uint64) (OrderInfo, bool) {
	s, ok := e.ids.Get(id)
	if !ok {
		return OrderInfo{}, false
	}
	return e.pool.orders[s].info(), true
}

func (o *order) info() OrderInfo {
	return OrderInfo{
		ID: o.id, Account: o.account, Symbol: o.symbol, Side: o.side,
		Type: o.typ, STP: o.stp, Price: o.price, Qty: o.qty,
	}
}

// Halted reports whether symbol is defined and halted.
func (e *Engine) Halted(symbol uint32) bool {
	b := e.book(symbol)
	return b != nil && b.halted
}

// Resting returns the number of resting orders, in all books.
func (e *Engine) Resting() int { return e.resting }

// SymbolName returns the name of symbol, and false when it is not defined.
func (e *Engine) SymbolName(symbol uint32) (string, bool) {
	b := e.book(symbol)
	if b == nil {
		return "", false
	}
	return event.UnpackName(b.name)
}

// EachOrder calls fn for every resting order: symbols by ascending id, bids
// then asks, levels from best to worst, orders in time priority. fn must not
// call [Engine.Apply].
func (e *Engine) EachOrder(fn func(OrderInfo)) {
	for sym := range e.books {
		b := &e.books[sym]
		if !b.defined {
			continue
		}
		for side := range b.sides {
			l := &b.sides[side]
			for i := len(l.levels) - 1; i >= 0; i-- {
				for s := l.levels[i].head; s != nilSlot; s = e.pool.orders[s].next {
					fn(e.pool.orders[s].info())
				}
			}
		}
	}
}
