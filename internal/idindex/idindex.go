// Package idindex is an open-addressing hash table from uint64 keys to int32
// values, built for the engine's hot paths: it never allocates while it
// holds no more keys than it was sized for, never scans on delete, and reads
// no clock and no randomness, so the same operations always leave the same
// table.
//
// The hash is keyed (see [Hasher]): a caller that holds ids chosen by
// someone else (order ids, client order ids, account ids from a feed) gives
// every table a key the sender does not know, so that ids cannot be chosen
// to share a home entry. Under an unkeyed multiplicative hash the multiply
// inverts, and 20,000 ids chosen for one home cost some 10,000 probes a
// lookup; under the keyed one they spread like any others. The key changes
// where entries sit, never which keys are held: the same operations with
// two keys give the same answers.
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

// Hasher is a keyed 64-bit hash of uint64 ids. It is a value, 16 bytes,
// with nothing to scan. The zero Hasher is not the hasher of key 0: make one
// with [NewHasher].
type Hasher struct {
	k0, k1 uint64 // derived from the key; k1 odd
	key    uint64 // the key it was made from
}

// NewHasher returns the hasher of key. Every key is valid, 0 included (the
// engine's fixed default); the key should be secret from whoever chooses the
// ids. The two words it mixes with are drawn from the key by splitmix64, so
// that related keys (0, 1, 2) give unrelated hashers.
func NewHasher(key uint64) Hasher {
	s := key
	k0 := splitmix64(&s)
	k1 := splitmix64(&s) | 1
	return Hasher{k0: k0, k1: k1, key: key}
}

// splitmix64 returns the next value of the splitmix64 sequence at *s.
func splitmix64(s *uint64) uint64 {
	*s += 0x9E3779B97F4A7C15
	z := *s
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// Key returns the key h was made from.
func (h Hasher) Key() uint64 { return h.key }

// Hash returns the keyed hash of x: wyhash's mixing step (the two halves of
// the 128-bit product of x XOR one key word and the other key word, folded
// together) followed by a Fibonacci multiply that spreads the fold into the
// top bits, which the table uses. The key enters before the nonlinear step,
// so collisions under one key say nothing about another; all high bits of
// the result depend on all bits of x.
func (h Hasher) Hash(x uint64) uint64 {
	hi, lo := bits.Mul64(x^h.k0, h.k1)
	return (hi ^ lo) * 0x9E3779B97F4A7C15
}

// Table maps uint64 keys to int32 values. The zero Table is not usable; make
// one with [New]. A Table is not safe for concurrent use.
type Table struct {
	hash    Hasher  // the keyed hash: home is its top bits
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
// with a table of minSize entries in use, hashing with the [Hasher] of key.
// minSize is rounded up to a power of two of at least [MinSize].
func New(capacity, minSize int, key uint64) Table {
	size := MinSize
	for size < minSize {
		size *= 2
	}
	total := size
	for total/2 < capacity {
		total *= 2
	}
	var t Table
	t.hash = NewHasher(key)
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

// home returns the home index of key: the top bits of its keyed hash.
func (t *Table) home(key uint64) uint64 {
	return t.hash.Hash(key) >> t.shift
}

// Key returns the table's hash key (see [New]).
func (t *Table) Key() uint64 { return t.hash.key }

// SetKey makes the table hash with the [Hasher] of key, moving every entry
// to its new place: a state loaded from a snapshot takes the key it was
// written with. It allocates a table of the size in use and is not for the
// hot path.
func (t *Table) SetKey(key uint64) {
	if key == t.hash.key {
		return
	}
	old := append([]entry(nil), t.entries...)
	clear(t.entries)
	t.hash = NewHasher(key)
	for _, e := range old {
		if e.val == 0 {
			continue
		}
		i := t.home(e.key)
		for t.entries[i].val != 0 {
			i = (i + 1) & t.mask
		}
		t.entries[i] = e
	}
}

// Probes returns how many entries a lookup of key examines: those from its
// home up to the one holding it, or up to the empty entry that ends the run
// when key is absent (which is also what an Insert of it walks). It is for
// tests and measurements: the hot path counts nothing.
func (t *Table) Probes(key uint64) int {
	n := 1
	for i := t.home(key); t.entries[i].val != 0 && t.entries[i].key != key; i = (i + 1) & t.mask {
		n++
	}
	return n
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
