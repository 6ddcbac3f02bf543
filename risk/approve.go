package risk

import (
	"math"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/internal/idindex"
)

// heldTable holds the orders waiting for an operator's approval: a slab of
// slots, linked oldest first (the order they were held in, which is also
// the order of their deadlines, as every deadline is the time held plus
// one timeout), with a free list, and two indexes over it: by pending id
// (the order's input sequence, what approve and deny name) and by order
// id (what a cancel names, and what a new order must not reuse). Removal
// from anywhere is O(1); the slab and the indexes grow, by doubling, to at
// most Config.MaxPending entries and are never shrunk, so a steady flow of
// holds allocates nothing.
type heldTable struct {
	slots     []heldSlot
	free      int32 // first free slot (linked by next), -1 for none
	head      int32 // oldest held order, -1 for none
	tail      int32 // newest
	n         int   // orders held
	max       int   // Config.MaxPending
	byPending idindex.Table
	byOrder   idindex.Table
}

// heldSlot is one held order, or a free slot.
type heldSlot struct {
	order      event.In // as it arrived (Seq is the pending id)
	since      int64    // event time it was held
	prev, next int32    // -1 for none
	reason     event.Reason
}

// heldInitial is the slab size allocated up front.
const heldInitial = 64

func newHeldTable(max int, key uint64) heldTable {
	n := min(max, heldInitial)
	return heldTable{
		slots: make([]heldSlot, 0, n), free: -1, head: -1, tail: -1, max: max,
		byPending: idindex.New(n, 16, key), byOrder: idindex.New(n, 16, key),
	}
}

// add holds order o, held at since for reason r, as the newest. The caller
// checks that the table has room and that neither id is held.
func (t *heldTable) add(o *event.In, since int64, r event.Reason) {
	s := t.free
	if s >= 0 {
		t.free = t.slots[s].next
	} else {
		if len(t.slots) == cap(t.slots) {
			grown := make([]heldSlot, len(t.slots), min(2*cap(t.slots), t.max))
			copy(grown, t.slots)
			t.slots = grown
		}
		s = int32(len(t.slots))
		t.slots = append(t.slots, heldSlot{})
	}
	t.slots[s] = heldSlot{order: *o, since: since, prev: t.tail, next: -1, reason: r}
	if t.tail >= 0 {
		t.slots[t.tail].next = s
	} else {
		t.head = s
	}
	t.tail = s
	t.n++
	t.byPending.Insert(o.Seq, s)
	t.byOrder.Insert(o.ID, s)
}

// remove releases slot s.
func (t *heldTable) remove(s int32) {
	e := &t.slots[s]
	if e.prev >= 0 {
		t.slots[e.prev].next = e.next
	} else {
		t.head = e.next
	}
	if e.next >= 0 {
		t.slots[e.next].prev = e.prev
	} else {
		t.tail = e.prev
	}
	t.byPending.Delete(e.order.Seq)
	t.byOrder.Delete(e.order.ID)
	*e = heldSlot{next: t.free, prev: -1}
	t.free = s
	t.n--
}

// pending returns the slot of the order with pending id id.
func (t *heldTable) pending(id uint64) (int32, bool) {
	if t.n == 0 {
		return 0, false
	}
	return t.byPending.Get(id)
}

// holdsOrder returns the slot of the held order with order id id.
func (t *heldTable) holdsOrder(id uint64) (int32, bool) {
	if t.n == 0 {
		return 0, false
	}
	return t.byOrder.Get(id)
}

// deadline returns the event time a held order held at since times out
// at: math.MaxInt64 for never.
func (g *Guard) deadline(since int64) int64 {
	if g.cfg.ApprovalTimeout == 0 {
		return math.MaxInt64
	}
	return satAdd(since, g.cfg.ApprovalTimeout)
}

// refreshHeldNext sets the time of the next timeout: the oldest held
// order's deadline.
func (g *Guard) refreshHeldNext() {
	g.heldNext = math.MaxInt64
	if h := g.held.head; h >= 0 {
		g.heldNext = g.deadline(g.held.slots[h].since)
	}
}

// approvalReason returns why order in of account index a, valued at
// notional (tick-lots), must be held for approval, or 0: its quantity
// above the tighter of the account's and the symbol's approve_qty, else
// its notional above approve_notional_usd.
func (g *Guard) approvalReason(in *event.In, a int32, notional int64) event.Reason {
	al, sl := &g.acctLim[a], &g.symLim[in.Symbol]
	if q := minLimit(al[LimitApproveQty], sl[LimitApproveQty]); q > 0 && in.Qty > q {
		return event.ReasonApproveQty
	}
	if n := minLimit(al[LimitApproveNotional], sl[LimitApproveNotional]); n > 0 && notional > n {
		return event.ReasonApproveNotional
	}
	return 0
}

// replaceApproval returns why a replace of an order of account index a in
// symbol sym, from quantity oldQty and notional oldN to qty and notional n,
// is refused, or 0: it raises the quantity above the tighter approve_qty
// (ReasonApproveQty), or the notional above approve_notional_usd
// (ReasonApproveNotional). A replace is never held: without this, an
// order small enough to pass could be replaced into one that needs an
// approval. A replace that raises neither (a cut, or a new price at a
// notional no higher) passes, so an approved order can still be amended.
func (g *Guard) replaceApproval(a int32, sym uint32, qty, oldQty, n, oldN int64) event.Reason {
	al, sl := &g.acctLim[a], &g.symLim[sym]
	if q := minLimit(al[LimitApproveQty], sl[LimitApproveQty]); q > 0 && qty > q && qty > oldQty {
		return event.ReasonApproveQty
	}
	if l := minLimit(al[LimitApproveNotional], sl[LimitApproveNotional]); l > 0 && n > l && n > oldN {
		return event.ReasonApproveNotional
	}
	return 0
}

// hold holds new order in, which passed every pre-trade check, for
// approval (reason r), answering OutHeld, or rejects it with
// ReasonTooManyPending when Config.MaxPending orders are held. Its client
// order id is taken, as by an order passed to the matcher.
func (g *Guard) hold(in *event.In, r event.Reason, out []event.Out) []event.Out {
	if g.held.n >= g.held.max {
		return reject(in, in.Symbol, event.ReasonTooManyPending, out)
	}
	if _, dup := g.held.pending(in.Seq); dup {
		// Only an input sequence used twice gets here.
		return reject(in, in.Symbol, event.ReasonDuplicateID, out)
	}
	if in.Aux != 0 {
		g.dup.record(in.Account, in.Aux)
	}
	g.held.add(in, g.now, r)
	if g.held.n == 1 {
		g.refreshHeldNext()
	}
	return append(out, event.Out{
		Seq: in.Seq, TS: in.TS, Kind: event.OutHeld, Reason: r, Symbol: in.Symbol,
		ID: in.ID, Account: in.Account, Side: in.Side, Price: in.Price, Qty: in.Qty, Other: in.Seq,
	})
}

// heldOut appends an output of the held order in slot s with the Seq and
// TS of the input being applied: kind k, reason r.
func (g *Guard) heldOut(s int32, k event.OutKind, r event.Reason, out []event.Out) []event.Out {
	o, in := &g.held.slots[s].order, g.ctx.in
	return append(out, event.Out{
		Seq: in.Seq, TS: in.TS, Kind: k, Reason: r, Symbol: o.Symbol,
		ID: o.ID, Account: o.Account, Side: o.Side, Price: o.Price, Qty: o.Qty, Other: o.Aux,
	})
}

// expire rejects the held orders whose deadline is at or before now with
// ReasonApprovalTimeout, oldest first.
func (g *Guard) expire(out []event.Out) []event.Out {
	for h := g.held.head; h >= 0 && g.deadline(g.held.slots[h].since) <= g.now; h = g.held.head {
		out = g.heldOut(h, event.OutRejected, event.ReasonApprovalTimeout, out)
		g.held.remove(h)
	}
	g.refreshHeldNext()
	return out
}

// approve applies KindApprove: the held order with pending id in.ID is
// checked again and, if it passes, goes to the matcher with the approval's
// Seq and TS. The checks run again are those whose answer may have changed
// since it was held: the kill switches and open breakers (not the buckets:
// the order took its tokens when it arrived, and the approval is the
// operator's message, not the account's), the restriction, the quantity,
// collar and notional limits, and the open-order, position, credit and
// parent checks; not the client order id (the order holds it) nor the
// approval thresholds. A failure rejects the order (OutRejected with the
// order's fields and the check's reason).
func (g *Guard) approve(in *event.In, out []event.Out) []event.Out {
	s, ok := g.held.pending(in.ID)
	if !ok {
		return reject(in, in.Symbol, event.ReasonUnknownPending, out)
	}
	o := &g.approved
	*o = g.held.slots[s].order
	o.Seq, o.TS = in.Seq, in.TS
	g.held.remove(s)
	g.refreshHeldNext()

	a, p, ok := g.position(o.Account, o.Symbol)
	if !ok {
		return reject(o, o.Symbol, event.ReasonTooManyAccounts, out)
	}
	g.ctx.acct, g.ctx.pos = a, p
	sym := &g.syms[o.Symbol]
	if r := g.gate(a, sym, p, &out); r != 0 {
		return reject(o, o.Symbol, r, out)
	}
	px := o.Price
	if o.Type == event.Market && px == 0 {
		px, _ = g.m.Best(o.Symbol, o.Side.Opposite())
	}
	c := orderCheck{side: sideIndex(o.Side), px: px, qty: o.Qty, add: o.Qty, notional: px * o.Qty,
		rests: o.Type == event.Limit || o.Type == event.PostOnly}
	chk := *o
	chk.Aux = 0 // its client order id is its own
	if r := g.pretrade(&chk, a, sym, p, &c); r != 0 {
		return g.emit(reject(o, o.Symbol, r, out))
	}
	n := len(out)
	out = g.m.Submit(o, out)
	return g.observe(out, n)
}

// deny applies KindDeny: the held order with pending id in.ID is rejected
// with ReasonDenied.
func (g *Guard) deny(in *event.In, out []event.Out) []event.Out {
	s, ok := g.held.pending(in.ID)
	if !ok {
		return reject(in, in.Symbol, event.ReasonUnknownPending, out)
	}
	out = g.heldOut(s, event.OutRejected, event.ReasonDenied, out)
	g.held.remove(s)
	g.refreshHeldNext()
	return out
}

// cancelHeld answers a KindCancel of held order s: cancelled (OutCancelled,
// ReasonUser, the order's quantity) when the cancel comes from its
// account, else rejected with ReasonNotOwner, as the matcher answers for a
// resting order. Like every cancel it takes a message token where there is
// one.
func (g *Guard) cancelHeld(in *event.In, s int32, out []event.Out) []event.Out {
	a := int32(-1)
	if in.Account != event.Any {
		a, _ = g.lookupAccount(in.Account)
	}
	g.chargeCancel(a)
	if g.held.slots[s].order.Account != in.Account {
		return reject(in, g.held.slots[s].order.Symbol, event.ReasonNotOwner, out)
	}
	out = g.heldOut(s, event.OutCancelled, event.ReasonUser, out)
	g.held.remove(s)
	g.refreshHeldNext()
	return out
}

// rejectHeldIn rejects with reason r every held order in the scope acct,
// sym (either may be event.Any), oldest first.
func (g *Guard) rejectHeldIn(acct, sym uint32, r event.Reason, out []event.Out) []event.Out {
	for h := g.held.head; h >= 0; {
		e := &g.held.slots[h]
		next := e.next
		if (acct == event.Any || acct == e.order.Account) && (sym == event.Any || sym == e.order.Symbol) {
			out = g.heldOut(h, event.OutRejected, r, out)
			g.held.remove(h)
		}
		h = next
	}
	g.refreshHeldNext()
	return out
}
