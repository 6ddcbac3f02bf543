package risk

import "github.com/tradeengine/engine/internal/idindex"

// dupWindow remembers the client order ids of the most recent orders of
// all accounts, to reject a duplicate: a ring of the last size (account,
// client order id) pairs and a hash index over it. Memory is bounded by the
// size (48 bytes a pair at most, ring and index), not by the day; an id
// older than the last size orders is forgotten. The index is keyed by a
// 64-bit keyed hash of the pair (the guard's hash key, see [New]); two
// different pairs with the same hash are told apart by the ring entry, and
// the later one is then simply not remembered (so a collision can only miss
// a duplicate, never refuse a fresh id). The key keeps a sender from
// choosing ids whose pairs collide with another account's, or share a home
// in the index.
type dupWindow struct {
	hash idindex.Hasher
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

func newDupWindow(size int, key uint64) dupWindow {
	h := idindex.NewHasher(key)
	if size == 0 {
		return dupWindow{hash: h}
	}
	n := min(size, dupInitial)
	return dupWindow{hash: h, ring: make([]dupEntry, 0, n), idx: idindex.New(n, 16, key), size: size}
}

// key hashes a pair: the keyed hash of the id XOR that of the account.
func (d *dupWindow) key(account uint32, id uint64) uint64 {
	return d.hash.Hash(id ^ d.hash.Hash(uint64(account)))
}

// seen reports whether the pair is remembered.
func (d *dupWindow) seen(account uint32, id uint64) bool {
	if d.size == 0 {
		return false
	}
	slot, ok := d.idx.Get(d.key(account, id))
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
	key := d.key(account, id)
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
		if i, ok := d.idx.Find(d.key(old.account, old.id)); ok && d.idx.At(i) == int32(slot) {
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
