package audit

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
)

// Int128 is a signed 128-bit integer in two's complement. The report keeps
// traded notional (price times quantity, in ticks*lots) in it: one trade's
// notional fits an int64 under the engine's order limits (event.MaxPrice *
// event.MaxQty is 2^62), but a day's sum of them need not, while 2^127 is
// out of reach of any day. Adding to it never allocates; [Int128.String]
// and [Int128.Big] do. Its JSON form is an exact decimal number.
type Int128 struct {
	hi, lo uint64
}

// NewInt128 returns v as an Int128.
func NewInt128(v int64) Int128 {
	return Int128{hi: uint64(v >> 63), lo: uint64(v)}
}

// add adds y to x, modulo 2^128.
func (x *Int128) add(y Int128) {
	var c uint64
	x.lo, c = bits.Add64(x.lo, y.lo, 0)
	x.hi, _ = bits.Add64(x.hi, y.hi, c)
}

// addMul adds a*b to x, computed exactly in 128 bits.
func (x *Int128) addMul(a, b int64) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	// The unsigned product of the two's complement bit patterns differs
	// from the signed one, in the high word only, by b for a negative a and
	// by a for a negative b.
	if a < 0 {
		hi -= uint64(b)
	}
	if b < 0 {
		hi -= uint64(a)
	}
	x.add(Int128{hi: hi, lo: lo})
}

// Sign returns -1, 0 or +1.
func (x Int128) Sign() int {
	switch {
	case int64(x.hi) < 0:
		return -1
	case x.hi == 0 && x.lo == 0:
		return 0
	}
	return 1
}

// Big returns x as a big.Int.
func (x Int128) Big() *big.Int {
	neg := x.Sign() < 0
	if neg { // magnitude: two's complement negation, exact even for -2^127
		x.lo, x.hi = -x.lo, ^x.hi
		if x.lo == 0 {
			x.hi++
		}
	}
	v := new(big.Int).SetUint64(x.hi)
	v.Lsh(v, 64)
	v.Or(v, new(big.Int).SetUint64(x.lo))
	if neg {
		v.Neg(v)
	}
	return v
}

// String returns x in decimal.
func (x Int128) String() string {
	if int64(x.hi) == int64(x.lo)>>63 { // fits an int64: the common case
		return fmt.Sprint(int64(x.lo))
	}
	return x.Big().String()
}

// Float64 returns x rounded to the nearest float64.
func (x Int128) Float64() float64 {
	if int64(x.hi) == int64(x.lo)>>63 { // fits an int64
		return float64(int64(x.lo))
	}
	f, _ := new(big.Float).SetInt(x.Big()).Float64()
	return f
}

// MarshalJSON writes x as a JSON number, exactly.
func (x Int128) MarshalJSON() ([]byte, error) {
	return []byte(x.String()), nil
}

var (
	minInt128 = new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 127))
	maxInt128 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 127), big.NewInt(1))
	mask64    = new(big.Int).SetUint64(math.MaxUint64)
)

// UnmarshalJSON reads a JSON integer between -2^127 and 2^127-1.
func (x *Int128) UnmarshalJSON(b []byte) error {
	v, ok := new(big.Int).SetString(string(b), 10)
	if !ok {
		return fmt.Errorf("audit: int128: %q is not a decimal integer", b)
	}
	if v.Cmp(minInt128) < 0 || v.Cmp(maxInt128) > 0 {
		return fmt.Errorf("audit: int128: %s out of range", v)
	}
	// big.Int's bitwise operations treat negative values as two's
	// complement of unlimited width, so the low 128 bits are x's.
	x.lo = new(big.Int).And(v, mask64).Uint64()
	x.hi = new(big.Int).And(new(big.Int).Rsh(v, 64), mask64).Uint64()
	return nil
}
