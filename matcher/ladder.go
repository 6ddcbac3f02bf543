package matcher

import "github.com/tradeengine/engine/event"

// level is one price level: the aggregate of its orders and the ends of
// their FIFO list in the pool.
type level struct {
	key   int64 // 0:8   price for bids, -price for asks (see ladder)
	qty   int64 // 8:16  sum of the orders' open quantities
	count int32 // 16:20 number of orders
	head  int32 // 20:24 first order in time priority
	tail  int32 // 24:28 last order
	_     int32 // 28:32
}

// ladder is one side of a book: its levels sorted by key ascending, so the
// best level is at the end, where matching pops levels and where most
// inserts and removals happen (shifting few elements).
//
// The key of a level is its price on the bid side and minus its price on the
// ask side, so "better" is "greater key" on both sides and one code path
// serves both.
//
// The level array is allocated on the first insert, with the configured
// initial capacity: a symbol that is defined but never traded costs no
// level memory (65,536 symbols defined and halted cost 1 GiB of levels
// when they were allocated at definition).
type ladder struct {
	levels  []level
	sign    int64 // +1 for bids, -1 for asks: key = sign * price
	initial int   // capacity of the level array allocated on the first insert
}

// scanTop is how many levels from the top find scans linearly before it
// switches to binary search.
const scanTop = 8

func newLadder(side event.Side, capacity int) ladder {
	l := ladder{sign: 1, initial: capacity}
	if side == event.Sell {
		l.sign = -1
	}
	return l
}

// price returns the price of a level of this ladder.
func (l *ladder) price(lv *level) int64 { return l.sign * lv.key }

// search returns the index of the level with the given key and true, or the
// index where such a level would be inserted and false.
func (l *ladder) search(key int64) (int, bool) {
	lv := l.levels
	n := len(lv)
	// Scan from the top: most activity is at the best few levels.
	i := n - 1
	stop := max(n-scanTop, 0)
	for ; i >= stop; i-- {
		switch k := lv[i].key; {
		case k == key:
			return i, true
		case k < key:
			return i + 1, false
		}
	}
	if i < 0 {
		return 0, false
	}
	// Binary search over lv[0:stop]: every level from stop up has a greater
	// key. Find the first index whose key is >= key.
	lo, hi := 0, stop
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if lv[m].key < key {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < stop && lv[lo].key == key
}

// insertAt inserts an empty level with the given key at index i and returns
// it.
func (l *ladder) insertAt(i int, key int64) *level {
	if cap(l.levels) == 0 {
		l.levels = make([]level, 0, max(l.initial, 1))
	}
	l.levels = append(l.levels, level{})
	lv := l.levels
	if i < len(lv)-1 {
		copy(lv[i+1:], lv[i:len(lv)-1])
	}
	lv[i] = level{key: key, head: nilSlot, tail: nilSlot}
	return &lv[i]
}

// removeAt removes the level at index i.
func (l *ladder) removeAt(i int) {
	lv := l.levels
	if i < len(lv)-1 {
		copy(lv[i:], lv[i+1:])
	}
	l.levels = lv[:len(lv)-1]
}

// best returns the best level, or nil when the side is empty.
func (l *ladder) best() *level {
	if n := len(l.levels); n > 0 {
		return &l.levels[n-1]
	}
	return nil
}
