package risk

import "github.com/tradeengine/engine/event"

// sideIndex returns the index of side s in a position's arrays: 0 for buy,
// 1 for sell.
func sideIndex(s event.Side) int { return int(s) - 1 }

// submit applies KindNew. The common case (a known symbol and position, no
// switch tripped or breaker open, no restriction, client order id, parent
// or approval threshold for the account or the symbol, buckets with tokens, a priced order, every check passed, no trade) runs
// without a call but the matcher's: it is most of the flow. Anything else
// leaves the fast path for submitSlow or submitChecked, which run the same
// steps in their general form; leaving by a return rather than rejoining
// keeps the fast path's values in registers.
func (g *Guard) submit(in *event.In, out []event.Out) []event.Out {
	sym := in.Symbol
	if in.Account == event.Any || uint64(sym) >= uint64(len(g.syms)) || !g.syms[sym].defined {
		return g.submitUnknown(in, out)
	}
	p, found := g.pt.find(uint64(in.Account)<<32 | uint64(sym))
	if !found {
		return g.submitSlow(in, out)
	}
	pos := &g.pt.hot[p]
	a := pos.acct
	acc := &g.accts[a]
	s := &g.syms[sym]
	if g.blocked || acc.killed || acc.brk != breakerClosed || s.killed || pos.killed ||
		pos.restricted || in.Aux != 0 || acc.parents || acc.approve || s.approve {
		return g.submitSlow(in, out)
	}
	g.ctx.acct, g.ctx.pos = a, p
	// The buckets: the engine's and the account's, messages and orders.
	now := g.nowFx
	rp := &g.profiles[acc.profile]
	if g.gMsgTAT > now+g.gMsg.tau || acc.msgTAT > now+rp.msg.tau ||
		g.gOrdTAT > now+g.gOrd.tau || acc.ordTAT > now+rp.ord.tau {
		return g.throttled(in, a, sym, true, out)
	}
	g.gMsgTAT = max(g.gMsgTAT, now) + g.gMsg.t
	acc.msgTAT = max(acc.msgTAT, now) + rp.msg.t
	g.gOrdTAT = max(g.gOrdTAT, now) + g.gOrd.t
	acc.ordTAT = max(acc.ordTAT, now) + rp.ord.t

	if !validNew(in) {
		return g.m.Apply(in, out) // the matcher rejects it with its reason
	}
	if g.held.n != 0 && g.isHeld(in.ID) {
		return reject(in, sym, event.ReasonDuplicateID, out)
	}
	px, qty := in.Price, in.Qty
	if px == 0 {
		return g.submitChecked(in, out, a, s, p) // a market order, valued at the book
	}
	// The pre-trade checks, in the order pretrade runs them (restricted
	// symbols, client order ids and parents do not get here).
	r := event.Reason(0)
	buy := in.Side == event.Buy
	switch {
	case pos.maxQty > 0 && qty > int64(pos.maxQty):
		r = event.ReasonMaxQty
	case s.collarBps|s.collarTicks == 0:
	case s.last == 0:
		return g.submitChecked(in, out, a, s, p) // the collar needs the reference price
	case buy && px > s.collarHi || !buy && px < s.collarLo:
		r = event.ReasonPriceCollar // the collar around the last trade
	}
	if r == 0 {
		switch {
		case pos.maxNotional > 0 && px*qty > pos.maxNotional:
			r = event.ReasonMaxNotional
		case acc.maxOpen > 0 && acc.openOrders >= acc.maxOpen && (in.Type == event.Limit || in.Type == event.PostOnly):
			r = event.ReasonMaxOpenOrders
		case pos.maxNet > 0 && buy && pos.net+pos.open[0]+qty > int64(pos.maxNet),
			pos.maxNet > 0 && !buy && pos.open[1]+qty-pos.net > int64(pos.maxNet):
			// The net position if every open order of this side filled.
			r = event.ReasonNetPosition
		case pos.maxGross > 0 && abs(pos.net)+pos.open[0]+pos.open[1]+qty > int64(pos.maxGross):
			r = event.ReasonGrossPosition
		case buy && acc.creditLimit > 0 && satAdd(acc.credit, px*qty) > acc.creditLimit:
			r = event.ReasonCredit
		}
	}
	if r != 0 {
		return reject(in, sym, r, out)
	}
	n := len(out)
	out = g.m.Submit(in, out)
	// The order's own acceptance, then its book update, are the common
	// answer; anything else (a trade, a cancel) goes through bookkeep.
	if len(out) == n+2 && out[n].Kind == event.OutAccepted && out[n+1].Kind == event.OutBook {
		o := &out[n]
		pos.open[o.Side-1] += o.Qty
		if o.Side == event.Buy {
			acc.credit = satAdd(acc.credit, o.Qty*o.Price)
		}
		acc.openOrders++
		return out
	}
	return g.observe(out, n)
}

// submitSlow is submit in general form: a new position, a tripped switch or
// open breaker, a restricted symbol, a client order id or a parent.
//
// A new order from an account the guard holds no state for makes that
// state, unless the guard holds Config.MaxAccounts accounts already (then
// it is rejected with ReasonTooManyAccounts); when the order is rejected
// (its only outputs are rejections) the new account, or the new position of
// a known account, is dropped again, so that orders that are never
// accepted leave no state behind.
func (g *Guard) submitSlow(in *event.In, out []event.Out) []event.Out {
	_, known := g.lookupAccount(in.Account)
	n := len(out)
	out = g.submitNew(in, out)
	if g.ctx.newPos && allRejected(out[n:]) {
		// Nothing was booked in the new position, nor in a new account.
		a := g.pt.hot[g.ctx.pos].acct
		g.pt.remove(g.ctx.pos)
		if !known {
			g.dropNewest(a)
		}
	}
	return out
}

// allRejected reports whether every output is a rejection.
func allRejected(out []event.Out) bool {
	for i := range out {
		if out[i].Kind != event.OutRejected {
			return false
		}
	}
	return true
}

// submitNew is submitSlow's order: its position made, the order checked and
// passed to the matcher.
func (g *Guard) submitNew(in *event.In, out []event.Out) []event.Out {
	sym := in.Symbol
	_, existed := g.pt.find(uint64(in.Account)<<32 | uint64(sym))
	a, p, ok := g.position(in.Account, sym)
	if !ok {
		return reject(in, sym, event.ReasonTooManyAccounts, out)
	}
	g.ctx.newPos = !existed
	pos := &g.pt.hot[p]
	acc := &g.accts[a]
	s := &g.syms[sym]
	g.ctx.acct, g.ctx.pos = a, p
	if g.blocked || acc.killed || acc.brk != breakerClosed || s.killed || pos.killed {
		if r := g.gate(a, s, p, &out); r != 0 {
			return reject(in, sym, r, out)
		}
	}
	now := g.nowFx
	rp := &g.profiles[acc.profile]
	if !g.gMsg.allows(g.gMsgTAT, now) || !rp.msg.allows(acc.msgTAT, now) ||
		!g.gOrd.allows(g.gOrdTAT, now) || !rp.ord.allows(acc.ordTAT, now) {
		return g.throttled(in, a, sym, true, out)
	}
	g.gMsg.take(&g.gMsgTAT, now)
	rp.msg.take(&acc.msgTAT, now)
	g.gOrd.take(&g.gOrdTAT, now)
	rp.ord.take(&acc.ordTAT, now)
	if !validNew(in) {
		return g.m.Apply(in, out) // the matcher rejects it with its reason
	}
	if g.held.n != 0 && g.isHeld(in.ID) {
		return reject(in, sym, event.ReasonDuplicateID, out)
	}
	return g.submitChecked(in, out, a, s, p)
}

// isHeld reports whether a held order has order id id: the id is taken,
// as the id of a resting order is (a new order with it is rejected with
// ReasonDuplicateID).
func (g *Guard) isHeld(id uint64) bool {
	_, ok := g.held.holdsOrder(id)
	return ok
}

// submitChecked finishes a new order of account index a in symbol s,
// position p, that passed the gate and the buckets: the pre-trade checks
// through pretrade, then the approval thresholds (see hold), then the
// matcher.
func (g *Guard) submitChecked(in *event.In, out []event.Out, a int32, s *symbol, p int32) []event.Out {
	sym := in.Symbol
	px, qty := in.Price, in.Qty
	if in.Type == event.Market && px == 0 {
		// Valued at the price it starts trading at; with the opposite
		// side empty it cannot trade and the matcher cancels it.
		px, _ = g.m.Best(sym, in.Side.Opposite())
	}
	c := orderCheck{side: int(in.Side) - 1, px: px, qty: qty, add: qty, notional: px * qty,
		rests: in.Type == event.Limit || in.Type == event.PostOnly}
	if r := g.pretrade(in, a, s, p, &c); r != 0 {
		return g.emit(reject(in, sym, r, out))
	}
	if g.accts[a].approve || s.approve {
		// An order the matcher refuses at once (its symbol halted, its id
		// resting) goes to it rather than to an operator.
		if r := g.approvalReason(in, a, c.notional); r != 0 && !g.m.Halted(sym) {
			if _, live := g.m.Lookup(in.ID); !live {
				return g.hold(in, r, out)
			}
		}
	}
	if in.Aux != 0 {
		g.dup.record(in.Account, in.Aux)
	}
	n := len(out)
	out = g.m.Submit(in, out)
	return g.observe(out, n)
}

// submitUnknown applies a KindNew of account event.Any or an undefined
// symbol: the kill switches, breakers and buckets of the account apply, then
// the matcher rejects it.
//
// An account the guard holds no state for gets none: the engine's switch,
// breaker and buckets apply.
func (g *Guard) submitUnknown(in *event.In, out []event.Out) []event.Out {
	if in.Account == event.Any {
		return g.m.Apply(in, out) // bad_account
	}
	a, ok := g.lookupAccount(in.Account)
	if !ok {
		if r := g.gate(-1, nil, -1, &out); r != 0 {
			return reject(in, in.Symbol, r, out)
		}
		now := g.nowFx
		if !g.gMsg.allows(g.gMsgTAT, now) || !g.gOrd.allows(g.gOrdTAT, now) {
			return g.throttled(in, -1, in.Symbol, true, out)
		}
		g.gMsg.take(&g.gMsgTAT, now)
		g.gOrd.take(&g.gOrdTAT, now)
		return g.m.Apply(in, out) // unknown_symbol
	}
	g.ctx.acct = a
	if r := g.gate(a, nil, -1, &out); r != 0 {
		return reject(in, in.Symbol, r, out)
	}
	acc := &g.accts[a]
	rp := &g.profiles[acc.profile]
	now := g.nowFx
	if !g.gMsg.allows(g.gMsgTAT, now) || !rp.msg.allows(acc.msgTAT, now) ||
		!g.gOrd.allows(g.gOrdTAT, now) || !rp.ord.allows(acc.ordTAT, now) {
		return g.throttled(in, a, in.Symbol, true, out)
	}
	g.gMsg.take(&g.gMsgTAT, now)
	rp.msg.take(&acc.msgTAT, now)
	g.gOrd.take(&g.gOrdTAT, now)
	rp.ord.take(&acc.ordTAT, now)
	return g.m.Apply(in, out) // unknown_symbol
}

// orderCheck is what the pre-trade checks need of an order or a replace.
type orderCheck struct {
	side     int   // 0 buy, 1 sell
	px       int64 // price it is valued at
	qty      int64 // its quantity
	add      int64 // quantity it adds to the open orders (a replace: the difference)
	notional int64 // notional it adds to the open orders
	rests    bool  // a limit or post-only order: counts against the open orders limit
}

// validNew reports whether the matcher's field checks (its steps 2 to 6)
// pass for a new order, so that the guard's arithmetic is on sane numbers.
func validNew(in *event.In) bool {
	return uint8(in.Side-event.Buy) < 2 && in.Type.Valid() && in.STP.Valid() &&
		uint64(in.Qty-1) < uint64(event.MaxQty) &&
		uint64(in.Price) <= uint64(event.MaxPrice) && (in.Price > 0 || in.Type == event.Market)
}

// gate is the slow path of the first checks of an order or a replace of
// account index a (-1: an account without state) in symbol s (nil when
// undefined), position p: it applies the breakers' timed transitions
// (appending their OutBreaker), then checks the kill switches and the open
// breakers, and returns the reason to reject, or 0.
func (g *Guard) gate(a int32, s *symbol, p int32, out *[]event.Out) event.Reason {
	g.advanceBreakers(a, out)
	if a < 0 {
		switch {
		case g.killAll:
			return event.ReasonKilled
		case g.gBrk.state == breakerOpen:
			return event.ReasonBreakerOpen
		}
		return 0
	}
	acc := &g.accts[a]
	switch {
	case g.killAll || acc.killed:
		return event.ReasonKilled
	case s != nil && p >= 0 && (s.killed || g.pt.hot[p].killed):
		return event.ReasonKilled
	case g.gBrk.state == breakerOpen || acc.brk == breakerOpen:
		return event.ReasonBreakerOpen
	}
	return 0
}

// throttled rejects an order (or, with order false, a replace) of account
// index a (-1: an account without state, which has no buckets) that found a
// bucket empty: the engine's message bucket, the account's, then (for an
// order) the engine's order bucket, the account's. Nothing is taken from
// any bucket; the breach counts for the breaker of the bucket's scope,
// whose OutBreaker follows the rejection when it opens.
func (g *Guard) throttled(in *event.In, a int32, sym uint32, order bool, out []event.Out) []event.Out {
	now := g.nowFx
	r, global := event.ReasonThrottleMsgs, true
	switch {
	case !g.gMsg.allows(g.gMsgTAT, now):
	case a >= 0 && !g.profiles[g.accts[a].profile].msg.allows(g.accts[a].msgTAT, now):
		global = false
	case !g.gOrd.allows(g.gOrdTAT, now):
		r = event.ReasonThrottleOrders
	default:
		r, global = event.ReasonThrottleOrders, false
	}
	out = reject(in, sym, r, out)
	if global {
		if g.gBrk.breach(g.now, breakerOf(&g.glob)) {
			g.blocked = true
			out = g.breakerOut(event.Any, &g.gBrk, out)
		}
		return out
	}
	acc, cold := &g.accts[a], &g.acctCold[a]
	if cold.brk.breach(g.now, breakerOf(&g.acctLim[a])) {
		acc.brk = cold.brk.state
		out = g.breakerOut(acc.id, &cold.brk, out)
	}
	return out
}

// chargeCancel takes a message token for a cancel (of account index a, -1
// for none) where there is one: cancels are counted but never throttled, so
// a runaway can always be pulled.
func (g *Guard) chargeCancel(a int32) {
	now := g.nowFx
	if g.gMsg.allows(g.gMsgTAT, now) {
		g.gMsg.take(&g.gMsgTAT, now)
	}
	if a >= 0 {
		acc := &g.accts[a]
		if rp := &g.profiles[acc.profile]; rp.msg.allows(acc.msgTAT, now) {
			rp.msg.take(&acc.msgTAT, now)
		}
	}
}

// pretrade runs the pre-trade checks of order c of account index a in
// symbol s, position p, and returns the first reason to reject it, or 0.
func (g *Guard) pretrade(in *event.In, a int32, s *symbol, p int32, c *orderCheck) event.Reason {
	pos := &g.pt.hot[p]
	acc := &g.accts[a]
	switch {
	case pos.restricted:
		return event.ReasonRestricted
	case pos.maxQty > 0 && c.qty > int64(pos.maxQty):
		return event.ReasonMaxQty
	}
	if s.collarBps|s.collarTicks != 0 {
		if r := g.collar(in.Symbol, s, c.side, c.px); r != 0 {
			return r
		}
	}
	switch {
	case pos.maxNotional > 0 && c.px*c.qty > pos.maxNotional:
		return event.ReasonMaxNotional
	case in.Aux != 0 && in.Kind == event.KindNew && g.dup.seen(in.Account, in.Aux):
		return event.ReasonDuplicateClOrdID
	case c.rests && acc.maxOpen > 0 && acc.openOrders >= acc.maxOpen:
		return event.ReasonMaxOpenOrders
	}
	if pos.maxNet > 0 {
		// The net position if every open order of this side filled.
		worst := pos.net + pos.open[0] + c.add
		if c.side == 1 {
			worst = pos.open[1] + c.add - pos.net
		}
		if worst > int64(pos.maxNet) {
			return event.ReasonNetPosition
		}
	}
	switch {
	case pos.maxGross > 0 && abs(pos.net)+pos.open[0]+pos.open[1]+c.add > int64(pos.maxGross):
		return event.ReasonGrossPosition
	case c.side == 0 && acc.creditLimit > 0 && satAdd(acc.credit, c.notional) > acc.creditLimit:
		return event.ReasonCredit
	case acc.parents:
		pc := &g.pt.cold[p]
		if used := pc.filled[c.side] + pos.open[c.side] + c.add; used > pc.allow[c.side] {
			g.parentExcess(a, used, pc.allow[c.side])
			return event.ReasonParentExceeded
		}
	}
	return 0
}

// collar checks price px of an order on side against the collar around the
// reference price of symbol id sym.
func (g *Guard) collar(sym uint32, s *symbol, side int, px int64) event.Reason {
	ref, ok := g.reference(sym, s)
	if !ok {
		if s.requireRef {
			return event.ReasonNoReference
		}
		return 0
	}
	if px == 0 {
		return 0 // a market order facing an empty side: it cannot trade
	}
	band := max(s.collarTicks, ref*s.collarBps/10000)
	if side == 0 && px > ref+band || side == 1 && px < ref-band {
		return event.ReasonPriceCollar
	}
	return 0
}

// reference returns the reference price of symbol id sym: the last trade,
// else the mid of the book, else the configured reference price, else the
// best price of a one-sided book.
func (g *Guard) reference(sym uint32, s *symbol) (int64, bool) {
	if s.last > 0 {
		return s.last, true
	}
	bid, okb := g.m.Best(sym, event.Buy)
	ask, oka := g.m.Best(sym, event.Sell)
	switch {
	case okb && oka:
		return (bid + ask) / 2, true
	case s.refPrice > 0:
		return s.refPrice, true
	case okb:
		return bid, true
	case oka:
		return ask, true
	}
	return 0, false
}

// parentExcess counts a child order beyond the parent instructions of
// account index a, and trips the account's kill switch when there have been
// too many within the window.
func (g *Guard) parentExcess(a int32, out, allowed int64) {
	acc, cold := &g.accts[a], &g.acctCold[a]
	lim := &g.acctLim[a]
	n, win := lim[LimitParentExcess], lim[LimitParentWindow]
	if n == 0 {
		return
	}
	if cold.excess == 0 || g.now-cold.excessAt >= win {
		cold.excess, cold.excessAt = 0, g.now
	}
	cold.excess++
	if cold.excess >= n && !acc.killed {
		g.tripAccount(a, trip{reason: event.ReasonOutVsIn, measured: out, limit: allowed, window: win})
	}
}

// replace applies KindReplace.
func (g *Guard) replace(in *event.In, out []event.Out) []event.Out {
	info, ok := g.m.Lookup(in.ID)
	if in.Account == event.Any || !ok || info.Account != in.Account {
		if in.Account != event.Any {
			a, _ := g.lookupAccount(in.Account) // -1 for none: no state is made
			g.chargeCancel(a)
		}
		return g.m.Apply(in, out) // the matcher rejects it: unknown or not the owner's
	}
	a, p, _ := g.position(in.Account, info.Symbol) // the order rests: both exist
	g.ctx.acct, g.ctx.pos = a, p
	g.ctx.oldQty, g.ctx.oldPx = info.Qty, info.Price
	s := g.symbolState(info.Symbol)
	if r := g.gate(a, s, p, &out); r != 0 {
		return reject(in, info.Symbol, r, out)
	}
	acc := &g.accts[a]
	rp := &g.profiles[acc.profile]
	now := g.nowFx
	if !g.gMsg.allows(g.gMsgTAT, now) || !rp.msg.allows(acc.msgTAT, now) {
		return g.throttled(in, a, info.Symbol, false, out)
	}
	g.gMsg.take(&g.gMsgTAT, now)
	rp.msg.take(&acc.msgTAT, now)
	if in.Qty <= 0 || in.Qty > event.MaxQty || in.Price <= 0 || in.Price > event.MaxPrice {
		return g.m.Apply(in, out) // the matcher rejects it with its reason
	}
	// A replace that only cuts quantity at the same price reduces risk: it
	// passes. Anything else is checked like the order it becomes.
	if in.Price != info.Price || in.Qty > info.Qty {
		chk := *in
		chk.Symbol, chk.Side = info.Symbol, info.Side
		c := orderCheck{side: sideIndex(info.Side), px: in.Price, qty: in.Qty, add: in.Qty - info.Qty,
			notional: in.Price*in.Qty - info.Price*info.Qty}
		if r := g.pretrade(&chk, a, s, p, &c); r != 0 {
			return g.emit(reject(in, info.Symbol, r, out))
		}
		if g.accts[a].approve || s.approve {
			if r := g.replaceApproval(a, info.Symbol, in.Qty, info.Qty, in.Price*in.Qty, info.Price*info.Qty); r != 0 {
				return reject(in, info.Symbol, r, out)
			}
		}
	}
	n := len(out)
	out = g.m.Replace(in, out)
	return g.observe(out, n)
}

// cancel applies KindCancel: counted, never refused by the guard. The
// account is found through the order the matcher cancels: one probe finds
// its position and its account.
func (g *Guard) cancel(in *event.In, out []event.Out) []event.Out {
	if g.held.n != 0 {
		if s, ok := g.held.holdsOrder(in.ID); ok {
			return g.cancelHeld(in, s, out)
		}
	}
	n := len(out)
	out = g.m.Cancel(in, out)
	if len(out) == n+2 && out[n].Kind == event.OutCancelled && out[n+1].Kind == event.OutBook {
		// The common answer: the order left the book.
		o := &out[n]
		if p, ok := g.pt.find(uint64(o.Account)<<32 | uint64(o.Symbol)); ok {
			pos := &g.pt.hot[p]
			acc := &g.accts[pos.acct]
			pos.open[o.Side-1] -= o.Qty
			if o.Side == event.Buy {
				acc.credit = satSub(acc.credit, o.Qty*o.Price)
			}
			acc.openOrders--
			now := g.nowFx
			if g.gMsgTAT <= now+g.gMsg.tau {
				g.gMsgTAT = max(g.gMsgTAT, now) + g.gMsg.t
			}
			if rp := &g.profiles[acc.profile]; acc.msgTAT <= now+rp.msg.tau {
				acc.msgTAT = max(acc.msgTAT, now) + rp.msg.t
			}
			return out
		}
	}
	g.bookkeep(out, n)
	a := g.ctx.acct
	if a < 0 && in.Account != event.Any {
		a, _ = g.lookupAccount(in.Account) // -1 for none: no state is made
	}
	g.chargeCancel(a)
	return g.emit(out)
}

// massCancel applies KindMassCancel: counted, never refused by the guard.
// An account without state gets none (it has no order to cancel).
func (g *Guard) massCancel(in *event.In, out []event.Out) []event.Out {
	a := int32(-1)
	if in.Account != event.Any {
		a, _ = g.lookupAccount(in.Account)
	}
	g.chargeCancel(a)
	n := len(out)
	out = g.m.Apply(in, out)
	return g.observe(out, n)
}

// sync passes a KindSync to the matcher, unchecked (it is the venue's book,
// not an order), and keeps the books of what it did: the orders it shrank
// or removed, and the order it may add for Account, whose position it
// makes first (a full account table refuses the sync with
// ReasonCapacity).
func (g *Guard) sync(in *event.In, out []event.Out) []event.Out {
	if in.Qty > 0 && in.Account != event.Any {
		a, p, ok := g.position(in.Account, in.Symbol)
		if !ok {
			return append(out, event.Out{Seq: in.Seq, TS: in.TS, Kind: event.OutRejected, Reason: event.ReasonCapacity,
				Symbol: in.Symbol, ID: in.ID, Account: in.Account, Side: in.Side, Price: in.Price, Qty: in.Qty})
		}
		g.ctx.acct, g.ctx.pos = a, p
	}
	n := len(out)
	out = g.m.Apply(in, out)
	return g.observe(out, n)
}
