package audit

// denseIDs is the bound below which an index keeps ids in a slice: 1<<20
// ids cost at most 4 MiB of int32, and symbol ids (assigned from 0 by the
// feed decoder) and most account ids fall below it.
const denseIDs = 1 << 20

// index maps the ids of a table (accounts or symbols) to their positions in
// it: a slice indexed by id for ids below denseIDs, a map for the rest. A
// lookup never allocates; a new id may grow the slice or the map, so memory
// grows with the number of ids, never with the number of events.
type index struct {
	dense  []int32          // dense[id] is the position plus 1; 0: not in the table
	sparse map[uint32]int32 // the same for ids >= denseIDs
}

// find returns the position of id, and false when id is not in the table.
func (x *index) find(id uint32) (int, bool) {
	if id < denseIDs {
		if int(id) < len(x.dense) && x.dense[id] != 0 {
			return int(x.dense[id]) - 1, true
		}
		return 0, false
	}
	p, ok := x.sparse[id]
	return int(p) - 1, ok
}

// insert records that id is at position pos. id must not be in the table.
func (x *index) insert(id uint32, pos int) {
	if id < denseIDs {
		if int(id) >= len(x.dense) {
			n := max(2*len(x.dense), int(id)+1, 64)
			grown := make([]int32, min(n, denseIDs))
			copy(grown, x.dense)
			x.dense = grown
		}
		x.dense[id] = int32(pos + 1)
		return
	}
	if x.sparse == nil {
		x.sparse = make(map[uint32]int32)
	}
	x.sparse[id] = int32(pos + 1)
}
