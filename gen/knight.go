package gen

import (
	"fmt"
	"math"

	"github.com/tradeengine/engine/event"
)

// KnightConfig configures the knight scenario: a realistic normal flow in
// which a router account, after working parent instructions correctly for a
// while, runs away as Knight Capital's SMARS router did on 1 August 2012.
//
// The router's account receives parent instructions (event.KindParent) for
// both sides of each of its symbols at StartTS. Before Start it works them
// the way a router should: a child order (an IOC limit at the touch: buying
// at the offer, selling at the bid) of ChildQty lots at a time, about
// NormalRate per second, round robin over its symbols and sides, counting
// every child as filled, and asking for a new parent instruction of
// ParentQty lots whenever one is used up. From Start it sends child orders
// at Rate per second over the same symbols and sides, the same way, and
// never counts them again, and never asks for a parent.
//
// With NoParents the flow is the same but for the parent instructions,
// which are left out: the router never received any, so the risk guard's
// out-versus-in check has nothing to compare its children against and only
// its execution anomaly detector can stop it.
type KnightConfig struct {
	// Account is the router's account; 0 picks Accounts+1, an account the
	// normal flow never uses.
	Account uint32
	// Start is when the router runs away, ns of event time after
	// Config.StartTS.
	Start int64
	// Rate is the runaway's child orders per second.
	Rate float64
	// NormalRate is the router's events per second before Start (child
	// orders and parent instructions); 0 for none.
	NormalRate float64
	// Symbols is how many symbols the router trades: symbol ids 0 to
	// Symbols-1, the busiest (at most Config.Symbols).
	Symbols int
	// ParentQty is the size of a parent instruction, and ChildQty of a
	// child order, in lots.
	ParentQty, ChildQty int64
	// NoParents leaves the parent instructions out of the flow; the router
	// behaves as if it had them.
	NoParents bool
}

// DefaultKnight returns the default knight scenario: a router trading 20
// symbols (or all, when there are fewer) with parents of 500 lots and
// children of 100, about 20 events per second, that runs away 10 seconds
// after the start at 10,000 child orders per second.
func DefaultKnight() KnightConfig {
	return KnightConfig{Start: 10e9, Rate: 10_000, NormalRate: 20, Symbols: 20, ParentQty: 500, ChildQty: 100}
}

// validate checks k for the flow of c.
func (k *KnightConfig) validate(c *Config) error {
	switch {
	case k.Account == event.Any || k.Account == 0 && int64(c.Accounts)+1 >= int64(event.Any):
		return fmt.Errorf("%w: knight account %d reserved", ErrConfig, k.Account)
	case k.Start < 0:
		return fmt.Errorf("%w: knight start %d negative", ErrConfig, k.Start)
	case !(k.Rate > 0 && k.Rate <= 1e8):
		return fmt.Errorf("%w: knight rate %v not in (0, 1e8]", ErrConfig, k.Rate)
	case !(k.NormalRate >= 0 && k.NormalRate <= 1e8):
		return fmt.Errorf("%w: knight normal rate %v not in [0, 1e8]", ErrConfig, k.NormalRate)
	case k.Symbols < 1:
		return fmt.Errorf("%w: knight symbols %d, want at least 1", ErrConfig, k.Symbols)
	case k.ChildQty < 1 || k.ChildQty > event.MaxQty || k.ParentQty < k.ChildQty || k.ParentQty > 1<<40:
		return fmt.Errorf("%w: knight parent %d and child %d lots: want 1 <= child <= parent", ErrConfig, k.ParentQty, k.ChildQty)
	}
	return nil
}

// knight is the state of the knight scenario's router.
type knight struct {
	cfg     KnightConfig
	acct    uint32
	nsym    int
	granted [][2]int64 // per symbol and side, lots granted by parents
	used    [][2]int64 // lots sent in child orders before the runaway
	initial int        // initial parent instructions made so far
	t       float64    // event time of the router's next event, ns after StartTS
	start   float64
	runGap  float64 // ns between runaway child orders
	rr      int     // round robin over symbols and sides
}

func newKnight(c *Config) *knight {
	k := &knight{cfg: c.Knight, acct: c.Knight.Account, nsym: min(c.Knight.Symbols, c.Symbols)}
	if k.acct == 0 {
		k.acct = uint32(c.Accounts) + 1
	}
	k.granted = make([][2]int64, k.nsym)
	k.used = make([][2]int64, k.nsym)
	k.start = float64(c.Knight.Start)
	k.runGap = 1e9 / c.Knight.Rate
	k.t = k.start
	return k
}

// next makes the router's next event into in when it comes before the
// normal event at g.t, and reports whether it did.
func (k *knight) next(g *Generator, in *event.In) bool {
	for k.initial < 2*k.nsym {
		if k.initial == 0 && k.cfg.NormalRate > 0 {
			k.t = min(k.start, g.rng.ExpFloat64()*1e9/k.cfg.NormalRate)
		}
		sym, side := k.initial/2, k.initial%2
		k.initial++
		if k.parent(g, in, sym, side, g.cfg.StartTS) {
			return true
		}
	}
	for k.t <= g.t {
		ts := g.cfg.StartTS + int64(k.t)
		sym, side := k.rr/2, k.rr%2
		k.rr = (k.rr + 1) % (2 * k.nsym)
		if k.t >= k.start {
			k.child(g, in, sym, side, ts)
			k.t += k.runGap
			return true
		}
		made := true
		if k.granted[sym][side]-k.used[sym][side] < k.cfg.ChildQty {
			made = k.parent(g, in, sym, side, ts)
		} else {
			k.used[sym][side] += k.cfg.ChildQty
			k.child(g, in, sym, side, ts)
		}
		k.t = min(k.start, k.t+g.rng.ExpFloat64()*1e9/k.cfg.NormalRate)
		if made {
			return true
		}
	}
	return false
}

// parent grants a parent instruction of ParentQty lots for symbol sym,
// side (0 buy, 1 sell), and makes it into in unless NoParents leaves it out;
// it reports whether it made it. A parent left out still takes its order
// id, so the flow differs from the one with parents only by their absence.
func (k *knight) parent(g *Generator, in *event.In, sym, side int, ts int64) bool {
	k.granted[sym][side] += k.cfg.ParentQty
	if k.cfg.NoParents {
		g.nextID++
		return false
	}
	*in = event.In{Kind: event.KindParent, TS: ts, Account: k.acct, Symbol: uint32(sym), Side: event.Side(side + 1),
		ID: g.nextID, Qty: k.cfg.ParentQty}
	g.nextID++
	g.stats.Parents++
	return true
}

// child makes a child order: an IOC limit buying at the offer or selling at
// the bid of the generator's idea of the touch.
func (k *knight) child(g *Generator, in *event.In, sym, side int, ts int64) {
	bid, ask := g.touch(&g.syms[sym])
	s, price := event.Buy, ask
	if side == 1 {
		s, price = event.Sell, max(1, bid)
	}
	*in = event.In{Kind: event.KindNew, TS: ts, Account: k.acct, Symbol: uint32(sym), ID: g.nextID,
		Side: s, Type: event.IOC, Price: price, Qty: k.cfg.ChildQty}
	g.nextID++
	g.stats.Router++
}

// KnightAccount returns the router's account of the knight scenario of c.
func KnightAccount(c *Config) uint32 {
	if c.Knight.Account != 0 {
		return c.Knight.Account
	}
	return uint32(min(int64(c.Accounts)+1, math.MaxUint32-1))
}
