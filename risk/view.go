package risk

import (
	"cmp"
	"math"
	"slices"

	"github.com/tradeengine/engine/event"
)

// GuardState is one kill switch, breaker, bucket or detector as the guard
// sees it now, for an operator's view (the admin socket's `guards`).
type GuardState struct {
	// Kind names the guard: "kill", "breaker", "ceiling", "anomaly",
	// "loss", "outvsin".
	Kind string
	// Account and Symbol give the scope (event.Any for every).
	Account, Symbol uint32
	// Metric names what is measured ("execs", "qty", "notional_usd",
	// "breaches", "loss_usd", ...), "" when nothing is.
	Metric string
	// Window is the window in ns, 0 when none.
	Window int64
	// State is "ok", "tripped", "open", "half-open", "closed", "warmup",
	// "off" (its limit is 0) or "full" (approval: no room to hold more).
	State string
	// Figure is the measured value now, Limit what it is compared with (0:
	// no limit), both in the unit Metric names.
	Figure, Limit int64
	// Reason is what tripped it, when State is "tripped".
	Reason event.Reason
}

// LimitValue is one limit in force for one scope.
type LimitValue struct {
	Limit           Limit
	Key             string // the configuration key, Limit.String()
	Account, Symbol uint32 // event.Any for the default of every account or symbol; both Any with Global for the engine's
	Global          bool
	Value           int64 // in the key's unit
	// Scope names the scope as the configuration's sections do: "global",
	// "defaults" (every account), "symbols" (every symbol), "account" or
	// "symbol" (one, by Account or Symbol; LimitRestricted names both).
	Scope string
}

// Held is an order the guard holds until an operator approves or denies it,
// or its deadline passes in event time.
type Held struct {
	PendingID uint64       // the order's input sequence; what approve and deny name
	Order     event.In     // the order as it arrived
	Reason    event.Reason // event.ReasonApproveQty or event.ReasonApproveNotional
	Since     int64        // event time it was held
	Deadline  int64        // event time it is denied at (0: never)
}

// The views below are for an operator (the admin socket's guards, limits
// and pending commands). They run on the logic's goroutine between two
// inputs, allocate, and change nothing.

// Guards appends to dst the guards of the engine, then those of the
// scopes that are not in their normal state, at most max entries in all
// (max < 1: no bound), and returns the extended slice. The order is
// deterministic:
//
//   - the engine's: its kill switch ("kill"), its rate breaker ("breaker":
//     Figure the breaches counted, Limit breaker_breaches, Window
//     breaker_window), for each window from the shortest its ceilings
//     ("ceiling", metrics "execs", "qty", "notional_usd") and its anomaly
//     detectors ("anomaly": Limit the threshold in force now, the largest
//     of the floor, the learned mean plus anomaly_deviations deviations
//     and anomaly_ratio_pct of the mean), and the orders held for
//     approval ("approval", metric "held": Figure how many, Limit
//     max_pending, State "full" when no more can be held); each listed
//     whatever its state, "off" when its limit is 0;
//   - every account, by id, with its kill switch latched ("kill", Reason
//     the trip's), its breaker open or half-open, a window over a ceiling
//     or an anomaly threshold now ("tripped"), or its loss over max_loss
//     ("loss", in dollars, as of its last execution);
//   - every symbol, by id, with its kill switch latched or a window
//     tripped;
//   - every account in a symbol, by account then symbol, with its kill
//     switch latched.
//
// Figures are measured now: the windows as they stand at the guard's event
// time (without moving them).
func (g *Guard) Guards(dst []GuardState, max int) []GuardState {
	start := len(dst)
	full := func() bool { return max > 0 && len(dst)-start >= max }
	add := func(s GuardState) {
		if !full() {
			dst = append(dst, s)
		}
	}
	all := event.Any
	kill := GuardState{Kind: "kill", Account: all, Symbol: all, State: "ok"}
	if g.killAll {
		kill.State, kill.Reason = "tripped", g.killAllBy
	}
	add(kill)
	add(g.breakerState(all, &g.gBrk, &g.glob))
	dst = g.windowStates(dst, start, max, all, all, &g.gHot, &g.gWins, &g.glob, false)
	appr := GuardState{Kind: "approval", Account: all, Symbol: all, Metric: "held", State: "ok",
		Figure: int64(g.held.n), Limit: int64(g.cfg.MaxPending)}
	if g.held.n >= g.cfg.MaxPending {
		appr.State = "full"
	}
	add(appr)

	for _, a := range g.accountsByID() {
		acc := &g.accts[a]
		if acc.killed {
			add(GuardState{Kind: "kill", Account: acc.id, Symbol: all, State: "tripped", Reason: acc.killedBy})
		}
		if br := &g.acctCold[a].brk; br.state != breakerClosed {
			add(g.breakerState(acc.id, br, &g.acctLim[a]))
		}
		dst = g.windowStates(dst, start, max, acc.id, all, &g.acctHot[a], &g.acctWins[a], &g.acctLim[a], true)
		if l := acc.maxLoss; l > 0 {
			if loss := satSub(acc.lossTop, acc.pnl); loss > l && acc.lossTop != math.MinInt64 {
				add(GuardState{Kind: "loss", Account: acc.id, Symbol: all, Metric: "loss_usd", Window: g.cfg.LossWindow,
					State: "tripped", Figure: g.mon.toUSD(loss), Limit: g.mon.toUSD(l), Reason: event.ReasonLoss})
			}
		}
	}
	for s := range g.syms {
		sym := &g.syms[s]
		if !sym.defined {
			continue
		}
		if sym.killed {
			add(GuardState{Kind: "kill", Account: all, Symbol: uint32(s), State: "tripped", Reason: sym.killBy})
		}
		dst = g.windowStates(dst, start, max, all, uint32(s), &g.symHot[s], &g.symWins[s], &g.symLim[s], true)
	}
	for _, p := range g.killedPairs() {
		key := g.pt.hot[p].key
		add(GuardState{Kind: "kill", Account: uint32(key >> 32), Symbol: uint32(key), State: "tripped", Reason: event.ReasonOperator})
	}
	return dst
}

// breakerState describes a rate breaker with limits lim.
func (g *Guard) breakerState(acct uint32, br *breaker, lim *Values) GuardState {
	return GuardState{Kind: "breaker", Account: acct, Symbol: event.Any, Metric: "breaches",
		Window: lim[LimitBreakerWindow], State: BreakerState(br.state).String(),
		Figure: br.breaches, Limit: lim[LimitBreakerBreaches]}
}

// metricNames name the output-volume metrics in a GuardState.
var metricNames = [nMetrics]string{"execs", "qty", "notional_usd"}

// windowStates appends the ceilings and anomaly detectors of a scope's
// windows (only those tripped now, with onlyTripped), for Guards: dst
// holds at most bound entries from start (bound < 1: no bound).
func (g *Guard) windowStates(dst []GuardState, start, bound int, acct, sym uint32, h *winHot, ws *winSet, lim *Values, onlyTripped bool) []GuardState {
	k := g.cfg.AnomalyDeviations
	for w := range NumWindows {
		win := ws[w] // a copy: the view changes nothing
		win.add(&h.acc)
		win.advance(g.now/g.widths[w], g.base)
		warm := k > 0 && g.now >= h.born+g.cfg.WarmupPeriods*g.cfg.Windows[w]
		for pass := range 2 {
			for m := range nMetrics {
				s := GuardState{Kind: "ceiling", Account: acct, Symbol: sym, Metric: metricNames[m],
					Window: g.cfg.Windows[w], Figure: win.sum[m]}
				if pass == 0 {
					s.Limit = lim[ceilingOf[m]+Limit(w)]
					switch {
					case s.Limit == 0:
						s.State = "off"
					case s.Figure > s.Limit:
						s.State, s.Reason = "tripped", ceilingR[m]
					default:
						s.State = "ok"
					}
				} else {
					s.Kind = "anomaly"
					f := lim[floorOf[m]+Limit(w)]
					s.Limit = max(f, win.thr[m])
					switch {
					case f == 0 || k == 0:
						s.State, s.Limit = "off", 0
					case !warm:
						s.State = "warmup"
					case s.Figure > s.Limit:
						s.State, s.Reason = "tripped", anomalyR[m]
					default:
						s.State = "ok"
					}
				}
				if m == metricNotional {
					s.Figure, s.Limit = g.mon.toUSD(s.Figure), g.mon.toUSD(s.Limit)
				}
				if onlyTripped && s.State != "tripped" || bound > 0 && len(dst)-start >= bound {
					continue
				}
				dst = append(dst, s)
			}
		}
	}
	return dst
}

// accountsByID returns the account indexes in ascending order of id.
func (g *Guard) accountsByID() []int32 {
	order := make([]int32, len(g.accts))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int { return cmp.Compare(g.accts[x].id, g.accts[y].id) })
	return order
}

// killedPairs returns the slots of the positions whose account-and-symbol
// kill switch is latched, by key.
func (g *Guard) killedPairs() []int32 {
	var slots []int32
	for p := range g.pt.hot {
		if g.pt.hot[p].used && g.pt.hot[p].killed {
			slots = append(slots, int32(p))
		}
	}
	slices.SortFunc(slots, func(x, y int32) int { return cmp.Compare(g.pt.hot[x].key, g.pt.hot[y].key) })
	return slots
}

// Kills appends to dst the latched kill switches (Kind "kill", State
// "tripped", Reason the trip's) and returns the extended slice: the
// engine's, then accounts by id, symbols by id, and accounts in a symbol
// by account and symbol.
func (g *Guard) Kills(dst []GuardState) []GuardState {
	all := event.Any
	k := GuardState{Kind: "kill", State: "tripped"}
	if g.killAll {
		k.Account, k.Symbol, k.Reason = all, all, g.killAllBy
		dst = append(dst, k)
	}
	for _, a := range g.accountsByID() {
		if acc := &g.accts[a]; acc.killed {
			k.Account, k.Symbol, k.Reason = acc.id, all, acc.killedBy
			dst = append(dst, k)
		}
	}
	for s := range g.syms {
		if sym := &g.syms[s]; sym.defined && sym.killed {
			k.Account, k.Symbol, k.Reason = all, uint32(s), sym.killBy
			dst = append(dst, k)
		}
	}
	for _, p := range g.killedPairs() {
		key := g.pt.hot[p].key
		k.Account, k.Symbol, k.Reason = uint32(key>>32), uint32(key), event.ReasonOperator
		dst = append(dst, k)
	}
	return dst
}

// Limits appends to dst the limits in force and returns the extended
// slice, values in the unit of their keys, in this order, each part by
// limit id (a windowed limit once per window):
//
//   - the engine's (Scope "global", Global set): every limit with a global
//     scope;
//   - every account's default (Scope "defaults"): every limit with an
//     account scope;
//   - every symbol's default (Scope "symbols"): every limit with a symbol
//     scope;
//   - by account id, the values an account has of its own, from its
//     [account N] section or a KindSetLimit (Scope "account"), then its
//     restricted symbols (LimitRestricted, Symbol set, Value 1);
//   - by symbol id, the values a defined symbol has of its own (Scope
//     "symbol").
//
// Account and Symbol are event.Any but where a scope names one.
func (g *Guard) Limits(dst []LimitValue) []LimitValue {
	all := event.Any
	each := func(scopes scope, set uint64, v *Values, lv LimitValue) {
		for l := Limit(1); l < numLimits; l++ {
			li, _, ok := l.info()
			if !ok || li.scopes&scopes == 0 || set != 0 && set&(1<<l) == 0 {
				continue
			}
			lv.Limit, lv.Key, lv.Value = l, l.String(), g.fromInternal(l, v[l])
			dst = append(dst, lv)
		}
	}
	each(scopeGlobal, 0, &g.glob, LimitValue{Scope: "global", Account: all, Symbol: all, Global: true})
	each(scopeAccount, 0, &g.defAcct, LimitValue{Scope: "defaults", Account: all, Symbol: all})
	each(scopeSymbol, 0, &g.defSym, LimitValue{Scope: "symbols", Account: all, Symbol: all})
	for _, a := range g.accountsByID() {
		id := g.accts[a].id
		if set := g.acctSet[a]; set != 0 {
			each(scopeAccount, set, &g.acctLim[a], LimitValue{Scope: "account", Account: id, Symbol: all})
		}
		for _, s := range g.acctCold[a].restricted {
			dst = append(dst, LimitValue{Limit: LimitRestricted, Key: LimitRestricted.String(), Scope: "account", Account: id, Symbol: s, Value: 1})
		}
	}
	for s := range g.syms {
		if g.syms[s].defined && g.symSet[s] != 0 {
			each(scopeSymbol, g.symSet[s], &g.symLim[s], LimitValue{Scope: "symbol", Account: all, Symbol: uint32(s)})
		}
	}
	return dst
}

// Pending appends to dst the orders held for approval, oldest first (the
// order they were held in, which is the order they time out in), and
// returns the extended slice.
func (g *Guard) Pending(dst []Held) []Held {
	for h := g.held.head; h >= 0; h = g.held.slots[h].next {
		e := &g.held.slots[h]
		d := g.deadline(e.since)
		if d == math.MaxInt64 {
			d = 0
		}
		dst = append(dst, Held{PendingID: e.order.Seq, Order: e.order, Reason: e.reason, Since: e.since, Deadline: d})
	}
	return dst
}

// PendingCount returns the number of orders held for approval.
func (g *Guard) PendingCount() int { return g.held.n }
