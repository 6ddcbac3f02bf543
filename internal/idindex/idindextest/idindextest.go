// Package idindextest builds the ids a hostile feed would send against the
// unkeyed hash the id tables used before their hash was keyed (see package
// idindex), for the tests and benchmarks that show the keyed hash bounds
// the cost of such ids. It is not for use outside tests.
package idindextest

// OldMul is the constant of the old unkeyed hash of a table of 2^(64-shift)
// entries: home(k) = ((k ^ k>>32) * OldMul) >> shift.
const OldMul = 0x9E3779B97F4A7C15

// OldHome is the old unkeyed hash.
func OldHome(k uint64, shift uint8) uint64 {
	k ^= k >> 32
	return (k * OldMul) >> shift
}

// Inverse returns the multiplicative inverse of odd a mod 2^64 (Newton's
// iteration), which undoes a multiply by a.
func Inverse(a uint64) uint64 {
	x := a
	for range 6 {
		x *= 2 - a*x
	}
	return x
}

// Unfold returns the k for which k ^ k>>32 is y: its high half is y's, its
// low half y's low half XOR y's high half.
func Unfold(y uint64) uint64 { return y&^0xFFFFFFFF | (y^y>>32)&0xFFFFFFFF }

// CollidingIDs returns n distinct ids that all have home 0 under OldHome
// for every table size up to 2^40 entries: the folded id times OldMul is j,
// 1 to n.
func CollidingIDs(n int) []uint64 {
	inv := Inverse(OldMul)
	ids := make([]uint64, n)
	for j := range ids {
		ids[j] = Unfold(uint64(j+1) * inv)
	}
	return ids
}
