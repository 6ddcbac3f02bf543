package audit

import (
	"math"

	"github.com/tradeengine/engine/event"
)

// Operator is an operator command journaled from the admin socket.
type Operator struct {
	Seq  uint64     // sequence of the input event the command became
	TS   int64      // its event time, ns since the epoch
	UID  uint32     // the sender's uid (SO_PEERCRED)
	GID  uint32     // the sender's gid
	PID  int32      // the sender's pid
	Text string     // the command line as typed
	Kind event.Kind // the input kind it became (KindKill, KindPause, ...)
}

// Integrity is the journal's integrity, filled by the caller and shown as
// given.
type Integrity struct {
	Verified           bool   `json:"verified"`            // the journal verified
	VerifyError        string `json:"verify_error"`        // why it did not, "" when it did
	FirstSeq           uint64 `json:"first_seq"`           // first sequence journaled
	LastSeq            uint64 `json:"last_seq"`            // last sequence journaled
	FirstTS            int64  `json:"first_ts"`            // event time of FirstSeq, ns
	LastTS             int64  `json:"last_ts"`             // event time of LastSeq, ns
	Checkpoints        int    `json:"checkpoints"`         // digest checkpoints journaled
	CheckpointsMatched int    `json:"checkpoints_matched"` // of them, recomputed equal by the replay
	FirstDivergence    string `json:"first_divergence"`    // the first divergence found, "" when none
}

// Limits bound the memory of a [Builder]. What does not fit is counted in
// the report ([Overflow]), never silently lost and never grown into.
type Limits struct {
	Accounts  int `json:"accounts"`  // accounts tracked
	Symbols   int `json:"symbols"`   // symbols tracked
	Pairs     int `json:"pairs"`     // positions (account, symbol) tracked, and separately rejects by (account, reason)
	Timeline  int `json:"timeline"`  // kill, breaker and pause events listed
	Operators int `json:"operators"` // operator commands listed
}

// DefaultLimits are the limits of [New]. Tables full at these limits take
// roughly 500 MiB (about 100 bytes per account or symbol, 40 per pair); a
// day costs what its distinct ids cost, whatever its number of events.
var DefaultLimits = Limits{Accounts: 1 << 20, Symbols: 1 << 20, Pairs: 1 << 22, Timeline: 100_000, Operators: 100_000}

// Builder accumulates the audit report of a journaled run. Feed it every
// input event with the outputs the logic answered it with, in sequence
// order ([Builder.Input]), and each operator command before the input of
// its sequence ([Builder.Operator]); then [Builder.Report]. Input does not
// allocate once the run's accounts and symbols have been seen. A Builder is
// not safe for concurrent use.
type Builder struct {
	lim Limits
	tot tally

	accts       []account
	acctIdx     index
	syms        []symbol
	symIdx      index
	positions   pairs // net position of (account<<32 | symbol)
	acctRejects pairs // rejects of (account<<8 | reason)

	ops      []opRow
	pending  []int // indices in ops of commands waiting for their input, in order
	pendHead int
	timeline []event.Out // OutKill, OutClear, OutBreaker, OutPaused, OutUnpaused

	over   Overflow
	series series
}

// tally is the run's totals, defined as pipeline's counts are.
type tally struct {
	inputs                                      int64
	firstSeq, lastSeq                           uint64
	firstTS, lastTS                             int64
	accepted, cancelled, trades, tradedQty, out int64
	rejected                                    [256]int64
	notional                                    Int128
	operators, trips, clears, breakers, halts   int64
	pauses                                      int64
}

// account is one account's figures.
type account struct {
	id                     uint32
	orders                 int64 // OutAccepted
	takerFills, makerFills int64 // OutTrade as taker (Account), as maker (OtherAccount)
	rejects, cancels       int64
	qty                    int64 // traded, both sides
	notional               Int128
	trips, breakerOpens    int64 // OutKill and OutBreaker (open) naming the account
}

// symbol is one symbol's figures.
type symbol struct {
	id                      uint32
	name                    uint64 // packed (event.PackName), 0 until OutSymbol
	orders, trades, qty     int64
	rejects, cancels, halts int64
	notional                Int128
	first, last             int64 // trade prices
}

// opRow is one listed operator command and what it did.
type opRow struct {
	op      Operator
	effect  string
	settled bool // its input was seen
}

// New returns an empty Builder with [DefaultLimits].
func New() *Builder { return NewLimits(DefaultLimits) }

// NewLimits returns an empty Builder bounded by lim; a limit of 0 or less
// takes the default's value.
func NewLimits(lim Limits) *Builder {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
		*v = min(*v, math.MaxInt32-1) // positions are kept as int32
	}
	def(&lim.Accounts, DefaultLimits.Accounts)
	def(&lim.Symbols, DefaultLimits.Symbols)
	def(&lim.Pairs, DefaultLimits.Pairs)
	def(&lim.Timeline, DefaultLimits.Timeline)
	def(&lim.Operators, DefaultLimits.Operators)
	return &Builder{lim: lim, positions: newPairs(), acctRejects: newPairs()}
}

// Operator records an operator command. Call it before the [Builder.Input]
// of the same sequence: that input's outputs say what the command did.
func (b *Builder) Operator(op Operator) {
	b.tot.operators++
	if len(b.ops) >= b.lim.Operators {
		b.over.Operators++
		return
	}
	b.ops = append(b.ops, opRow{op: op})
	if b.pendHead == len(b.pending) {
		b.pending, b.pendHead = b.pending[:0], 0
	}
	b.pending = append(b.pending, len(b.ops)-1)
}

// Input counts one input event and the outputs the logic answered it with.
// It keeps nothing of outs, which the caller may reuse.
func (b *Builder) Input(in *event.In, outs []event.Out) {
	t := &b.tot
	if t.inputs == 0 {
		t.firstSeq, t.firstTS = in.Seq, in.TS
	}
	t.inputs++
	t.lastSeq, t.lastTS = in.Seq, in.TS
	bk := b.series.at(in.TS)
	if in.Kind == event.KindNew {
		b.series.orders[bk]++
	}
	if b.pendHead < len(b.pending) {
		b.settle(in, outs)
	}
	for i := range outs {
		b.out(&outs[i], bk)
	}
}

// settle gives the pending operator commands up to in's sequence what they
// did: in's outputs for the one of in's sequence, nothing for one whose
// input never came.
func (b *Builder) settle(in *event.In, outs []event.Out) {
	for b.pendHead < len(b.pending) {
		r := &b.ops[b.pending[b.pendHead]]
		if r.op.Seq > in.Seq {
			return
		}
		b.pendHead++
		if r.op.Seq == in.Seq {
			r.effect, r.settled = b.effect(outs), true
		}
	}
}

// out counts one output; bk is its time bucket.
func (b *Builder) out(o *event.Out, bk int) {
	t := &b.tot
	t.out++
	switch o.Kind {
	case event.OutAccepted:
		t.accepted++
		if a := b.acct(o.Account); a != nil {
			a.orders++
		}
		if s := b.sym(o.Symbol); s != nil {
			s.orders++
		}
	case event.OutRejected:
		t.rejected[o.Reason]++
		if a := b.acct(o.Account); a != nil {
			a.rejects++
			if !b.acctRejects.add(uint64(o.Account)<<8|uint64(o.Reason), 1, b.lim.Pairs) {
				b.over.AccountRejects++
			}
		}
		switch o.Reason {
		case event.ReasonUnknownSymbol, event.ReasonUnknownOrder, event.ReasonBadKind:
			// Symbol is not one the order traded in: an undefined id, or
			// whatever a cancel of an unknown order carried.
		default:
			if p, ok := b.symIdx.find(o.Symbol); ok {
				b.syms[p].rejects++
			}
		}
	case event.OutCancelled:
		t.cancelled++
		if a := b.acct(o.Account); a != nil {
			a.cancels++
		}
		if s := b.sym(o.Symbol); s != nil {
			s.cancels++
		}
	case event.OutTrade:
		t.trades++
		t.tradedQty += o.Qty
		t.notional.addMul(o.Price, o.Qty)
		b.series.trades[bk]++
		b.series.notional[bk].addMul(o.Price, o.Qty)
		b.side(o.Account, o.Symbol, o.Side, o.Price, o.Qty, true)
		b.side(o.OtherAccount, o.Symbol, o.Side.Opposite(), o.Price, o.Qty, false)
		if s := b.sym(o.Symbol); s != nil {
			if s.trades == 0 {
				s.first = o.Price
			}
			s.trades++
			s.qty += o.Qty
			s.notional.addMul(o.Price, o.Qty)
			s.last = o.Price
		}
	case event.OutSymbol:
		if s := b.sym(o.Symbol); s != nil {
			s.name = o.Other
		}
	case event.OutHalted:
		t.halts++
		if s := b.sym(o.Symbol); s != nil {
			s.halts++
		}
	case event.OutKill:
		t.trips++
		if a := b.acct(o.Account); a != nil {
			a.trips++
		}
		b.mark(o)
	case event.OutBreaker:
		t.breakers++
		if o.Reason == event.ReasonBreakerOpen {
			if a := b.acct(o.Account); a != nil {
				a.breakerOpens++
			}
		}
		b.mark(o)
	case event.OutClear:
		t.clears++
		b.mark(o)
	case event.OutPaused, event.OutUnpaused:
		t.pauses++
		b.mark(o)
	}
}

// side counts one side of a trade for account id: the taker's (Out.Side)
// or the maker's (the opposite side).
func (b *Builder) side(id, sym uint32, side event.Side, price, qty int64, taker bool) {
	a := b.acct(id)
	if a == nil {
		return
	}
	if taker {
		a.takerFills++
	} else {
		a.makerFills++
	}
	a.qty += qty
	a.notional.addMul(price, qty)
	if side == event.Sell {
		qty = -qty
	}
	if !b.positions.add(uint64(id)<<32|uint64(sym), qty, b.lim.Pairs) {
		b.over.Positions++
	}
}

// pairs sums int64 values by a composite key: one map lookup per add, and
// the map and slice grow only on a new key.
type pairs struct {
	idx  map[uint64]int32 // key -> position in vals
	keys []uint64
	vals []int64
}

func newPairs() pairs { return pairs{idx: map[uint64]int32{}} }

// add adds v to key's value, and reports false when key is new and limit
// keys are held.
func (p *pairs) add(key uint64, v int64, limit int) bool {
	i, ok := p.idx[key]
	if !ok {
		if len(p.vals) >= limit {
			return false
		}
		i = int32(len(p.vals))
		p.idx[key] = i
		p.keys = append(p.keys, key)
		p.vals = append(p.vals, 0)
	}
	p.vals[i] += v
	return true
}

// mark lists a timeline event.
func (b *Builder) mark(o *event.Out) {
	if len(b.timeline) >= b.lim.Timeline {
		b.over.Timeline++
		return
	}
	b.timeline = append(b.timeline, *o)
}

// acct returns account id's figures, adding it when new; nil for
// event.Any, and for a new account when the table is full (counted).
func (b *Builder) acct(id uint32) *account {
	if id == event.Any {
		return nil
	}
	if p, ok := b.acctIdx.find(id); ok {
		return &b.accts[p]
	}
	if len(b.accts) >= b.lim.Accounts {
		b.over.Accounts++
		return nil
	}
	b.acctIdx.insert(id, len(b.accts))
	b.accts = append(b.accts, account{id: id})
	return &b.accts[len(b.accts)-1]
}

// sym is acct for symbols.
func (b *Builder) sym(id uint32) *symbol {
	if id == event.Any {
		return nil
	}
	if p, ok := b.symIdx.find(id); ok {
		return &b.syms[p]
	}
	if len(b.syms) >= b.lim.Symbols {
		b.over.Symbols++
		return nil
	}
	b.symIdx.insert(id, len(b.syms))
	b.syms = append(b.syms, symbol{id: id})
	return &b.syms[len(b.syms)-1]
}
