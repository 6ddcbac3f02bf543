// Package risk owns the risk guard that stands in front of the matcher:
// pre-trade checks, rate circuit breakers, output-volume anomaly kill
// switches, the loss and out-versus-in guards, and the kill switch with its
// scopes (account, symbol, account and symbol, all). It exists so that a
// runaway like Knight Capital's (1 August 2012: in 45 minutes one router
// sent millions of child orders and got more than 4 million executions in
// 154 stocks, because no control compared what went out with what came in)
// is stopped in milliseconds of event time, automatically, while a normal
// trading day never trips a guard.
//
// # Contract
//
// [Guard.Apply] has the contract of matcher.Engine.Apply: it answers one
// event.In by appending event.Out events, at least one, each with the
// input's Seq and TS. The guard answers its own inputs (KindKill,
// KindClear, KindSetLimit, KindParent, KindApprove, KindDeny); it runs its
// checks on new orders and replaces, holds the orders that need an
// operator's approval (OutHeld, see Approval), passes what it accepts (and
// every other input) to the matcher, then keeps its books from the
// matcher's outputs and runs its detectors on them. A rejection by the guard is an OutRejected with a risk
// reason, carrying the input's fields as the matcher's rejections do (for a
// replace, the order's symbol), and changes nothing in the matcher. A trip
// appends OutKill after the outputs of the input that caused it and, where
// configured, the outputs of a KindMassCancel of the killed scope applied
// with the same Seq and TS.
//
// # Order of checks
//
// A new order, in this order, the first failure rejecting it:
//  1. kill switches: the engine's, the account's, the symbol's, the
//     account's in the symbol: ReasonKilled;
//  2. rate breakers open (the engine's, the account's): ReasonBreakerOpen;
//  3. message buckets (the engine's, then the account's):
//     ReasonThrottleMsgs; new-order buckets (the same):
//     ReasonThrottleOrders. A breach counts for the breaker of the bucket's
//     scope, and nothing is taken from any bucket;
//  4. the matcher's field checks (account, side, type, quantity, price,
//     symbol defined): an order failing them goes to the matcher, which
//     rejects it with its own reason; an order id held for approval is
//     taken, as a resting order's is: ReasonDuplicateID;
//  5. restricted symbol: ReasonRestricted;
//  6. quantity above the tighter of the account's and the symbol's
//     max_order_qty: ReasonMaxQty;
//  7. price collar: ReasonPriceCollar, or ReasonNoReference (see below);
//  8. notional (price times quantity) above max_order_notional_usd:
//     ReasonMaxNotional;
//  9. client order id (In.Aux, 0 for none) already used by the account
//     among the last clordid_window orders that carried one:
//     ReasonDuplicateClOrdID;
//  10. a limit or post-only order when the account has max_open_orders
//     open: ReasonMaxOpenOrders;
//  11. net position, counting the open orders of the order's side as
//     filled, above max_net_position: ReasonNetPosition;
//  12. gross position (|net| plus open orders of both sides) above
//     max_gross_position: ReasonGrossPosition;
//  13. a buy whose notional would take the account's credit above
//     credit_usd: ReasonCredit;
//  14. for an account that has received parent instructions: executed plus
//     open child quantity in the symbol and side above what the parents
//     granted: ReasonParentExceeded;
//  15. quantity above the tighter of the account's and the symbol's
//     approve_qty, else notional above approve_notional_usd: the order is
//     held for approval (OutHeld, ReasonApproveQty or
//     ReasonApproveNotional), or rejected with ReasonTooManyPending when
//     max_pending orders are held (see Approval).
//
// A replace is checked the same way with the order's symbol and side
// (steps 1 to 4 with no new-order bucket), and, unless it only cuts the
// quantity at the same price, steps 5 to 8 on the new price and quantity
// and 11 to 14 on the quantity it adds, then step 15: a replace is never
// held, and one that raises the quantity above approve_qty, or the
// notional above approve_notional_usd, is rejected with ReasonApproveQty
// or ReasonApproveNotional (else a small order could be replaced into one
// that needs an approval). Cancels and mass cancels are never
// refused: they take a message token when there is one, so a runaway can
// always be pulled, even while its account is killed or its breaker open.
//
// The reference price of the collar is the symbol's last trade, else the
// mid of its book, else its ref_price_ticks, else the best price of a
// one-sided book. The collar is the larger of collar_bps of the reference
// and collar_ticks; a buy above the reference plus the collar, or a sell
// below the reference minus it, is rejected. A symbol with no reference at
// all lets orders pass without a collar, unless require_reference is set
// (ReasonNoReference). A market order's protection limit, when it has one,
// is checked like a limit price; without one, the best opposite price it
// will start trading at is checked (an empty opposite side cannot trade),
// and that price values it for the notional and credit checks.
//
// # Books
//
// The guard keeps its own books from the matcher's outputs: per account its
// open orders, credit (notional of open buy orders at their limits, plus
// long positions at average cost) and profit and loss; per account and
// symbol its net position, open quantity per side, executed quantity per
// side, parent allowances, cash and cost. OutAccepted opens an order,
// OutCancelled closes one, OutReplaced moves it, OutTrade fills the taker
// and the maker. The matcher leaves a maker partly filled only when the
// taker is done, so a maker is known to be filled completely without a
// lookup while the taker has quantity left; otherwise matcher.Engine.Lookup
// tells (once per taker). A replace looks the order up before it is
// applied. The guard keeps no table of orders of its own: one would cost an
// insert and a delete of a hash table per resting order (17 to 40 ns per
// order in internal/idindex's benchmark), where the lookups cost one probe
// per taker and per replace.
//
// Profit and loss is realised plus marked to market: cash (sold minus bought
// notional) plus the position marked at the symbol's last trade price, as
// of the account's last execution in that symbol (an account's figure is
// re-marked for a symbol when the account trades in it). The loss guard
// measures the drawdown over loss_window: the highest figure seen in the
// window minus the current one, and trips above max_loss_usd (ReasonLoss).
//
// # Rate breakers
//
// Token buckets on messages and on new orders, per account and for the
// engine, in event time, kept as the generic cell rate algorithm: one
// theoretical arrival time per bucket, fixed point (ns << 10), no division
// or multiplication per message. A bucket of rate r and size b allows a
// burst of b messages, then r a second. Breaker states are reported with
// OutBreaker (Account event.Any for the engine's; Qty the breaches counted,
// Other the event time the state ends): breaker_breaches breaches within
// breaker_window open it (ReasonBreakerOpen) for breaker_cooldown; then it
// is half-open (ReasonBreakerHalfOpen): traffic passes, and a breach opens
// it again, while breaker_probe without a breach closes it
// (ReasonBreakerClosed). Timed transitions are reported on the first order
// or replace that meets the breaker at or after the time, before that
// input's own outputs.
//
// # Output-volume detectors
//
// Executions, traded quantity and traded notional are counted per account
// (each side of a trade counts for its account), per symbol and for the
// engine over three sliding windows (windows, default 1 s, 10 s, 60 s),
// each a ring of 10 buckets in event time. Each window trips against a fixed
// ceiling (max_execs, max_qty_traded, max_notional_traded_usd:
// ReasonExecCeiling, ReasonQtyCeiling, ReasonNotionalCeiling) and against
// its learned baseline (ReasonExecAnomaly, ReasonQtyAnomaly,
// ReasonNotionalAnomaly): the mean and the mean absolute deviation of the
// window's completed periods, in fixed point (scale 16), a plain average
// for the first baseline_periods periods and then exponentially weighted. A
// window is anomalous when it counts more than its anomaly floor, more than
// the mean plus anomaly_deviations deviations, and more than
// anomaly_ratio_pct percent of the mean, once warmup_periods periods have
// passed since the scope was first seen. OutKill carries the measured
// figure in Qty, the limit it crossed in Price (notional in whole dollars)
// and the window in Other. The windows are checked exactly at every
// execution; on the fast path an execution only adds to a cache line of
// pending figures until they could cross a limit or a bucket ends.
//
// # Out versus in
//
// KindParent grants an account a parent instruction: its child orders in a
// symbol and side may add up to Qty lots, executed or open (OutParent
// reports what it may still add). From its first parent instruction every
// new order of the account is a child: one that would take executed plus
// open quantity beyond the grants is rejected with ReasonParentExceeded,
// and parent_excess such rejections within parent_window trip the account's
// kill switch (ReasonOutVsIn; Qty what it tried to reach, Price what the
// parents allowed). This is the control the SEC found Knight lacked.
//
// # Approval
//
// An order that passes every check and is above an approval threshold
// (step 15) is not passed to the matcher: the guard answers OutHeld (the
// order's ID, Account, Symbol, Side, Price and Qty as given, Reason the
// threshold crossed, Other its pending id: the order's input sequence) and
// holds it until one of these, each answered with the Seq and TS of the
// input that causes it:
//
//   - KindApprove naming the pending id (In.ID): the order is checked
//     again for what may have changed since it was held (steps 1, 2 and 5
//     to 14: kill switches, open breakers, restriction, quantity, collar,
//     notional, open orders, positions, credit, parents; not the buckets,
//     whose tokens it took when it arrived, nor its client order id, which
//     it holds, nor the approval thresholds) and, if it passes, goes to the
//     matcher now (OutAccepted and whatever follows); else it is rejected
//     with the check's reason;
//   - KindDeny naming the pending id: OutRejected with ReasonDenied;
//   - the approval timeout (approval_timeout, event time, 0 for none): on
//     every input, before anything else, the held orders held at least
//     approval_timeout before the input's time are rejected with
//     ReasonApprovalTimeout, oldest first;
//   - a KindCancel of its ID from its account: OutCancelled, ReasonUser,
//     Qty the order's (from another account: ReasonNotOwner, and it stays
//     held);
//   - a kill of a scope covering it that cancels the scope's resting
//     orders (a KindKill with KillCancel, an automatic trip listed in
//     cancel_on_trip): OutRejected with ReasonKilled, after the mass
//     cancel's outputs. A kill that does not cancel leaves it held (its
//     approval is then refused with ReasonKilled unless the kill is
//     cleared first).
//
// Rejections of a held order carry its fields (Other its client order id).
// An approve or deny of no held order is rejected with
// ReasonUnknownPending. A held order never rests or trades before it is
// approved, and counts for nothing (it is not an open order, adds no open
// quantity, credit or parent use; the approval's re-checks see what it
// would add), but its order id and client order id are taken: a new order
// with either is rejected as a duplicate, the order id until the held order
// is resolved, the client order id as for an order passed to the matcher.
// A replace of it finds no resting order (ReasonUnknownOrder) and a mass
// cancel does not touch it. An order the matcher would refuse at once (its
// symbol halted, its id resting) goes to the matcher instead of being held.
// Changing a threshold leaves the orders already held as they are.
//
// At most max_pending orders are held, in a table allocated as it grows (by
// doubling, up to the bound) and never shrunk: holding, approving, denying
// and timing out allocate nothing in steady state. The held orders are
// part of the guard's state (see [Guard.AppendState]); [Guard.Pending]
// lists them, oldest first.
//
// # Kill switch
//
// Scopes: an account (Account set, Symbol event.Any), a symbol (the
// reverse), an account in a symbol (both set), all (both event.Any). A
// trip, automatic or by an operator's KindKill (ReasonOperator), rejects new
// orders and replaces in the scope with ReasonKilled; cancels always pass.
// Automatic trips listed in cancel_on_trip, and a KindKill with Arg
// event.KillCancel, also cancel the scope's resting orders through the
// matcher's mass cancel, and reject its orders held for approval
// (ReasonKilled). A trip is latched until an operator's KindClear of
// exactly that scope (OutClear): clearing an account does not lift a kill of
// the engine or of a symbol. A clear re-arms the scope's detectors: its
// window totals restart from zero (the baselines are kept), an account's
// loss is measured from its current figure and its parent excesses are
// forgotten.
//
// # Configuration
//
// [ParseConfig] reads a file of sections and keys; testdata/default.conf
// is [DefaultConfig] spelled out, with the reasons for every number:
//
//	# comment
//	[global]            engine-wide: units, windows, baselines, the engine's limits
//	[defaults]          every account's limits
//	[symbols]           every symbol's limits
//	[account 42]        one account: what differs, and restricted = SYM, SYM
//	[symbol AAPL]       one symbol (by name, applied when it is defined)
//	[admin]             the admin socket's roles: package admin's, skipped here
//	key = value         values: 1_000_000, off (0, no limit), yes/no, 250ms, 0.01
//
// [global] only: tick_usd, lot_shares (they turn the _usd limits into
// tick-lots), windows, baseline_periods, warmup_periods,
// anomaly_deviations, anomaly_ratio_pct, loss_window, clordid_window,
// max_accounts, max_parents, max_pending (the bounds of the guard's tables;
// see [Config]), approval_timeout, cancel_on_trip (all, none, or trip
// reason names). The lines of an [admin] section, up to the next section
// header, are skipped (they keep the file's key = value syntax), and nothing of them is in the [Config] (nor
// in its JSON, which the pipeline journals). Every other key is a
// [Limit]; its documentation says which sections take it, and a limit that
// exists for accounts and symbols applies as the tighter of the two. Keys of
// the output-volume detectors take three values, one per window. A bad file
// is refused with a [*ParseError], "name:line: reason": an unknown section
// or key, a bad number or duration, a value out of range, a duplicate
// section or key, a key in a section that does not take it, or settings
// that conflict (an order rate above the message rate, a rate without a
// burst, a net position limit above the gross one...).
//
// KindSetLimit sets a limit at run time: Arg is the [Limit] id, Qty the
// value in the key's unit. Account set and Symbol event.Any: that account's
// limit; Account event.Any and Symbol set: that symbol's; both set: only
// LimitRestricted; both event.Any: the default of every account (or of
// every symbol, for a symbol-only limit), which accounts and symbols with a
// value of their own keep, or, with [LimitGlobal] or-ed into Arg, the
// engine's. OutLimit acknowledges it (Other the Arg, Qty the value);
// ReasonBadLimit refuses an undefined limit, a scope the limit does not
// have, a value out of range or one that conflicts with the scope's other
// limits, and ReasonUnknownSymbol an undefined symbol.
//
// # Determinism
//
// The guard runs on event time only (the latest In.TS seen; an earlier TS
// counts as that time), never the wall clock; it uses no randomness and no
// floating point in its state or decisions (money is integer tick-lots,
// baselines are fixed point, sums saturate rather than wrap); no output
// depends on the iteration order of a Go map or of a hash table; and it does
// not allocate per input in steady state. The same inputs give the same
// outputs and the same state, byte for byte, on any machine.
// [Guard.AppendState] encodes the whole state canonically (sorted,
// versioned, length-checked) for snapshots and digests, and
// [Guard.LoadState] restores it.
//
// # Views
//
// For an operator, between two inputs (they allocate, and change
// nothing): [Guard.Guards] lists the engine's guards and the scopes not in
// their normal state, [Guard.Kills] the latched kill switches,
// [Guard.Limits] the limits in force, [Guard.Pending] and
// [Guard.PendingCount] the orders held for approval; [Guard.Account],
// [Guard.Position], [Guard.Killed], [Guard.Breaker] and [Guard.Limit] one
// scope each.
package risk
