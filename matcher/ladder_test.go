package matcher

import (
	"testing"

	"github.com/tradeengine/engine/event"
)

// TestLadderSearch checks search against a linear scan for ladders of every
// size around scanTop, for keys on, between and beyond the levels, so both
// the scan from the top and the binary search below it are covered.
func TestLadderSearch(t *testing.T) {
	for n := 0; n <= 3*scanTop; n++ {
		l := newLadder(event.Buy, 1)
		for i := range n {
			lv := l.insertAt(i, int64(10+3*i)) // keys 10, 13, 16, ...
			lv.count = 1
		}
		for key := int64(5); key <= int64(15+3*n); key++ {
			want, found := 0, false
			for i := range l.levels {
				if l.levels[i].key < key {
					want = i + 1
				} else if l.levels[i].key == key {
					want, found = i, true
				}
			}
			if got, ok := l.search(key); got != want || ok != found {
				t.Fatalf("%d levels: search(%d) = %d %v, want %d %v", n, key, got, ok, want, found)
			}
		}
	}
}

// TestLadderInsertRemove inserts levels at every position and removes them
// again, checking the order.
func TestLadderInsertRemove(t *testing.T) {
	l := newLadder(event.Sell, 1)
	for _, p := range []int64{105, 101, 110, 103, 120, 100} {
		i, ok := l.search(l.sign * p)
		if ok {
			t.Fatalf("price %d found before insert", p)
		}
		l.insertAt(i, l.sign*p)
	}
	want := []int64{120, 110, 105, 103, 101, 100} // asks: worst first, best last
	for i, p := range want {
		if got := l.price(&l.levels[i]); got != p {
			t.Fatalf("level %d price %d, want %d (levels %v)", i, got, p, l.levels)
		}
	}
	if b := l.best(); l.price(b) != 100 {
		t.Fatalf("best %d, want 100", l.price(b))
	}
	for _, p := range []int64{105, 100, 120} {
		i, ok := l.search(l.sign * p)
		if !ok {
			t.Fatalf("price %d not found", p)
		}
		l.removeAt(i)
	}
	want = []int64{110, 103, 101}
	for i, p := range want {
		if got := l.price(&l.levels[i]); got != p || len(l.levels) != len(want) {
			t.Fatalf("after removals level %d price %d, want %v", i, got, want)
		}
	}
}
