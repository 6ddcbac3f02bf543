// Package matcher owns the limit order books: one book per symbol with strict
// price-time priority, the order types, self-trade prevention, cancels,
// replaces, mass cancels, halts and depth queries.
//
// The matcher is single threaded and deterministic: the same inputs in the
// same order always give the same outputs, byte for byte. It never reads a
// clock (time is the input's TS), never iterates a map and never allocates in
// steady state: orders live in a preallocated pool of values indexed by int32,
// an open-addressing table maps order ids to pool slots, and price levels are
// kept sorted in preallocated arrays.
//
// # Contract
//
// [Engine.Apply] takes one [event.In] and appends its [event.Out] answer to a
// caller's buffer. Every input gets at least one output, and every output
// carries the input's Seq and TS. Symbol is the symbol of the book concerned
// (for a cancel or replace, the order's; for a rejection before the order is
// found, the input's Symbol). A rejection carries the input's ID, Account,
// Side, Price and Qty as given and its Aux in Other. The Arg field is
// ignored, and so is the Symbol of a cancel or replace (except in the
// rejection of an unknown ID). What follows is the exact behaviour; the
// reference book in the tests implements the same text the slow, obvious way.
//
// Symbols. KindSymbol defines symbol id Symbol (< Config.MaxSymbols) with the
// packed name in Aux. Redefining an id with the same name answers OutSymbol
// again; with another name, or an Aux that is not a packed name, or an id out
// of range: OutRejected with ReasonBadSymbol. Every other input naming a symbol
// not defined (or out of range) is rejected with ReasonUnknownSymbol.
//
// New orders are checked in this order, the first failure rejecting the order
// (OutRejected) and changing nothing:
//  1. symbol defined, else ReasonUnknownSymbol;
//  2. Account != event.Any, else ReasonBadAccount;
//  3. Side is Buy or Sell, else ReasonBadSide;
//  4. Type and STP defined, else ReasonBadType;
//  5. 0 < Qty <= event.MaxQty, else ReasonBadQty;
//  6. price: for Market 0 <= Price <= event.MaxPrice, for every other type
//     0 < Price <= event.MaxPrice, else ReasonBadPrice;
//  7. symbol not halted, else ReasonHalted;
//  8. no live (resting) order has this ID, else ReasonDuplicateID;
//  9. for Limit and PostOnly, the number of resting orders is below
//     Config.MaxOrders, else ReasonCapacity;
//  10. PostOnly does not cross (a buy's price below the best ask, a sell's
//     above the best bid), else ReasonWouldCross.
//
// An order that passes emits OutAccepted, then matches.
//
// Matching. The incoming order (the taker) walks the opposite side from the
// best level while it has quantity left and the level's price is acceptable
// (buy: level price <= limit; sell: level price >= limit). At each level it
// visits the resting orders (makers) in time priority:
//   - if the maker's account differs from the taker's, or the taker's STP is
//     STPNone: OutTrade at the maker's price for min(taker left, maker left);
//     a maker filled completely leaves the book.
//   - else STPCancelResting: OutCancelled(maker, ReasonSTP, its whole open
//     quantity); the maker leaves the book; matching goes on.
//   - else STPCancelIncoming: OutCancelled(taker, ReasonSTP, taker's quantity
//     left); matching stops.
//   - else STPCancelBoth: OutCancelled(maker, ReasonSTP), then
//     OutCancelled(taker, ReasonSTP); matching stops.
//
// When the taker leaves a level (it is empty, the taker is done, or matching
// stopped), and the level's aggregate quantity or order count changed, one
// OutBook gives the level's new state (Qty 0 and Other 0 when it is gone). It
// follows the outputs of the last maker visited there, including the
// taker's own STP cancellation.
//
// After matching, a taker with quantity left and not cancelled by STP:
//   - Limit and PostOnly rest at their price, behind the orders already there,
//     and OutBook gives the new state of that level;
//   - IOC: OutCancelled(ReasonIOC, quantity left);
//   - Market: OutCancelled(ReasonNoLiquidity) when the opposite side was empty
//     on arrival (with or without a limit in Price), else
//     OutCancelled(ReasonProtection), even when the side ran out before the
//     limit was reached.
//
// FOK. Before any output beyond OutAccepted, the fillable quantity is counted
// by walking the opposite side as matching would: makers of other accounts (or
// all makers when STP is STPNone) count their open quantity; with
// STPCancelResting a same-account maker is skipped; with STPCancelIncoming or
// STPCancelBoth the count stops at the first same-account maker. If the count
// is below Qty: OutCancelled(ReasonFOK, Qty) and nothing else happens.
// Otherwise the order matches as above and fills completely.
//
// Market orders. The limit is Price when Price > 0 (a protection limit set by
// the sender). Otherwise it is derived from the best opposite price B on
// arrival and Config.ProtectionBps: a buy may pay up to B + B*bps/10000, a
// sell may sell down to B - B*bps/10000 (integer division; the band is at
// least 1 tick and a sell limit at least 1). When
// the opposite side is empty the limit is 0 and the order is cancelled at
// once with ReasonNoLiquidity. OutAccepted carries the limit in Price, and
// so does every later output about the order (its OutCancelled).
//
// Cancel: ID unknown (not resting): ReasonUnknownOrder; Account differs from
// the order's: ReasonNotOwner; otherwise OutCancelled(ReasonUser, open
// quantity) and the level's OutBook. Cancels work while halted.
//
// Replace (Price = new price, Qty = new open quantity), checked in this order:
// ReasonUnknownOrder, ReasonNotOwner, ReasonBadQty, ReasonBadPrice,
// ReasonHalted, then for a resting PostOnly order a new price that would
// cross: ReasonWouldCross. Then:
//   - same price and Qty <= open quantity: OutReplaced(ReasonPriorityKept),
//     the order keeps its place, and OutBook if the level changed;
//   - otherwise OutReplaced(ReasonPriorityLost); the order leaves the book
//     (OutBook of its old level) and enters again as a taker with the new
//     price and quantity, the same ID, account, type and STP mode, matching
//     and resting as above (a new price can make it trade), without a second
//     OutAccepted and without the capacity check (it left a place free).
//
// Mass cancel (Account or event.Any, Symbol or event.Any; a Symbol that is
// not Any must be defined): for each symbol in scope by ascending id, bids
// then asks, levels from best to worst, orders in time priority, each order of
// an account in scope gets OutCancelled(ReasonMassCancel, open quantity); after
// each level where something was cancelled, its OutBook. Finally one
// OutMassCancelled with the number of orders cancelled in Qty.
//
// Halt and resume: OutHalted / OutResumed (idempotent). A halt does not
// cancel resting orders.
//
// Inputs of a kind the matcher does not handle (undefined, or the risk
// guard's commands, which the guard consumes before the matcher) are rejected
// with ReasonBadKind.
package matcher
