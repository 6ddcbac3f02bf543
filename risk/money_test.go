package risk

import (
	"fmt"
	"math"
	"testing"

	"github.com/tradeengine/engine/event"
)

const (
	maxI = math.MaxInt64
	minI = math.MinInt64
)

func TestSatAdd(t *testing.T) {
	cases := []struct{ a, b, want int64 }{
		{0, 0, 0},
		{1, 2, 3},
		{maxI, 0, maxI},
		{minI, 0, minI},
		{0, maxI, maxI},
		{0, minI, minI},
		{maxI, 1, maxI},
		{maxI, maxI, maxI},
		{minI, -1, minI},
		{minI, minI, minI},
		{maxI, minI, -1},
		{minI, maxI, -1},
		{maxI - 5, 5, maxI},
		{minI + 5, -5, minI},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d+%d", c.a, c.b), func(t *testing.T) {
			if got := satAdd(c.a, c.b); got != c.want {
				t.Fatalf("satAdd(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
			}
		})
	}
}

// TestSatSub covers the case the loss guard got wrong with satAdd(a, -b):
// b at math.MinInt64, whose negation is itself.
func TestSatSub(t *testing.T) {
	cases := []struct{ a, b, want int64 }{
		{0, 0, 0},
		{5, 3, 2},
		{3, 5, -2},
		{0, minI, maxI}, // satAdd(0, -minI) gave minI
		{1, minI, maxI},
		{-1, minI, maxI},
		{minI, minI, 0},
		{maxI, minI, maxI},
		{0, maxI, -maxI},
		{-1, maxI, minI},
		{-2, maxI, minI},
		{minI, maxI, minI},
		{minI, 1, minI},
		{maxI, -1, maxI},
		{maxI, maxI, 0},
		{minI, 0, minI},
		{maxI, 0, maxI},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d-%d", c.a, c.b), func(t *testing.T) {
			if got := satSub(c.a, c.b); got != c.want {
				t.Fatalf("satSub(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
			}
		})
	}
}

func TestSatMul(t *testing.T) {
	cases := []struct{ a, b, want int64 }{
		{0, 0, 0},
		{0, maxI, 0},
		{0, minI, 0},
		{minI, 0, 0},
		{3, -4, -12},
		{maxI, 1, maxI},
		{minI, 1, minI},
		{maxI, -1, -maxI},
		{minI, -1, maxI},
		{maxI, 2, maxI},
		{maxI, -2, minI},
		{minI, 2, minI},
		{minI, minI, maxI},
		{maxI, maxI, maxI},
		{maxI, minI, minI},
		{1 << 31, 1 << 31, 1 << 62},
		{-(1 << 32), 1 << 31, minI},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d*%d", c.a, c.b), func(t *testing.T) {
			if got := satMul(c.a, c.b); got != c.want {
				t.Fatalf("satMul(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
			}
		})
	}
}

func TestAbs64(t *testing.T) {
	for _, c := range []struct {
		a    int64
		want uint64
	}{{0, 0}, {-1, 1}, {maxI, maxI}, {minI, 1 << 63}, {-maxI, maxI}} {
		if got := abs64(c.a); got != c.want {
			t.Errorf("abs64(%d) = %d, want %d", c.a, got, c.want)
		}
	}
}

func TestMulDiv(t *testing.T) {
	cases := []struct{ a, b, c, want int64 }{
		{0, 0, 1, 0},
		{0, maxI, 1, 0},
		{maxI, 0, 7, 0},
		{6, 7, 4, 10},
		{maxI, 1, 1, maxI},
		{maxI, 2, 1, maxI},
		{maxI, maxI, 1, maxI},
		{maxI, maxI, maxI, maxI},
		{maxI, 2, 2, maxI},
		{maxI, 3, 4, 6917529027641081855}, // 128-bit product: no overflow on the way
		{maxI, 1, maxI, 1},
		{1, 1, maxI, 0},
		{maxI, 1e6, 1e12, maxI / 1_000_000},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d*%d/%d", c.a, c.b, c.c), func(t *testing.T) {
			if got := mulDiv(c.a, c.b, c.c); got != c.want {
				t.Fatalf("mulDiv(%d, %d, %d) = %d, want %d", c.a, c.b, c.c, got, c.want)
			}
		})
	}
}

func TestMinLimit(t *testing.T) {
	for _, c := range []struct{ a, b, want int64 }{
		{0, 0, 0}, {0, maxI, maxI}, {maxI, 0, maxI}, {maxI, 1, 1}, {1, maxI, 1}, {maxI, maxI, maxI},
	} {
		if got := minLimit(c.a, c.b); got != c.want {
			t.Errorf("minLimit(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestMoneyConversions(t *testing.T) {
	cent := money{perTL: 10_000}     // $0.01 a tick-lot
	fine := money{perTL: 1}          // a millionth of a dollar
	huge := money{perTL: 1e12 * 1e6} // the largest tick times the largest lot
	from := []struct {
		m       money
		usd, tl int64
	}{
		{cent, 0, 0},
		{cent, 1, 100},
		{cent, maxI, maxI},
		{fine, 1, 1e6},
		{fine, maxI, maxI},
		{huge, 1, 1}, // rounds down, but never to 0
		{huge, maxI, maxI / 1_000_000_000_000},
	}
	for _, c := range from {
		if got := c.m.fromUSD(c.usd); got != c.tl {
			t.Errorf("perTL %d: fromUSD(%d) = %d, want %d", c.m.perTL, c.usd, got, c.tl)
		}
	}
	to := []struct {
		m       money
		tl, usd int64
	}{
		{cent, 0, 0},
		{cent, 199, 1},
		{cent, -199, -1},
		{cent, maxI, maxI / 100},
		{cent, minI, -(maxI / 100)},
		{cent, -maxI, -(maxI / 100)},
		{huge, 1, 1e12},
		{huge, maxI, maxI},
		{huge, minI, -maxI},
	}
	for _, c := range to {
		if got := c.m.toUSD(c.tl); got != c.usd {
			t.Errorf("perTL %d: toUSD(%d) = %d, want %d", c.m.perTL, c.tl, got, c.usd)
		}
	}
}

// TestLossAtExtremes checks the loss guard's difference (the window's
// highest profit and loss minus the current one) at the extremes: with the
// current figure saturated at math.MinInt64 the loss is the largest there
// is and trips, where satAdd(top, -pnl) made it negative and never tripped.
func TestLossAtExtremes(t *testing.T) {
	cases := []struct {
		name     string
		top, pnl int64
		maxLoss  int64
		wantTrip bool
	}{
		{"pnl at min, top 0", 0, minI, 1, true},
		{"pnl at min, top at max", maxI, minI, maxI - 1, true},
		{"pnl at min, top at min", minI, minI, 1, false},
		{"pnl at max", maxI, maxI, 1, false},
		{"pnl 0, top at max", maxI, 0, maxI - 1, true},
		{"pnl 0, top 0", 0, 0, 1, false},
		{"limit at max", 0, minI, maxI, false}, // the loss saturates at the limit: not above it
		{"limit just below max", 0, minI, maxI - 1, true},
		{"pnl at -max, top at max", maxI, -maxI, maxI - 1, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, quietConfig(), "AAPL")
			g := h.g
			a := g.accountIndexForTest(t, 42)
			acc := &g.accts[a]
			acc.maxLoss = c.maxLoss
			acc.lossNext = math.MaxInt64 // stay in the current bucket
			acc.lossTop, acc.lossCur, acc.pnl = c.top, c.top, c.pnl
			g.checkLoss(a)
			tripped := acc.killed && acc.killedBy == event.ReasonLoss
			if tripped != c.wantTrip {
				t.Fatalf("top %d pnl %d limit %d: tripped %v, want %v", c.top, c.pnl, c.maxLoss, tripped, c.wantTrip)
			}
			if tripped && (len(g.pending) != 1 || g.pending[0].measured <= 0) {
				t.Fatalf("trip %+v: want one with a positive loss", g.pending)
			}
		})
	}
}

// accountIndexForTest returns the index of account id, creating its state.
func (g *Guard) accountIndexForTest(t *testing.T, id uint32) int32 {
	t.Helper()
	a, ok := g.accountIndex(id)
	if !ok {
		t.Fatalf("account %d: no room", id)
	}
	return a
}
