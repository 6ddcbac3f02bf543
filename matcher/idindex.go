package matcher

import "math/bits"

// idIndex maps order ids to pool slots. It is an open-addressing hash table
// with linear probing and backward-shift deletion (no tombstones, so a
// delete-heavy flow never degrades it), a power-of-two capacity, and it grows
// by doubling when it is half full. Every id is a valid key, 0 included: an
// empty entry is told by its slot field, which holds slot+1 (0 = empty).
type idIndex struct {
	entries []idEntry
	mask    uint64 // len(entries) - 1
	shift   uint8  // 64 - log2(len(entries)): hash >> shift is the home index
	n       int    // occupied entries
	grow    int    // n at which the table doubles: len/2
}

// idEntry is one table entry, 16 bytes: four to a cache line.
type idEntry struct {
	key  uint64 // order id
	slot int32  // pool slot + 1; 0 marks an empty entry
	_    int32
}

// newIDIndex returns an index sized to hold at least n ids below its growth
// threshold.
func newIDIndex(n int) idIndex {
	size := 16
	for size/2 < n {
		size *= 2
	}
	var x idIndex
	x.alloc(size)
	return x
}

func (x *idIndex) alloc(size int) {
	x.entries = make([]idEntry, size)
	x.mask = uint64(size - 1)
	x.shift = uint8(64 - bits.TrailingZeros64(uint64(size)))
	x.n = 0
	x.grow = size / 2
}

// home returns the home index of key: a multiplicative (Fibonacci) hash of
// the key folded with its high half, taking the top bits of the product, so
// that sequential ids, ids differing only in high bits and ids that are
// multiples of a power of two all spread over the table.
func (x *idIndex) home(key uint64) uint64 {
	key ^= key >> 32
	return (key * 0x9E3779B97F4A7C15) >> x.shift
}

// find returns the entry index holding key and true, or false when key is
// absent.
func (x *idIndex) find(key uint64) (int, bool) {
	i := x.home(key)
	for {
		e := &x.entries[i]
		if e.slot == 0 {
			return 0, false
		}
		if e.key == key {
			return int(i), true
		}
		i = (i + 1) & x.mask
	}
}

// get returns the pool slot of key.
func (x *idIndex) get(key uint64) (int32, bool) {
	i, ok := x.find(key)
	if !ok {
		return 0, false
	}
	return x.entries[i].slot - 1, true
}

// insert maps key to slot. The key must not be present.
func (x *idIndex) insert(key uint64, slot int32) {
	if x.n >= x.grow {
		x.rehash(len(x.entries) * 2)
	}
	i := x.home(key)
	for x.entries[i].slot != 0 {
		i = (i + 1) & x.mask
	}
	x.entries[i] = idEntry{key: key, slot: slot + 1}
	x.n++
}

// set changes the slot of the entry at index i (from find).
func (x *idIndex) set(i int, slot int32) { x.entries[i].slot = slot + 1 }

// deleteAt removes the entry at index i (from find) and shifts back the
// entries of the probe run after it that may move closer to their home.
func (x *idIndex) deleteAt(i int) {
	x.n--
	hole := uint64(i)
	j := hole
	for {
		j = (j + 1) & x.mask
		e := x.entries[j]
		if e.slot == 0 {
			break
		}
		// The entry at j may fill the hole when its home is not in the
		// cyclic range (hole, j]: its probe run then passes the hole.
		h := x.home(e.key)
		if (j-h)&x.mask >= (j-hole)&x.mask {
			x.entries[hole] = e
			hole = j
		}
	}
	x.entries[hole] = idEntry{}
}

// delete removes key and reports whether it was present.
func (x *idIndex) delete(key uint64) bool {
	i, ok := x.find(key)
	if ok {
		x.deleteAt(i)
	}
	return ok
}

// rehash moves every entry into a new table of the given size.
func (x *idIndex) rehash(size int) {
	old := x.entries
	x.alloc(size)
	for _, e := range old {
		if e.slot != 0 {
			i := x.home(e.key)
			for x.entries[i].slot != 0 {
				i = (i + 1) & x.mask
			}
			x.entries[i] = e
			x.n++
		}
	}
}

// len returns the number of ids held.
func (x *idIndex) len() int { return x.n }
