package replay

import (
	"errors"
	"fmt"
	"slices"

	"github.com/tradeengine/engine/admin"
	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/matcher"
)

// maxViewLevels and maxViewOrders bound what one query answers with.
const (
	maxViewLevels = 1000
	maxViewOrders = 10000
	maxViewGuards = 1000
)

// errGuardOff answers a query about the risk guard when it is off.
var errGuardOff = errors.New("the risk guard is off")

// Answer answers a query from the logic's state; it runs on the logic's
// goroutine, between two events.
func (l *Logic) Answer(q admin.Query) (admin.Answer, error) {
	var a admin.Answer
	switch q.Kind {
	case admin.QueryBook:
		id, ok := l.symbolID(q.Symbol)
		if !ok {
			return a, fmt.Errorf("unknown symbol %q", q.Symbol)
		}
		n := min(max(q.Levels, 1), maxViewLevels)
		buf := make([]matcher.Level, n)
		b := &admin.Book{Symbol: q.Symbol, ID: id, Halted: l.m.Halted(id)}
		b.Bids = slices.Clone(buf[:l.m.Depth(id, event.Buy, buf)])
		b.Asks = slices.Clone(buf[:l.m.Depth(id, event.Sell, buf)])
		a.Book = b
	case admin.QueryOrders:
		l.m.EachOrder(func(o matcher.OrderInfo) {
			if o.Account == q.Account && len(a.Orders) < maxViewOrders {
				a.Orders = append(a.Orders, o)
			}
		})
		slices.SortFunc(a.Orders, func(x, y matcher.OrderInfo) int {
			switch {
			case x.ID < y.ID:
				return -1
			case x.ID > y.ID:
				return 1
			}
			return 0
		})
		if l.g != nil {
			if info, ok := l.g.Account(q.Account); ok {
				a.Account = &info
			}
		}
	case admin.QueryGuards:
		if l.g == nil {
			return a, errGuardOff
		}
		a.Guards = l.g.Guards(nil, maxViewGuards)
	case admin.QueryLimits:
		if l.g == nil {
			return a, errGuardOff
		}
		a.Limits = l.g.Limits(nil)
	case admin.QueryPending:
		if l.g == nil {
			return a, nil
		}
		a.Pending = l.g.Pending(nil)
	case admin.QuerySymbol:
		id, ok := l.symbolID(q.Symbol)
		if !ok {
			return a, fmt.Errorf("unknown symbol %q", q.Symbol)
		}
		a.SymbolID = id
	default:
		return a, fmt.Errorf("query kind %d unknown", q.Kind)
	}
	a.Names = l.names(&a)
	return a, nil
}

// names names the symbols a refers to.
func (l *Logic) names(a *admin.Answer) map[uint32]string {
	m := map[uint32]string{}
	add := func(id uint32) {
		if id == event.Any {
			return
		}
		if n, ok := l.m.SymbolName(id); ok {
			m[id] = n
		}
	}
	for _, o := range a.Orders {
		add(o.Symbol)
	}
	for _, g := range a.Guards {
		add(g.Symbol)
	}
	for _, v := range a.Limits {
		add(v.Symbol)
	}
	for _, h := range a.Pending {
		add(h.Order.Symbol)
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// symbolID finds a symbol by name.
func (l *Logic) symbolID(name string) (uint32, bool) {
	for id := range l.maxSymbols {
		if n, ok := l.m.SymbolName(id); ok && n == name {
			return id, true
		}
	}
	return 0, false
}
