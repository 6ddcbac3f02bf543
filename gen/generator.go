package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/tradeengine/engine/event"
)

// symbol is the generator's model of one symbol's market.
type symbol struct {
	mid    int64  // ticks
	half   int64  // half-spread, ticks
	packed uint64 // name packed as by event.PackName
}

// resting is a passive order the generator plans to cancel.
type resting struct {
	id      uint64
	price   int64
	qty     int64
	account uint32
	symbol  uint32
	side    event.Side
}

// Stats counts what a Generator has produced.
type Stats struct {
	Events     int // all events
	Symbols    int // symbol definitions
	Passive    int // new orders placed at or behind the touch (Limit, PostOnly)
	Marketable int // new orders at or through the touch (IOC, Market, FOK, Limit)
	Cancels    int
	Replaces   int
	// ByType counts new orders by order type.
	ByType [6]int
	// Parents and Router count the knight scenario's parent instructions
	// and its router's child orders (neither is in the counts above).
	Parents, Router int
}

// recentWindow is how many of the most recent pool orders one of the
// candidates of a cancel or replace is drawn from.
const recentWindow = 16

// Generator produces a synthetic order flow. It is not safe for concurrent
// use.
type Generator struct {
	cfg      Config
	rng      *rand.Rand
	syms     []symbol
	names    []string
	symCDF   []float64 // cumulative popularity weights of symbols
	acctCDF  []float64 // of accounts
	pool     []resting // passive orders planned to be cancelled, oldest first-ish
	minPool  int       // cancels wait until the pool holds this many orders
	nextID   uint64
	t        float64 // event time since StartTS, ns
	meanGap  float64 // ns
	pCancel  float64 // thresholds of the event mix, cumulative
	pReplace float64
	pTake    float64
	// planTouch and planDeep are the probabilities that a passive order at
	// the touch, or behind it, is planned for a cancel; they average to
	// CancelFrac. Orders at the touch are the ones takers fill, so fewer of
	// them are planned.
	planTouch, planDeep float64
	stats               Stats
	// kn is the knight scenario's router, nil without the scenario; held
	// tells that t is the time of a normal event drawn but not yet made,
	// because a router event came first.
	kn   *knight
	held bool
}

// New returns a generator for cfg, or an error wrapping [ErrConfig].
func New(cfg Config) (*Generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := &Generator{
		cfg:     cfg,
		rng:     rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15)),
		syms:    make([]symbol, cfg.Symbols),
		names:   make([]string, cfg.Symbols),
		symCDF:  cdf(cfg.Symbols, cfg.Skew),
		acctCDF: cdf(cfg.Accounts, cfg.Skew),
		pool:    make([]resting, 0, min(cfg.Events, 4096)),
		minPool: min(20*cfg.Symbols, 4096),
		nextID:  1,
		meanGap: 1e9 / cfg.Rate,
	}
	// Passive orders p and cancels c = CancelFrac*p share what replaces and
	// marketable orders leave, so that CancelFrac of passive orders end up
	// cancelled.
	passive := (1 - cfg.ReplaceFrac - cfg.MarketableFrac) / (1 + cfg.CancelFrac)
	g.pCancel = cfg.CancelFrac * passive
	g.pReplace = g.pCancel + cfg.ReplaceFrac
	g.pTake = g.pReplace + cfg.MarketableFrac
	g.planTouch, g.planDeep = cfg.CancelFrac, cfg.CancelFrac
	if p := cfg.DepthDecay; p < 1 {
		// P(at the touch) = p for the geometric distance.
		g.planTouch = cfg.CancelFrac * touchPlanShare
		g.planDeep = min(1, (cfg.CancelFrac-p*g.planTouch)/(1-p))
		g.planTouch = (cfg.CancelFrac - (1-p)*g.planDeep) / p
	}
	if cfg.Scenario == ScenarioKnight {
		g.kn = newKnight(&cfg)
	}
	lo, hi := math.Log(float64(cfg.MinPrice)), math.Log(float64(cfg.MaxPrice))
	for i := range g.syms {
		g.names[i] = SymbolName(i)
		p, err := event.PackName(g.names[i])
		if err != nil {
			return nil, fmt.Errorf("gen: symbol %d: %w", i, err)
		}
		mid := int64(math.Exp(lo + (hi-lo)*g.rng.Float64()))
		g.syms[i] = symbol{
			mid:    max(cfg.MinPrice, min(cfg.MaxPrice, mid)),
			half:   1 + g.rng.Int64N(cfg.MaxHalfSpread),
			packed: p,
		}
	}
	return g, nil
}

// cdf returns the cumulative weights 1/(k+1)^skew for k in [0, n).
func cdf(n int, skew float64) []float64 {
	c := make([]float64, n)
	sum := 0.0
	for k := range c {
		sum += math.Pow(float64(k+1), -skew)
		c[k] = sum
	}
	return c
}

// pick returns an index drawn with the weights of c.
func (g *Generator) pick(c []float64) int {
	u := g.rng.Float64() * c[len(c)-1]
	i := sort.SearchFloat64s(c, u)
	return min(i, len(c)-1)
}

// Names returns the symbol names, by symbol id.
func (g *Generator) Names() []string { return append([]string(nil), g.names...) }

// Stats returns the counts so far.
func (g *Generator) Stats() Stats { return g.stats }

// Next writes the next event into in and reports whether there was one: it
// returns false once Config.Events events have been produced. It does not
// allocate in steady state.
func (g *Generator) Next(in *event.In) bool {
	if g.stats.Events >= g.cfg.Events {
		return false
	}
	g.stats.Events++
	if i := g.stats.Symbols; i < len(g.syms) {
		g.stats.Symbols++
		*in = event.In{Kind: event.KindSymbol, TS: g.cfg.StartTS, Symbol: uint32(i), Aux: g.syms[i].packed}
		return true
	}
	if g.kn != nil {
		if !g.held {
			g.t += g.gap()
			g.held = true
		}
		if g.kn.next(g, in) {
			return true
		}
		g.held = false
	} else {
		g.t += g.gap()
	}
	ts := g.cfg.StartTS + int64(g.t)
	u := g.rng.Float64()
	switch {
	case u < g.pCancel && len(g.pool) > g.minPool:
		g.cancel(in, ts)
	case u >= g.pCancel && u < g.pReplace && len(g.pool) > 0:
		g.replace(in, ts)
	case u >= g.pReplace && u < g.pTake:
		g.take(in, ts)
	default:
		g.passive(in, ts)
	}
	return true
}

// gap returns the time to the next normal event: exponential with mean
// 1/Rate, or 1/(OpenBurstFactor*Rate) during the opening burst.
func (g *Generator) gap() float64 {
	gap := g.rng.ExpFloat64() * g.meanGap
	if g.t < float64(g.cfg.OpenBurst) {
		gap /= g.cfg.OpenBurstFactor
	}
	return gap
}

// touch moves symbol s's mid by its random walk and returns its bid and ask.
func (g *Generator) touch(s *symbol) (bid, ask int64) {
	if g.rng.Float64() < g.cfg.Volatility {
		if g.rng.IntN(2) == 0 {
			s.mid++
		} else if s.mid > s.half+1 {
			s.mid--
		}
	}
	return s.mid - s.half, s.mid + s.half
}

// passive places a new resting order behind the touch.
func (g *Generator) passive(in *event.In, ts int64) {
	si := g.pick(g.symCDF)
	s := &g.syms[si]
	bid, ask := g.touch(s)
	side := event.Side(1 + g.rng.IntN(2))
	behind := g.geometric()
	price := ask + behind
	if side == event.Buy {
		price = max(1, bid-behind)
	}
	typ := event.Limit
	if g.rng.Float64() < g.cfg.PostOnlyFrac {
		typ = event.PostOnly
	}
	o := resting{id: g.nextID, price: price, qty: g.size(), account: g.account(), symbol: uint32(si), side: side}
	g.nextID++
	*in = event.In{Kind: event.KindNew, TS: ts, Symbol: o.symbol, Account: o.account, ID: o.id,
		Side: side, Type: typ, Price: price, Qty: o.qty}
	plan := g.planDeep
	if behind == 0 {
		plan = g.planTouch
	}
	if g.rng.Float64() < plan {
		g.pool = append(g.pool, o)
	}
	g.stats.Passive++
	g.stats.ByType[typ]++
}

// take sends a marketable order at or through the touch.
func (g *Generator) take(in *event.In, ts int64) {
	si := g.pick(g.symCDF)
	bid, ask := g.touch(&g.syms[si])
	side := event.Side(1 + g.rng.IntN(2))
	// Mostly at the touch, sometimes a tick or two through it.
	through := int64(0)
	if r := g.rng.IntN(8); r >= 5 {
		through = int64(r - 4)
	}
	price := ask + through
	if side == event.Sell {
		price = max(1, bid-through)
	}
	typ := event.IOC
	switch u := g.rng.Float64(); {
	case u < g.cfg.FOKFrac:
		typ = event.FOK
	case u < g.cfg.FOKFrac+g.cfg.MarketFrac:
		typ, price = event.Market, 0
	case u < g.cfg.FOKFrac+g.cfg.MarketFrac+g.cfg.LimitTakeFrac:
		typ = event.Limit
	}
	*in = event.In{Kind: event.KindNew, TS: ts, Symbol: uint32(si), Account: g.account(), ID: g.nextID,
		Side: side, Type: typ, Price: price, Qty: g.size()}
	g.nextID++
	g.stats.Marketable++
	g.stats.ByType[typ]++
}

// choose returns the index in the pool of an order to cancel or replace. Of
// a few candidates (one among the most recent orders), it takes the one
// deepest behind its side's touch, up to depthEnough ticks, and among those
// the most recent: orders at or through the touch, and old ones, are the ones
// marketable orders and a moving market have likely filled.
func (g *Generator) choose() int {
	n := len(g.pool)
	best := n - 1 - g.rng.IntN(min(n, recentWindow))
	score := g.score(best)
	for range candidates - 1 {
		i := g.rng.IntN(n)
		if sc := g.score(i); sc > score {
			best, score = i, sc
		}
	}
	return best
}

// depthEnough is the depth behind the touch from which an order counts as
// safe from takers.
const depthEnough = 2

// score ranks pool order i for choose: depth behind the touch first (capped
// at depthEnough), then recency (a higher id).
func (g *Generator) score(i int) uint64 {
	d := min(g.depth(i), depthEnough) + 64 // > 0 unless the market moved far through it
	return uint64(max(d, 0))<<56 | g.pool[i].id&(1<<56-1)
}

// touchPlanShare scales the cancel plan of orders at the touch against the
// average.
const touchPlanShare = 0.8

// candidates is how many pool orders choose compares.
const candidates = 4

// depth returns how many ticks pool order i is behind its side's touch now;
// negative when the market has moved through it.
func (g *Generator) depth(i int) int64 {
	o := &g.pool[i]
	s := &g.syms[o.symbol]
	if o.side == event.Buy {
		return s.mid - s.half - o.price
	}
	return o.price - s.mid - s.half
}

// cancel cancels one of the generator's resting orders and forgets it.
func (g *Generator) cancel(in *event.In, ts int64) {
	i := g.choose()
	o := g.pool[i]
	last := len(g.pool) - 1
	g.pool[i] = g.pool[last]
	g.pool = g.pool[:last]
	*in = event.In{Kind: event.KindCancel, TS: ts, Account: o.account, ID: o.id}
	g.stats.Cancels++
}

// replace changes one of the generator's resting orders, which stays planned
// for a cancel: mostly a smaller quantity, sometimes a new price a tick or two
// away, on the passive side of the touch.
func (g *Generator) replace(in *event.In, ts int64) {
	o := &g.pool[g.choose()]
	if o.qty > 1 && g.rng.IntN(4) != 0 {
		o.qty = max(1, o.qty*int64(1+g.rng.IntN(3))/4)
	} else {
		s := &g.syms[o.symbol]
		bid, ask := g.touch(s)
		move := int64(1 + g.rng.IntN(2))
		if g.rng.IntN(2) == 0 {
			move = -move
		}
		if o.side == event.Buy {
			o.price = max(1, min(bid, o.price+move))
		} else {
			o.price = max(ask, o.price+move)
		}
	}
	*in = event.In{Kind: event.KindReplace, TS: ts, Account: o.account, ID: o.id, Price: o.price, Qty: o.qty}
	g.stats.Replaces++
}

// geometric returns the number of ticks behind the touch of a passive order.
func (g *Generator) geometric() int64 {
	p := g.cfg.DepthDecay
	if p >= 1 {
		return 0
	}
	// Inverse transform: floor(ln U / ln(1-p)), capped so that a price stays
	// far from overflow.
	k := math.Floor(math.Log(1-g.rng.Float64()) / math.Log(1-p))
	return int64(min(k, 1000))
}

// account returns an account id in [1, Accounts], a few accounts busy.
func (g *Generator) account() uint32 { return uint32(1 + g.pick(g.acctCDF)) }

// size returns an order quantity: mostly round lots, some odd lots, a heavy
// tail.
func (g *Generator) size() int64 {
	switch u := g.rng.Float64(); {
	case u < 0.40:
		return 100
	case u < 0.55:
		return 200
	case u < 0.63:
		return 300
	case u < 0.71:
		return 500
	case u < 0.76:
		return 1000
	case u < 0.90:
		return 1 + g.rng.Int64N(99)
	default:
		// Pareto with shape 1.5 from 100 lots, in round lots, capped at
		// 100,000.
		x := 100 / math.Pow(1-g.rng.Float64(), 1/1.5)
		return min(100_000, max(100, int64(x/100)*100))
	}
}

// Generate returns all Config.Events events of cfg.
func Generate(cfg Config) ([]event.In, error) {
	g, err := New(cfg)
	if err != nil {
		return nil, err
	}
	evs := make([]event.In, cfg.Events)
	for i := range evs {
		g.Next(&evs[i])
	}
	return evs, nil
}
