package risk

import (
	"cmp"
	"encoding/binary"
	"slices"

	"github.com/cespare/xxhash/v2"
)

// AccountHash is the hash of one account's state in the guard.
type AccountHash struct {
	Account uint32
	Hash    uint64
}

// The hashes stream the state encoding through a buffer on the stack: the
// encoders append to it and, at least once per record, spill it into the
// digest when it holds spillAt bytes or more. digestBuf leaves room for
// the largest run of bytes appended between two spills: the units, the
// clock and the engine's scope up to its windows (1,376 bytes).
const (
	spillAt   = 4096
	digestBuf = 2 * spillAt
)

// AppendAccountHashes appends the hash of every account's state, by
// account id ascending, to dst and returns the extended slice.
//
// An account's state is what [Guard.AppendState] writes of it: its record
// (open order count, kill switch, buckets, credit, pnl, breaker, parent
// excesses, loss window, limits set for it, restricted symbols, output
// windows) and its positions (each with its account-and-symbol kill
// switch). The hash is the xxhash64 of 16 bytes, little-endian: the
// xxhash64 of the account's record as the state encodes it, then the sum,
// modulo 2^64, of the xxhash64 of each of its positions' records. The sum
// does not depend on the order positions are visited in, so the hash
// needs neither a sort nor the layout of the position table, nor the hash
// key (see [New]).
//
// The client order ids remembered and the orders held for approval, though
// each names an account, are in [Guard.GlobalHash]: the window of ids is
// shared by all accounts (an order of one pushes out the oldest id of
// any), and held orders are the guard's queue, not an account's state.
// So is the count of kill-switch trips: a kill of one account changes its
// hash and the global one.
//
// It reads every account and position once and does not allocate when dst
// has the capacity for one entry per account (it sorts dst's new entries
// in place); it is meant for checkpoints, on the goroutine that owns the
// guard.
func (g *Guard) AppendAccountHashes(dst []AccountHash) []AccountHash {
	base := len(dst)
	// One entry per account in index order; each Hash first sums the
	// account's positions.
	for a := range g.accts {
		dst = append(dst, AccountHash{Account: g.accts[a].id})
	}
	hs := dst[base:]
	var pos [posSize]byte
	for p := range g.pt.hot {
		if g.pt.hot[p].used {
			hs[g.pt.hot[p].acct].Hash += xxhash.Sum64(g.appendPosition(pos[:0], int32(p)))
		}
	}
	var d xxhash.Digest
	var buf [digestBuf]byte
	for a := range hs {
		d.Reset()
		b := g.appendAccount(buf[:0], int32(a), int(numLimits), &d)
		d.Write(b)
		var pair [16]byte
		binary.LittleEndian.PutUint64(pair[:], d.Sum64())
		binary.LittleEndian.PutUint64(pair[8:], hs[a].Hash)
		hs[a].Hash = xxhash.Sum64(pair[:])
	}
	slices.SortFunc(hs, func(x, y AccountHash) int { return cmp.Compare(x.Account, y.Account) })
	return dst
}

// GlobalHash returns the hash of the guard's state that belongs to no
// single account: the xxhash64 of the state encoding ([Guard.AppendState])
// less its header, its hash key and its accounts and positions sections.
// That is the configured units and window lengths; the clock (event time,
// first event time, the count of kill-switch trips); the engine's scope
// (the kill-all switch, the global buckets and breaker, the global limits
// and the accounts' and symbols' defaults, the engine's output windows and
// learned baselines); every defined symbol's state (name, kill switch,
// last trade price, limits, among them the reference price, output
// windows and baselines); the client order ids remembered, oldest first;
// the orders held for approval, oldest first.
//
// Together with [Guard.AppendAccountHashes] it covers everything the state
// holds but the hash key, which changes no answer: guards whose matchers
// have different keys and that applied the same inputs have the same
// hashes (short of a collision of two client order ids' 64-bit keyed
// hashes, which makes the window skip the later one). It reads every
// symbol, client order id and held order once and does not allocate.
func (g *Guard) GlobalHash() uint64 {
	var d xxhash.Digest
	d.Reset()
	var buf [digestBuf]byte
	b := g.appendUnits(buf[:0])
	b = g.appendEngine(b, int(numLimits), &d)
	b = g.appendSymbols(b, int(numLimits), &d)
	b = g.appendClOrdIDs(b, &d)
	b = g.appendHeld(b, &d)
	d.Write(b)
	return d.Sum64()
}

// spill feeds b to d and returns it emptied when it holds spillAt bytes or
// more, so that an encoder hashes through a fixed buffer; with a nil d (the
// whole encoding is being built, [Guard.AppendState]) it returns b as is.
func spill(d *xxhash.Digest, b []byte) []byte {
	if d == nil || len(b) < spillAt {
		return b
	}
	d.Write(b)
	return b[:0]
}
