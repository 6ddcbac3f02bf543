// Package gen generates realistic synthetic order flow, seeded and
// reproducible: the same [Config] always gives the same events, byte for
// byte.
//
// The flow looks like a lit equity market at the order level. The first
// events define the symbols (real tickers first, then S0042-style names).
// Then events arrive as a Poisson process in event time at Config.Rate per
// second. Each picks a symbol with a skewed popularity (a few busy symbols, a
// long tail). Every symbol has a mid price that follows a random walk in ticks
// and a half-spread of a few ticks, which together give the generator's idea
// of the touch. The mix is roughly that of real markets:
//
//   - about half the events are new passive orders (limit, rarely post-only)
//     placed a geometric number of ticks behind the touch;
//   - about 40% are cancels of the generator's own resting orders, so that
//     about Config.CancelFrac of the passive orders end up cancelled;
//   - a few percent are replaces, mostly cutting quantity, sometimes moving
//     the price;
//   - a few percent are marketable orders (IOC, market, limits at or through
//     the touch, rarely FOK) that trade.
//
// Sizes are mostly round lots (100, 200, 300, 500, 1000), some odd lots, and a
// heavy (Pareto) tail. Order ids are unique and increasing; an account only
// cancels or replaces its own orders. The generator runs no matcher, so it
// may cancel an order that a marketable order has already filled, which the
// engine answers with unknown_order, as a real exchange would; it keeps that
// rare by preferring to cancel recent orders and orders behind the touch, and
// by planning fewer of the orders placed at the touch for a cancel (measured
// against a simple book: about 5% of cancels and replaces with the default
// configuration, nearly all of them orders crossed after the mid moved).
//
// Config.OpenBurst makes the first stretch of event time run at several
// times the rate, as a real open does. Config.Scenario mixes a scenario into
// the normal flow: ScenarioKnight adds a router account that works parent
// instructions (event.KindParent) with child orders, then, at a given event
// time, runs away like Knight Capital's SMARS router (see [KnightConfig]).
// Without them the flow is the same as before they existed, byte for byte.
//
// [Generator.Next] makes no allocation in steady state and reads no clock.
package gen
