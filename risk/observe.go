package risk

import (
	"math"

	"github.com/tradeengine/engine/event"
)

// observe keeps the books of the matcher's outputs out[from:] (open orders,
// positions, windows, detectors), then emits the trips they caused.
func (g *Guard) observe(out []event.Out, from int) []event.Out {
	g.bookkeep(out, from)
	if len(g.pending) == 0 {
		return out
	}
	return g.emit(out)
}

// bookkeep updates the guard's state from the matcher's outputs out[from:].
func (g *Guard) bookkeep(out []event.Out, from int) {
	for i := from; i < len(out); i++ {
		o := &out[i]
		switch o.Kind {
		case event.OutBook:
		case event.OutAccepted:
			if p := g.ctx.pos; p >= 0 {
				// The input's own order: its position and account are known.
				pos := &g.pt.hot[p]
				pos.open[o.Side-1] += o.Qty
				acc := &g.accts[pos.acct]
				if o.Side == event.Buy {
					acc.credit = satAdd(acc.credit, o.Qty*o.Price)
				}
				acc.openOrders++
				g.ctx.taker, g.ctx.tkLeft, g.ctx.tkPrice, g.ctx.tkLive = o.ID, o.Qty, o.Price, true
				continue
			}
			g.onAccepted(o)
		case event.OutTrade:
			g.onTrade(o)
		case event.OutCancelled:
			g.onCancelled(o)
		case event.OutReplaced:
			g.onReplaced(o)
		}
	}
}

// locate returns the indexes of account id and of its position in sym,
// the input's when they are the same, and makes them the input's when the
// input has none yet (a cancel learns its order's from the matcher).
func (g *Guard) locate(id, sym uint32) (int32, int32) {
	if p := g.ctx.pos; p >= 0 && g.pt.hot[p].key == uint64(id)<<32|uint64(sym) {
		return g.pt.hot[p].acct, p
	}
	// The matcher's orders passed the guard: their positions exist, and
	// position only finds them.
	a, p, _ := g.position(id, sym)
	if g.ctx.pos < 0 {
		g.ctx.acct, g.ctx.pos = a, p
	}
	return a, p
}

// openDelta changes the open quantity of a position's side, and for the
// buy side the account's credit by the notional.
func (g *Guard) openDelta(a, p int32, side int, qty, notional int64) {
	pos := &g.pt.hot[p]
	pos.open[side] += qty
	if side == 0 {
		acc := &g.accts[a]
		acc.credit = satAdd(acc.credit, notional)
	}
}

func (g *Guard) onAccepted(o *event.Out) {
	a, p := g.locate(o.Account, o.Symbol)
	g.openDelta(a, p, sideIndex(o.Side), o.Qty, o.Qty*o.Price)
	g.accts[a].openOrders++
	g.ctx.taker, g.ctx.tkLeft, g.ctx.tkPrice, g.ctx.tkLive = o.ID, o.Qty, o.Price, true
}

func (g *Guard) onCancelled(o *event.Out) {
	a, p := g.locate(o.Account, o.Symbol)
	g.openDelta(a, p, sideIndex(o.Side), -o.Qty, -o.Qty*o.Price)
	g.accts[a].openOrders--
	if g.ctx.tkLive && o.ID == g.ctx.taker {
		g.ctx.tkLive = false
	}
}

func (g *Guard) onReplaced(o *event.Out) {
	a, p := g.locate(o.Account, o.Symbol)
	g.openDelta(a, p, sideIndex(o.Side), o.Qty-g.ctx.oldQty, o.Qty*o.Price-g.ctx.oldQty*g.ctx.oldPx)
	if o.Reason == event.ReasonPriorityLost {
		// The order enters again as a taker at its new price.
		g.ctx.taker, g.ctx.tkLeft, g.ctx.tkPrice, g.ctx.tkLive = o.ID, o.Qty, o.Price, true
	}
}

// onTrade books one execution for the taker and the maker, then feeds the
// detectors.
func (g *Guard) onTrade(o *event.Out) {
	q, px := o.Qty, o.Price
	s := g.symbolState(o.Symbol)
	if s != nil {
		s.setLast(px)
	}
	ts := sideIndex(o.Side)
	ta, tp := g.locate(o.Account, o.Symbol)
	tkPrice, tkLeft := px, int64(0)
	if g.ctx.tkLive && o.ID == g.ctx.taker {
		tkPrice = g.ctx.tkPrice
		g.ctx.tkLeft -= q
		tkLeft = g.ctx.tkLeft
		if tkLeft <= 0 {
			g.ctx.tkLive = false
			g.accts[ta].openOrders--
		}
	}
	g.openDelta(ta, tp, ts, -q, -q*tkPrice)
	g.fill(ta, tp, ts, q, px)

	grown := g.pt.grown
	ma, mp := g.locate(o.OtherAccount, o.Symbol)
	if g.pt.grown != grown {
		ta, tp = g.locate(o.Account, o.Symbol) // the maker's position was new and moved the taker's
	}
	g.openDelta(ma, mp, 1-ts, -q, -q*px)
	// The matcher leaves a maker partly filled only when the taker is done:
	// while the taker has quantity left, the maker filled completely.
	if tkLeft > 0 {
		g.accts[ma].openOrders--
	} else if _, rests := g.m.Lookup(o.Other); !rests {
		g.accts[ma].openOrders--
	}
	g.fill(ma, mp, 1-ts, q, px)

	g.volumes(s, o.Symbol, ta, ma, q, q*px)
	g.checkLoss(ta)
	if ma != ta {
		g.checkLoss(ma)
	}
}

// fill books an execution of q lots at px on side of position p of account
// index a: the position, the cash, the cost of a long position (for credit)
// and the profit and loss marked at px.
func (g *Guard) fill(a, p int32, side int, q, px int64) {
	pos, pc := &g.pt.hot[p], &g.pt.cold[p]
	acc := &g.accts[a]
	n := q * px
	before, oldCost := pos.net, pc.cost
	pc.filled[side] += q
	if side == 0 {
		pos.net += q
		pc.cash = satSub(pc.cash, n)
		switch {
		case before >= 0:
			pc.cost = satAdd(pc.cost, n)
		case pos.net > 0:
			pc.cost = satMul(pos.net, px) // covered a short and went long
		}
	} else {
		pos.net -= q
		pc.cash = satAdd(pc.cash, n)
		switch {
		case pos.net <= 0:
			pc.cost = 0
		case before > 0:
			pc.cost -= mulDiv(pc.cost, q, before) // average cost of what is left
		}
	}
	acc.credit = satAdd(acc.credit, satSub(pc.cost, oldCost))
	pnl := satAdd(pc.cash, satMul(pos.net, px))
	acc.pnl = satAdd(acc.pnl, satSub(pnl, pc.pnl))
	pc.pnl = pnl
}

// volumes counts one execution of q lots and notional n into the windows of
// the taker's and the maker's accounts (once each, as each took part), the
// symbol's (s, nil when undefined) and the engine's, and queues the trips
// they cause. The common case, every scope with room before its next
// evaluation, only adds to the scopes' pending figures.
func (g *Guard) volumes(s *symbol, sym uint32, ta, ma int32, q, n int64) {
	now := g.now
	if h := &g.acctHot[ta]; !h.count(now, q, n) {
		if t, ok := g.volume(h, &g.acctWins[ta], &g.acctLim[ta], q, n); ok && !g.accts[ta].killed {
			g.tripAccount(ta, t)
		}
	}
	if h := &g.acctHot[ma]; !h.count(now, q, n) {
		if t, ok := g.volume(h, &g.acctWins[ma], &g.acctLim[ma], q, n); ok && !g.accts[ma].killed {
			g.tripAccount(ma, t)
		}
	}
	if s != nil {
		if h := &g.symHot[sym]; !h.count(now, q, n) {
			if t, ok := g.volume(h, &g.symWins[sym], &g.symLim[sym], q, n); ok && !s.killed {
				g.tripSymbol(sym, t)
			}
		}
	}
	if h := &g.gHot; !h.count(now, q, n) {
		if t, ok := g.volume(h, &g.gWins, &g.glob, q, n); ok && !g.killAll {
			g.tripAll(t)
		}
	}
}

// count is the fast path of counting one execution of q lots and notional
// n into a scope's windows at event time now: before the scope's next
// evaluation it adds the figures to the pending ones, and it reports
// whether they stay within the room (no window can have crossed a limit).
// When it reports false, volume finishes the count.
func (h *winHot) count(now, q, n int64) bool {
	if now >= h.next {
		return false
	}
	// n >= 0: the notional saturates as satAdd would, in fewer steps.
	e, qty, nt := h.acc[metricExecs]+1, h.acc[metricQty]+q, min(h.acc[metricNotional], math.MaxInt64-n)+n
	h.acc = [nMetrics]int64{e, qty, nt}
	return e <= h.room[metricExecs] && qty <= h.room[metricQty] && nt <= h.room[metricNotional]
}

// ceilings and floors of the metrics, by metric: the base limit ids.
var (
	ceilingOf = [nMetrics]Limit{LimitMaxExecs, LimitMaxQtyTraded, LimitMaxNotionalTraded}
	floorOf   = [nMetrics]Limit{LimitFloorExecs, LimitFloorQty, LimitFloorNotional}
	ceilingR  = [nMetrics]event.Reason{event.ReasonExecCeiling, event.ReasonQtyCeiling, event.ReasonNotionalCeiling}
	anomalyR  = [nMetrics]event.Reason{event.ReasonExecAnomaly, event.ReasonQtyAnomaly, event.ReasonNotionalAnomaly}
)

// volume is the slow path of counting one execution of q lots and notional
// n into the windows of one scope (limits lim), after count said no: it
// brings the windows up to date and returns the first limit crossed, if
// any. Before the scope's next evaluation count has added the figures to
// the pending ones already.
func (g *Guard) volume(h *winHot, ws *winSet, lim *Values, q, n int64) (trip, bool) {
	if g.now < h.next {
		return g.evaluate(h, ws, lim, nil)
	}
	v := [nMetrics]int64{1, q, n}
	return g.evaluate(h, ws, lim, &v)
}

// evaluate brings the windows of a scope up to date: the pending figures go
// into the current buckets (they all happened before the next bucket
// boundary), the windows move to the present (learning the baselines of
// the periods completed), v (when not nil) is added, and every window is
// checked: from the shortest, in each the ceilings (executions, quantity,
// notional), then the anomalies. It then sets the room and the time of the
// next evaluation.
func (g *Guard) evaluate(h *winHot, ws *winSet, lim *Values, v *[nMetrics]int64) (trip, bool) {
	var t trip
	found := false
	k := g.cfg.AnomalyDeviations
	next := int64(math.MaxInt64)
	room := [nMetrics]int64{math.MaxInt64, math.MaxInt64, math.MaxInt64}
	pending := h.acc != [nMetrics]int64{}
	for w := range NumWindows {
		win := &ws[w]
		width := g.widths[w]
		if pending {
			win.add(&h.acc)
		}
		win.record(g.now, width, v, g.base)
		next = min(next, (win.bn+1)*width)
		warmAt := h.born + g.cfg.WarmupPeriods*g.cfg.Windows[w]
		warm := k > 0 && g.now >= warmAt
		if k > 0 && !warm {
			next = min(next, warmAt)
		}
		for m := range nMetrics {
			thr := int64(math.MaxInt64)
			if c := lim[ceilingOf[m]+Limit(w)]; c > 0 {
				thr = c
				if !found && win.sum[m] > c {
					t, found = trip{reason: ceilingR[m], measured: win.sum[m], limit: c, window: g.cfg.Windows[w]}, true
				}
			}
			room[m] = min(room[m], satSub(thr, win.sum[m]))
		}
		if !warm {
			continue
		}
		for m := range nMetrics {
			f := lim[floorOf[m]+Limit(w)]
			if f == 0 {
				continue
			}
			thr := max(f, win.thr[m])
			if !found && win.sum[m] > thr {
				t, found = trip{reason: anomalyR[m], measured: win.sum[m], limit: thr, window: g.cfg.Windows[w]}, true
			}
			room[m] = min(room[m], satSub(thr, win.sum[m]))
		}
	}
	h.acc = [nMetrics]int64{}
	h.room = room
	h.next = next
	if found && (t.reason == event.ReasonNotionalCeiling || t.reason == event.ReasonNotionalAnomaly) {
		t.measured, t.limit = g.mon.toUSD(t.measured), g.mon.toUSD(t.limit)
	}
	return t, found
}

// checkLoss records the profit and loss of account index a at now and
// checks its loss over the loss window: the highest figure in the window
// minus the current one.
func (g *Guard) checkLoss(a int32) {
	acc := &g.accts[a]
	if g.now >= acc.lossNext {
		g.rotateLoss(a)
	}
	acc.lossCur = max(acc.lossCur, acc.pnl)
	acc.lossTop = max(acc.lossTop, acc.pnl)
	if l := acc.maxLoss; l > 0 && !acc.killed {
		if loss := satSub(acc.lossTop, acc.pnl); loss > l {
			g.tripAccount(a, trip{reason: event.ReasonLoss, measured: g.mon.toUSD(loss), limit: g.mon.toUSD(l), window: g.cfg.LossWindow})
		}
	}
}

// tripAccount latches the kill switch of account index a and queues its
// OutKill.
func (g *Guard) tripAccount(a int32, t trip) {
	acc := &g.accts[a]
	acc.killed, acc.killedBy = true, t.reason
	t.account, t.symbol = acc.id, event.Any
	g.pending = append(g.pending, t)
}

// tripSymbol latches the kill switch of symbol s.
func (g *Guard) tripSymbol(s uint32, t trip) {
	g.syms[s].killed, g.syms[s].killBy = true, t.reason
	t.account, t.symbol = event.Any, s
	g.pending = append(g.pending, t)
}

// tripAll latches the engine's kill switch.
func (g *Guard) tripAll(t trip) {
	g.killAll, g.killAllBy, g.blocked = true, t.reason, true
	t.account, t.symbol = event.Any, event.Any
	g.pending = append(g.pending, t)
}

// emit appends the OutKill of every queued trip and, where configured, the
// mass cancel of its scope.
func (g *Guard) emit(out []event.Out) []event.Out {
	if len(g.pending) == 0 {
		return out
	}
	in := g.ctx.in
	for i := range g.pending {
		t := g.pending[i]
		g.trips++
		out = append(out, event.Out{
			Seq: in.Seq, TS: in.TS, Kind: event.OutKill, Reason: t.reason,
			Account: t.account, Symbol: t.symbol, Qty: t.measured, Price: t.limit, Other: uint64(t.window),
		})
		if g.cfg.CancelOnTrip.Has(t.reason) {
			out = g.cancelScope(t.account, t.symbol, out)
		}
	}
	g.pending = g.pending[:0]
	return out
}

// cancelScope cancels the resting orders of a scope through the matcher's
// mass cancel, with the input's Seq and TS, and books the cancels; then it
// rejects the orders of the scope held for approval with ReasonKilled.
func (g *Guard) cancelScope(acct, sym uint32, out []event.Out) []event.Out {
	in := g.ctx.in
	mc := event.In{Seq: in.Seq, TS: in.TS, Kind: event.KindMassCancel, Account: acct, Symbol: sym}
	n := len(out)
	out = g.m.Apply(&mc, out)
	g.bookkeep(out, n)
	if g.held.n != 0 {
		out = g.rejectHeldIn(acct, sym, event.ReasonKilled, out)
	}
	return out
}

// advanceBreakers applies the timed transitions of the engine's breaker and
// of account index a's (none for a < 0), appending an OutBreaker for each.
func (g *Guard) advanceBreakers(a int32, out *[]event.Out) {
	if g.gBrk.state != breakerClosed && g.gBrk.advance(g.now, breakerOf(&g.glob)) {
		g.blocked = g.killAll || g.gBrk.state != breakerClosed
		*out = g.breakerOut(event.Any, &g.gBrk, *out)
	}
	if a < 0 {
		return
	}
	acc, cold := &g.accts[a], &g.acctCold[a]
	if cold.brk.state != breakerClosed && cold.brk.advance(g.now, breakerOf(&g.acctLim[a])) {
		acc.brk = cold.brk.state
		*out = g.breakerOut(acc.id, &cold.brk, *out)
	}
}

// breakerOut appends the OutBreaker of breaker br of account acct (event.Any
// for the engine's) in its current state.
func (g *Guard) breakerOut(acct uint32, br *breaker, out []event.Out) []event.Out {
	in := g.ctx.in
	r := event.ReasonBreakerClosed
	switch br.state {
	case breakerOpen:
		r = event.ReasonBreakerOpen
	case breakerHalfOpen:
		r = event.ReasonBreakerHalfOpen
	}
	return append(out, event.Out{
		Seq: in.Seq, TS: in.TS, Kind: event.OutBreaker, Reason: r, Account: acct, Symbol: event.Any,
		Qty: br.breaches, Other: uint64(br.until),
	})
}
