package event

// OutKind is the kind of an output event. Kind 0 is invalid. The values are
// part of the output and journal formats: never renumber them, only append.
type OutKind uint8

// Output kinds. Every Out carries Seq and TS of the input that caused it, and
// Symbol. Other fields per kind (fields not listed are zero):
const (
	OutInvalid OutKind = 0
	// OutAccepted: an order passed validation. ID, Account, Side, Price (the
	// limit; for a market order the protection limit in force, 0 when the
	// opposite side was empty), Qty (order quantity), Other (client order id).
	OutAccepted OutKind = 1
	// OutRejected: an input was refused and changed nothing. Reason, ID,
	// Account, Side, Price, Qty as given, Other (client order id).
	OutRejected OutKind = 2
	// OutTrade: ID (taker order), Account (taker), Side (taker side), Other
	// (maker order), OtherAccount (maker), Price (the maker's price), Qty.
	OutTrade OutKind = 3
	// OutCancelled: an order left the book or the rest of an incoming order
	// was dropped. Reason says why; ID, Account, Side, Price (order price), Qty
	// (the quantity cancelled).
	OutCancelled OutKind = 4
	// OutReplaced: ID, Account, Side, Price (new price), Qty (new open
	// quantity), Reason ([ReasonPriorityKept] or [ReasonPriorityLost]).
	OutReplaced OutKind = 5
	// OutBook: one price level changed. Side, Price, Qty (the level's new
	// aggregate quantity, 0 when the level is gone), Other (orders at it).
	OutBook OutKind = 6
	// OutHalted: Symbol was halted.
	OutHalted OutKind = 7
	// OutResumed: Symbol resumed trading.
	OutResumed OutKind = 8
	// OutMassCancelled closes a mass cancel: Account and Symbol as given
	// (either may be [Any]), Qty (the number of orders cancelled).
	OutMassCancelled OutKind = 9
	// OutSymbol: symbol id Symbol is defined with the packed name in Other.
	OutSymbol OutKind = 10

	// Risk guard events.

	// OutKill: the kill switch of a scope tripped. Account and Symbol give
	// the scope ([Any] for all), Reason the guard that tripped
	// ([ReasonOperator] for a KindKill), Qty the measured figure, Price the
	// limit it crossed, Other the window in ns (0 when none).
	OutKill OutKind = 11
	// OutClear: the kill switch of the scope Account, Symbol was cleared.
	OutClear OutKind = 12
	// OutLimit: risk limit Other was set to Qty for Account, Symbol.
	OutLimit OutKind = 13
	// OutBreaker: the rate circuit breaker of Account ([Any] for the global
	// one) changed state; Reason is [ReasonBreakerOpen],
	// [ReasonBreakerHalfOpen] or [ReasonBreakerClosed], Qty the breaches
	// counted in the window, Other the event time the cool-down ends.
	OutBreaker OutKind = 14
	// OutParent: a parent instruction was granted. ID, Account, Symbol, Side;
	// Qty is the account's allowance in Symbol on Side now.
	OutParent OutKind = 15
	// OutPaused answers a KindPause: the logic stops after it until resumed.
	OutPaused OutKind = 16
	// OutUnpaused answers a KindUnpause.
	OutUnpaused OutKind = 17
	// OutHeld: a new order above an approval threshold is held by the risk
	// guard until approved, denied or timed out. ID, Account, Side, Price,
	// Qty as given, Other the pending id (the order's input sequence),
	// Reason the threshold crossed (ReasonApproveQty or
	// ReasonApproveNotional).
	OutHeld OutKind = 18
	// OutPrint answers a KindPrint: a trade outside the engine's books, for
	// the trade tape. ID, Side, Price, Qty as given, Other the print's Arg
	// (see [PrintHidden]).
	OutPrint OutKind = 19

	outKindCount OutKind = 20
)

// Valid reports whether k is a defined output kind.
func (k OutKind) Valid() bool { return k > OutInvalid && k < outKindCount }

var outKindNames = [...]string{"invalid", "accepted", "rejected", "trade", "cancelled", "replaced", "book", "halted", "resumed", "masscancelled", "symbol",
	"kill", "clear", "limit", "breaker", "parent", "paused", "unpaused", "held", "print"}

// String returns the kind's name as used in the CSV and JSON output formats.
func (k OutKind) String() string {
	if int(k) < len(outKindNames) {
		return outKindNames[k]
	}
	return "outkind?"
}

// Reason says why an input was rejected, why an order was cancelled, or how
// a replace treated priority. The values are part of the output and journal
// formats: never renumber them, only append. Reasons from [ReasonRiskBase] up
// are the risk guard's.
type Reason uint8

// Reasons.
const (
	ReasonNone Reason = 0

	// Rejections by the matcher, in the order it checks them.
	ReasonUnknownSymbol Reason = 1  // symbol id not defined (or out of range)
	ReasonBadAccount    Reason = 2  // account is [Any]
	ReasonBadSide       Reason = 3  // side is not buy or sell
	ReasonBadType       Reason = 4  // order type or STP mode undefined
	ReasonBadQty        Reason = 5  // quantity <= 0 or > MaxQty
	ReasonBadPrice      Reason = 6  // price out of range for the order type
	ReasonHalted        Reason = 7  // symbol is halted
	ReasonDuplicateID   Reason = 8  // a live order already has this id
	ReasonCapacity      Reason = 9  // the order pool is at its configured maximum
	ReasonWouldCross    Reason = 10 // post-only order would take liquidity
	ReasonUnknownOrder  Reason = 11 // cancel or replace of an id not resting
	ReasonNotOwner      Reason = 12 // cancel or replace from another account
	ReasonBadKind       Reason = 13 // input kind undefined
	ReasonBadSymbol     Reason = 14 // symbol definition conflicts or is malformed

	// Cancellations.
	ReasonUser        Reason = 32 // cancelled on request
	ReasonIOC         Reason = 33 // unfilled rest of an IOC order
	ReasonFOK         Reason = 34 // FOK order could not fill completely
	ReasonSTP         Reason = 35 // self-trade prevention
	ReasonMassCancel  Reason = 36 // mass cancel
	ReasonProtection  Reason = 37 // market order reached its protection limit
	ReasonNoLiquidity Reason = 38 // market order found the opposite side empty
	ReasonSync        Reason = 39 // a KindSync set the level to a venue's book

	// Replacements.
	ReasonPriorityKept Reason = 48 // same price, quantity not increased
	ReasonPriorityLost Reason = 49 // price changed or quantity increased

	// ReasonRiskBase is the first reason of the risk guard.
	ReasonRiskBase Reason = 64

	// Pre-trade rejections by the risk guard.
	ReasonMaxQty           Reason = 64 // order quantity above the limit
	ReasonMaxNotional      Reason = 65 // order notional above the limit
	ReasonPriceCollar      Reason = 66 // price too far from the reference price
	ReasonNoReference      Reason = 67 // no reference price to check the collar against
	ReasonMaxOpenOrders    Reason = 68 // account has too many open orders
	ReasonNetPosition      Reason = 69 // net position plus open orders above the limit
	ReasonGrossPosition    Reason = 70 // gross position plus open orders above the limit
	ReasonCredit           Reason = 71 // account's credit limit exhausted
	ReasonDuplicateClOrdID Reason = 72 // client order id already used by the account
	ReasonRestricted       Reason = 73 // symbol restricted for the account
	ReasonThrottleMsgs     Reason = 74 // message rate above its token bucket
	ReasonThrottleOrders   Reason = 75 // new-order rate above its token bucket
	ReasonBreakerOpen      Reason = 76 // rate breaker open (also an OutBreaker state)
	ReasonKilled           Reason = 77 // kill switch tripped for the scope
	ReasonParentExceeded   Reason = 78 // child orders would exceed the parent instructions
	ReasonBadLimit         Reason = 79 // setlimit: limit id undefined, not settable for the scope, or value out of range
	ReasonTooManyAccounts  Reason = 80 // a new account, and the guard holds max_accounts accounts
	ReasonTooManyParents   Reason = 81 // a parent instruction for a new account and symbol, and max_parents hold one
	ReasonDenied           Reason = 82 // a held order denied by an operator
	ReasonApprovalTimeout  Reason = 83 // a held order not approved in time
	ReasonTooManyPending   Reason = 84 // an order to hold for approval, and max_pending are held
	ReasonUnknownPending   Reason = 85 // approve or deny of no held order
	ReasonApproveQty       Reason = 86 // held: quantity above approve_qty
	ReasonApproveNotional  Reason = 87 // held: notional above approve_notional_usd

	// Kill-switch trips (OutKill) and breaker states (OutBreaker).
	ReasonOperator        Reason = 96  // an operator's KindKill
	ReasonExecCeiling     Reason = 97  // executions in a window above the ceiling
	ReasonQtyCeiling      Reason = 98  // traded quantity in a window above the ceiling
	ReasonNotionalCeiling Reason = 99  // traded notional in a window above the ceiling
	ReasonExecAnomaly     Reason = 100 // executions far above the learned baseline
	ReasonQtyAnomaly      Reason = 101 // traded quantity far above the learned baseline
	ReasonNotionalAnomaly Reason = 102 // traded notional far above the learned baseline
	ReasonLoss            Reason = 103 // realised plus marked-to-market loss above the limit
	ReasonOutVsIn         Reason = 104 // executions beyond the parent instructions
	ReasonBreakerHalfOpen Reason = 105 // breaker cool-down over: trial traffic
	ReasonBreakerClosed   Reason = 106 // breaker closed again
)

var reasonNames = [256]string{
	ReasonNone:          "none",
	ReasonUnknownSymbol: "unknown_symbol",
	ReasonBadAccount:    "bad_account",
	ReasonBadSide:       "bad_side",
	ReasonBadType:       "bad_type",
	ReasonBadQty:        "bad_qty",
	ReasonBadPrice:      "bad_price",
	ReasonHalted:        "halted",
	ReasonDuplicateID:   "duplicate_id",
	ReasonCapacity:      "capacity",
	ReasonWouldCross:    "would_cross",
	ReasonUnknownOrder:  "unknown_order",
	ReasonNotOwner:      "not_owner",
	ReasonBadKind:       "bad_kind",
	ReasonBadSymbol:     "bad_symbol",
	ReasonUser:          "user",
	ReasonIOC:           "ioc",
	ReasonFOK:           "fok",
	ReasonSTP:           "stp",
	ReasonMassCancel:    "mass_cancel",
	ReasonProtection:    "protection",
	ReasonNoLiquidity:   "no_liquidity",
	ReasonSync:          "sync",
	ReasonPriorityKept:  "priority_kept",
	ReasonPriorityLost:  "priority_lost",

	ReasonMaxQty:           "max_qty",
	ReasonMaxNotional:      "max_notional",
	ReasonPriceCollar:      "price_collar",
	ReasonNoReference:      "no_reference_price",
	ReasonMaxOpenOrders:    "max_open_orders",
	ReasonNetPosition:      "net_position",
	ReasonGrossPosition:    "gross_position",
	ReasonCredit:           "credit_limit",
	ReasonDuplicateClOrdID: "duplicate_clordid",
	ReasonRestricted:       "restricted_symbol",
	ReasonThrottleMsgs:     "throttle_messages",
	ReasonThrottleOrders:   "throttle_orders",
	ReasonBreakerOpen:      "breaker_open",
	ReasonKilled:           "killed",
	ReasonParentExceeded:   "parent_exceeded",
	ReasonBadLimit:         "bad_limit",
	ReasonTooManyAccounts:  "too_many_accounts",
	ReasonTooManyParents:   "too_many_parents",
	ReasonDenied:           "denied",
	ReasonApprovalTimeout:  "approval_timeout",
	ReasonTooManyPending:   "too_many_pending",
	ReasonUnknownPending:   "unknown_pending",
	ReasonApproveQty:       "approve_qty",
	ReasonApproveNotional:  "approve_notional",

	ReasonOperator:        "operator",
	ReasonExecCeiling:     "exec_ceiling",
	ReasonQtyCeiling:      "qty_ceiling",
	ReasonNotionalCeiling: "notional_ceiling",
	ReasonExecAnomaly:     "exec_anomaly",
	ReasonQtyAnomaly:      "qty_anomaly",
	ReasonNotionalAnomaly: "notional_anomaly",
	ReasonLoss:            "loss",
	ReasonOutVsIn:         "out_vs_in",
	ReasonBreakerHalfOpen: "breaker_half_open",
	ReasonBreakerClosed:   "breaker_closed",
}

// String returns the reason's snake_case name, as used in the output formats
// and the run summary.
func (r Reason) String() string {
	if n := reasonNames[r]; n != "" {
		return n
	}
	return "reason_" + itoa(int(r))
}

// Known reports whether r has a name.
func (r Reason) Known() bool { return reasonNames[r] != "" }

func itoa(v int) string {
	var b [20]byte
	i := len(b)
	if v == 0 {
		return "0"
	}
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[i:])
}

// Out is one output event. It is 64 bytes, one cache line, and holds no
// pointers. Seq is the sequence of the input that caused it and TS that
// input's event time.
type Out struct {
	Seq          uint64  // 0:8   sequence of the causing input
	TS           int64   // 8:16  event time of the causing input, ns
	ID           uint64  // 16:24 order id (the taker's, for a trade)
	Other        uint64  // 24:32 maker id, client order id, or order count
	Price        int64   // 32:40 ticks
	Qty          int64   // 40:48 lots
	Symbol       uint32  // 48:52 symbol id
	Account      uint32  // 52:56 account of ID
	OtherAccount uint32  // 56:60 maker's account, for a trade
	Kind         OutKind // 60
	Side         Side    // 61
	Reason       Reason  // 62
	_            uint8   // 63 padding, always zero
}
