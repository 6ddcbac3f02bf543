package matcher

import (
	"math/rand/v2"
	"testing"
)

// checkIndex verifies x against the model m: the same keys and slots, the
// count, and every entry reachable from its home without crossing an empty
// entry (the property backward-shift deletion must keep).
func checkIndex(t *testing.T, x *idIndex, m map[uint64]int32) {
	t.Helper()
	if x.len() != len(m) {
		t.Fatalf("len %d, model %d", x.len(), len(m))
	}
	for k, v := range m {
		got, ok := x.get(k)
		if !ok || got != v {
			t.Fatalf("get(%d) = %d, %v; want %d", k, got, ok, v)
		}
	}
	n := 0
	for i, e := range x.entries {
		if e.slot == 0 {
			continue
		}
		n++
		if want, ok := m[e.key]; !ok || want != e.slot-1 {
			t.Fatalf("entry %d holds %d -> %d, model has %d %v", i, e.key, e.slot-1, want, ok)
		}
		for j := x.home(e.key); j != uint64(i); j = (j + 1) & x.mask {
			if x.entries[j].slot == 0 {
				t.Fatalf("entry %d (key %d) unreachable: empty entry %d after its home", i, e.key, j)
			}
		}
	}
	if n != len(m) {
		t.Fatalf("%d occupied entries, model %d", n, len(m))
	}
}

func TestIDIndexBasic(t *testing.T) {
	x := newIDIndex(4, 16)
	m := map[uint64]int32{}
	for _, k := range []uint64{0, 1, 2, 1 << 63, ^uint64(0), 42} {
		if _, ok := x.get(k); ok {
			t.Fatalf("get(%d) before insert", k)
		}
		x.insert(k, int32(k%1000))
		m[k] = int32(k % 1000)
		checkIndex(t, &x, m)
	}
	i, ok := x.find(42)
	if !ok {
		t.Fatal("find(42)")
	}
	x.set(i, 7)
	m[42] = 7
	checkIndex(t, &x, m)
	for _, k := range []uint64{0, 1 << 63, 42} {
		if !x.delete(k) {
			t.Fatalf("delete(%d) = false", k)
		}
		delete(m, k)
		checkIndex(t, &x, m)
	}
	if x.delete(42) {
		t.Fatal("delete of an absent key = true")
	}
}

// TestIDIndexCollisions fills one probe run with keys of the same home and
// deletes from its middle, its start and across the wrap-around at the end
// of the table.
func TestIDIndexCollisions(t *testing.T) {
	for _, name := range []string{"middle", "wrap"} {
		t.Run(name, func(t *testing.T) {
			x := newIDIndex(32, 64) // 64 entries
			want := uint64(3)
			if name == "wrap" {
				want = x.mask - 1
			}
			var keys []uint64
			for k := uint64(0); len(keys) < 8; k++ {
				if x.home(k) == want {
					keys = append(keys, k)
				}
			}
			// Some neighbours homed just after, so their runs interleave.
			var near []uint64
			for k := uint64(1 << 40); len(near) < 4; k++ {
				if h := x.home(k); h == (want+2)&x.mask || h == (want+5)&x.mask {
					near = append(near, k)
				}
			}
			m := map[uint64]int32{}
			for i, k := range append(keys, near...) {
				x.insert(k, int32(i))
				m[k] = int32(i)
			}
			checkIndex(t, &x, m)
			for _, k := range []uint64{keys[3], keys[0], near[1], keys[7], keys[1]} {
				x.delete(k)
				delete(m, k)
				checkIndex(t, &x, m)
			}
			for i, k := range keys {
				if _, ok := m[k]; !ok {
					x.insert(k, int32(100+i))
					m[k] = int32(100 + i)
					checkIndex(t, &x, m)
				}
			}
		})
	}
}

// TestIDIndexGrowth doubles the table many times, in place within the
// preallocated memory and then beyond it, checking it after each doubling.
func TestIDIndexGrowth(t *testing.T) {
	keys := []struct {
		name string
		key  func(i int) uint64
	}{
		{"sequential", func(i int) uint64 { return uint64(i) }},
		{"high-bits", func(i int) uint64 { return uint64(i) << 40 }},
		{"mixed", func(i int) uint64 { return uint64(i)*0x9E3779B97F4A7C15 ^ uint64(i%7) }},
	}
	for _, kc := range keys {
		t.Run(kc.name, func(t *testing.T) {
			x := newIDIndex(2000, 16)
			if len(x.entries) != 16 || len(x.buf) != 4096 {
				t.Fatalf("initial size %d of %d, want 16 of 4096", len(x.entries), len(x.buf))
			}
			m := map[uint64]int32{}
			size := len(x.entries)
			for i := range 10000 {
				k := kc.key(i)
				x.insert(k, int32(i))
				m[k] = int32(i)
				if x.len()*2 > len(x.entries) {
					t.Fatalf("load above 50%%: %d in %d", x.len(), len(x.entries))
				}
				if len(x.entries) != size {
					size = len(x.entries)
					checkIndex(t, &x, m)
				}
				if i%7 == 0 { // delete some, so tables hold gaps and wrapped runs
					dk := kc.key(i / 2)
					if _, ok := m[dk]; ok {
						x.delete(dk)
						delete(m, dk)
					}
				}
			}
			checkIndex(t, &x, m)
		})
	}
}

// TestIDIndexGrowthNoAlloc checks that doubling within the preallocated
// memory does not allocate.
func TestIDIndexGrowthNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	x := newIDIndex(1<<12, 16)
	k := uint64(0)
	allocs := testing.AllocsPerRun(1, func() {
		for x.len() < 1<<12 {
			x.insert(k, int32(k))
			k++
		}
	})
	if allocs != 0 || len(x.entries) != 1<<13 {
		t.Fatalf("%v allocations growing to %d entries", allocs, len(x.entries))
	}
}

// TestIDIndexChurn runs a delete-heavy random flow against a Go map, with
// keys drawn from sets of different shapes, and checks the whole table
// regularly.
func TestIDIndexChurn(t *testing.T) {
	shapes := []struct {
		name string
		key  func(r *rand.Rand, i int) uint64
	}{
		{"random", func(r *rand.Rand, _ int) uint64 { return r.Uint64() }},
		{"sequential", func(r *rand.Rand, i int) uint64 { return uint64(i) }},
		{"strided", func(r *rand.Rand, i int) uint64 { return uint64(i) * 4096 }},
		{"small", func(r *rand.Rand, _ int) uint64 { return r.Uint64N(300) }},
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 11))
			x := newIDIndex(8, 16)
			m := map[uint64]int32{}
			var live []uint64
			for i := range 100000 {
				if len(live) > 0 && r.IntN(100) < 55 {
					j := r.IntN(len(live))
					k := live[j]
					live[j] = live[len(live)-1]
					live = live[:len(live)-1]
					if !x.delete(k) {
						t.Fatalf("op %d: delete(%d) = false", i, k)
					}
					delete(m, k)
				} else {
					k := sh.key(r, i)
					if _, ok := m[k]; ok {
						if got, ok := x.get(k); !ok || got != m[k] {
							t.Fatalf("op %d: get(%d) = %d %v, want %d", i, k, got, ok, m[k])
						}
						continue
					}
					x.insert(k, int32(i))
					m[k] = int32(i)
					live = append(live, k)
				}
				if i%5000 == 0 {
					checkIndex(t, &x, m)
				}
			}
			checkIndex(t, &x, m)
		})
	}
}
