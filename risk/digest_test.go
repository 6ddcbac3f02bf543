package risk

import (
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/matcher"
)

// hashesFromState computes the account hashes and the global hash from a
// state encoding, as the documentation of AppendAccountHashes and
// GlobalHash defines them: the parts of the state they cover, found by
// walking the encoding.
func hashesFromState(t *testing.T, st []byte) ([]AccountHash, uint64) {
	t.Helper()
	const (
		accountHead = 608 // up to the restricted symbols
		engineSize  = 32 + 48 + 3*valuesSize + windowsSize
	)
	u32 := func(off int) int { return int(binary.LittleEndian.Uint32(st[off:])) }
	off := stateHeader
	global := slices.Clone(st[off : off+48]) // units
	off += 48 + 8                            // and the hash key
	global = append(global, st[off:off+engineSize]...)
	off += engineSize
	type acct struct {
		id     uint32
		record uint64
		sum    uint64
	}
	var accts []acct
	n := u32(off)
	off += 8
	for range n {
		end := off + accountHead + 4*u32(off+accountHead-8) + windowsSize
		accts = append(accts, acct{id: uint32(u32(off)), record: xxhash.Sum64(st[off:end])})
		off = end
	}
	np := u32(off)
	off += 8
	for range np {
		id := uint32(binary.LittleEndian.Uint64(st[off:]) >> 32)
		i, ok := slices.BinarySearchFunc(accts, id, func(a acct, id uint32) int { return int(a.id) - int(id) })
		if !ok {
			t.Fatalf("position of account %d, which the state does not hold", id)
		}
		accts[i].sum += xxhash.Sum64(st[off : off+posSize])
		off += posSize
	}
	global = append(global, st[off:]...) // symbols, client order ids, held orders
	var hs []AccountHash
	for _, a := range accts {
		var pair [16]byte
		binary.LittleEndian.PutUint64(pair[:], a.record)
		binary.LittleEndian.PutUint64(pair[8:], a.sum)
		hs = append(hs, AccountHash{Account: a.id, Hash: xxhash.Sum64(pair[:])})
	}
	return hs, xxhash.Sum64(global)
}

// checkHashesCoverState requires g's hashes to be those computed from its
// state: together they cover all of it but the header and the hash key.
func checkHashesCoverState(t *testing.T, g *Guard) {
	t.Helper()
	wantAccts, wantGlobal := hashesFromState(t, g.AppendState(nil))
	got := g.AppendAccountHashes(nil)
	if len(got) != len(wantAccts) {
		t.Fatalf("%d account hashes, %d accounts in the state", len(got), len(wantAccts))
	}
	for i := range got {
		if got[i] != wantAccts[i] {
			t.Fatalf("account hash %d: %+v, %+v from the state", i, got[i], wantAccts[i])
		}
	}
	if h := g.GlobalHash(); h != wantGlobal {
		t.Fatalf("global hash %#x, %#x from the state", h, wantGlobal)
	}
}

// TestHashesCoverState checks the hashes against the state encoding along
// the state tests' flow (trips, breakers, parents, held orders), and for an
// account restricted in more symbols than the hash's buffer holds.
func TestHashesCoverState(t *testing.T) {
	t.Run("flow", func(t *testing.T) {
		evs := stateFlow(t)
		g := newGuard(t, DefaultConfig())
		checkHashesCoverState(t, g)
		var out []event.Out
		for i := range evs {
			out = g.Apply(&evs[i], out[:0])
			if i%(len(evs)/7) == 0 {
				checkHashesCoverState(t, g)
			}
		}
		if g.PendingCount() == 0 || g.dup.size == 0 || len(g.dup.ring) == 0 || g.trips == 0 {
			t.Fatal("the flow leaves no held order, client order id or trip")
		}
		checkHashesCoverState(t, g)
	})
	t.Run("restricted", func(t *testing.T) {
		g := newGuard(t, quietConfig())
		var out []event.Out
		seq := uint64(0)
		apply := func(in event.In) {
			seq++
			in.Seq, in.TS = seq, t0
			if out = g.Apply(&in, out[:0]); out[0].Kind == event.OutRejected {
				t.Fatalf("input %d: %+v", seq, out[0])
			}
		}
		const n = 1500 // 6 KB of restricted symbol ids
		name, _ := event.PackName("FREE")
		apply(event.In{Kind: event.KindSymbol, Symbol: n, Aux: name})
		for s := range uint32(n) {
			name, _ := event.PackName(fmt.Sprintf("S%d", s))
			apply(event.In{Kind: event.KindSymbol, Symbol: s, Aux: name})
			apply(event.In{Kind: event.KindSetLimit, Arg: uint16(LimitRestricted), Account: 7, Symbol: s, Qty: 1})
		}
		apply(event.In{Kind: event.KindNew, Account: 7, Symbol: n, ID: 1, Side: event.Buy, Type: event.Limit, Price: 100, Qty: 1})
		checkHashesCoverState(t, g)
	})
}

// TestHashesEqual: guards fed the same inputs have the same hashes at every
// point, whatever their matchers' hash keys (which move accounts,
// positions and client order ids to other slots of their tables), and a
// state saved and loaded keeps them.
func TestHashesEqual(t *testing.T) {
	evs := stateFlow(t)
	var gs [2]*Guard
	for k, key := range []uint64{1, 0xC0FFEE} {
		cfg := matcher.DefaultConfig()
		cfg.HashKey = key
		m, err := matcher.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if gs[k], err = New(DefaultConfig(), m); err != nil {
			t.Fatal(err)
		}
	}
	var out []event.Out
	var h0, h1 []AccountHash
	check := func(i int) {
		h0, h1 = gs[0].AppendAccountHashes(h0[:0]), gs[1].AppendAccountHashes(h1[:0])
		if !slices.Equal(h0, h1) {
			t.Fatalf("event %d: account hashes differ", i)
		}
		if g0, g1 := gs[0].GlobalHash(), gs[1].GlobalHash(); g0 != g1 {
			t.Fatalf("event %d: global hashes %#x and %#x", i, g0, g1)
		}
	}
	roundTrip := func(i int) {
		g := gs[0]
		m, _ := matcher.New(matcher.DefaultConfig())
		if err := m.LoadState(g.m.AppendState(nil)); err != nil {
			t.Fatal(err)
		}
		loaded, _ := New(DefaultConfig(), m)
		if err := loaded.LoadState(g.AppendState(nil)); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if !slices.Equal(loaded.AppendAccountHashes(nil), g.AppendAccountHashes(nil)) || loaded.GlobalHash() != g.GlobalHash() {
			t.Fatalf("event %d: the loaded guard's hashes differ", i)
		}
	}
	for i := range evs {
		for _, g := range gs {
			out = g.Apply(&evs[i], out[:0])
		}
		if i%(len(evs)/10) == 0 || i == len(evs)-1 {
			check(i)
			roundTrip(i)
		}
	}
	if len(h0) < 100 {
		t.Fatalf("%d accounts", len(h0))
	}
}

// TestHashesOnePart makes one change to the inputs of a small day and
// checks which hashes it changes: the account's whose state it is, and the
// global hash for what is global.
func TestHashesOnePart(t *testing.T) {
	type part = uint32 // an account, or global
	const global part = 0
	base := func(h *harness) {
		for a := uint32(1); a <= 4; a++ {
			for s := uint32(0); s < 3; s++ {
				h.limit(a, s, event.Buy, 100-int64(a), 10)
				h.limit(a, s, event.Sell, 110+int64(a), 10)
			}
		}
		h.limit(4, 0, event.Buy, 112, 4) // 4 buys 4 lots from 1, at 111
	}
	tests := []struct {
		name    string
		variant func(h *harness)
		changed []part // the parts whose hash changes, global first
	}{
		{"nothing", func(h *harness) {}, nil},
		{"open order qty", func(h *harness) { h.limit(3, 1, event.Buy, 90, 7) }, []part{3}},
		{"cancel", func(h *harness) {
			h.apply(event.In{Kind: event.KindCancel, Account: 3, Symbol: 2, ID: 1000 + 2*(2*3+2) + 1})
		}, []part{3}},
		{"kill account", func(h *harness) { h.apply(event.In{Kind: event.KindKill, Account: 3, Symbol: event.Any}) }, []part{global, 3}},
		{"kill account in symbol", func(h *harness) { h.apply(event.In{Kind: event.KindKill, Account: 3, Symbol: 1}) }, []part{global, 3}},
		{"kill symbol", func(h *harness) { h.apply(event.In{Kind: event.KindKill, Account: event.Any, Symbol: 1}) }, []part{global}},
		{"kill all", func(h *harness) { h.apply(event.In{Kind: event.KindKill, Account: event.Any, Symbol: event.Any}) }, []part{global}},
		{"account limit", func(h *harness) { h.setLimit(LimitMaxOrderQty, 3, event.Any, 500) }, []part{3}},
		{"symbol limit", func(h *harness) { h.setLimit(LimitMaxOrderQty, event.Any, 1, 500) }, []part{global}},
		{"reference price", func(h *harness) { h.setLimit(LimitRefPrice, event.Any, 1, 105) }, []part{global}},
		{"restricted", func(h *harness) { h.setLimit(LimitRestricted, 3, 2, 1) }, []part{3}},
		{"parent", func(h *harness) {
			h.apply(event.In{Kind: event.KindParent, Account: 3, Symbol: 1, Side: event.Sell, ID: 1, Qty: 10})
		}, []part{3}},
		{"trade", func(h *harness) { h.limit(3, 1, event.Buy, 111, 2) }, []part{global, 1, 3}}, // 3 buys from 1; the volume and last price are global
		{"client order id", func(h *harness) {
			h.apply(event.In{Kind: event.KindNew, Account: 3, Symbol: 1, ID: h.newID(), Side: event.Buy, Type: event.Limit, Price: 90, Qty: 7, Aux: 42})
		}, []part{global, 3}}, // the order rests (account 3) and its id is remembered (global)
		{"held", func(h *harness) {
			h.setLimit(LimitApproveQty, 3, event.Any, 5)
			h.limit(3, 1, event.Buy, 90, 7)
		}, []part{global, 3}}, // the threshold is account 3's, the held order global
	}
	hashes := func(variant func(h *harness)) ([]AccountHash, uint64) {
		h := newHarness(t, quietConfig(), "A", "B", "C")
		base(h)
		variant(h) // at the same event time: the clock is global

		checkHashesCoverState(t, h.g)
		return h.g.AppendAccountHashes(nil), h.g.GlobalHash()
	}
	want, wantGlobal := hashes(func(h *harness) {})
	if len(want) != 4 {
		t.Fatalf("%d accounts, want 4", len(want))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, gotGlobal := hashes(tt.variant)
			var changed []part
			if gotGlobal != wantGlobal {
				changed = append(changed, global)
			}
			if len(got) != len(want) {
				t.Fatalf("%d accounts, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i].Account != want[i].Account {
					t.Fatalf("account %d where %d was", got[i].Account, want[i].Account)
				}
				if got[i].Hash != want[i].Hash {
					changed = append(changed, got[i].Account)
				}
			}
			if !slices.Equal(changed, tt.changed) {
				t.Fatalf("changed %v (0: global), want %v", changed, tt.changed)
			}
		})
	}
}

func TestHashesAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	evs := stateFlow(t)
	g := newGuard(t, DefaultConfig())
	run(g, evs, nil, nil)
	dst := make([]AccountHash, 0, len(g.accts))
	if n := testing.AllocsPerRun(5, func() { dst = g.AppendAccountHashes(dst[:0]) }); n != 0 {
		t.Errorf("AppendAccountHashes: %v allocations per call, want 0", n)
	}
	if n := testing.AllocsPerRun(5, func() { g.GlobalHash() }); n != 0 {
		t.Errorf("GlobalHash: %v allocations per call, want 0", n)
	}
}

// BenchmarkHashes hashes the state of a guard after a generated day over
// 100 symbols and 1,000 accounts (with their positions, and the client
// order ids of the day), per part; beside them, the baseline of one hash
// of the whole state (AppendState into a reused buffer, then xxhash64),
// which names no part.
func BenchmarkHashes(b *testing.B) {
	gc := gen.DefaultConfig()
	gc.Symbols, gc.Accounts, gc.Events = 100, 1000, 1_000_000
	evs := genFlow(b, gc)
	for i := range evs {
		if evs[i].Kind == event.KindNew {
			evs[i].Aux = uint64(i) // a client order id
		}
	}
	g := newGuard(b, quietConfig())
	run(g, evs, nil, nil)
	st := g.AppendState(nil)
	b.Logf("%d accounts, %d positions, %d client order ids, %d resting orders, state %d bytes",
		len(g.accts), g.pt.n, len(g.dup.ring), g.m.Resting(), len(st))
	b.Run("accounts", func(b *testing.B) {
		dst := make([]AccountHash, 0, len(g.accts))
		b.ReportAllocs()
		for b.Loop() {
			dst = g.AppendAccountHashes(dst[:0])
		}
	})
	b.Run("global", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			g.GlobalHash()
		}
	})
	b.Run("state-xxhash", func(b *testing.B) {
		buf := make([]byte, 0, len(st))
		b.SetBytes(int64(len(st)))
		b.ReportAllocs()
		for b.Loop() {
			buf = g.AppendState(buf[:0])
			_ = xxhash.Sum64(buf)
		}
	})
}
