package risk

import (
	"fmt"
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/internal/idindex/idindextest"
	"github.com/tradeengine/engine/matcher"
)

// oldDupKey is the unkeyed hash of an (account, client order id) pair the
// window used before its hash was keyed.
func oldDupKey(account uint32, id uint64) uint64 {
	k := id ^ uint64(account)*0x9E3779B97F4A7C15
	k ^= k >> 31
	k *= 0xBF58476D1CE4E5B9
	k ^= k >> 29
	return k
}

// unXorShift inverts x ^= x >> s.
func unXorShift(y uint64, s uint) uint64 {
	x := y
	for range 64 / s {
		x = y ^ x>>s
	}
	return x
}

// adversarialClOrdIDs returns n client order ids of account whose pairs,
// under the old unkeyed window, all had home 0 in its index of any size:
// oldDupKey inverts, and so does the index's old hash
// ((k ^ k>>32) * 0x9E3779B97F4A7C15) >> shift.
func adversarialClOrdIDs(account uint32, n int) []uint64 {
	ids := idindextest.CollidingIDs(n) // the pairs' keys: old home 0
	for j, k := range ids {
		k = unXorShift(k, 29)
		k *= idindextest.Inverse(0xBF58476D1CE4E5B9)
		k = unXorShift(k, 31)
		ids[j] = k ^ uint64(account)*0x9E3779B97F4A7C15
	}
	return ids
}

func TestAdversarialClOrdIDsCollideUnderOldHash(t *testing.T) {
	for _, id := range adversarialClOrdIDs(7, 5000) {
		if h := idindextest.OldHome(oldDupKey(7, id), 64-20); h != 0 {
			t.Fatalf("id %#x: old home %d, want 0", id, h)
		}
	}
}

// keyedHarness is newHarness over a matcher of hash key key.
func keyedHarness(t *testing.T, cfg *Config, key uint64, symbols ...string) *harness {
	t.Helper()
	m, err := matcher.New(matcher.Config{MaxSymbols: 64, MaxOrders: 1 << 16, InitialOrders: 1 << 10, InitialLevels: 16, ProtectionBps: 500, HashKey: key})
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, g: g, ts: t0, id: 1000}
	for i, s := range symbols {
		p, _ := event.PackName(s)
		h.apply(event.In{Kind: event.KindSymbol, Symbol: uint32(i), Aux: p})
	}
	return h
}

// TestAdversarialClOrdIDs sends 20,000 orders whose client order ids all
// shared one home in the old unkeyed window (each check then walked up to
// 20,000 entries): under the keyed window a lookup of any of them examines
// fewer than 2 entries on average and fewer than 64 at most, for a few
// keys, and a repeat of each is still caught.
func TestAdversarialClOrdIDs(t *testing.T) {
	const n = 20000
	ids := adversarialClOrdIDs(7, n)
	for _, key := range []uint64{0, 42, 0x5EC2E7} {
		t.Run(fmt.Sprintf("key=%#x", key), func(t *testing.T) {
			h := keyedHarness(t, quietConfig(), key, "AAPL")
			for _, id := range ids {
				out := h.apply(event.In{Kind: event.KindNew, Account: 7, Symbol: 0, ID: h.newID(), Side: event.Buy, Type: event.IOC, Price: 100, Qty: 1, Aux: id})
				if r := rejection(out); r != 0 {
					t.Fatalf("clordid %#x rejected: %v", id, r)
				}
			}
			d := &h.g.dup
			total, worst := 0, 0
			for _, id := range ids {
				p := d.idx.Probes(d.key(7, id))
				total, worst = total+p, max(worst, p)
			}
			mean := float64(total) / n
			t.Logf("%d client order ids: probes per lookup mean %.2f, max %d", n, mean, worst)
			if mean >= 2 || worst >= 64 {
				t.Fatalf("probes per lookup mean %.2f, max %d: want below 2 and 64", mean, worst)
			}
			for _, id := range ids[:100] {
				out := h.apply(event.In{Kind: event.KindNew, Account: 7, Symbol: 0, ID: h.newID(), Side: event.Buy, Type: event.IOC, Price: 100, Qty: 1, Aux: id})
				if r := rejection(out); r != event.ReasonDuplicateClOrdID {
					t.Fatalf("repeated clordid %#x: %v, want duplicate_clordid", id, r)
				}
			}
		})
	}
}

// TestHashKeyChangesNoOutput runs the knight flow with operator commands
// (stateFlow), then adversarial client order ids, through guards over
// matchers of two keys: every output is the same, event for event, and the
// final states differ only in the key.
func TestHashKeyChangesNoOutput(t *testing.T) {
	evs := stateFlow(t)
	last := evs[len(evs)-1]
	for i, id := range adversarialClOrdIDs(11, 3000) {
		evs = append(evs, event.In{Seq: last.Seq + uint64(i) + 1, TS: last.TS, Kind: event.KindNew, Account: uint32(11 + i%2), Symbol: 1,
			ID: 1<<52 + uint64(i), Side: event.Buy, Type: event.Limit, Price: 1, Qty: 1, Aux: id})
	}
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
	var o1, o2 []event.Out
	for i := range evs {
		o1 = gs[0].Apply(&evs[i], o1[:0])
		o2 = gs[1].Apply(&evs[i], o2[:0])
		if len(o1) != len(o2) {
			t.Fatalf("event %d: %d and %d outputs", i, len(o1), len(o2))
		}
		for k := range o1 {
			if o1[k] != o2[k] {
				t.Fatalf("event %d output %d: %+v and %+v", i, k, o1[k], o2[k])
			}
		}
	}
	s1, s2 := gs[0].AppendState(nil), gs[1].AppendState(nil)
	keyAt := stateHeader + 48
	if len(s1) != len(s2) || string(s1[:keyAt]) != string(s2[:keyAt]) || string(s1[keyAt+8:]) != string(s2[keyAt+8:]) {
		t.Fatal("the states differ beyond their keys")
	}
}

// TestStateHashKey: the guard's state carries its key, a loaded guard takes
// it, and a version 1 state (no key) loads with the guard's own key.
func TestStateHashKey(t *testing.T) {
	h := keyedHarness(t, DefaultConfig(), 99, "AAPL")
	for i, id := range adversarialClOrdIDs(3, 500) {
		h.apply(event.In{Kind: event.KindNew, Account: uint32(3 + i%3), Symbol: 0, ID: h.newID(), Side: event.Buy, Type: event.Limit, Price: 100, Qty: 1, Aux: id})
	}
	st := h.g.AppendState(nil)
	load := func(b []byte, key uint64) *Guard {
		cfg := matcher.DefaultConfig()
		cfg.HashKey = key
		m, _ := matcher.New(cfg)
		if err := m.LoadState(h.g.m.AppendState(nil)); err != nil {
			t.Fatal(err)
		}
		g, _ := New(DefaultConfig(), m)
		g.hashKey = key // as New made it, before the matcher's state was loaded
		if err := g.LoadState(b); err != nil {
			t.Fatal(err)
		}
		return g
	}
	if g := load(st, 5); g.hashKey != 99 || g.dup.idx.Key() != 99 || g.acctIdx.Key() != 99 || g.pt.hash.Key() != 99 {
		t.Fatalf("loaded guard has key %d", g.hashKey)
	}
	keyAt := stateHeader + 48
	v1 := h.g.appendState(nil, 1)
	if string(v1[8:10]) != "\x01\x00" || string(v1[stateHeader:keyAt]) != string(st[stateHeader:keyAt]) {
		t.Fatal("version 1 state: header or units differ")
	}
	g := load(v1, 5)
	if g.hashKey != 5 {
		t.Fatalf("version 1 state: key %d, want the guard's 5", g.hashKey)
	}
	again := g.AppendState(nil)
	if string(again[keyAt+8:]) != string(st[keyAt+8:]) {
		t.Fatal("version 1 state loaded to a different state")
	}
}

// BenchmarkAdversarialIDs measures a new order with a client order id per
// op (an IOC that finds nothing to trade), in a window of 10,000 of 20,000
// ids sent in turn that all shared one home in the old unkeyed window,
// beside sequential ids.
func BenchmarkAdversarialIDs(b *testing.B) {
	const n = 20000
	seq := make([]uint64, n)
	for i := range seq {
		seq[i] = uint64(i + 1)
	}
	for _, c := range []struct {
		name string
		ids  []uint64
	}{{"sequential", seq}, {"adversarial", adversarialClOrdIDs(7, n)}} {
		b.Run(c.name, func(b *testing.B) {
			cfg := quietConfig()
			cfg.ClOrdIDWindow = n / 2 // an id sent again after n orders has left it
			m, _ := matcher.New(matcher.Config{MaxSymbols: 4, MaxOrders: 1 << 12, InitialOrders: 1 << 10, InitialLevels: 16, ProtectionBps: 500})
			g, _ := New(cfg, m)
			p, _ := event.PackName("AAPL")
			out := g.Apply(&event.In{Seq: 1, Kind: event.KindSymbol, Aux: p}, nil)
			in := event.In{Kind: event.KindNew, Account: 7, Side: event.Buy, Type: event.IOC, Price: 100, Qty: 1}
			for i := range n / 2 { // fill the window
				in.Seq, in.ID, in.Aux = uint64(i+2), uint64(i+1), c.ids[i]
				out = g.Apply(&in, out[:0])
			}
			b.ReportAllocs()
			i := n / 2
			for b.Loop() {
				in.Seq++
				in.ID++
				in.Aux = c.ids[i%n]
				out = g.Apply(&in, out[:0])
				if out[0].Kind == event.OutRejected {
					b.Fatalf("rejected: %v", out[0].Reason)
				}
				i++
			}
		})
	}
}
