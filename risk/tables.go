package risk

import (
	"math"
	"slices"
	"strings"

	"github.com/tradeengine/engine/event"
)

// account is one account's state: a cache line every order of the account
// reads and updates, a line the loss guard uses, and the rest in
// accountCold.
type account struct {
	// Line 1, 64 bytes: buckets, kill switch, open orders, credit.
	id          uint32
	openOrders  int32 // resting orders and the order matching now; the matcher holds fewer than 2^30
	maxOpen     int32 // LimitMaxOpenOrders, at most math.MaxInt32
	profile     int32 // the account's bucket parameters: Guard.profiles[profile]
	killed      bool
	parents     bool  // has received a parent instruction: every order is a child
	brk         uint8 // state of the account's breaker (cold.brk.state)
	killedBy    event.Reason
	approve     bool // an approval threshold is set (LimitApproveQty, LimitApproveNotional)
	_           [3]byte
	msgTAT      int64 // GCRA times of the message and new-order buckets
	ordTAT      int64
	credit      int64 // open buy notional plus long positions at cost, tick-lots
	creditLimit int64 // LimitCredit, tick-lots
	pnl         int64 // realised plus marked to market, tick-lots

	// Line 2, 64 bytes: the loss guard.
	maxLoss  int64 // LimitMaxLoss, tick-lots
	lossNext int64 // end of the loss window's current bucket
	lossTop  int64 // highest pnl in the loss window
	lossCur  int64 // highest pnl in the current bucket
	_        [4]int64
}

// rateProfile is a set of bucket parameters that accounts share: most use
// the defaults, so the parameters stay in cache and out of the accounts'
// lines.
type rateProfile struct {
	msg, ord rateLimit
}

// accountCold is the part of an account's state that orders do not read.
type accountCold struct {
	brk        breaker
	excess     int64 // parent excesses counted since excessAt
	excessAt   int64
	lossBn     int64           // bucket number of the loss window's current bucket
	lossPeak   [nBuckets]int64 // highest pnl per bucket, math.MinInt64 for none (the current bucket's is lossCur)
	restricted []uint32        // symbol ids, sorted
}

// position is one account's state in one symbol, the cache line every
// order reads, with the limits that apply (the tighter of the account's and
// the symbol's). It lives in a slot of the posTable; posCold holds the rest.
// Index 0 of the arrays is the buy side, 1 the sell side.
type position struct {
	key         uint64 // account id << 32 | symbol
	acct        int32  // account index
	maxQty      int32  // at most math.MaxInt32 (orders are at most event.MaxQty)
	used        bool   // the slot holds a position
	killed      bool   // the account-and-symbol kill switch
	restricted  bool
	_           [5]byte
	net         int64    // filled: bought minus sold, lots
	open        [2]int64 // open quantity, lots
	maxNotional int64    // tick-lots
	maxNet      int32    // at most math.MaxInt32
	maxGross    int32
}

// sym returns the position's symbol.
func (p *position) sym() uint32 { return uint32(p.key) }

// posCold is the part of a position that executions and parent
// instructions update, one cache line.
type posCold struct {
	cash   int64    // sold minus bought notional, tick-lots
	cost   int64    // long position at average cost, tick-lots
	pnl    int64    // this position's part of the account's pnl, as last marked
	filled [2]int64 // executed quantity, lots
	allow  [2]int64 // granted by parent instructions, lots
	_      int64
}

// symbol is the guard's state of one symbol, with its collar limits, one
// cache line.
type symbol struct {
	defined     bool
	killed      bool
	requireRef  bool
	killBy      event.Reason
	approve     bool   // an approval threshold is set
	name        uint64 // packed
	last        int64  // last trade price, 0 before the first trade
	collarBps   int64
	collarTicks int64
	refPrice    int64
	// The collar around last (when last > 0): the lowest price a sell and
	// the highest a buy may have. Derived from last and the collar limits
	// by setLast, so that an order does not compute the band.
	collarLo, collarHi int64
}

// setLast records px as the last trade price of s and moves the collar
// around it. refreshSymbol calls it with s.last when the collar limits
// change.
func (s *symbol) setLast(px int64) {
	s.last = px
	band := max(s.collarTicks, px*s.collarBps/10000)
	s.collarLo, s.collarHi = px-band, px+band
}

// lookupAccount returns the index of account id, and false when the guard
// holds no state for it.
func (g *Guard) lookupAccount(id uint32) (int32, bool) {
	return g.acctIdx.Get(uint64(id))
}

// accountIndex returns the index of account id, creating its state the
// first time, and false when the account is new and the guard holds
// [Config.MaxAccounts] accounts already. Only what may need the state later
// creates it: a new order (kept only if the order is not rejected, see
// submitSlow), a parent instruction and an operator's command naming the
// account; a cancel, a replace or a mass cancel never does.
func (g *Guard) accountIndex(id uint32) (int32, bool) {
	if i, ok := g.acctIdx.Get(uint64(id)); ok {
		return i, true
	}
	if len(g.accts) >= g.cfg.MaxAccounts {
		return -1, false
	}
	i := int32(len(g.accts))
	g.acctIdx.Insert(uint64(id), i)
	lim := g.defAcct
	var set uint64
	var cold accountCold
	if j, ok := slices.BinarySearchFunc(g.cfg.Accounts, id, func(c AccountConfig, id uint32) int { return cmpU32(c.ID, id) }); ok {
		c := &g.cfg.Accounts[j]
		for _, st := range c.Settings {
			lim[st.Limit] = g.toInternal(st.Limit, st.Value)
			set |= 1 << st.Limit
		}
		for _, n := range c.Restricted {
			p, _ := event.PackName(n)
			if s, ok := g.symbolByName(p); ok {
				cold.restricted = insertSorted(cold.restricted, s)
			}
		}
	}
	g.accts = append(g.accts, account{id: id})
	g.acctCold = append(g.acctCold, cold)
	g.acctLim = append(g.acctLim, lim)
	g.acctSet = append(g.acctSet, set)
	hot, wins := g.newWindows()
	g.acctHot = append(g.acctHot, hot)
	g.acctWins = append(g.acctWins, wins)
	g.resetLoss(i)
	g.refreshAccount(i)
	return i, true
}

// dropNewest removes the state of the newest account, index a (the last),
// made by the input being applied, which turned out not to need it.
func (g *Guard) dropNewest(a int32) {
	g.acctIdx.Delete(uint64(g.accts[a].id))
	g.accts = g.accts[:a]
	g.acctCold = g.acctCold[:a]
	g.acctLim = g.acctLim[:a]
	g.acctSet = g.acctSet[:a]
	g.acctHot = g.acctHot[:a]
	g.acctWins = g.acctWins[:a]
}

// refreshAccount derives the hot-path limits of account index a from its
// limits.
func (g *Guard) refreshAccount(a int32) {
	acc, lim := &g.accts[a], &g.acctLim[a]
	acc.maxOpen = clamp32(lim[LimitMaxOpenOrders])
	acc.creditLimit = lim[LimitCredit]
	acc.maxLoss = lim[LimitMaxLoss]
	acc.approve = lim[LimitApproveQty]|lim[LimitApproveNotional] != 0
	acc.profile = g.profileOf(rateProfile{
		msg: rateOf(lim[LimitMsgsPerSec], lim[LimitMsgBurst]),
		ord: rateOf(lim[LimitOrdersPerSec], lim[LimitOrderBurst]),
	})
	g.acctHot[a].next = 0 // the detectors' room depends on the limits
}

// profileOf returns the index of profile rp in g.profiles, adding it when
// it is new.
func (g *Guard) profileOf(rp rateProfile) int32 {
	for i := range g.profiles {
		if g.profiles[i] == rp {
			return int32(i)
		}
	}
	g.profiles = append(g.profiles, rp)
	return int32(len(g.profiles) - 1)
}

// refreshGlobal derives the engine's hot-path limits.
func (g *Guard) refreshGlobal() {
	g.gMsg = rateOf(g.glob[LimitMsgsPerSec], g.glob[LimitMsgBurst])
	g.gOrd = rateOf(g.glob[LimitOrdersPerSec], g.glob[LimitOrderBurst])
	g.gHot.next = 0
}

// refreshSymbol derives the hot-path limits of symbol s.
func (g *Guard) refreshSymbol(s uint32) {
	sym, lim := &g.syms[s], &g.symLim[s]
	sym.collarBps, sym.collarTicks = lim[LimitCollarBps], lim[LimitCollarTicks]
	sym.refPrice, sym.requireRef = lim[LimitRefPrice], lim[LimitRequireReference] != 0
	sym.approve = lim[LimitApproveQty]|lim[LimitApproveNotional] != 0
	sym.setLast(sym.last)
	g.symHot[s].next = 0
}

// refreshPosition derives the limits of position p: the tighter of its
// account's and its symbol's.
func (g *Guard) refreshPosition(p int32) {
	pos := &g.pt.hot[p]
	al, sl := &g.acctLim[pos.acct], &g.symLim[pos.sym()]
	pos.maxQty = clamp32(minLimit(al[LimitMaxOrderQty], sl[LimitMaxOrderQty]))
	pos.maxNotional = minLimit(al[LimitMaxOrderNotional], sl[LimitMaxOrderNotional])
	pos.maxNet = clamp32(minLimit(al[LimitMaxNetPosition], sl[LimitMaxNetPosition]))
	pos.maxGross = clamp32(minLimit(al[LimitMaxGrossPosition], sl[LimitMaxGrossPosition]))
}

// refreshPositions derives the limits of every position, after a limit
// changed (an operator's KindSetLimit: rare enough for a pass over all).
func (g *Guard) refreshPositions() {
	for p := range g.pt.hot {
		if g.pt.hot[p].used {
			g.refreshPosition(int32(p))
		}
	}
}

// newWindows returns the windows of a scope first seen now.
func (g *Guard) newWindows() (winHot, winSet) {
	var ws winSet
	for w := range ws {
		ws[w].bn = g.now / g.widths[w]
	}
	return winHot{born: g.now}, ws
}

// clamp32 returns v, at most math.MaxInt32 (a limit beyond what a field
// can reach is no tighter there).
func clamp32(v int64) int32 { return int32(min(v, math.MaxInt32)) }

// insertSorted inserts v into the sorted slice s, once.
func insertSorted(s []uint32, v uint32) []uint32 {
	i, found := slices.BinarySearch(s, v)
	if found {
		return s
	}
	return slices.Insert(s, i, v)
}

// symbolByName returns the id of the defined symbol with packed name p.
func (g *Guard) symbolByName(p uint64) (uint32, bool) {
	for id := range g.syms {
		if g.syms[id].defined && g.syms[id].name == p {
			return uint32(id), true
		}
	}
	return 0, false
}

// position returns the index of account id and the slot of its position
// in symbol s, creating them the first time: one probe finds both. Creating
// a position may move the others (posTable.grown). It returns false when
// the account is new and there is no room for it (see accountIndex).
func (g *Guard) position(id, s uint32) (int32, int32, bool) {
	key := uint64(id)<<32 | uint64(s)
	if p, ok := g.pt.find(key); ok {
		return g.pt.hot[p].acct, p, true
	}
	a, ok := g.accountIndex(id)
	if !ok {
		return -1, -1, false
	}
	grown := g.pt.grown
	p := g.pt.insert(key)
	if g.pt.grown != grown {
		g.ctx.pos = -1 // moved
	}
	_, restricted := slices.BinarySearch(g.acctCold[a].restricted, s)
	pos := &g.pt.hot[p]
	pos.acct, pos.restricted = a, restricted
	g.refreshPosition(p)
	return a, p, true
}

// symbolState returns the state of symbol s, or nil when it is not defined.
func (g *Guard) symbolState(s uint32) *symbol {
	if uint64(s) < uint64(len(g.syms)) && g.syms[s].defined {
		return &g.syms[s]
	}
	return nil
}

// defineSymbol applies KindSymbol: the matcher defines the symbol; on its
// OutSymbol the guard sets the symbol's limits from the configuration.
func (g *Guard) defineSymbol(in *event.In, out []event.Out) []event.Out {
	n := len(out)
	out = g.m.Apply(in, out)
	if len(out) != n+1 || out[n].Kind != event.OutSymbol || g.symbolState(in.Symbol) != nil {
		return out
	}
	s := in.Symbol
	if int(s) >= len(g.syms) {
		grow := int(s) + 1 - len(g.syms)
		g.syms = append(g.syms, make([]symbol, grow)...)
		g.symLim = append(g.symLim, make([]Values, grow)...)
		g.symSet = append(g.symSet, make([]uint64, grow)...)
		g.symHot = append(g.symHot, make([]winHot, grow)...)
		g.symWins = append(g.symWins, make([]winSet, grow)...)
	}
	g.syms[s] = symbol{defined: true, name: in.Aux}
	g.symLim[s] = g.defSym
	g.symSet[s] = 0
	g.symHot[s], g.symWins[s] = g.newWindows()
	name, _ := event.UnpackName(in.Aux)
	if j, ok := slices.BinarySearchFunc(g.cfg.Symbols, name, func(c SymbolConfig, n string) int { return strings.Compare(c.Name, n) }); ok {
		for _, st := range g.cfg.Symbols[j].Settings {
			g.symLim[s][st.Limit] = g.toInternal(st.Limit, st.Value)
			g.symSet[s] |= 1 << st.Limit
		}
	}
	g.refreshSymbol(s)
	for i := range g.cfg.Accounts {
		c := &g.cfg.Accounts[i]
		if slices.Contains(c.Restricted, name) {
			a, _ := g.lookupAccount(c.ID) // configured accounts exist from New on
			g.restrict(a, s, true)
		}
	}
	return out
}

// restrict sets or lifts the restriction of symbol s for account index a.
func (g *Guard) restrict(a int32, s uint32, on bool) {
	cold := &g.acctCold[a]
	if on {
		cold.restricted = insertSorted(cold.restricted, s)
	} else if i, ok := slices.BinarySearch(cold.restricted, s); ok {
		cold.restricted = slices.Delete(cold.restricted, i, i+1)
	}
	if p, ok := g.pt.find(uint64(g.accts[a].id)<<32 | uint64(s)); ok {
		g.pt.hot[p].restricted = on
	}
}
