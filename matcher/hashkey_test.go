package matcher

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/internal/idindex/idindextest"
)

// adversarialIDs returns n distinct order ids that all shared one home in
// the id index before its hash was keyed (idindextest.CollidingIDs).
func adversarialIDs(n int) []uint64 { return idindextest.CollidingIDs(n) }

// restingFlow defines one symbol and rests n sell orders with the given ids
// on 100 price levels, from 10 accounts.
func restingFlow(ids []uint64) []event.In {
	name, _ := event.PackName("X")
	flow := []event.In{{Seq: 1, Kind: event.KindSymbol, Aux: name}}
	for i, id := range ids {
		flow = append(flow, event.In{Seq: uint64(len(flow) + 1), Kind: event.KindNew, ID: id, Account: uint32(i%10 + 1),
			Side: event.Sell, Type: event.Limit, Price: int64(1000 + i%100), Qty: 10})
	}
	return flow
}

func keyedEngine(tb testing.TB, key uint64) *Engine {
	tb.Helper()
	cfg := DefaultConfig()
	cfg.MaxSymbols, cfg.InitialOrders, cfg.HashKey = 4, 1<<15, key
	e, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// TestAdversarialOrderIDs rests 20,000 orders whose ids all shared one home
// in the old unkeyed index (each lookup then walked about 10,000 entries):
// under the keyed index a lookup of any of them examines fewer than 2
// entries on average and fewer than 64 at most, for a few keys.
func TestAdversarialOrderIDs(t *testing.T) {
	ids := adversarialIDs(20000)
	flow := restingFlow(ids)
	for _, key := range []uint64{0, 42, 0x5EC2E7} {
		t.Run(fmt.Sprintf("key=%#x", key), func(t *testing.T) {
			e := keyedEngine(t, key)
			out := make([]event.Out, 0, 16)
			for i := range flow {
				out = e.Apply(&flow[i], out[:0])
				if out[0].Kind == event.OutRejected {
					t.Fatalf("%s rejected: %s", fmtIn(&flow[i]), fmtOuts(out))
				}
			}
			total, worst := 0, 0
			for _, id := range ids {
				p := e.ids.Probes(id)
				total, worst = total+p, max(worst, p)
			}
			mean := float64(total) / float64(len(ids))
			t.Logf("%d resting: probes per lookup mean %.2f, max %d", len(ids), mean, worst)
			if mean >= 2 || worst >= 64 {
				t.Fatalf("probes per lookup mean %.2f, max %d: want below 2 and 64", mean, worst)
			}
		})
	}
}

// TestHashKeyChangesNoOutput runs the same flows (the generated mixed flow,
// and adversarial ids resting and then cancelled and replaced) through
// engines of two keys: every output is the same, event for event, and so is
// the state but for its key.
func TestHashKeyChangesNoOutput(t *testing.T) {
	ids := adversarialIDs(5000)
	adv := restingFlow(ids)
	for i, id := range ids {
		k := event.KindCancel
		if i%3 == 0 {
			k = event.KindReplace
		}
		adv = append(adv, event.In{Seq: uint64(len(adv) + 1), Kind: k, ID: id, Account: uint32(i%10 + 1), Price: 1200, Qty: 5})
	}
	for _, fc := range []struct {
		name string
		flow []event.In
	}{{"generated", testFlow()}, {"adversarial", adv}} {
		t.Run(fc.name, func(t *testing.T) {
			a, b := keyedEngine(t, 1), keyedEngine(t, 0xC0FFEE)
			var oa, ob []event.Out
			for i := range fc.flow {
				oa = a.Apply(&fc.flow[i], oa[:0])
				ob = b.Apply(&fc.flow[i], ob[:0])
				if !slices.Equal(oa, ob) {
					t.Fatalf("input %d %s: key 1 answers\n%s\nkey 0xC0FFEE\n%s", i, fmtIn(&fc.flow[i]), fmtOuts(oa), fmtOuts(ob))
				}
			}
			sa, sb := a.AppendState(nil), b.AppendState(nil)
			if !bytes.Equal(sa[:16], sb[:16]) || !bytes.Equal(sa[24:], sb[24:]) {
				t.Fatal("states differ beyond their keys")
			}
		})
	}
}

// TestStateHashKey: the state carries the key; a loaded engine takes it
// (whatever its own configuration says) and answers as the original. A
// version 1 state (no key) still loads, and the engine keeps its key.
func TestStateHashKey(t *testing.T) {
	ids := adversarialIDs(3000)
	flow := restingFlow(ids)
	e := keyedEngine(t, 777)
	var out []event.Out
	for i := range flow {
		out = e.Apply(&flow[i], out[:0])
	}
	st := e.AppendState(nil)
	if k := binary.LittleEndian.Uint64(st[16:]); k != 777 {
		t.Fatalf("state holds key %d, want 777", k)
	}
	c := keyedEngine(t, 5)
	if err := c.LoadState(st); err != nil {
		t.Fatal(err)
	}
	if c.HashKey() != 777 {
		t.Fatalf("loaded engine has key %d, want 777", c.HashKey())
	}
	if err := c.checkInvariants(); err != nil {
		t.Fatal(err)
	}
	worst := 0
	for _, id := range ids {
		worst = max(worst, c.ids.Probes(id))
	}
	if worst >= 64 {
		t.Fatalf("loaded engine: a lookup walks %d entries", worst)
	}

	v1 := slices.Concat(st[:16], st[24:])
	binary.LittleEndian.PutUint16(v1[8:], 1)
	old := keyedEngine(t, 5)
	if err := old.LoadState(v1); err != nil {
		t.Fatalf("version 1: %v", err)
	}
	if old.HashKey() != 5 || old.Resting() != len(ids) {
		t.Fatalf("version 1: key %d, %d resting; want 5, %d", old.HashKey(), old.Resting(), len(ids))
	}
	if again := old.AppendState(nil); !bytes.Equal(again[24:], st[24:]) {
		t.Fatal("version 1 state loaded to a different book")
	}
}

// BenchmarkAdversarialIDs measures a cancel and a new order (which rests)
// per op, in a book of 20,000 resting orders whose ids all shared one home
// under the old unkeyed index, beside sequential ids.
func BenchmarkAdversarialIDs(b *testing.B) {
	const n = 20000
	seq := make([]uint64, n)
	for i := range seq {
		seq[i] = uint64(i + 1)
	}
	for _, c := range []struct {
		name string
		ids  []uint64
	}{{"sequential", seq}, {"adversarial", adversarialIDs(n)}} {
		b.Run(c.name, func(b *testing.B) {
			e := keyedEngine(b, 0)
			flow := restingFlow(c.ids)
			out := make([]event.Out, 0, 16)
			for i := range flow {
				out = e.Apply(&flow[i], out[:0])
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				in := &flow[1+i%n]
				cancel := event.In{Kind: event.KindCancel, ID: in.ID, Account: in.Account}
				out = e.Apply(&cancel, out[:0])
				out = e.Apply(in, out[:0])
				i++
			}
		})
	}
}
