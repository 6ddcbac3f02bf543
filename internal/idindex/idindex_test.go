package idindex

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// checkTable verifies x against the model m: the same keys and values, the
// count, and the table's own invariants (Check).
func checkTable(t *testing.T, x *Table, m map[uint64]int32) {
	t.Helper()
	if x.Len() != len(m) {
		t.Fatalf("len %d, model %d", x.Len(), len(m))
	}
	for k, v := range m {
		got, ok := x.Get(k)
		if !ok || got != v {
			t.Fatalf("Get(%d) = %d, %v; want %d", k, got, ok, v)
		}
	}
	n := 0
	x.Each(func(k uint64, v int32) {
		n++
		if want, ok := m[k]; !ok || want != v {
			t.Fatalf("table holds %d -> %d, model has %d %v", k, v, want, ok)
		}
	})
	if n != len(m) {
		t.Fatalf("Each visited %d keys, model %d", n, len(m))
	}
	if err := x.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestNewSizes(t *testing.T) {
	cases := []struct {
		capacity, minSize int
		size, total       int
	}{
		{0, 0, 2, 2},
		{1, 1, 2, 2},
		{4, 16, 16, 16},
		{9, 16, 16, 32},
		{2000, 16, 16, 4096},
		{10, 5, 8, 32},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("cap=%d,min=%d", c.capacity, c.minSize), func(t *testing.T) {
			x := New(c.capacity, c.minSize, 0)
			if x.Size() != c.size || len(x.buf) != c.total || x.Capacity() != c.total/2 {
				t.Fatalf("size %d of %d (capacity %d), want %d of %d", x.Size(), len(x.buf), x.Capacity(), c.size, c.total)
			}
		})
	}
}

func TestBasic(t *testing.T) {
	x := New(4, 16, 0)
	m := map[uint64]int32{}
	for _, k := range []uint64{0, 1, 2, 1 << 63, ^uint64(0), 42} {
		if _, ok := x.Get(k); ok {
			t.Fatalf("Get(%d) before insert", k)
		}
		x.Insert(k, int32(k%1000))
		m[k] = int32(k % 1000)
		checkTable(t, &x, m)
	}
	i, ok := x.Find(42)
	if !ok || x.At(i) != 42 {
		t.Fatalf("Find(42) = %d %v", i, ok)
	}
	x.Set(i, 7)
	m[42] = 7
	checkTable(t, &x, m)
	for _, k := range []uint64{0, 1 << 63, 42} {
		if !x.Delete(k) {
			t.Fatalf("Delete(%d) = false", k)
		}
		delete(m, k)
		checkTable(t, &x, m)
	}
	if x.Delete(42) {
		t.Fatal("Delete of an absent key = true")
	}
}

// TestCollisions fills one probe run with keys of the same home and deletes
// from its middle, its start and across the wrap-around at the end of the
// table.
func TestCollisions(t *testing.T) {
	for _, name := range []string{"middle", "wrap"} {
		t.Run(name, func(t *testing.T) {
			x := New(32, 64, 0) // 64 entries
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
				x.Insert(k, int32(i))
				m[k] = int32(i)
			}
			checkTable(t, &x, m)
			for _, k := range []uint64{keys[3], keys[0], near[1], keys[7], keys[1]} {
				x.Delete(k)
				delete(m, k)
				checkTable(t, &x, m)
			}
			for i, k := range keys {
				if _, ok := m[k]; !ok {
					x.Insert(k, int32(100+i))
					m[k] = int32(100 + i)
					checkTable(t, &x, m)
				}
			}
		})
	}
}

// TestGrowth doubles the table many times, in place within the preallocated
// memory and then beyond it, checking it after each doubling.
func TestGrowth(t *testing.T) {
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
			x := New(2000, 16, 0)
			if x.Size() != 16 || len(x.buf) != 4096 {
				t.Fatalf("initial size %d of %d, want 16 of 4096", x.Size(), len(x.buf))
			}
			m := map[uint64]int32{}
			size := x.Size()
			for i := range 10000 {
				k := kc.key(i)
				x.Insert(k, int32(i))
				m[k] = int32(i)
				if x.Len()*2 > x.Size() {
					t.Fatalf("load above 50%%: %d in %d", x.Len(), x.Size())
				}
				if x.Size() != size {
					size = x.Size()
					checkTable(t, &x, m)
				}
				if i%7 == 0 { // delete some, so tables hold gaps and wrapped runs
					dk := kc.key(i / 2)
					if _, ok := m[dk]; ok {
						x.Delete(dk)
						delete(m, dk)
					}
				}
			}
			checkTable(t, &x, m)
		})
	}
}

// TestGrowthNoAlloc checks that doubling within the preallocated memory
// does not allocate.
func TestGrowthNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	x := New(1<<12, 16, 0)
	k := uint64(0)
	allocs := testing.AllocsPerRun(1, func() {
		for x.Len() < 1<<12 {
			x.Insert(k, int32(k))
			k++
		}
	})
	if allocs != 0 || x.Size() != 1<<13 {
		t.Fatalf("%v allocations growing to %d entries", allocs, x.Size())
	}
}

// TestChurn runs a delete-heavy random flow against a Go map, with keys
// drawn from sets of different shapes, and checks the whole table
// regularly.
func TestChurn(t *testing.T) {
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
			x := New(8, 16, 0)
			m := map[uint64]int32{}
			var live []uint64
			for i := range 100000 {
				if len(live) > 0 && r.IntN(100) < 55 {
					j := r.IntN(len(live))
					k := live[j]
					live[j] = live[len(live)-1]
					live = live[:len(live)-1]
					if !x.Delete(k) {
						t.Fatalf("op %d: Delete(%d) = false", i, k)
					}
					delete(m, k)
				} else {
					k := sh.key(r, i)
					if _, ok := m[k]; ok {
						if got, ok := x.Get(k); !ok || got != m[k] {
							t.Fatalf("op %d: Get(%d) = %d %v, want %d", i, k, got, ok, m[k])
						}
						continue
					}
					x.Insert(k, int32(i))
					m[k] = int32(i)
					live = append(live, k)
				}
				if i%5000 == 0 {
					checkTable(t, &x, m)
				}
			}
			checkTable(t, &x, m)
		})
	}
}

// TestCheckFindsDamage breaks a table by hand and checks that Check says
// so.
func TestCheckFindsDamage(t *testing.T) {
	cases := []struct {
		name   string
		damage func(x *Table)
	}{
		{"count", func(x *Table) { x.n++ }},
		{"hole in a run", func(x *Table) {
			// Clear the home entry of a key that was pushed past it.
			for i, e := range x.entries {
				if e.val != 0 && x.home(e.key) != uint64(i) {
					x.entries[x.home(e.key)] = entry{}
					x.n--
					return
				}
			}
			t.Fatal("no displaced entry to damage")
		}},
		{"moving mark", func(x *Table) {
			for i := range x.entries {
				if x.entries[i].val > 0 {
					x.entries[i].val = -x.entries[i].val
					return
				}
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := New(64, 64, 0)
			for k := range uint64(30) {
				x.Insert(k*64, int32(k))
			}
			if err := x.Check(); err != nil {
				t.Fatalf("before damage: %v", err)
			}
			c.damage(&x)
			if err := x.Check(); err == nil {
				t.Fatal("Check found nothing")
			}
		})
	}
}

// BenchmarkTable measures the operations per key on a table of a few sizes,
// warm: Get of a present key, and an Insert followed by a Delete (what a
// table of open orders costs per order that rests and leaves).
func BenchmarkTable(b *testing.B) {
	for _, n := range []int{1 << 10, 1 << 16, 1 << 20} {
		keys := make([]uint64, n)
		r := rand.New(rand.NewPCG(1, 2))
		for i := range keys {
			keys[i] = r.Uint64()
		}
		b.Run(fmt.Sprintf("get/n=%d", n), func(b *testing.B) {
			x := New(n, 16, 0)
			for i, k := range keys {
				x.Insert(k, int32(i))
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				x.Get(keys[i&(n-1)])
				i++
			}
		})
		b.Run(fmt.Sprintf("insert+delete/n=%d", n), func(b *testing.B) {
			x := New(n+1, 16, 0)
			for i, k := range keys[:n/2] {
				x.Insert(k, int32(i))
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := keys[n/2+i&(n/2-1)]
				x.Insert(k, 1)
				x.Delete(k)
				i++
			}
		})
	}
}
