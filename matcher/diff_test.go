package matcher

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
)

var (
	diffSeed = flag.Uint64("seed", 0, "differential test: run only this seed (0: the built-in seeds)")
	diffOps  = flag.Int("ops", 0, "differential test: total operations (0: 10^6, or 5*10^4 under -race)")
)

// genSymbols are the symbol ids the generator uses: the first three are
// defined at the start, the others later (or never: 9 stays undefined).
var genSymbols = []uint32{0, 1, 2, 5, 9}

// gen produces random input flows that exercise everything doc.go
// specifies: all kinds, order types and STP modes; cancels and replaces of
// live, dead and unknown ids; mass cancels; halts; symbol definitions; and
// occasional bad fields for every rejection reason. Prices cluster around a
// random-walking mid per symbol so books cross often. It is deterministic
// for a seed: it never iterates a map.
type gen struct {
	r       *rand.Rand
	ref     *refEngine // consulted for the owner of an id, to make cancels that succeed
	cfg     Config
	seq     uint64
	nextID  uint64
	ids     []uint64 // every id submitted, oldest first
	mid     map[uint32]int64
	defined int // genSymbols[:defined] have been sent a definition
	settle  int // resting order count at which cancels pick live ids half the time
}

func newGen(seed uint64, ref *refEngine, cfg Config, settle int) *gen {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), ref: ref, cfg: cfg,
		nextID: 1, mid: map[uint32]int64{}, settle: settle}
	for _, s := range genSymbols {
		g.mid[s] = 20 + g.r.Int64N(100)
	}
	return g
}

func (g *gen) pct(p int) bool { return g.r.IntN(100) < p }

// symbolName is the name the generator defines symbol s with.
func symbolName(s uint32) uint64 {
	v, err := event.PackName(fmt.Sprintf("S%d", s%1000))
	if err != nil {
		panic(err)
	}
	return v
}

func (g *gen) symbol() uint32 {
	switch n := g.r.IntN(100); {
	case n < 2:
		return uint32(g.cfg.MaxSymbols) + g.r.Uint32N(3) // out of range
	case n < 3:
		return event.Any
	case n < 5:
		return 9 // never defined
	}
	return genSymbols[g.r.IntN(max(g.defined, 1))]
}

func (g *gen) account() uint32 {
	if g.pct(1) {
		return event.Any
	}
	return 1 + g.r.Uint32N(4)
}

// price returns a price near the symbol's mid, sometimes out of range.
func (g *gen) price(sym uint32) int64 {
	n := g.r.IntN(1000)
	switch {
	case n < 5:
		return 0
	case n < 8:
		return -1 - g.r.Int64N(3)
	case n < 11:
		return event.MaxPrice + g.r.Int64N(2) // MaxPrice is valid, one more is not
	}
	mid := g.mid[sym]
	if n < 400 {
		return max(mid+g.r.Int64N(51)-25, 1) // deeper in the book
	}
	return max(mid+g.r.Int64N(9)-4, 1)
}

func (g *gen) qty() int64 {
	switch n := g.r.IntN(1000); {
	case n < 5:
		return 0
	case n < 8:
		return -g.r.Int64N(5) - 1
	case n < 11:
		return event.MaxQty + g.r.Int64N(2)
	}
	return 1 + g.r.Int64N(12)
}

// pickID returns an id to cancel or replace: mostly a live one, else a
// recent one (sometimes live), an old one (mostly dead) or one never used.
func (g *gen) pickID() uint64 {
	// Live picks get likelier as the books fill, so they settle at a few
	// dozen orders.
	live := len(g.ref.byID)
	switch n := g.r.IntN(100); {
	case n < 8 || len(g.ids) == 0:
		return g.nextID + 1000 + g.r.Uint64N(5) // unknown
	case n < 8+80*live/(live+g.settle):
		if id, ok := g.liveID(); ok {
			return id
		}
		fallthrough
	case n < 90:
		return g.ids[len(g.ids)-1-g.r.IntN(min(len(g.ids), 24))]
	}
	return g.ids[g.r.IntN(len(g.ids))]
}

// liveID picks a resting order from the reference's books (slices, so the
// pick is deterministic).
func (g *gen) liveID() (uint64, bool) {
	n := len(g.ref.byID)
	if n == 0 {
		return 0, false
	}
	k := g.r.IntN(n)
	for _, s := range genSymbols {
		if b := g.ref.books[s]; b != nil {
			for _, orders := range b.orders {
				if k < len(orders) {
					return orders[k].id, true
				}
				k -= len(orders)
			}
		}
	}
	panic("gen: resting orders not all in books")
}

// owner returns the account that owns id if it rests (usually), else a
// random one.
func (g *gen) owner(id uint64) uint32 {
	if o := g.ref.byID[id]; o != nil && g.pct(88) {
		return o.account
	}
	return g.account()
}

func (g *gen) next() event.In {
	g.seq++
	in := event.In{Seq: g.seq, TS: int64(g.seq) * 1000}
	if g.defined < 3 {
		// Define the first symbols before anything else.
		in.Kind, in.Symbol, in.Aux = event.KindSymbol, genSymbols[g.defined], symbolName(genSymbols[g.defined])
		g.defined++
		return in
	}
	for _, s := range genSymbols {
		if g.pct(5) {
			g.mid[s] = min(max(g.mid[s]+g.r.Int64N(3)-1, 3), 300)
		}
		if b := g.ref.books[s]; b != nil && b.halted && g.pct(3) {
			in.Kind, in.Symbol = event.KindResume, s
			return in
		}
	}
	switch n := g.r.IntN(1000); {
	case n < 480:
		g.newOrder(&in)
	case n < 680:
		in.Kind = event.KindCancel
		in.ID = g.pickID()
		in.Account = g.owner(in.ID)
		if g.pct(5) {
			in.Symbol = g.symbol() // ignored, reported for an unknown id
		}
	case n < 860:
		in.Kind = event.KindReplace
		in.ID = g.pickID()
		in.Account = g.owner(in.ID)
		o := g.ref.byID[in.ID]
		switch {
		case o == nil || g.pct(30):
			in.Price, in.Qty = g.price(genSymbols[g.r.IntN(3)]), g.qty()
			if o != nil {
				in.Price = g.price(o.symbol)
			}
		case g.pct(50): // same price: keep (smaller or equal) or lose (larger)
			in.Price = o.price
			in.Qty = max(o.qty+g.r.Int64N(5)-3, 1)
		default:
			in.Price, in.Qty = g.price(o.symbol), g.qty()
		}
	case n < 866:
		in.Kind = event.KindMassCancel
		in.Account, in.Symbol = event.Any, event.Any
		if g.pct(60) {
			in.Account = g.account()
		}
		if g.pct(70) {
			in.Symbol = g.symbol()
		}
	case n < 876:
		in.Symbol = g.symbol()
		in.Kind = event.KindHalt
		if b := g.ref.books[in.Symbol]; b != nil && b.halted && g.pct(90) {
			in.Kind = event.KindResume
		} else if g.pct(20) {
			in.Kind = event.KindResume
		}
	case n < 883:
		in.Kind = event.KindSymbol
		in.Symbol = g.symbol()
		in.Aux = symbolName(in.Symbol)
		switch m := g.r.IntN(10); {
		case m == 0:
			in.Aux = symbolName(in.Symbol + 1) // another name
		case m == 1:
			in.Aux = g.r.Uint64() // almost never a packed name
		case m < 4 && g.defined < len(genSymbols)-1:
			in.Symbol = genSymbols[g.defined] // a new symbol
			in.Aux = symbolName(in.Symbol)
			g.defined++
		}
	case n < 886:
		in.Kind = event.Kind(g.r.UintN(256))
		if in.Kind.Valid() {
			in.Kind = event.KindInvalid
		}
		in.Symbol, in.Account, in.ID = g.symbol(), g.account(), g.pickID()
	default:
		g.newOrder(&in)
	}
	return in
}

func (g *gen) newOrder(in *event.In) {
	in.Kind = event.KindNew
	in.Symbol = g.symbol()
	in.Account = g.account()
	in.Side = event.Side(1 + g.r.IntN(2))
	if g.pct(1) {
		in.Side = event.Side(g.r.UintN(256))
	}
	switch n := g.r.IntN(100); {
	case n < 50:
		in.Type = event.Limit
	case n < 61:
		in.Type = event.IOC
	case n < 71:
		in.Type = event.FOK
	case n < 80:
		in.Type = event.Market
	case n < 98:
		in.Type = event.PostOnly
	default:
		in.Type = event.OrdType(g.r.UintN(256))
	}
	in.STP = event.STP(g.r.IntN(4))
	if g.pct(1) {
		in.STP = event.STP(g.r.UintN(256))
	}
	in.Qty = g.qty()
	in.Price = g.price(in.Symbol)
	if in.Type == event.Market && g.pct(60) {
		in.Price = 0
	}
	in.Aux = g.r.Uint64N(1 << 20)
	switch n := g.r.IntN(100); {
	case n < 4 && len(g.ids) > 0:
		in.ID = g.ids[len(g.ids)-1-g.r.IntN(min(len(g.ids), 16))] // often live: duplicate
	case n < 8 && len(g.ids) > 0:
		in.ID = g.ids[g.r.IntN(len(g.ids))] // often dead: reused
	default:
		in.ID = g.nextID
		g.nextID++
	}
	g.ids = append(g.ids, in.ID)
}

// diffRun feeds the same inputs to the engine and the reference and checks
// everything after each: identical outputs, the engine's invariants, the
// quantity ledger and, regularly, identical resting orders.
type diffRun struct {
	e    *Engine
	ref  *refEngine
	led  *ledger
	out  []event.Out
	hist []string // the last inputs, for failure reports
}

func newDiffRun(cfg Config) (*diffRun, error) {
	e, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return &diffRun{e: e, ref: newRef(cfg), led: newLedger()}, nil
}

// step applies in to both engines; fullCheck adds the order list comparison.
func (d *diffRun) step(in *event.In, fullCheck bool) error {
	d.hist = append(d.hist, fmtIn(in))
	if len(d.hist) > 12 {
		d.hist = d.hist[1:]
	}
	d.out = d.e.Apply(in, d.out[:0])
	want := d.ref.Apply(in)
	if !slices.Equal(d.out, want) {
		return fmt.Errorf("outputs differ\nengine:\n%s\nreference:\n%s", fmtOuts(d.out), fmtOuts(want))
	}
	if err := d.e.checkInvariants(); err != nil {
		return fmt.Errorf("invariant: %w", err)
	}
	if err := d.led.step(d.e, in, d.out); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	if fullCheck {
		var got []OrderInfo
		d.e.EachOrder(func(o OrderInfo) { got = append(got, o) })
		if want := d.ref.orders(); !slices.Equal(got, want) {
			return fmt.Errorf("resting orders differ:\nengine    %v\nreference %v", got, want)
		}
		if d.e.Resting() != len(got) {
			return fmt.Errorf("Resting() = %d, EachOrder gave %d", d.e.Resting(), len(got))
		}
	}
	return nil
}

func fmtOuts(outs []event.Out) string {
	var b strings.Builder
	for i := range outs {
		fmt.Fprintf(&b, "  %s\n", fmtOut(&outs[i]))
	}
	return b.String()
}

// diffConfigs are the configurations the differential test runs, each with
// a generator settle size: small MaxOrders so capacity rejections happen and
// books stay small, a pool and level arrays that start tiny so they grow,
// protection bands of 0, 5%, 12.34% and 100%, and one run with deeper books
// (more than scanTop levels a side, so level search goes binary).
var diffConfigs = []struct {
	cfg    Config
	settle int
}{
	{Config{MaxSymbols: 8, MaxOrders: 32, InitialOrders: 1, InitialLevels: 1, ProtectionBps: 500}, 40},
	{Config{MaxSymbols: 8, MaxOrders: 12, InitialOrders: 4, InitialLevels: 2, ProtectionBps: 0}, 40},
	{Config{MaxSymbols: 8, MaxOrders: 64, InitialOrders: 8, InitialLevels: 1, ProtectionBps: 10000}, 600},
	{Config{MaxSymbols: 6, MaxOrders: 40, InitialOrders: 40, InitialLevels: 4, ProtectionBps: 1234}, 100},
}

// TestDifferential runs 10^6 random operations (5*10^4 under -race) through
// the engine and the reference book, spread over seeds and configurations.
func TestDifferential(t *testing.T) {
	total := 1_000_000
	if raceEnabled {
		total = 50_000
	}
	if *diffOps > 0 {
		total = *diffOps
	}
	seeds := []uint64{1, 2, 3, 4}
	if *diffSeed != 0 {
		seeds = []uint64{*diffSeed}
	}
	per := total / len(seeds)
	for _, seed := range seeds {
		dc := diffConfigs[int(seed-1)%len(diffConfigs)]
		cfg := dc.cfg
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			d, err := newDiffRun(cfg)
			if err != nil {
				t.Fatal(err)
			}
			g := newGen(seed, d.ref, cfg, dc.settle)
			counts := map[event.Reason]int{}
			kinds := map[event.OutKind]int{}
			for op := range per {
				in := g.next()
				if err := d.step(&in, op%500 == 0 || op == per-1); err != nil {
					t.Fatalf("seed %d (rerun: go test ./matcher -run TestDifferential -seed=%d -ops=%d), config %+v, op %d: %s\n%v\nlast inputs:\n  %s",
						seed, seed, per, cfg, op, fmtIn(&in), err, strings.Join(d.hist, "\n  "))
				}
				for j := range d.out {
					kinds[d.out[j].Kind]++
					counts[d.out[j].Reason]++
				}
			}
			t.Logf("seed %d: %d ops, %d trades, %d resting at the end", seed, per, kinds[event.OutTrade], d.e.Resting())
			// The flow must have reached every behaviour: otherwise the
			// comparison proves less than it claims. (Short runs may miss
			// the rarest.)
			if per < 100_000 {
				return
			}
			for r := event.ReasonUnknownSymbol; r <= event.ReasonBadSymbol; r++ {
				if counts[r] == 0 {
					t.Errorf("seed %d: no rejection %v in %d ops", seed, r, per)
				}
			}
			for _, r := range []event.Reason{event.ReasonUser, event.ReasonIOC, event.ReasonFOK, event.ReasonSTP,
				event.ReasonMassCancel, event.ReasonProtection, event.ReasonNoLiquidity,
				event.ReasonPriorityKept, event.ReasonPriorityLost} {
				if counts[r] == 0 {
					t.Errorf("seed %d: no %v in %d ops", seed, r, per)
				}
			}
			for k := event.OutAccepted; k <= event.OutSymbol; k++ {
				if kinds[k] == 0 {
					t.Errorf("seed %d: no %v output in %d ops", seed, k, per)
				}
			}
		})
	}
}
