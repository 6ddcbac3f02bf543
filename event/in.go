// Package event owns the engine's data model: the fixed-size, pointer-free
// input and output events that travel through the rings, the journal and the
// wire formats, their enumerations, and their canonical byte encoding.
//
// Prices are int64 ticks, quantities int64 lots, order ids uint64 and symbols
// small integers (a symbol table maps names to ids at ingest). There are no
// floats and no pointers, so a ring or journal full of events is nothing the
// garbage collector has to scan.
//
// An [In] is one instruction to the engine (an order, a cancel, an operator
// command); the logic answers each In with one or more [Out] events, every one
// carrying the sequence of the In that caused it. The meaning of each field per
// kind is documented on the kind constants.
package event

import "math"

// Kind is the kind of an input event. Kind 0 is invalid so that zeroed memory
// never reads as an event. The values are part of the feed and journal
// formats: never renumber them, only append.
type Kind uint8

// Input kinds. Field use per kind (fields not listed are zero):
const (
	KindInvalid Kind = 0
	// KindNew submits an order: Symbol, Account, ID, Side, Type, Price (limit
	// price; for Market an optional protection limit, 0 = use the configured
	// band), Qty, STP (self-trade prevention mode), Aux (client order id).
	KindNew Kind = 1
	// KindCancel cancels a resting order: Account, ID.
	KindCancel Kind = 2
	// KindReplace changes a resting order: Account, ID, Price (new price), Qty
	// (new open quantity).
	KindReplace Kind = 3
	// KindMassCancel cancels every resting order in a scope: Account (or
	// [Any]) and Symbol (or [Any]).
	KindMassCancel Kind = 4
	// KindHalt halts trading in Symbol: new orders and replaces are rejected,
	// cancels still work.
	KindHalt Kind = 5
	// KindResume resumes trading in Symbol.
	KindResume Kind = 6
	// KindSymbol defines symbol id Symbol with the name packed in Aux (see
	// [PackName]). A feed decoder emits it the first time it sees a name.
	KindSymbol Kind = 7

	// Operator commands for the risk guard. They are journaled and sequenced
	// like orders, so their effect replays exactly.

	// KindKill trips the kill switch of a scope: Account (or [Any]) and
	// Symbol (or [Any]); both Any is the whole engine. Arg [KillCancel] also
	// cancels the scope's resting orders.
	KindKill Kind = 8
	// KindClear clears the latched kill switch of a scope (Account and
	// Symbol as in KindKill), whether an operator or a guard tripped it.
	KindClear Kind = 9
	// KindSetLimit sets risk limit number Arg (the limit ids are the risk
	// guard's) for Account and Symbol ([Any] for the default of every
	// account or symbol) to Qty.
	KindSetLimit Kind = 10
	// KindParent grants a parent instruction to Account: its child orders
	// in Symbol on Side may add up to Qty more lots, executed or open. ID is
	// the parent's id, for the audit trail.
	KindParent Kind = 11
	// KindPause stops the logic at this event's boundary: the events after
	// it are journaled and wait until a KindUnpause (or an operator's resume,
	// which precedes its own event) lets the logic go on. It changes no
	// answer: a replay runs through it. Answered with OutPaused.
	KindPause Kind = 12
	// KindUnpause is the operator's resume after a KindPause. Answered with
	// OutUnpaused.
	KindUnpause Kind = 13
	// KindApprove releases the order the risk guard holds for approval
	// (OutHeld) whose pending id is ID: it goes on to the matcher as if it
	// arrived now.
	KindApprove Kind = 14
	// KindDeny refuses the held order whose pending id is ID: it is
	// rejected with ReasonDenied.
	KindDeny Kind = 15

	// Market data.

	// KindPrint reports a trade that took place outside the books the
	// engine keeps (a hidden order's execution, an auction cross, a trade
	// elsewhere): Symbol, Price, Qty, Side (the side of the order that
	// was executed, SideNone when not known), ID (the venue's order or
	// match id, 0 when none) and Arg (what it was: [PrintHidden],
	// [PrintCross], 0 for another). It changes no book and no risk state;
	// the logic answers with OutPrint, so that the trade tape of the
	// output (a volume, a VWAP) is the venue's.
	KindPrint Kind = 16
	// KindSync sets one price level of Symbol's Side to what a venue's own
	// book shows, for a feed that replays a venue's day whose orders do not
	// explain its book (a LOBSTER file leaves out what rested before it
	// starts and below its levels): Price and Qty (the level's aggregate
	// to reach), Aux (the price of the level ranked above it, 0 for the
	// best), Account and ID (for the order it may add). The levels strictly
	// between Aux and Price are emptied (for the best level, every level
	// better than Price; with Price 0, every level worse than Aux: the
	// venue shows no more). A level short of Qty gets an order of the
	// difference at the back of its queue, behind the orders the feed did
	// show (on LOBSTER's AMZN level-1 day that placement made 94.6% of the
	// visible executions fill the order LOBSTER names, against 92.9% at
	// the front); one above Qty loses the difference, the sync orders of
	// Account first, then the newest orders. Nothing matches: the book may
	// cross between the syncs of one row.
	KindSync Kind = 17

	// kindCount is one past the last valid kind.
	kindCount Kind = 18
)

// What a KindPrint reports, in its Arg.
const (
	PrintHidden uint16 = 1 // the execution of a hidden order
	PrintCross  uint16 = 2 // an auction cross
)

// KillCancel in the Arg of a KindKill also cancels the resting orders of the
// scope.
const KillCancel uint16 = 1

// Valid reports whether k is a defined input kind.
func (k Kind) Valid() bool { return k > KindInvalid && k < kindCount }

var kindNames = [...]string{"invalid", "new", "cancel", "replace", "masscancel", "halt", "resume", "symbol",
	"kill", "clear", "setlimit", "parent", "pause", "unpause", "approve", "deny", "print", "sync"}

// String returns the kind's name as used in the CSV feed format.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind?"
}

// Side is the side of an order. Side 0 is invalid.
type Side uint8

// Sides. The values are part of the feed and journal formats.
const (
	SideNone Side = 0
	Buy      Side = 1
	Sell     Side = 2
)

// Valid reports whether s is Buy or Sell.
func (s Side) Valid() bool { return s == Buy || s == Sell }

// Opposite returns the other side.
func (s Side) Opposite() Side { return 3 - s }

// String returns "buy", "sell", "none" for SideNone, or "side?" for a value
// that is not a side.
func (s Side) String() string {
	switch s {
	case Buy:
		return "buy"
	case Sell:
		return "sell"
	case SideNone:
		return "none"
	}
	return "side?"
}

// OrdType is the order type, which includes its time in force.
type OrdType uint8

// Order types. The values are part of the feed and journal formats.
const (
	TypeInvalid OrdType = 0
	// Limit is a good-till-cancelled limit order: it matches what it can and
	// rests the remainder.
	Limit OrdType = 1
	// IOC matches what it can at its limit and cancels the remainder.
	IOC OrdType = 2
	// FOK fills completely at its limit in one go or is cancelled whole.
	FOK OrdType = 3
	// Market matches at any price within a protection limit and cancels the
	// remainder; it never rests.
	Market OrdType = 4
	// PostOnly rests without taking liquidity; it is rejected if it would
	// cross the book on arrival.
	PostOnly OrdType = 5

	typeCount OrdType = 6
)

// Valid reports whether t is a defined order type.
func (t OrdType) Valid() bool { return t > TypeInvalid && t < typeCount }

var typeNames = [...]string{"invalid", "limit", "ioc", "fok", "market", "post"}

// String returns the type's name as used in the CSV feed format.
func (t OrdType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "type?"
}

// STP is the self-trade prevention mode of an incoming order. It applies when
// the incoming order would trade with a resting order of the same account.
type STP uint8

// Self-trade prevention modes. The values are part of the feed and journal
// formats.
const (
	// STPNone lets an account trade with itself.
	STPNone STP = 0
	// STPCancelResting cancels the resting order and goes on matching.
	STPCancelResting STP = 1
	// STPCancelIncoming cancels the rest of the incoming order.
	STPCancelIncoming STP = 2
	// STPCancelBoth cancels the resting order and the rest of the incoming.
	STPCancelBoth STP = 3

	stpCount STP = 4
)

// Valid reports whether m is a defined mode.
func (m STP) Valid() bool { return m < stpCount }

var stpNames = [...]string{"none", "cancel-resting", "cancel-incoming", "cancel-both"}

// String returns the mode's name as used in the CSV feed format.
func (m STP) String() string {
	if int(m) < len(stpNames) {
		return stpNames[m]
	}
	return "stp?"
}

// Any in the Account or Symbol field of a KindMassCancel means "all". It is
// never a valid account or symbol id.
const Any uint32 = math.MaxUint32

// Limits on order fields, chosen so that a notional (price times quantity)
// always fits in an int64. They are part of the engine's contract: an order
// outside them is rejected with [ReasonBadQty] or [ReasonBadPrice].
const (
	MaxQty   int64 = 1 << 30 // largest quantity of one order, in lots
	MaxPrice int64 = 1 << 32 // largest price, in ticks
)

// In is one input event: an order, a cancel, a replace or an operator
// command. It is 64 bytes, one cache line, and holds no pointers.
//
// Seq is assigned at ingest and is contiguous from 1; TS is the event time in
// nanoseconds, stamped once at ingest (or taken from the feed), and the only
// clock the logic ever reads.
type In struct {
	Seq     uint64  // 0:8   input sequence, assigned at ingest
	TS      int64   // 8:16  event time, ns
	ID      uint64  // 16:24 order id
	Price   int64   // 24:32 ticks
	Qty     int64   // 32:40 lots
	Aux     uint64  // 40:48 client order id, or a packed symbol name
	Symbol  uint32  // 48:52 symbol id
	Account uint32  // 52:56 account id
	Arg     uint16  // 56:58 command argument (reserved for operator commands)
	Kind    Kind    // 58
	Side    Side    // 59
	Type    OrdType // 60
	STP     STP     // 61
	_       [2]byte // 62:64 padding, always zero
}
