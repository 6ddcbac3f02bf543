package risk

import (
	"fmt"
	"math"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/internal/idindex"
	"github.com/tradeengine/engine/matcher"
)

// Guard is the risk guard in front of one matcher. It is not safe for
// concurrent use: the logic goroutine owns it, and the matcher with it.
type Guard struct {
	m       *matcher.Engine
	cfg     *Config
	mon     money
	hashKey uint64 // keys the hashes of acctIdx, pt and dup

	widths    [NumWindows]int64 // bucket widths of the windows, ns
	lossWidth int64             // bucket width of the loss window, ns
	base      *baseline         // how the windows' baselines learn

	now     int64 // event time: the latest TS seen
	t0      int64 // origin of GCRA times: the first input's event time, moved up by rebase
	nowFx   int64 // now - t0 in GCRA fixed point
	started bool  // an input has been seen

	// Limits in force, in internal units (tick-lots for USD limits): the
	// engine's, every account's default, every symbol's default.
	glob, defAcct, defSym Values

	// Engine scope.
	blocked   bool // killAll, or the engine's breaker open: a fast no
	killAll   bool
	killAllBy event.Reason
	gMsgTAT   int64
	gOrdTAT   int64
	gMsg      rateLimit
	gOrd      rateLimit
	gBrk      breaker
	gHot      winHot
	gWins     winSet

	accts    []account
	profiles []rateProfile // the accounts' bucket parameters
	acctCold []accountCold
	acctLim  []Values // by account index
	acctSet  []uint64 // limits set for the account itself (bit per Limit)
	acctHot  []winHot
	acctWins []winSet
	acctIdx  idindex.Table // account id -> index

	pt posTable // positions

	syms    []symbol // by symbol id; grown when a symbol is defined
	symLim  []Values
	symSet  []uint64
	symHot  []winHot
	symWins []winSet

	dup dupWindow

	parents int // positions holding a parent allowance: at most cfg.MaxParents

	trips   int64 // kill-switch trips so far, automatic and operator
	pending []trip

	// Orders held for approval, oldest first, and the event time the
	// oldest one times out at (math.MaxInt64: none, or no timeout).
	held     heldTable
	heldNext int64
	approved event.In // the held order being approved, with the approval's Seq and TS

	// ctx is the input being applied.
	ctx applyCtx
}

// trip is a kill-switch trip waiting to be emitted.
type trip struct {
	account, symbol uint32
	reason          event.Reason
	measured, limit int64
	window          int64
}

// applyCtx is what the guard knows about the input being applied.
type applyCtx struct {
	in      *event.In
	acct    int32 // index of the input's account, -1 none
	pos     int32 // index of the input's position, -1 none
	oldQty  int64 // a replace: the order's open quantity and price before
	oldPx   int64
	newPos  bool   // a new order made its position
	taker   uint64 // the order matching now
	tkLeft  int64
	tkPrice int64
	tkLive  bool
}

// New returns a guard for cfg (nil: [DefaultConfig]) in front of m, or an
// error wrapping [ErrConfig]. The guard learns symbols from the KindSymbol
// inputs it passes to m, so m must be fresh (no input applied yet), unless
// the guard's state is then loaded with [Guard.LoadState].
//
// The guard keys the hashes of its tables of ids from the feed (accounts,
// positions, client order ids) with m's key, [matcher.Engine.HashKey]
// (matcher.Config.HashKey, chosen per journal), so one key covers the
// logic. The key changes no answer; it is part of the guard's state, and
// [Guard.LoadState] restores it.
func New(cfg *Config, m *matcher.Engine) (*Guard, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: no matcher", ErrConfig)
	}
	if cfg == nil {
		cfg = DefaultConfig()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	key := m.HashKey()
	g := &Guard{
		m:       m,
		cfg:     cfg.clone(),
		mon:     money{perTL: cfg.TickMicros * cfg.LotShares},
		hashKey: key,
		base:    newBaseline(cfg),
		acctIdx: idindex.New(1024, 16, key),
		pt:      newPosTable(key),
		pending: make([]trip, 0, 16),
		held:    newHeldTable(cfg.MaxPending, key),

		heldNext: math.MaxInt64,
	}
	for w, l := range cfg.Windows {
		g.widths[w] = l / nBuckets
	}
	g.lossWidth = cfg.LossWindow / nBuckets
	g.glob = g.internal(&cfg.Global)
	g.defAcct = g.internal(&cfg.Account)
	g.defSym = g.internal(&cfg.Symbol)
	g.refreshGlobal()
	g.dup = newDupWindow(cfg.ClOrdIDWindow, key)
	for i := range g.cfg.Accounts {
		g.accountIndex(g.cfg.Accounts[i].ID) // Validate: MaxAccounts holds them
	}
	return g, nil
}

// internal converts v to internal units.
func (g *Guard) internal(v *Values) Values {
	var r Values
	for l := range numLimits {
		r[l] = g.toInternal(l, v[l])
	}
	return r
}

// toInternal converts the value of limit l from its key's unit to the
// guard's.
func (g *Guard) toInternal(l Limit, v int64) int64 {
	if li, _, ok := l.info(); ok && li.unit == unitUSD {
		return g.mon.fromUSD(v)
	}
	return v
}

// fromInternal converts the value of limit l from the guard's unit to its
// key's (rounding tick-lots down to whole dollars).
func (g *Guard) fromInternal(l Limit, v int64) int64 {
	if li, _, ok := l.info(); ok && li.unit == unitUSD {
		return g.mon.toUSD(v)
	}
	return v
}

// Matcher returns the matcher the guard is in front of.
func (g *Guard) Matcher() *matcher.Engine { return g.m }

// Config returns a copy of the configuration the guard was made with (the
// limits set at run time are not in it; see [Guard.Limit]).
func (g *Guard) Config() *Config { return g.cfg.clone() }

// Apply answers one input by appending its outputs to out, with the same
// contract as [matcher.Engine.Apply]: every input gets at least one output,
// every output carries the input's Seq and TS. The guard's own inputs
// (KindKill, KindClear, KindSetLimit, KindParent, KindApprove, KindDeny)
// are answered by the guard; new orders and replaces pass the guard's
// checks first, and a rejection (OutRejected with a risk reason) changes
// nothing in the matcher. Before anything else, held orders whose approval
// timed out are rejected (their outputs come first). See the package
// documentation for the order of the checks and what each output means.
// Apply does not allocate in steady state.
func (g *Guard) Apply(in *event.In, out []event.Out) []event.Out {
	if !g.started {
		g.start(in.TS)
	}
	if in.TS > g.now {
		g.now = in.TS
		if g.now-g.t0 >= gcraEpoch {
			g.rebase()
		}
		g.nowFx = (g.now - g.t0) << gcraShift
	}
	g.ctx.in, g.ctx.acct, g.ctx.pos, g.ctx.tkLive, g.ctx.newPos = in, -1, -1, false, false
	if g.now >= g.heldNext {
		out = g.expire(out)
	}
	switch in.Kind {
	case event.KindNew:
		return g.submit(in, out)
	case event.KindCancel:
		return g.cancel(in, out)
	case event.KindReplace:
		return g.replace(in, out)
	case event.KindMassCancel:
		return g.massCancel(in, out)
	case event.KindSymbol:
		return g.defineSymbol(in, out)
	case event.KindKill:
		return g.kill(in, out)
	case event.KindClear:
		return g.clear(in, out)
	case event.KindSetLimit:
		return g.setLimit(in, out)
	case event.KindParent:
		return g.parent(in, out)
	case event.KindApprove:
		return g.approve(in, out)
	case event.KindDeny:
		return g.deny(in, out)
	case event.KindSync:
		return g.sync(in, out)
	}
	return g.m.Apply(in, out) // halt, resume, print and undefined kinds: the matcher's
}

// start begins event time at the first input (at ts): the scopes that exist
// already (the engine, the configured accounts) are first seen then.
func (g *Guard) start(ts int64) {
	g.started = true
	g.now, g.t0, g.nowFx = ts, ts, 0
	g.gHot, g.gWins = g.newWindows()
	for a := range g.accts {
		g.acctHot[a], g.acctWins[a] = g.newWindows()
		g.resetLoss(int32(a))
	}
}

// reject appends the rejection of in with a risk reason: its fields as
// given, Symbol sym.
func reject(in *event.In, sym uint32, r event.Reason, out []event.Out) []event.Out {
	return append(out, event.Out{
		Seq: in.Seq, TS: in.TS, Kind: event.OutRejected, Reason: r, Symbol: sym,
		ID: in.ID, Account: in.Account, Side: in.Side, Price: in.Price, Qty: in.Qty, Other: in.Aux,
	})
}
