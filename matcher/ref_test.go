package matcher

import (
	"slices"

	"github.com/tradeengine/engine/event"
)

// refEngine is the reference matcher: the package documentation implemented
// the slow, obvious way, with plain slices of orders, linear scans and Go
// maps, written from the text and not from the fast engine. The differential
// and fuzz tests require both to answer every input identically.
type refEngine struct {
	cfg   Config
	books map[uint32]*refBook
	byID  map[uint64]*refOrder // resting orders
}

type refBook struct {
	name   uint64
	halted bool
	// orders per side (index event.Side), in arrival order: among orders at
	// one price, the earlier in the slice has time priority.
	orders [3][]*refOrder
}

type refOrder struct {
	id      uint64
	account uint32
	symbol  uint32
	side    event.Side
	typ     event.OrdType
	stp     event.STP
	price   int64
	qty     int64
}

func newRef(cfg Config) *refEngine {
	return &refEngine{cfg: cfg, books: map[uint32]*refBook{}, byID: map[uint64]*refOrder{}}
}

// better reports whether price p is better than q for side s.
func better(s event.Side, p, q int64) bool {
	if s == event.Buy {
		return p > q
	}
	return p < q
}

// bestPrice returns the best price on side s of b.
func (b *refBook) bestPrice(s event.Side) (int64, bool) {
	var best int64
	ok := false
	for _, o := range b.orders[s] {
		if !ok || better(s, o.price, best) {
			best, ok = o.price, true
		}
	}
	return best, ok
}

// levelState returns the aggregate quantity and count of side s at price p.
func (b *refBook) levelState(s event.Side, p int64) (int64, int) {
	var q int64
	n := 0
	for _, o := range b.orders[s] {
		if o.price == p {
			q += o.qty
			n++
		}
	}
	return q, n
}

// prices returns the distinct prices of side s, best first.
func (b *refBook) prices(s event.Side) []int64 {
	var ps []int64
	for _, o := range b.orders[s] {
		if !slices.Contains(ps, o.price) {
			ps = append(ps, o.price)
		}
	}
	slices.SortFunc(ps, func(x, y int64) int {
		switch {
		case better(s, x, y):
			return -1
		case better(s, y, x):
			return 1
		}
		return 0
	})
	return ps
}

func (b *refBook) remove(o *refOrder) {
	s := b.orders[o.side]
	i := slices.Index(s, o)
	b.orders[o.side] = slices.Delete(s, i, i+1)
}

// acceptable reports whether a taker on side s with limit lim may trade at
// price p.
func acceptable(s event.Side, lim, p int64) bool {
	if s == event.Buy {
		return p <= lim
	}
	return p >= lim
}

// crosses reports whether an order on side s at price p would cross the
// opposite side of b.
func (b *refBook) crosses(s event.Side, p int64) bool {
	bp, ok := b.bestPrice(s.Opposite())
	return ok && acceptable(s, p, bp)
}

type refRun struct {
	in  *event.In
	out []event.Out
}

func (r *refRun) emit(o event.Out) {
	o.Seq, o.TS = r.in.Seq, r.in.TS
	r.out = append(r.out, o)
}

func (r *refRun) reject(sym uint32, why event.Reason) {
	in := r.in
	r.emit(event.Out{Kind: event.OutRejected, Reason: why, Symbol: sym, ID: in.ID, Account: in.Account,
		Side: in.Side, Price: in.Price, Qty: in.Qty, Other: in.Aux})
}

func (r *refRun) cancelled(o *refOrder, why event.Reason, qty int64) {
	r.emit(event.Out{Kind: event.OutCancelled, Reason: why, Symbol: o.symbol, ID: o.id, Account: o.account,
		Side: o.side, Price: o.price, Qty: qty})
}

func (r *refRun) book(sym uint32, s event.Side, p int64, b *refBook) {
	q, n := b.levelState(s, p)
	r.emit(event.Out{Kind: event.OutBook, Symbol: sym, Side: s, Price: p, Qty: q, Other: uint64(n)})
}

func (e *refEngine) defined(sym uint32) *refBook {
	if uint64(sym) >= uint64(e.cfg.MaxSymbols) {
		return nil
	}
	return e.books[sym]
}

// Apply answers in as the package documentation says.
func (e *refEngine) Apply(in *event.In) []event.Out {
	r := &refRun{in: in}
	switch in.Kind {
	case event.KindSymbol:
		_, valid := event.UnpackName(in.Aux)
		b := e.defined(in.Symbol)
		switch {
		case uint64(in.Symbol) >= uint64(e.cfg.MaxSymbols) || !valid || (b != nil && b.name != in.Aux):
			r.reject(in.Symbol, event.ReasonBadSymbol)
		default:
			if b == nil {
				e.books[in.Symbol] = &refBook{name: in.Aux}
			}
			r.emit(event.Out{Kind: event.OutSymbol, Symbol: in.Symbol, Other: in.Aux})
		}
	case event.KindHalt, event.KindResume:
		b := e.defined(in.Symbol)
		if b == nil {
			r.reject(in.Symbol, event.ReasonUnknownSymbol)
			break
		}
		b.halted = in.Kind == event.KindHalt
		if b.halted {
			r.emit(event.Out{Kind: event.OutHalted, Symbol: in.Symbol})
		} else {
			r.emit(event.Out{Kind: event.OutResumed, Symbol: in.Symbol})
		}
	case event.KindNew:
		e.submit(r)
	case event.KindCancel:
		o := e.byID[in.ID]
		switch {
		case o == nil:
			r.reject(in.Symbol, event.ReasonUnknownOrder)
		case o.account != in.Account:
			r.reject(o.symbol, event.ReasonNotOwner)
		default:
			b := e.books[o.symbol]
			r.cancelled(o, event.ReasonUser, o.qty)
			b.remove(o)
			delete(e.byID, o.id)
			r.book(o.symbol, o.side, o.price, b)
		}
	case event.KindReplace:
		e.replace(r)
	case event.KindMassCancel:
		e.massCancel(r)
	default:
		r.reject(in.Symbol, event.ReasonBadKind)
	}
	return r.out
}

func (e *refEngine) submit(r *refRun) {
	in := r.in
	b := e.defined(in.Symbol)
	priceOK := in.Price > 0 && in.Price <= event.MaxPrice
	if in.Type == event.Market {
		priceOK = in.Price >= 0 && in.Price <= event.MaxPrice
	}
	_, dup := e.byID[in.ID]
	switch {
	case b == nil:
		r.reject(in.Symbol, event.ReasonUnknownSymbol)
	case in.Account == event.Any:
		r.reject(in.Symbol, event.ReasonBadAccount)
	case in.Side != event.Buy && in.Side != event.Sell:
		r.reject(in.Symbol, event.ReasonBadSide)
	case in.Type < event.Limit || in.Type > event.PostOnly || in.STP > event.STPCancelBoth:
		r.reject(in.Symbol, event.ReasonBadType)
	case in.Qty <= 0 || in.Qty > event.MaxQty:
		r.reject(in.Symbol, event.ReasonBadQty)
	case !priceOK:
		r.reject(in.Symbol, event.ReasonBadPrice)
	case b.halted:
		r.reject(in.Symbol, event.ReasonHalted)
	case dup:
		r.reject(in.Symbol, event.ReasonDuplicateID)
	case (in.Type == event.Limit || in.Type == event.PostOnly) && len(e.byID) >= e.cfg.MaxOrders:
		r.reject(in.Symbol, event.ReasonCapacity)
	case in.Type == event.PostOnly && b.crosses(in.Side, in.Price):
		r.reject(in.Symbol, event.ReasonWouldCross)
	default:
		t := &refOrder{id: in.ID, account: in.Account, symbol: in.Symbol, side: in.Side, typ: in.Type,
			stp: in.STP, price: in.Price, qty: in.Qty}
		bestOpp, nonEmpty := b.bestPrice(in.Side.Opposite())
		if t.typ == event.Market && t.price == 0 && nonEmpty {
			band := bestOpp * e.cfg.ProtectionBps / 10000
			if band < 1 {
				band = 1
			}
			if t.side == event.Buy {
				t.price = bestOpp + band
			} else {
				t.price = bestOpp - band
				if t.price < 1 {
					t.price = 1
				}
			}
		}
		r.emit(event.Out{Kind: event.OutAccepted, Symbol: t.symbol, ID: t.id, Account: t.account,
			Side: t.side, Price: t.price, Qty: t.qty, Other: in.Aux})
		if t.typ == event.FOK && e.fillable(b, t) < t.qty {
			r.cancelled(t, event.ReasonFOK, t.qty)
			return
		}
		e.match(r, b, t, !nonEmpty)
	}
}

// fillable counts what t could fill, walking the book as matching would.
func (e *refEngine) fillable(b *refBook, t *refOrder) int64 {
	opp := t.side.Opposite()
	var n int64
	for _, p := range b.prices(opp) {
		if !acceptable(t.side, t.price, p) {
			break
		}
		for _, m := range b.orders[opp] {
			if m.price != p {
				continue
			}
			switch {
			case m.account != t.account || t.stp == event.STPNone:
				n += m.qty
			case t.stp == event.STPCancelResting:
				// skipped: matching would cancel it
			default:
				return n
			}
		}
	}
	return n
}

// match runs taker t against b, then rests or cancels what is left.
func (e *refEngine) match(r *refRun, b *refBook, t *refOrder, emptyOnArrival bool) {
	opp := t.side.Opposite()
	stopped := false
	for t.qty > 0 && !stopped {
		p, ok := b.bestPrice(opp)
		if !ok || !acceptable(t.side, t.price, p) {
			break
		}
		q0, n0 := b.levelState(opp, p)
		for t.qty > 0 && !stopped {
			var m *refOrder
			for _, o := range b.orders[opp] {
				if o.price == p {
					m = o
					break
				}
			}
			if m == nil {
				break
			}
			switch {
			case m.account != t.account || t.stp == event.STPNone:
				q := min(t.qty, m.qty)
				r.emit(event.Out{Kind: event.OutTrade, Symbol: t.symbol, ID: t.id, Account: t.account,
					Side: t.side, Other: m.id, OtherAccount: m.account, Price: m.price, Qty: q})
				t.qty -= q
				m.qty -= q
				if m.qty == 0 {
					b.remove(m)
					delete(e.byID, m.id)
				}
			case t.stp == event.STPCancelResting:
				r.cancelled(m, event.ReasonSTP, m.qty)
				b.remove(m)
				delete(e.byID, m.id)
			case t.stp == event.STPCancelIncoming:
				r.cancelled(t, event.ReasonSTP, t.qty)
				stopped = true
			case t.stp == event.STPCancelBoth:
				r.cancelled(m, event.ReasonSTP, m.qty)
				b.remove(m)
				delete(e.byID, m.id)
				r.cancelled(t, event.ReasonSTP, t.qty)
				stopped = true
			}
		}
		if q1, n1 := b.levelState(opp, p); q1 != q0 || n1 != n0 {
			r.book(t.symbol, opp, p, b)
		}
	}
	if stopped || t.qty == 0 {
		return
	}
	switch t.typ {
	case event.Limit, event.PostOnly:
		b.orders[t.side] = append(b.orders[t.side], t)
		e.byID[t.id] = t
		r.book(t.symbol, t.side, t.price, b)
	case event.IOC:
		r.cancelled(t, event.ReasonIOC, t.qty)
	case event.Market:
		if emptyOnArrival {
			r.cancelled(t, event.ReasonNoLiquidity, t.qty)
		} else {
			r.cancelled(t, event.ReasonProtection, t.qty)
		}
	default:
		panic("ref: FOK left unfilled")
	}
}

func (e *refEngine) replace(r *refRun) {
	in := r.in
	o := e.byID[in.ID]
	if o == nil {
		r.reject(in.Symbol, event.ReasonUnknownOrder)
		return
	}
	b := e.books[o.symbol]
	switch {
	case o.account != in.Account:
		r.reject(o.symbol, event.ReasonNotOwner)
	case in.Qty <= 0 || in.Qty > event.MaxQty:
		r.reject(o.symbol, event.ReasonBadQty)
	case in.Price <= 0 || in.Price > event.MaxPrice:
		r.reject(o.symbol, event.ReasonBadPrice)
	case b.halted:
		r.reject(o.symbol, event.ReasonHalted)
	case o.typ == event.PostOnly && b.crosses(o.side, in.Price):
		r.reject(o.symbol, event.ReasonWouldCross)
	case in.Price == o.price && in.Qty <= o.qty:
		r.emit(event.Out{Kind: event.OutReplaced, Reason: event.ReasonPriorityKept, Symbol: o.symbol,
			ID: o.id, Account: o.account, Side: o.side, Price: in.Price, Qty: in.Qty})
		if in.Qty != o.qty {
			o.qty = in.Qty
			r.book(o.symbol, o.side, o.price, b)
		}
	default:
		r.emit(event.Out{Kind: event.OutReplaced, Reason: event.ReasonPriorityLost, Symbol: o.symbol,
			ID: o.id, Account: o.account, Side: o.side, Price: in.Price, Qty: in.Qty})
		b.remove(o)
		delete(e.byID, o.id)
		r.book(o.symbol, o.side, o.price, b)
		t := *o
		t.price, t.qty = in.Price, in.Qty
		e.match(r, b, &t, false)
	}
}

func (e *refEngine) massCancel(r *refRun) {
	in := r.in
	var syms []uint32
	if in.Symbol == event.Any {
		for s := range e.books {
			syms = append(syms, s)
		}
		slices.Sort(syms)
	} else {
		if e.defined(in.Symbol) == nil {
			r.reject(in.Symbol, event.ReasonUnknownSymbol)
			return
		}
		syms = []uint32{in.Symbol}
	}
	var n int64
	for _, sym := range syms {
		b := e.books[sym]
		for _, side := range []event.Side{event.Buy, event.Sell} {
			for _, p := range b.prices(side) {
				hit := false
				for _, o := range slices.Clone(b.orders[side]) {
					if o.price == p && (in.Account == event.Any || o.account == in.Account) {
						r.cancelled(o, event.ReasonMassCancel, o.qty)
						b.remove(o)
						delete(e.byID, o.id)
						n++
						hit = true
					}
				}
				if hit {
					r.book(sym, side, p, b)
				}
			}
		}
	}
	r.emit(event.Out{Kind: event.OutMassCancelled, Symbol: in.Symbol, Account: in.Account, Qty: n})
}

// orders lists the resting orders in [Engine.EachOrder] order.
func (e *refEngine) orders() []OrderInfo {
	var syms []uint32
	for s := range e.books {
		syms = append(syms, s)
	}
	slices.Sort(syms)
	var list []OrderInfo
	for _, sym := range syms {
		b := e.books[sym]
		for _, side := range []event.Side{event.Buy, event.Sell} {
			for _, p := range b.prices(side) {
				for _, o := range b.orders[side] {
					if o.price == p {
						list = append(list, OrderInfo{ID: o.id, Account: o.account, Symbol: o.symbol,
							Side: o.side, Type: o.typ, STP: o.stp, Price: o.price, Qty: o.qty})
					}
				}
			}
		}
	}
	return list
}
