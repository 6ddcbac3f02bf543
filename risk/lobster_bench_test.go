package risk_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/matcher"
	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/risk"
	"github.com/tradeengine/engine/wire"
)

// lobsterData is the shared LOBSTER sample data (see
// ../shared/data/PROVENANCE.md beside the checkout); the real-flow
// benchmarks skip without it.
const lobsterData = "../../shared/data"

// day is the event time of one calendar day, ns.
const day = int64(24 * time.Hour)

// lobsterDay is one LOBSTER file of the shared data: its message file and
// its orderbook file ("" when there is none: the book is not seeded).
type lobsterDay struct {
	messages, orderbook string
}

var (
	amzn2012 = lobsterDay{
		"lobster_amzn_2012-06-21_L1/AMZN_2012-06-21_34200000_57600000_message_1.csv",
		"lobster_amzn_2012-06-21_L1/AMZN_2012-06-21_34200000_57600000_orderbook_1.csv",
	}
	amzn2021 = lobsterDay{"lobster_amzn_2021-04-12_L10_messages/AMZN_2021-04-12_34200000_57600000_message_10.csv", ""}
)

// loadDay loads d as the events of symbol id sym named name, on calendar
// day n of the flow: event times n days later than the file's (its times
// are of day 0), order ids (the LOBSTER ones and the seeded and taker ones
// alike) n<<48 higher, so that the days' orders coexist.
func loadDay(d lobsterDay, name string, sym uint32, n int) ([]event.In, error) {
	cfg := wire.DefaultLOBSTERConfig(name)
	cfg.SymbolID = sym
	cfg.SeedFromBook = d.orderbook != ""
	book := ""
	if cfg.SeedFromBook {
		book = filepath.Join(lobsterData, d.orderbook)
	}
	evs, _, err := wire.LoadLOBSTER(filepath.Join(lobsterData, d.messages), book, cfg)
	if err != nil {
		return nil, err
	}
	for i := range evs {
		evs[i].TS += int64(n) * day
		if evs[i].ID != 0 {
			evs[i].ID += uint64(n) << 48
		}
	}
	return evs, nil
}

// realFlow is one flow of BenchmarkGuardRealFlow: its events, numbered and
// ended with a mass cancel so that each pass starts on empty books, and the
// event time one pass spans (the next pass runs that much later).
type realFlow struct {
	evs  []event.In
	span int64
	risk *risk.Config // the guard's configuration on this flow
}

// lobsterRisk is the guard's configuration on a LOBSTER flow: the defaults
// with the LOBSTER tick scaling (prices in $0.0001), what `engine run
// --format lobster` uses, but for the accounts' position and credit limits,
// raised to $1T and 2^40 lots (still checked, never reached): a day
// replayed a hundred times over leaves some account a net position of
// over the default 5,000,000 lots, which a real day does not.
func lobsterRisk() *risk.Config {
	c := risk.DefaultConfig()
	c.TickMicros = 100
	a := &c.Account
	a[risk.LimitMaxNetPosition], a[risk.LimitMaxGrossPosition], a[risk.LimitCredit] = 1<<40, 1<<40, 1e12
	return c
}

// seal numbers evs and ends them with a mass cancel of everything at the
// time of the last event.
func seal(evs []event.In) []event.In {
	last := evs[len(evs)-1].TS
	evs = append(evs, event.In{Kind: event.KindMassCancel, TS: last, Account: event.Any, Symbol: event.Any})
	for i := range evs {
		evs[i].Seq = uint64(i + 1)
	}
	return evs
}

// realDays is the number of days (and symbols) of the days flow.
const realDays = 20

var realFlows = sync.OnceValues(func() (map[string]*realFlow, error) {
	if _, err := os.Stat(filepath.Join(lobsterData, amzn2012.messages)); err != nil {
		return nil, err
	}
	fs := map[string]*realFlow{}
	amzn, err := loadDay(amzn2012, "AMZN", 0, 0)
	if err != nil {
		return nil, err
	}
	fs["amzn-day"] = &realFlow{evs: seal(amzn), span: day, risk: lobsterRisk()}
	var evs []event.In
	for n := range realDays {
		d := amzn2012
		if n%2 == 1 {
			d = amzn2021
		}
		dn, err := loadDay(d, fmt.Sprintf("AMZN%02d", n), uint32(n), n)
		if err != nil {
			return nil, err
		}
		evs = append(evs, dn...)
	}
	fs["days"] = &realFlow{evs: seal(evs), span: realDays * day, risk: lobsterRisk()}
	gc := gen.DefaultConfig()
	gc.Events = 1 << 20
	gevs, err := gen.Generate(gc)
	if err != nil {
		return nil, err
	}
	gevs = seal(gevs)
	fs["generated"] = &realFlow{evs: gevs, span: gevs[len(gevs)-1].TS - gevs[0].TS + 1e6, risk: risk.DefaultConfig()}
	return fs, nil
})

// flowSide is one side of BenchmarkGuardRealFlow: a logic with the guard
// on or off, where it is in the flow and the event-time offset of the pass
// it is in, and the time it took.
type flowSide struct {
	l    *replay.Logic
	pos  int
	off  int64
	took time.Duration
	risk int // outputs with a risk reason: rejections, trips, breakers
}

// input is the event a side applies: a package variable, so that passing
// it to Apply does not allocate.
var input event.In

// run applies n events of f to s.
func (s *flowSide) run(f *realFlow, n int, out []event.Out) []event.Out {
	i, off := s.pos, s.off
	start := time.Now()
	for range n {
		input = f.evs[i]
		input.TS += off
		out = s.l.Apply(&input, out[:0])
		for k := range out {
			if out[k].Reason >= event.ReasonRiskBase {
				s.risk++
			}
		}
		if i++; i == len(f.evs) {
			i, off = 0, off+f.span
		}
	}
	s.took += time.Since(start)
	s.pos, s.off = i, off
	return out
}

// realChunk is how many inputs BenchmarkGuardRealFlow applies to one side
// before switching to the other.
const realChunk = 1 << 16

// BenchmarkGuardRealFlow measures the guard's cost on real flow: the logic
// (replay.Logic, matcher.DefaultConfig) with the guard on and off, in one
// run, each op applying the same chunk of realChunk inputs to both in an
// order alternating from op to op (so a noisy neighbour slows both alike),
// on three flows, each repeated with event time running on from pass to
// pass:
//
//   - amzn-day: the LOBSTER AMZN 2012-06-21 level-1 day (book seeded),
//     55,074 inputs, one day later each pass; the guard with the LOBSTER
//     tick scaling (see lobsterRisk);
//   - days: 20 days, one symbol each (AMZN00 to AMZN19), from the two
//     LOBSTER files of the shared data that hold more than a thousand
//     events, so the same day under several symbol ids: the AMZN 2012-06-21
//     day on even days, the AMZN 2021-04-12 half hour (09:30-10:00, book
//     not seeded) on odd ones; day n's event times n days later than its
//     file's and its order ids n<<48 higher, so that the days' symbols and
//     resting orders coexist; 921,151 inputs, each day to the next over a
//     night of 17.5 to 23.5 hours; the same guard;
//   - generated: gen's default flow (8 symbols, 1M inputs) under the
//     guard's default configuration ($0.01 tick), for reference: the flow
//     of risk's BenchmarkGuardCost, through the logic.
//
// Every pass ends with a mass cancel, so the books are empty at the start
// of the next. It reports each side's events/s and guard-cost-%, the
// guard's extra time per input as a share of the logic's without it (the
// target is at most 25), and the guard's outputs with a risk reason per
// pass (0: the guard rejected nothing the matcher would have taken, both
// sides did the same matching); allocs/op must be 0.
func BenchmarkGuardRealFlow(b *testing.B) {
	for _, name := range []string{"amzn-day", "days", "generated"} {
		b.Run("flow="+name, func(b *testing.B) {
			fs, err := realFlows()
			if err != nil {
				b.Skipf("LOBSTER sample data absent: %v", err)
			}
			f := fs[name]
			var sides [2]flowSide // guard off, on
			out := make([]event.Out, 0, 1<<16)
			for k := range sides {
				cfg := replay.Config{Matcher: matcher.DefaultConfig()}
				if k == 1 {
					cfg.Risk = f.risk
				}
				l, err := replay.NewLogic(cfg)
				if err != nil {
					b.Fatal(err)
				}
				sides[k].l = l
				out = sides[k].run(f, 2*len(f.evs), out) // warm: nothing allocates afterwards
				sides[k].took, sides[k].risk = 0, 0
			}
			b.ReportAllocs()
			op := 0
			for b.Loop() {
				for k := range 2 {
					out = sides[k^op&1].run(f, realChunk, out)
				}
				op++
			}
			n := float64(op * realChunk)
			off, on := sides[0].took.Seconds(), sides[1].took.Seconds()
			b.ReportMetric(n/off, "off-events/s")
			b.ReportMetric(n/on, "on-events/s")
			b.ReportMetric(100*(on-off)/off, "guard-cost-%")
			b.ReportMetric(float64(len(f.evs)), "events/pass")
			// The guard is to pass the flows untouched, so that both sides
			// do the same matching: a risk output would say otherwise.
			b.ReportMetric(float64(sides[1].risk)*float64(len(f.evs))/n, "risk-outs/pass")
		})
	}
}
