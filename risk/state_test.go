package risk

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/matcher"
)

// stateFlow is a flow whose second half has trips, breakers and parents
// in play: the knight scenario with a runaway mid-way and an operator's
// commands, among them two orders held for approval (one approved at 3/5
// of the flow, the other held to the end).
func stateFlow(t testing.TB) []event.In {
	gc := gen.DefaultConfig()
	gc.Scenario = gen.ScenarioKnight
	gc.Events = scaled(400_000)
	gc.Knight.Start = int64(float64(gc.Events)/gc.Rate*1e9) * 3 / 4
	evs := genFlow(t, gc)
	// Some operator commands in the first half.
	at, later := len(evs)/4, len(evs)*3/5
	ts := evs[at].TS
	const desk = 3_000_000 // an account of its own, whose orders above 50 lots wait for approval
	ops := []event.In{
		{Kind: event.KindSetLimit, Arg: uint16(LimitMaxOrderQty), Account: 3, Symbol: event.Any, Qty: 90_000, TS: ts},
		{Kind: event.KindKill, Account: 77, Symbol: event.Any, TS: ts},
		{Kind: event.KindSetLimit, Arg: uint16(LimitRestricted), Account: 5, Symbol: 2, Qty: 1, TS: ts},
		{Kind: event.KindNew, Account: 9, Symbol: 1, ID: 1 << 50, Side: event.Buy, Type: event.Limit, Price: 100, Qty: 1, Aux: 12345, TS: ts},
		{Kind: event.KindSetLimit, Arg: uint16(LimitApproveQty), Account: desk, Symbol: event.Any, Qty: 50, TS: ts},
		{Kind: event.KindNew, Account: desk, Symbol: 1, ID: 1<<50 + 1, Side: event.Buy, Type: event.Limit, Price: 100, Qty: 100, Aux: 777, TS: ts},
		{Kind: event.KindNew, Account: desk, Symbol: 2, ID: 1<<50 + 2, Side: event.Sell, Type: event.Limit, Price: 1_000_000, Qty: 80, TS: ts},
	}
	approve := event.In{Kind: event.KindApprove, ID: uint64(at + len(ops) - 1), TS: evs[later].TS} // the first held order's seq
	evs = slices.Concat(evs[:at], ops, evs[at:later], []event.In{approve}, evs[later:])
	for i := range evs {
		evs[i].Seq = uint64(i + 1)
	}
	return evs
}

// TestStateRoundTrip takes the state of a guard at several points of a
// flow, loads it into a fresh guard over a matcher that had the same inputs
// (through another guard, so that it holds the same books), and checks that
// both give identical outputs and states from there on, and that encoding a
// loaded state gives the same bytes.
func TestStateRoundTrip(t *testing.T) {
	evs := stateFlow(t)
	for _, at := range []int{0, 1, len(evs) / 2, len(evs) * 7 / 10} {
		t.Run("", func(t *testing.T) {
			g1 := newGuard(t, DefaultConfig())
			m2, _ := matcher.New(matcher.DefaultConfig())
			feeder, _ := New(DefaultConfig(), m2)
			var out []event.Out
			for i := range evs[:at] {
				out = g1.Apply(&evs[i], out[:0])
				out = feeder.Apply(&evs[i], out[:0])
			}
			if held := map[int]int{len(evs) / 2: 2, len(evs) * 7 / 10: 1}[at]; g1.PendingCount() != held {
				t.Fatalf("at %d: %d orders held, want %d", at, g1.PendingCount(), held)
			}
			st := g1.AppendState(nil)
			g2, err := New(DefaultConfig(), m2)
			if err != nil {
				t.Fatal(err)
			}
			if err := g2.LoadState(st); err != nil {
				t.Fatalf("at %d: %v", at, err)
			}
			if again := g2.AppendState(nil); string(again) != string(st) {
				t.Fatalf("at %d: the loaded state encodes differently", at)
			}
			var o1, o2 []event.Out
			trips := 0
			for i := at; i < len(evs); i++ {
				o1 = g1.Apply(&evs[i], o1[:0])
				o2 = g2.Apply(&evs[i], o2[:0])
				if len(o1) != len(o2) {
					t.Fatalf("event %d: %d and %d outputs", i, len(o1), len(o2))
				}
				for k := range o1 {
					if o1[k] != o2[k] {
						t.Fatalf("event %d output %d: %+v and %+v", i, k, o1[k], o2[k])
					}
					if o1[k].Kind == event.OutKill {
						trips++
					}
				}
			}
			if trips == 0 {
				t.Fatal("no trip after the snapshot")
			}
			if string(g1.AppendState(nil)) != string(g2.AppendState(nil)) {
				t.Fatal("the final states differ")
			}
		})
	}
}

// TestLoadStateErrors damages a valid state and checks that LoadState
// refuses it with ErrState.
func TestLoadStateErrors(t *testing.T) {
	evs := stateFlow(t)[:scaled(50_000)]
	g := newGuard(t, DefaultConfig())
	run(g, evs, nil, nil)
	st := g.AppendState(nil)
	fresh := func() *Guard {
		m, _ := matcher.New(matcher.DefaultConfig())
		run(newGuardOver(m), evs, nil, nil)
		g, _ := New(DefaultConfig(), m)
		return g
	}
	if err := fresh().LoadState(st); err != nil {
		t.Fatalf("the valid state: %v", err)
	}
	put64 := func(off int, v uint64) []byte {
		b := append([]byte(nil), st...)
		binary.LittleEndian.PutUint64(b[off:], v)
		return b
	}
	const body = stateHeader
	accounts := body + 56 + 32 + 8 + 16 + 24 + 3*valuesSize + windowsSize
	cases := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"short header", st[:10]},
		{"magic", append([]byte("TERISKSX"), st[8:]...)},
		{"version", func() []byte { b := append([]byte(nil), st...); b[8] = 9; return b }()},
		{"length", st[:len(st)-1]},
		{"trailing bytes", func() []byte {
			b := append(append([]byte(nil), st...), 0)
			binary.LittleEndian.PutUint32(b[12:], uint32(len(b)-stateHeader))
			return b
		}()},
		{"tick differs", put64(body, 1)},
		{"window differs", put64(body+16, 2e9)},
		{"started flag", func() []byte { b := append([]byte(nil), st...); b[body+56] = 2; return b }()},
		{"t0 after now", put64(body+56+16, 1<<62)},
		{"account count", func() []byte {
			b := append([]byte(nil), st...)
			binary.LittleEndian.PutUint32(b[accounts:], 1<<30)
			return b
		}()},
		{"account order", func() []byte {
			b := append([]byte(nil), st...)
			binary.LittleEndian.PutUint32(b[accounts+8:], event.Any)
			return b
		}()},
		{"open orders negative", func() []byte {
			b := append([]byte(nil), st...)
			binary.LittleEndian.PutUint32(b[accounts+12:], 1<<31)
			return b
		}()},
		{"limit out of range", put64(body+56+32+8+16+24+8*int(LimitMaxOrderQty), 1<<62)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := fresh().LoadState(c.b); !errors.Is(err, ErrState) {
				t.Fatalf("LoadState = %v, want ErrState", err)
			}
		})
	}
	t.Run("not fresh", func(t *testing.T) {
		g := fresh()
		g.Apply(&event.In{Seq: 1, Kind: event.KindHalt, Symbol: 0}, nil)
		if err := g.LoadState(st); !errors.Is(err, ErrState) {
			t.Fatalf("LoadState into a used guard = %v", err)
		}
	})
	t.Run("symbol unknown to the matcher", func(t *testing.T) {
		m, _ := matcher.New(matcher.DefaultConfig())
		g, _ := New(DefaultConfig(), m)
		if err := g.LoadState(st); !errors.Is(err, ErrState) {
			t.Fatalf("LoadState over an empty matcher = %v", err)
		}
	})
}

// FuzzLoadState checks that any bytes give an error or a state that the
// guard can run on (and encode), never a panic or an allocation beyond what
// the bytes justify.
func FuzzLoadState(f *testing.F) {
	m, _ := matcher.New(matcher.Config{MaxSymbols: 8, MaxOrders: 1 << 12, InitialOrders: 1 << 8, InitialLevels: 8, ProtectionBps: 500})
	for i, name := range []string{"AAPL", "MSFT"} {
		p, _ := event.PackName(name)
		m.Apply(&event.In{Seq: uint64(i + 1), Kind: event.KindSymbol, Symbol: uint32(i), Aux: p}, nil)
	}
	// Seeds: states of a small guard over a matcher with the same symbols.
	seed, _ := New(quietConfig(), mustMatcher(f))
	f.Add(seed.AppendState(nil))
	h := newHarness(&testing.T{}, DefaultConfig(), "AAPL", "MSFT")
	h.limit(7, 0, event.Buy, 100, 10)
	h.limit(8, 0, event.Sell, 100, 4)
	h.apply(event.In{Kind: event.KindParent, Account: 9, Symbol: 1, Side: event.Sell, ID: 1, Qty: 10})
	h.apply(event.In{Kind: event.KindKill, Account: 8, Symbol: 1})
	h.apply(event.In{Kind: event.KindNew, Account: 7, Symbol: 1, ID: 99, Side: event.Buy, Type: event.Limit, Price: 100, Qty: 1, Aux: 5})
	f.Add(h.g.appendState(nil, 2)) // an older version
	h.setLimit(LimitApproveQty, 7, event.Any, 5)
	h.apply(event.In{Kind: event.KindNew, Account: 7, Symbol: 1, ID: 100, Side: event.Buy, Type: event.Limit, Price: 100, Qty: 10, Aux: 6})
	h.ts += 1e9
	h.apply(event.In{Kind: event.KindNew, Account: 7, Symbol: 0, ID: 101, Side: event.Sell, Type: event.Market, Qty: 10})
	f.Add(h.g.AppendState(nil)) // two orders held
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := New(DefaultConfig(), m)
		if err != nil {
			t.Fatal(err)
		}
		if err := g.LoadState(b); err != nil {
			if !errors.Is(err, ErrState) {
				t.Fatalf("error %v does not wrap ErrState", err)
			}
			return
		}
		if got := g.AppendState(nil); string(got) != string(b) {
			// A state of an older version is written back in the
			// current one: that one must re-encode to itself.
			if binary.LittleEndian.Uint16(b[8:]) >= stateVersion {
				t.Fatalf("a loaded state encodes to other bytes")
			}
			g2, _ := New(DefaultConfig(), m)
			if err := g2.LoadState(got); err != nil {
				t.Fatalf("a state written back from version %d is refused: %v", binary.LittleEndian.Uint16(b[8:]), err)
			}
			if string(g2.AppendState(nil)) != string(got) {
				t.Fatalf("a state written back from version %d does not re-encode to itself", binary.LittleEndian.Uint16(b[8:]))
			}
		}
		// The guard runs on it (against a matcher whose books may not
		// match: only symbols are checked, so stick to inputs that do not
		// depend on the books).
		held := g.Pending(nil)
		for i, in := range []event.In{
			{Kind: event.KindNew, Account: 7, Symbol: 0, ID: 1 << 40, Side: event.Sell, Type: event.IOC, Price: 1, Qty: 1},
			{Kind: event.KindKill, Account: event.Any, Symbol: event.Any},
			{Kind: event.KindClear, Account: event.Any, Symbol: event.Any},
			{Kind: event.KindDeny, ID: 1},
		} {
			if in.Kind == event.KindDeny && len(held) > 0 {
				in.ID = held[0].PendingID
			}
			in.Seq, in.TS = uint64(1000+i), g.now+int64(i)*1e9
			g.Apply(&in, nil)
		}
	})
}

func newGuardOver(m *matcher.Engine) *Guard {
	g, _ := New(DefaultConfig(), m)
	return g
}

func mustMatcher(tb testing.TB) *matcher.Engine {
	m, err := matcher.New(matcher.Config{MaxSymbols: 8, MaxOrders: 1 << 12, InitialOrders: 1 << 8, InitialLevels: 8, ProtectionBps: 500})
	if err != nil {
		tb.Fatal(err)
	}
	for i, name := range []string{"AAPL", "MSFT"} {
		p, _ := event.PackName(name)
		m.Apply(&event.In{Seq: uint64(i + 1), Kind: event.KindSymbol, Symbol: uint32(i), Aux: p}, nil)
	}
	return m
}
