package risk

import "github.com/tradeengine/engine/event"

// operatorScope checks the scope of a KindKill or KindClear: Account (or
// event.Any) and Symbol (event.Any, or a defined symbol).
func (g *Guard) operatorScope(in *event.In) event.Reason {
	if in.Symbol != event.Any && g.symbolState(in.Symbol) == nil {
		return event.ReasonUnknownSymbol
	}
	return 0
}

// kill applies KindKill: the operator trips the kill switch of a scope.
func (g *Guard) kill(in *event.In, out []event.Out) []event.Out {
	if r := g.operatorScope(in); r != 0 {
		return reject(in, in.Symbol, r, out)
	}
	switch {
	case in.Account == event.Any && in.Symbol == event.Any:
		g.killAll, g.killAllBy, g.blocked = true, event.ReasonOperator, true
	case in.Symbol == event.Any:
		a, ok := g.accountIndex(in.Account)
		if !ok {
			return reject(in, in.Symbol, event.ReasonTooManyAccounts, out)
		}
		g.accts[a].killed, g.accts[a].killedBy = true, event.ReasonOperator
	case in.Account == event.Any:
		g.syms[in.Symbol].killed, g.syms[in.Symbol].killBy = true, event.ReasonOperator
	default:
		_, p, ok := g.position(in.Account, in.Symbol)
		if !ok {
			return reject(in, in.Symbol, event.ReasonTooManyAccounts, out)
		}
		g.pt.hot[p].killed = true
	}
	g.trips++
	out = append(out, event.Out{
		Seq: in.Seq, TS: in.TS, Kind: event.OutKill, Reason: event.ReasonOperator, Account: in.Account, Symbol: in.Symbol,
	})
	if in.Arg&event.KillCancel != 0 {
		out = g.cancelScope(in.Account, in.Symbol, out)
	}
	return out
}

// clear applies KindClear: the operator clears the latched kill switch of
// exactly the scope named (a cleared account stays stopped while the engine
// or its symbol is killed). Clearing also re-arms the scope's detectors: its
// window totals start again from zero (the learned baselines are kept), an
// account's loss is measured from its current profit and loss, and its
// count of parent excesses restarts. An account (or account and symbol)
// the guard holds no state for has nothing latched: the clear is answered
// and no state is made.
func (g *Guard) clear(in *event.In, out []event.Out) []event.Out {
	if r := g.operatorScope(in); r != 0 {
		return reject(in, in.Symbol, r, out)
	}
	switch {
	case in.Account == event.Any && in.Symbol == event.Any:
		g.killAll, g.killAllBy = false, 0
		g.blocked = g.gBrk.state != breakerClosed
		g.gHot.rearm(&g.gWins)
	case in.Symbol == event.Any:
		a, ok := g.lookupAccount(in.Account)
		if !ok {
			break
		}
		acc := &g.accts[a]
		acc.killed, acc.killedBy = false, 0
		g.acctCold[a].excess = 0
		g.resetLoss(a)
		g.acctHot[a].rearm(&g.acctWins[a])
	case in.Account == event.Any:
		g.syms[in.Symbol].killed, g.syms[in.Symbol].killBy = false, 0
		g.symHot[in.Symbol].rearm(&g.symWins[in.Symbol])
	default:
		if p, ok := g.pt.find(uint64(in.Account)<<32 | uint64(in.Symbol)); ok {
			g.pt.hot[p].killed = false
		}
	}
	return append(out, event.Out{
		Seq: in.Seq, TS: in.TS, Kind: event.OutClear, Account: in.Account, Symbol: in.Symbol,
	})
}

// rearm clears the totals of every window of a scope, keeping the
// baselines.
func (h *winHot) rearm(ws *winSet) {
	h.acc = [nMetrics]int64{}
	h.next = 0
	for w := range ws {
		ws[w].empty()
	}
}

// setLimit applies KindSetLimit: limit Arg of the scope Account, Symbol is
// set to Qty (in the unit of the limit's configuration key).
//
//   - Account set, Symbol event.Any: that account's limit.
//   - Account event.Any, Symbol set: that symbol's limit.
//   - Account and Symbol set: only LimitRestricted.
//   - both event.Any: the default of every account (for a limit with an
//     account scope) or of every symbol (for a symbol-only limit); accounts
//     and symbols that have their own value keep it. With [LimitGlobal]
//     or-ed into Arg: the engine-wide value.
//
// A limit id that is not defined, a scope the limit does not have, a value
// out of range, or a value that conflicts with the scope's other limits (an
// order rate above the message rate, say) is rejected with
// ReasonBadLimit; an undefined symbol with ReasonUnknownSymbol.
func (g *Guard) setLimit(in *event.In, out []event.Out) []event.Out {
	l := Limit(in.Arg)
	global := l&LimitGlobal != 0
	l &^= LimitGlobal
	li, _, ok := l.info()
	v := in.Qty
	if !ok || v < 0 || v > li.max {
		return reject(in, in.Symbol, event.ReasonBadLimit, out)
	}
	if in.Symbol != event.Any && g.symbolState(in.Symbol) == nil {
		return reject(in, in.Symbol, event.ReasonUnknownSymbol, out)
	}
	iv := g.toInternal(l, v)
	acctScope, symScope := in.Account != event.Any, in.Symbol != event.Any
	var target *Values // the values to check for conflicts
	switch {
	case global:
		if acctScope || symScope || li.scopes&scopeGlobal == 0 {
			return reject(in, in.Symbol, event.ReasonBadLimit, out)
		}
		target = &g.glob
		if r := g.trySet(target, l, iv); r != 0 {
			return reject(in, in.Symbol, r, out)
		}
	case l == LimitRestricted:
		if !acctScope || !symScope {
			return reject(in, in.Symbol, event.ReasonBadLimit, out)
		}
		a, ok := g.accountIndex(in.Account)
		if !ok {
			return reject(in, in.Symbol, event.ReasonTooManyAccounts, out)
		}
		g.restrict(a, in.Symbol, v == 1)
	case acctScope && symScope:
		return reject(in, in.Symbol, event.ReasonBadLimit, out)
	case acctScope:
		if li.scopes&scopeAccount == 0 {
			return reject(in, in.Symbol, event.ReasonBadLimit, out)
		}
		a, ok := g.accountIndex(in.Account)
		if !ok {
			return reject(in, in.Symbol, event.ReasonTooManyAccounts, out)
		}
		if r := g.trySet(&g.acctLim[a], l, iv); r != 0 {
			return reject(in, in.Symbol, r, out)
		}
		g.acctSet[a] |= 1 << l
	case symScope:
		if li.scopes&scopeSymbol == 0 {
			return reject(in, in.Symbol, event.ReasonBadLimit, out)
		}
		if r := g.trySet(&g.symLim[in.Symbol], l, iv); r != 0 {
			return reject(in, in.Symbol, r, out)
		}
		g.symSet[in.Symbol] |= 1 << l
	case li.scopes&scopeAccount != 0:
		if r := g.trySet(&g.defAcct, l, iv); r != 0 {
			return reject(in, in.Symbol, r, out)
		}
		for a := range g.accts {
			if g.acctSet[a]&(1<<l) == 0 {
				g.acctLim[a][l] = iv
			}
		}
	case li.scopes&scopeSymbol != 0:
		if r := g.trySet(&g.defSym, l, iv); r != 0 {
			return reject(in, in.Symbol, r, out)
		}
		for s := range g.syms {
			if g.syms[s].defined && g.symSet[s]&(1<<l) == 0 {
				g.symLim[s][l] = iv
			}
		}
	default:
		return reject(in, in.Symbol, event.ReasonBadLimit, out)
	}
	g.refreshAll()
	return append(out, event.Out{
		Seq: in.Seq, TS: in.TS, Kind: event.OutLimit, Account: in.Account, Symbol: in.Symbol,
		Other: uint64(in.Arg), Qty: v,
	})
}

// refreshAll derives every hot-path limit again after a limit changed.
func (g *Guard) refreshAll() {
	g.refreshGlobal()
	for a := range g.accts {
		g.refreshAccount(int32(a))
	}
	for s := range g.syms {
		if g.syms[s].defined {
			g.refreshSymbol(uint32(s))
		}
	}
	g.refreshPositions()
}

// trySet sets limit l of v to x unless that makes v inconsistent.
func (g *Guard) trySet(v *Values, l Limit, x int64) event.Reason {
	old := v[l]
	v[l] = x
	if msg, _ := conflictsOf(func(l Limit) int64 { return v[l] }); msg != "" {
		v[l] = old
		return event.ReasonBadLimit
	}
	return 0
}

// parent applies KindParent: Account may send child orders in Symbol on
// Side for Qty more lots. OutParent's Qty is what the account may still add
// (granted minus executed and open). At most Config.MaxParents (account,
// symbol) pairs hold an allowance: an instruction for a new pair beyond
// that is rejected with ReasonTooManyParents.
func (g *Guard) parent(in *event.In, out []event.Out) []event.Out {
	switch {
	case in.Account == event.Any:
		return reject(in, in.Symbol, event.ReasonBadAccount, out)
	case g.symbolState(in.Symbol) == nil:
		return reject(in, in.Symbol, event.ReasonUnknownSymbol, out)
	case !in.Side.Valid():
		return reject(in, in.Symbol, event.ReasonBadSide, out)
	case in.Qty <= 0 || in.Qty > maxLots:
		return reject(in, in.Symbol, event.ReasonBadQty, out)
	}
	if p, ok := g.pt.find(uint64(in.Account)<<32 | uint64(in.Symbol)); !ok || g.pt.cold[p].allow == [2]int64{} {
		if g.parents >= g.cfg.MaxParents {
			return reject(in, in.Symbol, event.ReasonTooManyParents, out)
		}
	}
	a, p, ok := g.position(in.Account, in.Symbol)
	if !ok {
		return reject(in, in.Symbol, event.ReasonTooManyAccounts, out)
	}
	pc := &g.pt.cold[p]
	s := sideIndex(in.Side)
	if pc.allow == [2]int64{} {
		g.parents++
	}
	pc.allow[s] = min(satAdd(pc.allow[s], in.Qty), maxAllowance)
	g.accts[a].parents = true
	return append(out, event.Out{
		Seq: in.Seq, TS: in.TS, Kind: event.OutParent, ID: in.ID, Account: in.Account, Symbol: in.Symbol,
		Side: in.Side, Qty: pc.allow[s] - pc.filled[s] - g.pt.hot[p].open[s],
	})
}

// maxAllowance bounds a parent allowance, so that sums with it cannot
// overflow.
const maxAllowance = 1 << 60
