package matcher

import "github.com/cespare/xxhash/v2"

// BookHash is the hash of one symbol's state: its definition, halt flag and
// resting orders in priority order.
type BookHash struct {
	Symbol uint32
	Hash   uint64 // xxhash64 (seed 0) of the symbol's part of the state encoding
}

// The hashes stream the state encoding through a buffer on the stack: the
// encoders append to it and, at least once per record, spill it into the
// digest when it holds spillAt bytes or more. digestBuf leaves room for
// the largest run of bytes appended between two spills (a 24-byte symbol
// record and a 32-byte order here).
const (
	spillAt   = 4096
	digestBuf = spillAt + 1024
)

// AppendBookHashes appends the hash of every defined symbol's book, by
// symbol id ascending, to dst and returns the extended slice.
//
// The hash of a book is the xxhash64 of the symbol's part of
// [Engine.AppendState]: its 24-byte record (id, name, halt flag, order
// counts) and its resting orders, each side best level first and each
// level in time priority, every field of each. It is made by the code that
// writes the state, so it covers all the state holds of the symbol and
// nothing else: not the other symbols, the order id index's key nor where
// orders sit in the pool or the index, so engines made with different
// [Config.HashKey] that applied the same inputs give the same hashes. The
// hash key is the only part of the state no book hash covers.
//
// It reads every resting order once and does not allocate when dst has the
// capacity for one entry per defined symbol; it is meant for checkpoints
// (a replay compares them with the live run's to name the symbols whose
// books differ), on the goroutine that owns the engine.
func (e *Engine) AppendBookHashes(dst []BookHash) []BookHash {
	var d xxhash.Digest
	var buf [digestBuf]byte
	for sym := range e.books {
		bk := &e.books[sym]
		if !bk.defined {
			continue
		}
		d.Reset()
		b := e.appendBook(buf[:0], uint32(sym), bk, &d)
		d.Write(b)
		dst = append(dst, BookHash{Symbol: uint32(sym), Hash: d.Sum64()})
	}
	return dst
}

// spill feeds b to d and returns it emptied when it holds spillAt bytes or
// more, so that an encoder hashes through a fixed buffer; with a nil d (the
// whole encoding is being built, [Engine.AppendState]) it returns b as is.
func spill(d *xxhash.Digest, b []byte) []byte {
	if d == nil || len(b) < spillAt {
		return b
	}
	d.Write(b)
	return b[:0]
}
