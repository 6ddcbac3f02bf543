package matcher

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/tradeengine/engine/event"
)

// stateBooks splits a state encoding into its symbols' parts.
func stateBooks(t *testing.T, st []byte) map[uint32][]byte {
	t.Helper()
	parts := make(map[uint32][]byte)
	for off := stateHeaderSize; off < len(st); {
		sym := binary.LittleEndian.Uint32(st[off:])
		n := int(binary.LittleEndian.Uint32(st[off+16:])) + int(binary.LittleEndian.Uint32(st[off+20:]))
		end := off + stateSymbolSize + n*stateOrderSize
		if end > len(st) {
			t.Fatalf("symbol %d runs past the state", sym)
		}
		parts[sym] = st[off:end]
		off = end
	}
	return parts
}

// flowEngine applies a generated flow, without its final mass cancel, to
// an engine made with the given hash key and initial pool size.
func flowEngine(t *testing.T, flow []event.In, key uint64, initial int) *Engine {
	t.Helper()
	cfg := DefaultConfig()
	cfg.MaxSymbols, cfg.InitialOrders, cfg.InitialLevels, cfg.HashKey = 64, initial, 4, key
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []event.Out
	for i := range flow {
		out = e.Apply(&flow[i], out[:0])
	}
	return e
}

func hashFlow() []event.In {
	flow := genFlow(flowConfig{seed: 11, symbols: 8, accounts: 40, events: 60_000, depth: 400})
	return flow[:len(flow)-1] // keep the books
}

// TestBookHashesCoverState: each book's hash is the xxhash64 of exactly
// that symbol's part of the state encoding, so that it covers everything
// the state holds of the symbol; books deeper than the hash's buffer are
// among them.
func TestBookHashesCoverState(t *testing.T) {
	e := flowEngine(t, hashFlow(), 5, 1<<10)
	st := e.AppendState(nil)
	parts := stateBooks(t, st)
	hs := e.AppendBookHashes(nil)
	if len(hs) != len(parts) || len(hs) != 8 {
		t.Fatalf("%d hashes for %d symbols in the state, want 8", len(hs), len(parts))
	}
	deep := 0
	for i, h := range hs {
		if i > 0 && h.Symbol <= hs[i-1].Symbol {
			t.Fatalf("symbol %d after %d", h.Symbol, hs[i-1].Symbol)
		}
		part, ok := parts[h.Symbol]
		if !ok {
			t.Fatalf("symbol %d hashed, not in the state", h.Symbol)
		}
		if want := xxhash.Sum64(part); h.Hash != want {
			t.Errorf("symbol %d: hash %#x, xxhash64 of its %d state bytes %#x", h.Symbol, h.Hash, len(part), want)
		}
		if len(part) > digestBuf {
			deep++
		}
	}
	if deep == 0 {
		t.Fatal("no book larger than the hash's buffer: the spill path is not tested")
	}
}

// TestBookHashesEqual: engines fed the same inputs have the same hashes at
// every point, whatever their hash keys and pool sizes (which move orders
// to other slots), and a state saved and loaded keeps them.
func TestBookHashesEqual(t *testing.T) {
	flow := hashFlow()
	var es [2]*Engine
	for k, c := range []struct {
		key     uint64
		initial int
	}{{1, 1 << 8}, {0xC0FFEE, 1 << 14}} {
		cfg := DefaultConfig()
		cfg.MaxSymbols, cfg.InitialOrders, cfg.HashKey = 64, c.initial, c.key
		var err error
		if es[k], err = New(cfg); err != nil {
			t.Fatal(err)
		}
	}
	var out []event.Out
	var h0, h1 []BookHash
	for i := range flow {
		for _, e := range es {
			out = e.Apply(&flow[i], out[:0])
		}
		if i%5000 == 4999 || i == len(flow)-1 {
			h0, h1 = es[0].AppendBookHashes(h0[:0]), es[1].AppendBookHashes(h1[:0])
			if !slices.Equal(h0, h1) {
				t.Fatalf("event %d: hashes\n%v\n%v", i, h0, h1)
			}
		}
	}
	t.Run("state round trip", func(t *testing.T) {
		for _, e := range es {
			cfg := DefaultConfig()
			cfg.MaxSymbols, cfg.InitialOrders, cfg.HashKey = 64, 1<<9, 77
			loaded, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := loaded.LoadState(e.AppendState(nil)); err != nil {
				t.Fatal(err)
			}
			if got := loaded.AppendBookHashes(nil); !slices.Equal(got, h0) {
				t.Fatalf("loaded engine's hashes\n%v\nwant\n%v", got, h0)
			}
		}
	})
}

// TestBookHashesOneSymbol changes one thing of symbol 2 in a small flow
// over four symbols and requires symbol 2's hash, and no other, to change.
func TestBookHashesOneSymbol(t *testing.T) {
	base := func() []event.In {
		var in []event.In
		for s := range uint32(4) {
			name, _ := event.PackName(fmt.Sprintf("S%d", s))
			in = append(in, event.In{Kind: event.KindSymbol, Symbol: s, Aux: name})
		}
		for s := range uint32(4) {
			id := 100 * uint64(s+1)
			in = append(in,
				event.In{Kind: event.KindNew, Symbol: s, Account: 1, ID: id, Side: event.Buy, Type: event.Limit, Price: 100, Qty: 10},
				event.In{Kind: event.KindNew, Symbol: s, Account: 2, ID: id + 1, Side: event.Buy, Type: event.Limit, Price: 100, Qty: 20},
				event.In{Kind: event.KindNew, Symbol: s, Account: 3, ID: id + 2, Side: event.Buy, Type: event.Limit, Price: 99, Qty: 30},
				event.In{Kind: event.KindNew, Symbol: s, Account: 1, ID: id + 3, Side: event.Sell, Type: event.Limit, Price: 101, Qty: 40},
				event.In{Kind: event.KindNew, Symbol: s, Account: 2, ID: id + 4, Side: event.Sell, Type: event.Limit, Price: 102, Qty: 50},
			)
		}
		return in
	}
	// at returns the index in base() of order id+k of symbol 2.
	at := func(k int) int { return 4 + 2*5 + k }
	tests := []struct {
		name string
		edit func(in []event.In) []event.In
	}{
		{"qty", func(in []event.In) []event.In { in[at(0)].Qty++; return in }},
		{"price", func(in []event.In) []event.In { in[at(2)].Price--; return in }},
		{"account", func(in []event.In) []event.In { in[at(1)].Account = 4; return in }},
		{"order id", func(in []event.In) []event.In { in[at(4)].ID = 999; return in }},
		{"type", func(in []event.In) []event.In { in[at(3)].Type = event.PostOnly; return in }},
		{"stp", func(in []event.In) []event.In { in[at(3)].STP = event.STPCancelResting; return in }},
		{"time priority", func(in []event.In) []event.In { in[at(0)], in[at(1)] = in[at(1)], in[at(0)]; return in }},
		{"halted", func(in []event.In) []event.In { return append(in, event.In{Kind: event.KindHalt, Symbol: 2}) }},
		{"name", func(in []event.In) []event.In { in[2].Aux, _ = event.PackName("OTHER"); return in }},
		{"partly filled", func(in []event.In) []event.In {
			return append(in, event.In{Kind: event.KindNew, Symbol: 2, Account: 5, ID: 1, Side: event.Sell, Type: event.IOC, Price: 100, Qty: 3})
		}},
		{"cancelled", func(in []event.In) []event.In {
			return append(in, event.In{Kind: event.KindCancel, Symbol: 2, Account: 2, ID: 301})
		}},
		{"defined later", func(in []event.In) []event.In { // the same book, defined after symbol 3
			in[2], in[3] = in[3], in[2]
			return in
		}},
	}
	hashes := func(in []event.In) []BookHash {
		e, _ := New(Config{MaxSymbols: 8, MaxOrders: 1 << 10, InitialOrders: 64, InitialLevels: 4})
		var out []event.Out
		for i := range in {
			in[i].Seq = uint64(i + 1)
			out = e.Apply(&in[i], out[:0])
			if out[0].Kind == event.OutRejected {
				t.Fatalf("input %d rejected: %+v", i, out[0])
			}
		}
		return e.AppendBookHashes(nil)
	}
	want := hashes(base())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hashes(tt.edit(base()))
			if len(got) != len(want) {
				t.Fatalf("%d hashes, want %d", len(got), len(want))
			}
			for i := range got {
				changed := got[i] != want[i]
				if same := tt.name == "defined later"; changed != (got[i].Symbol == 2 && !same) {
					t.Errorf("symbol %d: hash %#x, was %#x", got[i].Symbol, got[i].Hash, want[i].Hash)
				}
			}
		})
	}
}

// TestBookHashesOneOrderOfAFlow feeds a generated flow to two engines, one
// of them with one more lot on an order that is still resting, untouched,
// at the end: its symbol's hash differs, no other.
func TestBookHashesOneOrderOfAFlow(t *testing.T) {
	flow := hashFlow()
	e := flowEngine(t, flow, 0, 1<<10)
	k := -1
	for i := len(flow) - 1; i >= 0 && k < 0; i-- {
		in := &flow[i]
		if in.Kind == event.KindNew && in.Type == event.Limit && in.Symbol == 5 {
			if o, ok := e.Lookup(in.ID); ok && o.Qty == in.Qty && o.Price == in.Price {
				k = i
			}
		}
	}
	if k < 0 {
		t.Fatal("no untouched resting order in symbol 5")
	}
	edited := slices.Clone(flow)
	edited[k].Qty++
	want, got := e.AppendBookHashes(nil), flowEngine(t, edited, 0, 1<<10).AppendBookHashes(nil)
	for i := range got {
		if changed := got[i] != want[i]; changed != (got[i].Symbol == 5) {
			t.Errorf("symbol %d: hash %#x, was %#x", got[i].Symbol, got[i].Hash, want[i].Hash)
		}
	}
}

func TestBookHashesAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	e := flowEngine(t, hashFlow(), 0, 1<<10)
	dst := make([]BookHash, 0, 8)
	if n := testing.AllocsPerRun(10, func() { dst = e.AppendBookHashes(dst[:0]) }); n != 0 {
		t.Fatalf("%v allocations per call, want 0", n)
	}
}

// restingEngine returns an engine with orders resting orders spread over
// symbols symbols, at random prices on both sides of 10,000 (none cross).
func restingEngine(tb testing.TB, symbols, orders int) *Engine {
	cfg := DefaultConfig()
	cfg.MaxSymbols, cfg.InitialOrders = symbols, orders
	e, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var out []event.Out
	seq := uint64(0)
	apply := func(in event.In) {
		seq++
		in.Seq = seq
		out = e.Apply(&in, out[:0])
		if out[0].Kind == event.OutRejected {
			tb.Fatalf("input %d rejected: %+v", seq, out[0])
		}
	}
	for s := range symbols {
		name, _ := event.PackName(fmt.Sprintf("SYM%d", s))
		apply(event.In{Kind: event.KindSymbol, Symbol: uint32(s), Aux: name})
	}
	for i := range orders {
		in := event.In{Kind: event.KindNew, Symbol: uint32(i % symbols), Account: 1 + r.Uint32N(1000), ID: uint64(i + 1),
			Side: event.Buy, Type: event.Limit, Price: 10_000 - 1 - r.Int64N(500), Qty: 1 + r.Int64N(100)}
		if r.IntN(2) == 0 {
			in.Side, in.Price = event.Sell, 20_000-in.Price
		}
		apply(in)
	}
	return e
}

// BenchmarkBookHashes hashes every book of an engine with 100 symbols;
// beside it, the baseline of one hash of the whole state (AppendState into
// a reused buffer, then xxhash64), which names no symbol.
func BenchmarkBookHashes(b *testing.B) {
	for _, orders := range []int{10_000, 100_000} {
		e := restingEngine(b, 100, orders)
		st := e.AppendState(nil)
		b.Run(fmt.Sprintf("orders=%d", orders), func(b *testing.B) {
			dst := make([]BookHash, 0, 100)
			b.SetBytes(int64(len(st)))
			b.ReportAllocs()
			for b.Loop() {
				dst = e.AppendBookHashes(dst[:0])
			}
		})
		b.Run(fmt.Sprintf("orders=%d/state-xxhash", orders), func(b *testing.B) {
			buf := make([]byte, 0, len(st))
			b.SetBytes(int64(len(st)))
			b.ReportAllocs()
			for b.Loop() {
				buf = e.AppendState(buf[:0])
				_ = xxhash.Sum64(buf)
			}
		})
	}
}

// Two engines take the same inputs but one lot: the book hashes name the
// symbol whose book differs.
func ExampleEngine_AppendBookHashes() {
	var hs [2][]BookHash
	for k := range hs {
		e, _ := New(Config{MaxSymbols: 4, MaxOrders: 64, InitialOrders: 64, InitialLevels: 4})
		for s, n := range []string{"AAPL", "MSFT", "IBM"} {
			name, _ := event.PackName(n)
			e.Apply(&event.In{Kind: event.KindSymbol, Symbol: uint32(s), Aux: name}, nil)
			e.Apply(&event.In{Kind: event.KindNew, Symbol: uint32(s), Account: 1, ID: uint64(s + 1),
				Side: event.Buy, Type: event.Limit, Price: 100, Qty: 10 + int64(k*s%2)}, nil)
		}
		hs[k] = e.AppendBookHashes(nil)
	}
	for i := range hs[0] {
		if hs[0][i] != hs[1][i] {
			fmt.Println("symbol", hs[0][i].Symbol, "differs")
		}
	}
	// Output: symbol 1 differs
}
