// Package idindex is an open-addressing hash table from uint64 keys to int32
// values, built for the engine's hot paths: it never allocates while it
// holds no more keys than it was sized for, never scans on delete, and reads
// no clock and no randomness, so the same operations always leave the same
// table.
//
// It uses linear probing and backward-shift deletion (no tombstones, so a
// delete-heavy flow never degrades it), a power-of-two size, and it doubles
// when it is half full. Every key is valid, 0 included: an empty entry is told
// by its value field, which holds value+1 (0 = empty). Values are in
// [0, math.MaxInt32-1]; the matcher stores order pool slots, the risk guard
// indexes of its account and position tables.
//
// The memory for the largest table is allocated up front, but the table in
// use is a prefix of it sized to the keys it holds: a mostly empty table of
// millions of entries would make every lookup a cache and TLB miss (on the
// LOBSTER AMZN day a preallocated 2M-entry table cost 2.7 times the time per
// event of a right-sized one). Doubling rehashes in place, within the
// preallocated memory, so it does not allocate; it costs a pass over the keys
// held, once per new high-water mark.
package idindex

import (
	"errors"
	"fmt"
	"math/bits"
)

// Table maps uint64 keys to int32 values. The zero Table is not usable; make
// one with [New]. A Table is not safe for concurrent use.
type Table struct {
	buf     []entry // preallocated memory; entries is its prefix
	entries []entry // the table in use
	mask    uint64  // len(entries) - 1
	shift   uint8   // 64 - log2(len(entries)): hash >> shift is the home index
	n       int     // occupied entries
	grow    int     // n at which the table doubles: len/2
}

// entry is one table entry, 16 bytes: four to a cache line.
type entry struct {
	key uint64 // the key
	val int32  // value + 1; 0 marks an empty entry (negative: being moved)
	_   int32
}

// MinSize is the smallest table size [New] accepts.
const MinSize = 2

// New returns a table that holds capacity keys without allocating, starting
// with a table of minSize entries in use. minSize is rounded up to a power of
// two of at least [MinSize].
func New(capacity, minSize int) Table {
	size := MinSize
	for size < minSize {
		size *= 2
	}
	total := size
	for total/2 < capacity {
		total *= 2
	}
	var t Table
	t.buf = make([]entry, total)
	t.resize(size)
	return t
}

// resize sets the table in use to the first size entries of buf.
func (t *Table) resize(size int) {
	t.entries = t.buf[:size]
	t.mask = uint64(size - 1)
	t.shift = uint8(64 - bits.TrailingZeros64(uint64(size)))
	t.grow = size / 2
}

// home returns the home index of key: a multiplicative (Fibonacci) hash of
// the key folded with its high half, taking the top bits of the product, so
// that sequential keys, keys differing only in high bits and keys that are
// multiples of a power of two all spread over the table.
func (t *Table) home(key uint64) uint64 {
	key ^= key >> 32
	return (key * 0x9E3779B97F4A7C15) >> t.shift
}

// Find returns the index of the entry holding key and true, or false when
// key is absent. The index is valid for [Table.At], [Table.Set] and
// [Table.DeleteAt] until the next Insert or delete.
func (t *Table) Find(key uint64) (int, bool) {
	i := t.home(key)
	for {
		e := &t.entries[i]
		if e.val == 0 {
			return 0, false
		}
		if e.key == key {
			return int(i), true
		}
		i = (i + 1) & t.mask
	}
}

// Get returns the value of key, and false when key is absent.
func (t *Table) Get(key uint64) (int32, bool) {
	i, ok := t.Find(key)
	if !ok {
		return 0, false
	}
	return t.entries[i].val - 1, true
}

// At returns the value of the entry at index i (from [Table.Find]).
func (t *Table) At(i int) int32 { return t.entries[i].val - 1 }

// Insert maps key to v, in [0, math.MaxInt32-1]. The key must not be present.
func (t *Table) Insert(key uint64, v int32) {
	if t.n >= t.grow {
		t.double()
	}
	i := t.home(key)
	for t.entries[i].val != 0 {
		i = (i + 1) & t.mask
	}
	t.entries[i] = entry{key: key, val: v + 1}
	t.n++
}

// Set changes the value of the entry at index i (from [Table.Find]).
func (t *Table) Set(i int, v int32) { t.entries[i].val = v + 1 }

// DeleteAt removes the entry at index i (from [Table.Find]) and shifts back
// the entries of the probe run after it that may move closer to their home.
func (t *Table) DeleteAt(i int) {
	t.n--
	hole := uint64(i)
	j := hole
	for {
		j = (j + 1) & t.mask
		e := t.entries[j]
		if e.val == 0 {
			break
		}
		// The entry at j may fill the hole when its home is not in the
		// cyclic range (hole, j]: its probe run then passes the hole.
		h := t.home(e.key)
		if (j-h)&t.mask >= (j-hole)&t.mask {
			t.entries[hole] = e
			hole = j
		}
	}
	t.entries[hole] = entry{}
}

// Delete removes key and reports whether it was present.
func (t *Table) Delete(key uint64) bool {
	i, ok := t.Find(key)
	if ok {
		t.DeleteAt(i)
	}
	return ok
}

// double doubles the table in place. The entries are first packed into the
// upper half, marked as being moved (negative value), and the lower half
// cleared; then each marked entry is taken out and inserted into the
// doubled table, treating marked entries as empty: when an insert lands on
// one, that one is taken out in turn and inserted next. A placed entry's
// probe path only ever crosses placed entries, so clearing a marked one
// never cuts a path. Beyond the preallocated memory, buf is reallocated.
func (t *Table) double() {
	s := len(t.entries)
	if 2*s > len(t.buf) {
		buf := make([]entry, 2*s)
		copy(buf, t.entries)
		t.buf = buf
	}
	all := t.buf[:2*s]
	k := s
	for i := range s {
		if e := all[i]; e.val != 0 {
			e.val = -e.val
			all[k] = e
			k++
		}
		all[i] = entry{}
	}
	clear(all[k:])
	t.resize(2 * s)
	for j := s; j < k; j++ {
		e := all[j]
		if e.val >= 0 {
			continue // empty, or an entry already placed here
		}
		all[j] = entry{}
		for {
			e.val = -e.val
			i := t.home(e.key)
			for all[i].val > 0 {
				i = (i + 1) & t.mask
			}
			moved := all[i]
			all[i] = e
			if moved.val == 0 {
				break
			}
			e = moved // a marked entry: place it next
		}
	}
}

// Len returns the number of keys held.
func (t *Table) Len() int { return t.n }

// Size returns the number of entries of the table in use (a power of two, at
// least twice Len once the table has grown).
func (t *Table) Size() int { return len(t.entries) }

// Capacity returns the number of keys the table holds without allocating.
func (t *Table) Capacity() int { return len(t.buf) / 2 }

// Each calls fn for every key and its value, in table order (which depends on
// the keys and the order of operations, not on anything else).
func (t *Table) Each(fn func(key uint64, v int32)) {
	for _, e := range t.entries {
		if e.val != 0 {
			fn(e.key, e.val-1)
		}
	}
}

// ErrCorrupt is returned by [Table.Check].
var ErrCorrupt = errors.New("idindex: corrupt table")

// Check verifies the table's invariants: the count of occupied entries, and
// every entry reachable from its home without crossing an empty entry (the
// property backward-shift deletion keeps). It is for tests.
func (t *Table) Check() error {
	n := 0
	for i, e := range t.entries {
		if e.val == 0 {
			continue
		}
		if e.val < 0 {
			return fmt.Errorf("%w: entry %d (key %d) marked as moving", ErrCorrupt, i, e.key)
		}
		n++
		for j := t.home(e.key); j != uint64(i); j = (j + 1) & t.mask {
			if t.entries[j].val == 0 {
				return fmt.Errorf("%w: entry %d (key %d) unreachable: empty entry %d after its home", ErrCorrupt, i, e.key, j)
			}
		}
	}
	if n != t.n {
		return fmt.Errorf("%w: %d occupied entries, count says %d", ErrCorrupt, n, t.n)
	}
	return nil
}
