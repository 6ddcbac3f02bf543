package idindex

import (
	"fmt"
	"testing"

	"github.com/tradeengine/engine/internal/idindex/idindextest"
)

// adversarialIDs returns n distinct ids that all have home 0 under the old
// unkeyed hash (idindextest.CollidingIDs).
func adversarialIDs(n int) []uint64 { return idindextest.CollidingIDs(n) }

func TestAdversarialIDsCollideUnderOldHash(t *testing.T) {
	for _, shift := range []uint8{64 - 12, 64 - 16, 64 - 24} {
		for _, k := range adversarialIDs(20000) {
			if h := idindextest.OldHome(k, shift); h != 0 {
				t.Fatalf("id %#x: old home %d at shift %d, want 0", k, h, shift)
			}
		}
	}
}

// probeStats inserts ids into a table of key and returns the mean and
// maximum probes per lookup of each present id, and of as many absent ids
// (what an insert walks).
func probeStats(ids []uint64, key uint64) (mean float64, maxP int, absentMean float64, absentMax int) {
	x := New(len(ids), 16, key)
	for i, k := range ids {
		x.Insert(k, int32(i))
	}
	total := 0
	for _, k := range ids {
		p := x.Probes(k)
		total += p
		maxP = max(maxP, p)
	}
	absent := 0
	for _, k := range adversarialIDs(2 * len(ids))[len(ids):] {
		p := x.Probes(k)
		absent += p
		absentMax = max(absentMax, p)
	}
	return float64(total) / float64(len(ids)), maxP, float64(absent) / float64(len(ids)), absentMax
}

// TestAdversarialProbes is the bound on the cost of ids chosen to collide:
// 20,000 ids that all share one home under the old hash (each lookup then
// walked some 10,000 entries) cost, under the keyed hash with any of a few
// keys, a mean below 2 probes per lookup of a present id and below 4 of an
// absent one, and at most 64 for any lookup. A table at most half full has
// expected means of 1.5 and 2.5 under a uniform hash.
func TestAdversarialProbes(t *testing.T) {
	ids := adversarialIDs(20000)
	for _, key := range []uint64{0, 1, 0xDEADBEEF, 1 << 63} {
		t.Run(fmt.Sprintf("key=%#x", key), func(t *testing.T) {
			mean, maxP, amean, amax := probeStats(ids, key)
			t.Logf("present: mean %.2f max %d; absent: mean %.2f max %d", mean, maxP, amean, amax)
			if mean >= 2 || amean >= 4 || maxP >= 64 || amax >= 64 {
				t.Fatalf("present: mean %.2f max %d; absent: mean %.2f max %d: want means below 2 and 4, max below 64",
					mean, maxP, amean, amax)
			}
		})
	}
}

// TestKeyChangesPlacesNotAnswers runs the same operations on tables of two
// keys: every answer is the same, the layout is not.
func TestKeyChangesPlacesNotAnswers(t *testing.T) {
	a, b := New(64, 16, 1), New(64, 16, 2)
	same := true
	for i := range uint64(5000) {
		k := i * 7919
		a.Insert(k, int32(i%1000))
		b.Insert(k, int32(i%1000))
		if i%3 == 0 {
			if a.Delete(k/2) != b.Delete(k/2) {
				t.Fatalf("Delete(%d) differs", k/2)
			}
		}
		if a.Len() != b.Len() || a.Size() != b.Size() {
			t.Fatalf("len %d/%d size %d/%d", a.Len(), b.Len(), a.Size(), b.Size())
		}
	}
	for k := range uint64(5000 * 7919) {
		if k%7919 != 0 && k%1000 != 0 {
			continue
		}
		va, oka := a.Get(k)
		vb, okb := b.Get(k)
		if va != vb || oka != okb {
			t.Fatalf("Get(%d): %d %v and %d %v", k, va, oka, vb, okb)
		}
	}
	for i := range a.entries {
		if a.entries[i] != b.entries[i] {
			same = false
		}
	}
	if same {
		t.Fatal("two keys gave the same layout")
	}
	if err := a.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestSetKey moves a table's entries to the places of another key.
func TestSetKey(t *testing.T) {
	x := New(1000, 16, 1)
	m := map[uint64]int32{}
	for i, k := range adversarialIDs(700) {
		x.Insert(k, int32(i))
		m[k] = int32(i)
	}
	x.SetKey(99)
	if x.Key() != 99 {
		t.Fatalf("key %d", x.Key())
	}
	checkTable(t, &x, m)
	y := New(1000, 16, 99)
	for i, k := range adversarialIDs(700) {
		y.Insert(k, int32(i))
	}
	if x.Size() != y.Size() {
		t.Fatalf("size %d, a table made with the key %d", x.Size(), y.Size())
	}
}

// BenchmarkAdversarialIDs measures an insert, a lookup and a delete per id
// of 20,000 ids that all share a home under the old unkeyed hash, beside
// sequential ids: under the keyed hash both cost the same.
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
			x := New(n, 16, 0)
			for i, k := range c.ids {
				x.Insert(k, int32(i))
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := c.ids[i%n]
				x.Delete(k)
				x.Insert(k, int32(i%n))
				x.Get(c.ids[(i*7)%n])
				i++
			}
			b.ReportMetric(float64(x.Probes(c.ids[0])), "probes-first")
		})
	}
}
