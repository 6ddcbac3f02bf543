package risk

import "github.com/tradeengine/engine/event"

// BreakerState is the state of a rate circuit breaker.
type BreakerState uint8

// Breaker states.
const (
	BreakerClosed   = BreakerState(breakerClosed)
	BreakerOpen     = BreakerState(breakerOpen)
	BreakerHalfOpen = BreakerState(breakerHalfOpen)
)

// String returns "closed", "open" or "half-open".
func (s BreakerState) String() string {
	switch s {
	case BreakerClosed:
		return "closed"
	case BreakerOpen:
		return "open"
	case BreakerHalfOpen:
		return "half-open"
	}
	return "breaker?"
}

// AccountInfo is an account's state as the guard keeps it. Money is in
// tick-lots (price times quantity) and, rounded down, whole US dollars.
type AccountInfo struct {
	ID         uint32
	OpenOrders int  // resting orders
	Killed     bool // the account's own kill switch is latched
	KilledBy   event.Reason
	Parents    bool // the account has received parent instructions
	Breaker    BreakerState
	Credit     int64 // credit used: open buy notional plus long positions at cost
	CreditUSD  int64
	PnL        int64 // realised plus marked to market, as last marked
	PnLUSD     int64
}

// Account returns the state of account id, and false when the guard has
// never seen it.
func (g *Guard) Account(id uint32) (AccountInfo, bool) {
	a, ok := g.acctIdx.Get(uint64(id))
	if !ok {
		return AccountInfo{}, false
	}
	acc := &g.accts[a]
	return AccountInfo{
		ID: id, OpenOrders: int(acc.openOrders), Killed: acc.killed, KilledBy: acc.killedBy,
		Parents: acc.parents, Breaker: BreakerState(g.acctCold[a].brk.state),
		Credit: acc.credit, CreditUSD: g.mon.toUSD(acc.credit), PnL: acc.pnl, PnLUSD: g.mon.toUSD(acc.pnl),
	}, true
}

// PositionInfo is an account's position in one symbol, in lots.
type PositionInfo struct {
	Net                     int64 // filled: bought minus sold
	OpenBuy, OpenSell       int64 // open orders
	FilledBuy, FilledSell   int64 // executed
	AllowedBuy, AllowedSell int64 // granted by parent instructions
	Killed                  bool  // the account-and-symbol kill switch is latched
	Restricted              bool
}

// Position returns account's position in symbol, and false when the guard
// has none.
func (g *Guard) Position(account, symbol uint32) (PositionInfo, bool) {
	p, ok := g.pt.find(uint64(account)<<32 | uint64(symbol))
	if !ok {
		return PositionInfo{}, false
	}
	pos, pc := &g.pt.hot[p], &g.pt.cold[p]
	return PositionInfo{
		Net: pos.net, OpenBuy: pos.open[0], OpenSell: pos.open[1],
		FilledBuy: pc.filled[0], FilledSell: pc.filled[1], AllowedBuy: pc.allow[0], AllowedSell: pc.allow[1],
		Killed: pos.killed, Restricted: pos.restricted,
	}, true
}

// Killed reports whether the kill switch of exactly the scope account,
// symbol (either may be event.Any) is latched, and the reason of the trip.
func (g *Guard) Killed(account, symbol uint32) (bool, event.Reason) {
	switch {
	case account == event.Any && symbol == event.Any:
		return g.killAll, g.killAllBy
	case symbol == event.Any:
		if a, ok := g.acctIdx.Get(uint64(account)); ok {
			return g.accts[a].killed, g.accts[a].killedBy
		}
	case account == event.Any:
		if s := g.symbolState(symbol); s != nil {
			return s.killed, s.killBy
		}
	default:
		if p, ok := g.pt.find(uint64(account)<<32 | uint64(symbol)); ok && g.pt.hot[p].killed {
			return true, event.ReasonOperator
		}
	}
	return false, 0
}

// Blocked reports whether a new order of account in symbol would be
// rejected with ReasonKilled: some kill switch covering it is latched.
func (g *Guard) Blocked(account, symbol uint32) bool {
	if g.killAll {
		return true
	}
	for _, sc := range [3][2]uint32{{account, event.Any}, {event.Any, symbol}, {account, symbol}} {
		if k, _ := g.Killed(sc[0], sc[1]); k {
			return true
		}
	}
	return false
}

// Breaker returns the state of account's rate breaker (event.Any: the
// engine's).
func (g *Guard) Breaker(account uint32) BreakerState {
	if account == event.Any {
		return BreakerState(g.gBrk.state)
	}
	if a, ok := g.acctIdx.Get(uint64(account)); ok {
		return BreakerState(g.acctCold[a].brk.state)
	}
	return BreakerClosed
}

// Trips returns the number of kill-switch trips so far, automatic and
// operator.
func (g *Guard) Trips() int64 { return g.trips }

// Now returns the guard's event time: the latest TS it has seen.
func (g *Guard) Now() int64 { return g.now }

// Limit returns the value of limit l in force for a scope, in the unit of
// its configuration key (whole dollars rounded down for USD limits): with
// account set, that account's; with symbol set, that symbol's; with both
// event.Any, the default of every account (or symbol, for a symbol-only
// limit), or with [LimitGlobal] or-ed into l, the engine's. It reports false
// for a limit or scope that does not exist.
func (g *Guard) Limit(l Limit, account, symbol uint32) (int64, bool) {
	global := l&LimitGlobal != 0
	l &^= LimitGlobal
	li, _, ok := l.info()
	if !ok {
		return 0, false
	}
	var v *Values
	switch {
	case global && li.scopes&scopeGlobal != 0 && account == event.Any && symbol == event.Any:
		v = &g.glob
	case global:
		return 0, false
	case account != event.Any && symbol == event.Any && li.scopes&scopeAccount != 0:
		a, ok := g.acctIdx.Get(uint64(account))
		if !ok {
			v = &g.defAcct
		} else {
			v = &g.acctLim[a]
		}
	case account == event.Any && symbol != event.Any && li.scopes&scopeSymbol != 0:
		if g.symbolState(symbol) == nil {
			return 0, false
		}
		v = &g.symLim[symbol]
	case account == event.Any && symbol == event.Any && li.scopes&scopeAccount != 0:
		v = &g.defAcct
	case account == event.Any && symbol == event.Any && li.scopes&scopeSymbol != 0:
		v = &g.defSym
	case l == LimitRestricted && account != event.Any && symbol != event.Any:
		p, ok := g.pt.find(uint64(account)<<32 | uint64(symbol))
		if ok && g.pt.hot[p].restricted {
			return 1, true
		}
		return 0, true
	default:
		return 0, false
	}
	return g.fromInternal(l, v[l]), true
}
