package risk

import (
	"math/bits"

	"github.com/tradeengine/engine/internal/idindex"
)

// posTable holds the positions in an open-addressing hash table keyed by
// account id << 32 | symbol, with linear probing. The line every order reads
// (position) lives in the table's slots themselves, so one probe reaches it;
// the line executions update (posCold) is in a parallel array. Positions are
// never deleted. The table doubles when it is half full, which moves
// positions to other slots: a slot number is valid until the next insert
// that grows the table (grown tells), or the next remove. The hash is keyed (see
// internal/idindex): account ids come from the feed.
type posTable struct {
	hash  idindex.Hasher
	hot   []position
	cold  []posCold
	mask  uint64
	shift uint8
	n     int
	grown uint64 // incremented by every doubling
}

// minPosTable is the size of a new table.
const minPosTable = 256

func newPosTable(key uint64) posTable {
	t := posTable{hash: idindex.NewHasher(key)}
	t.alloc(minPosTable)
	return t
}

// alloc gives t empty arrays of size slots (a power of two).
func (t *posTable) alloc(size int) {
	t.hot = make([]position, size)
	t.cold = make([]posCold, size)
	t.mask = uint64(size - 1)
	t.shift = uint8(64 - bits.TrailingZeros64(uint64(size)))
}

// home returns the home slot of key (the top bits of its keyed hash).
func (t *posTable) home(key uint64) uint64 {
	return t.hash.Hash(key) >> (t.shift & 63) // the mask spares the compiler a check
}

// find returns the slot holding key.
func (t *posTable) find(key uint64) (int32, bool) {
	i := t.home(key)
	for {
		p := &t.hot[i]
		if !p.used {
			return 0, false
		}
		if p.key == key {
			return int32(i), true
		}
		i = (i + 1) & t.mask
	}
}

// insert adds key (absent) with an empty position and returns its slot.
func (t *posTable) insert(key uint64) int32 {
	if 2*(t.n+1) > len(t.hot) {
		t.double()
	}
	i := t.home(key)
	for t.hot[i].used {
		i = (i + 1) & t.mask
	}
	t.hot[i] = position{key: key, used: true}
	t.cold[i] = posCold{}
	t.n++
	return int32(i)
}

// double moves every position into a table twice the size.
func (t *posTable) double() {
	hot, cold := t.hot, t.cold
	t.alloc(2 * len(hot))
	for j := range hot {
		if !hot[j].used {
			continue
		}
		i := t.home(hot[j].key)
		for t.hot[i].used {
			i = (i + 1) & t.mask
		}
		t.hot[i], t.cold[i] = hot[j], cold[j]
	}
	t.grown++
}

// remove deletes the position at slot i and shifts back the positions of
// the probe run after it that may move closer to their home (backward-shift
// deletion, as idindex's). Only a position made by the input being applied
// and left empty is removed (see Guard.submitSlow).
func (t *posTable) remove(i int32) {
	t.n--
	hole := uint64(i)
	j := hole
	for {
		j = (j + 1) & t.mask
		if !t.hot[j].used {
			break
		}
		h := t.home(t.hot[j].key)
		if (j-h)&t.mask >= (j-hole)&t.mask {
			t.hot[hole], t.cold[hole] = t.hot[j], t.cold[j]
			hole = j
		}
	}
	t.hot[hole], t.cold[hole] = position{}, posCold{}
}
