package matcher

import "math/bits"

// idIndex maps order ids to pool slots. It is an open-addressing hash table
// with linear probing and backward-shift deletion (no tombstones, so a
// delete-heavy flow never degrades it), a power-of-two size, and it doubles
// when it is half full. Every id is a valid key, 0 included: an empty entry
// is told by its slot field, which holds slot+1 (0 = empty).
//
// The memory for the largest table is allocated up front, but the table in
// use is a prefix of it sized to the ids it holds: a mostly empty table of
// millions of entries would make every lookup a cache and TLB miss (on the
// LOBSTER AMZN day a preallocated 2M-entry table cost 2.7 times the time per
// event of a right-sized one). Doubling rehashes in place, within the
// preallocated memory, so it does not allocate; it costs a pass over the
// ids held, once per new high-water mark of resting orders.
type idIndex struct {
	buf     []idEntry // preallocated memory; entries is its prefix
	entries []idEntry // the table in use
	mask    uint64    // len(entries) - 1
	shift   uint8     // 64 - log2(len(entries)): hash >> shift is the home index
	n       int       // occupied entries
	grow    int       // n at which the table doubles: len/2
}

// idEntry is one table entry, 16 bytes: four to a cache line.
type idEntry struct {
	key  uint64 // order id
	slot int32  // pool slot + 1; 0 marks an empty entry (negative: being moved)
	_    int32
}

// minIndexSize is the smallest table the engine uses: 64 KiB.
const minIndexSize = 1 << 12

// newIDIndex returns an index that holds capacity ids without allocating,
// starting with a table of minSize entries (a power of two).
func newIDIndex(capacity, minSize int) idIndex {
	total := minSize
	for total/2 < capacity {
		total *= 2
	}
	var x idIndex
	x.buf = make([]idEntry, total)
	x.resize(minSize)
	return x
}

// resize sets the table in use to the first size entries of buf.
func (x *idIndex) resize(size int) {
	x.entries = x.buf[:size]
	x.mask = uint64(size - 1)
	x.shift = uint8(64 - bits.TrailingZeros64(uint64(size)))
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
		x.double()
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

// double doubles the table in place. The entries are first packed into the
// upper half, marked as being moved (negative slot), and the lower half
// cleared; then each marked entry is taken out and inserted into the
// doubled table, treating marked entries as empty: when an insert lands on
// one, that one is taken out in turn and inserted next. A placed entry's
// probe path only ever crosses placed entries, so clearing a marked one
// never cuts a path. Beyond the preallocated memory, buf is reallocated.
func (x *idIndex) double() {
	s := len(x.entries)
	if 2*s > len(x.buf) {
		buf := make([]idEntry, 2*s)
		copy(buf, x.entries)
		x.buf = buf
	}
	all := x.buf[:2*s]
	k := s
	for i := range s {
		if e := all[i]; e.slot != 0 {
			e.slot = -e.slot
			all[k] = e
			k++
		}
		all[i] = idEntry{}
	}
	clear(all[k:])
	x.resize(2 * s)
	for j := s; j < k; j++ {
		e := all[j]
		if e.slot >= 0 {
			continue // empty, or an entry already placed here
		}
		all[j] = idEntry{}
		for {
			e.slot = -e.slot
			i := x.home(e.key)
			for all[i].slot > 0 {
				i = (i + 1) & x.mask
			}
			moved := all[i]
			all[i] = e
			if moved.slot == 0 {
				break
			}
			e = moved // a marked entry: place it next
		}
	}
}

// len returns the number of ids held.
func (x *idIndex) len() int { return x.n }
