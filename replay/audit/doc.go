// Package audit owns the audit report of a journaled trading day (issue
// 14's `engine audit`): it accumulates what a replay feeds it and renders
// the report as text for people, JSON and CSV for tools, and one
// self-contained HTML page with charts. It does not read journals or run
// the logic: the replayer does, and calls a [Builder].
//
// # Feeding a Builder
//
// For every journaled input, in sequence order, call [Builder.Input] with
// the input and the outputs the engine's logic answered it with. For an
// operator command (journaled from the admin socket with who sent it), call
// [Builder.Operator] before the Input of the same sequence: the outputs of
// that input are what the command did. A command whose input never comes
// is reported as "input not seen". Then [Builder.Report] with the
// journal's [Integrity], which the caller fills (verify result, range,
// checkpoints).
//
// # What the report holds
//
//   - Totals. orders_accepted, orders_rejected (by reason), rejected_total,
//     cancelled, trades, traded_quantity and events_out are counted exactly
//     as pipeline.Summary counts them (pipeline/summary.go, counts.add), so
//     an audit of a journal equals the live run's summary. Traded notional
//     (price*qty, ticks*lots) is summed exactly in 128 bits ([Int128]).
//   - Per account (by id): orders accepted, fills as taker and as maker (a
//     trade counts once for each side, twice for one account in a
//     self-trade), rejects by reason, cancels, traded quantity and notional
//     of both sides, the final net position per symbol (the taker is on
//     Out.Side, the maker on the opposite side; buy +, sell −), and the
//     kill-switch trips and breaker openings that name the account.
//   - Per symbol (by id, with the name from its OutSymbol): orders, trades,
//     traded quantity and notional, VWAP, first and last trade price,
//     rejects, cancels, halts.
//   - Operator commands: sequence, time, uid/gid/pid, the text as typed and
//     what it did.
//   - A timeline of kill-switch (OutKill, OutClear), breaker (OutBreaker)
//     and pause (OutPaused, OutUnpaused) events with their figures.
//   - New orders, trades and notional over time in at most [SeriesBuckets]
//     equal buckets, for the HTML charts.
//   - The integrity section, as given.
//
// # Bounds
//
// The Builder's memory does not grow with the number of events: the time
// buckets are a fixed array whose width doubles as the day grows, and the
// accounts, symbols, positions, operator commands and timeline events it
// keeps are bounded by [Limits] ([DefaultLimits]: a million accounts and
// symbols, 100,000 commands and timeline events). What did not fit is
// counted in [Overflow] and said in every form of the report; the totals
// are always complete. [Builder.Input] does not allocate once the day's
// accounts and symbols have been seen.
package audit
