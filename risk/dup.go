package risk

import "github.com/tradeengine/engine/internal/idindex"

// dupWindow remembers the client order ids of the most recent orders of
// all accounts, to reject a duplicate: a ring of the last size (account,
// client order id) pairs and a hash index over it. Memory is bounded by the
// size (48 bytes a pair at most, ring and index), not by the day; an id
// older than the last size orders is forgotten. The index is keyed by a
// 64-bit hash of the pair; two different pairs with the same hash are told
// apart by the ring entry, and the later one is then simply not remembered
// (so a collision can only miss a duplicate, never refuse a fresh id).
type dupWindow struct {
	ring []dupEntry
	next int // ring slot the next pair goes into
	idx  idindex.Table
	size int
}

// dupEntry is one remembered pair.
type dupEntry struct {
	id      uint64
	account uint32
}

// dupInitial is the ring size allocated up front; it grows by doubling up to
// the configured size, so a small day stays small.
const dupInitial = 4096

func newDupWindow(size int) dupWindow {
	if size == 0 {
		return dupWindow{}
	}
	n := min(size, dupInitial)
	return dupWindow{ring: make([]dupEntry, 0, n), idx: idindex.New(n, 16), size: size}
}

// dupKey hashes a pair.
func dupKey(account uint32, id uint64) uint64 {
	k := id ^ uint64(account)*0x9E3779B97F4A7C15
	k ^= k >> 31
	k *= 0xBF58476D1CE4E5B9
	k ^= k >> 29
	return k
}

// seen reports whether the pair is remembered.
func (d *dupWindow) seen(account uint32, id uint64) bool {
	if d.size == 0 {
		return false
	}
	slot, ok := d.idx.Get(dupKey(account, id))
	if !ok {
		return false
	}
	e := &d.ring[slot]
	return e.id == id && e.account == account
}

// record remembers a pair, forgetting the oldest when the window is full.
func (d *dupWindow) record(account uint32, id uint64) {
	if d.size == 0 {
		return
	}
	key := dupKey(account, id)
	if _, taken := d.idx.Get(key); taken {
		return // the same pair (a duplicate the caller let through) or a collision
	}
	var slot int
	if len(d.ring) < d.size {
		slot = len(d.ring)
		d.ring = append(d.ring, dupEntry{})
	} else {
		slot = d.next
		d.next = (d.next + 1) % d.size
		old := &d.ring[slot]
		if i, ok := d.idx.Find(dupKey(old.account, old.id)); ok && d.idx.At(i) == int32(slot) {
			d.idx.DeleteAt(i)
		}
	}
	d.ring[slot] = dupEntry{id: id, account: account}
	d.idx.Insert(key, int32(slot))
}

// oldestFirst returns the remembered pairs from the oldest to the newest.
func (d *dupWindow) oldestFirst() []dupEntry {
	if len(d.ring) < d.size {
		return append([]dupEntry(nil), d.ring...)
	}
	return append(append([]dupEntry(nil), d.ring[d.next:]...), d.ring[:d.next]...)
}
