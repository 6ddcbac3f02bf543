package risk

import (
	"math"
	"math/bits"
)

// The guard's arithmetic is integer only. Quantities are lots, prices ticks
// and money tick-lots (a price times a quantity; with a $0.01 tick and a lot
// of one share, one tick-lot is one cent). A single order's notional always
// fits an int64 (event.MaxPrice * event.MaxQty = 2^62); sums saturate at
// math.MaxInt64 / math.MinInt64 rather than wrap, so an absurd flow can only
// make the guard more conservative, never blind.

// satAdd returns a+b, saturated.
func satAdd(a, b int64) int64 {
	s := a + b
	if (s > a) != (b > 0) {
		if b > 0 {
			return math.MaxInt64
		}
		return math.MinInt64
	}
	return s
}

// satSub returns a-b, saturated. Write a difference of money with it, not
// as satAdd(a, -b): -math.MinInt64 is math.MinInt64, so that form turns the
// largest difference into the most negative one.
func satSub(a, b int64) int64 {
	d := a - b
	if (d < a) != (b > 0) {
		if b > 0 {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return d
}

// satMul returns a*b, saturated.
func satMul(a, b int64) int64 {
	neg := (a < 0) != (b < 0)
	hi, lo := bits.Mul64(abs64(a), abs64(b))
	if hi != 0 || lo > math.MaxInt64 {
		if neg {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	if neg {
		return -int64(lo)
	}
	return int64(lo)
}

// abs64 returns |a| as a uint64 (|MinInt64| included).
func abs64(a int64) uint64 {
	if a < 0 {
		return uint64(-a)
	}
	return uint64(a)
}

// mulDiv returns a*b/c for a, b >= 0 and c > 0, computed in 128 bits and
// saturated at math.MaxInt64.
func mulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, uint64(c))
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}

// minLimit returns the tighter of two limits, 0 being no limit.
func minLimit(a, b int64) int64 {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}

// money converts between whole US dollars and tick-lots.
type money struct {
	perTL int64 // micro-dollars per tick-lot: TickMicros * LotShares
}

// fromUSD converts a USD limit to tick-lots, rounding down but never to 0
// (0 means no limit).
func (m money) fromUSD(usd int64) int64 {
	if usd == 0 {
		return 0
	}
	return max(1, mulDiv(usd, 1e6, m.perTL))
}

// toUSD converts tick-lots to whole US dollars, rounding toward zero.
func (m money) toUSD(tl int64) int64 {
	if tl < 0 {
		return -mulDiv(-max(tl, -math.MaxInt64), m.perTL, 1e6)
	}
	return mulDiv(tl, m.perTL, 1e6)
}
