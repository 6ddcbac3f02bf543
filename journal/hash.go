package journal

import (
	"encoding/binary"
	"math/bits"
)

// The xxhash64 primes (github.com/cespare/xxhash/v2, xxhash.go).
const (
	prime1 uint64 = 11400714785074694791
	prime2 uint64 = 14029467366897019727
	prime3 uint64 = 1609587929392839161
	prime4 uint64 = 9650029242287828579
)

// primes1 is prime1 as a variable, so that the sums of the initial state
// wrap at run time as the algorithm wants.
var primes1 = prime1

// sumEvent returns xxhash64 (seed 0) of the 88 bytes of a record header
// whose three words are w0, seq, ts, followed by a 64-byte payload p:
// exactly xxhash.Sum64 of those bytes (FuzzSumEvent checks it; its seeds
// run with the tests), computed from registers and the caller's payload
// rather than read back from the segment.
func sumEvent(w0, seq, ts uint64, p *[64]byte) uint64 {
	h := sumStripes(w0, seq, ts, (*[40]byte)(p[:40]), 88)
	// The tail: payload bytes 40..64, three words.
	h = sumWord(h, binary.LittleEndian.Uint64(p[40:]))
	h = sumWord(h, binary.LittleEndian.Uint64(p[48:]))
	h = sumWord(h, binary.LittleEndian.Uint64(p[56:]))
	return avalanche(h)
}

// sumStripes is xxhash64's state after the two 32-byte stripes of a record
// header (w0, seq, ts) followed by payload bytes p, merged and with the
// total length n added: what the tail words of a record of n bytes go into.
func sumStripes(w0, seq, ts uint64, p *[40]byte, n uint64) uint64 {
	v1 := primes1 + prime2
	v2 := prime2
	v3 := uint64(0)
	v4 := -primes1
	// Stripe 1: the header and the payload's first word.
	v1 = round(v1, w0)
	v2 = round(v2, seq)
	v3 = round(v3, ts)
	v4 = round(v4, binary.LittleEndian.Uint64(p[0:]))
	// Stripe 2: payload bytes 8..40.
	v1 = round(v1, binary.LittleEndian.Uint64(p[8:]))
	v2 = round(v2, binary.LittleEndian.Uint64(p[16:]))
	v3 = round(v3, binary.LittleEndian.Uint64(p[24:]))
	v4 = round(v4, binary.LittleEndian.Uint64(p[32:]))

	h := bits.RotateLeft64(v1, 1) + bits.RotateLeft64(v2, 7) + bits.RotateLeft64(v3, 12) + bits.RotateLeft64(v4, 18)
	h = mergeRound(h, v1)
	h = mergeRound(h, v2)
	h = mergeRound(h, v3)
	h = mergeRound(h, v4)
	return h + n
}

// sumWord mixes one 8-byte tail word w into h.
func sumWord(h, w uint64) uint64 {
	h ^= round(0, w)
	return bits.RotateLeft64(h, 27)*prime1 + prime4
}

// avalanche is xxhash64's final mix.
func avalanche(h uint64) uint64 {
	h ^= h >> 33
	h *= prime2
	h ^= h >> 29
	h *= prime3
	h ^= h >> 32
	return h
}

func round(acc, input uint64) uint64 {
	acc += input * prime2
	acc = bits.RotateLeft64(acc, 31)
	acc *= prime1
	return acc
}

func mergeRound(acc, val uint64) uint64 {
	val = round(0, val)
	acc ^= val
	acc = acc*prime1 + prime4
	return acc
}
