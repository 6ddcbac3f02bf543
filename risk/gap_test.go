package risk

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/tradeengine/engine/event"
)

// Event time that jumps: a scope that trades once in a while, a feed of
// days one after the other, a replay of months. What a gap costs must not
// grow with the gap, and what the guard answers after it must not change
// with how long event time has run.

// exactIdle returns mean and mad after k idle periods of a grown-up
// baseline of span periods, in arithmetic exact to 2^-300, rounded down:
// what k steps of learn would give without their roundings.
func exactIdle(mean, mad, span, k int64) (int64, int64) {
	const prec = 360
	f := func(v int64) *big.Float { return new(big.Float).SetPrec(prec).SetInt64(v) }
	m, d, s := f(mean), f(mad), f(span)
	t := f(0)
	for range k {
		// mad += (|0 - mean| - mad) / span, then mean -= mean / span.
		d.Add(d, t.Quo(t.Sub(m, d), s))
		m.Sub(m, t.Quo(m, s))
	}
	im, _ := m.Int64()
	id, _ := d.Int64()
	return im, id
}

// TestIdleFoldExact: a run of k idle periods folds into a grown-up
// baseline at once (learnIdle), equal to k exact steps of learning, to
// the rounding of the fixed-point factors.
func TestIdleFoldExact(t *testing.T) {
	baselines := []struct{ mean, mad int64 }{
		{16, 0}, {1_000, 5_000}, {3_500_000_000, 1_200_000_000}, {1 << 50, 1 << 49}, {maxSample * baseScale, maxSample * baseScale},
	}
	for _, span := range []int64{1, 2, 3, 16, 1000, 1_000_000} {
		c := DefaultConfig()
		c.BaselinePeriods = span
		b := newBaseline(c)
		for _, k := range []int64{1, 2, 5, 255, foldTable, foldTable + 1, 1000, 5000} {
			for _, x := range baselines {
				w := window{learned: span}
				for m := range nMetrics {
					w.mean[m], w.mad[m] = x.mean, x.mad
				}
				w.learnIdle(k, b)
				mean, mad := exactIdle(x.mean, x.mad, span, k)
				// A factor of k periods is exact to about k ulps of 2^-62.
				tol := 2 + ((x.mean+x.mad)>>40)*k>>21
				if abs(w.mean[0]-mean) > tol || abs(w.mad[0]-mad) > tol || w.learned != span+k {
					t.Fatalf("span %d, %d idle periods from mean %d mad %d: mean %d mad %d learned %d, exactly %d %d %d",
						span, k, x.mean, x.mad, w.mean[0], w.mad[0], w.learned, mean, mad, span+k)
				}
			}
		}
	}
}

// TestQuoExact: the baseline's division by the span through a reciprocal
// is Go's division, on the whole range the baselines use.
func TestQuoExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, span := range []int64{1, 2, 3, 7, 16, 17, 1000, 65535, 65536, 999_999, 1_000_000} {
		c := DefaultConfig()
		c.BaselinePeriods = span
		b := newBaseline(c)
		xs := []int64{0, 1, -1, span - 1, span, span + 1, -span, 1<<61 - 1, -(1<<61 - 1), 1<<62 - 1, -(1<<62 - 1)}
		for range 100_000 {
			x := r.Int64N(1<<62) >> r.IntN(62)
			if r.IntN(2) == 0 {
				x = -x
			}
			xs = append(xs, x)
		}
		for _, x := range xs {
			if q := b.quo(x); q != x/span {
				t.Fatalf("span %d: quo(%d) = %d, want %d", span, x, q, x/span)
			}
		}
	}
}

// TestLongGapCostsO1 pins what a gap costs: a window that last traded
// billions of periods ago folds them all into its baseline at the next
// execution (stepping period by period would take minutes; the fold
// capped at 256 periods that it replaced counted 256), and a guard whose
// scopes last traded a century ago answers at once, with the periods of
// the century learned.
func TestLongGapCostsO1(t *testing.T) {
	c := DefaultConfig()
	b := newBaseline(c)
	const width int64 = 100e6 // the 1 s window's buckets
	w := window{bn: 1000, learned: 40}
	for m := range nMetrics {
		w.mean[m], w.mad[m] = 1<<40, 1<<38
	}
	v := [nMetrics]int64{1, 100, 22_000_000}
	w.add(&v)
	bn := math.MaxInt64/width - 5 // 2^36 buckets on
	w.record(bn*width, width, &v, b)
	periods := bn/nBuckets - 1000/nBuckets
	if w.learned != 40+periods || w.bn != bn || w.sum != v || w.cur != v || w.mean != [nMetrics]int64{} || w.mad != [nMetrics]int64{} {
		t.Fatalf("after %d periods: %+v", periods, w)
	}

	h := newHarness(t, DefaultConfig(), "AAA")
	trade := func(ts int64) {
		h.ts = ts
		h.limit(1, 0, event.Sell, 10_000, 100)
		if out := h.limit(2, 0, event.Buy, 10_000, 100); count(out, event.OutTrade) != 1 || count(out, event.OutKill) != 0 {
			t.Fatalf("trade at %d: %+v", ts, out)
		}
	}
	trade(t0)
	before := h.g.symWins[0]
	const century = 100 * 365 * 24 * 3600 * 1e9
	trade(t0 + century)
	trade(t0 + century + 1e6)
	for i, win := range h.g.symWins[0] {
		l := h.g.cfg.Windows[i]
		want := before[i].learned + (t0+century)/l - t0/l
		if win.learned != want {
			t.Fatalf("window %dns: %d periods learned, want %d", l, win.learned, want)
		}
	}
}

// TestBucketsAfterMonths: the token buckets throttle as they should however
// long event time has run: over 200 days (the origin of the bucket times
// moves up every 13 days; before, time stood still for them after 52 days
// and every order was throttled), a burst of 2 at 1 a second takes 2
// orders and throttles the third, the same across a move of the origin
// and after a jump of 2^53 ns.
func TestBucketsAfterMonths(t *testing.T) {
	c := quietConfig()
	c.Account[LimitOrdersPerSec], c.Account[LimitOrderBurst] = 1, 2
	h := newHarness(t, c, "AAA")
	px := int64(10_000)
	burst := func(ts int64, want ...event.Reason) {
		t.Helper()
		h.ts = ts
		for i, r := range want {
			px++
			if got := rejection(h.limit(1, 0, event.Buy, px, 1)); got != r {
				t.Fatalf("at %d, order %d: reason %v, want %v", ts, i, got, r)
			}
		}
	}
	const day = 24 * 3600 * 1e9
	for d := range int64(200) {
		burst(t0+d*day, 0, 0, event.ReasonThrottleOrders)
	}
	// Across the next move of the origin (at most gcraEpoch after the
	// last): the bucket's state carries over exactly.
	at := h.g.t0 + gcraEpoch - 250e6
	if at <= h.g.now {
		t.Fatalf("origin %d, now %d: no room before the next move", h.g.t0, h.g.now)
	}
	burst(at, 0, 0)
	burst(at+500e6, event.ReasonThrottleOrders) // the origin moved here
	if h.g.t0 != at+500e6 {
		t.Fatalf("origin %d, want it moved to %d", h.g.t0, at+500e6)
	}
	burst(at+1e9, 0, event.ReasonThrottleOrders)
	burst(at+1e9+1<<53, 0, 0, event.ReasonThrottleOrders)
}

// refWindow is a window done the obvious way: bucket by bucket, every
// completed period learned (idle ones too), nothing kept beside the
// state.
type refWindow struct {
	bn        int64
	ring      [nBuckets][nMetrics]int64
	mean, mad [nMetrics]int64
	learned   int64
}

func (r *refWindow) record(bn int64, v *[nMetrics]int64, b *baseline) {
	for ; r.bn < bn; r.bn++ {
		if (r.bn+1)%nBuckets == 0 { // the ring holds the period that ends
			var x [nMetrics]int64
			for i := range r.ring {
				for m := range nMetrics {
					x[m] += r.ring[i][m]
				}
			}
			w := window{mean: r.mean, mad: r.mad, learned: r.learned}
			w.learn(&x, b) // one period, as learn always did (TestQuoExact)
			r.mean, r.mad, r.learned = w.mean, w.mad, w.learned
		}
		r.ring[(r.bn+1)%nBuckets] = [nMetrics]int64{}
	}
	for m := range nMetrics {
		r.ring[r.bn%nBuckets][m] += v[m]
	}
}

// TestWindowMatchesStepping: a window driven by record (its shortcuts:
// the current period's totals kept, the used buckets tracked, a gap of a
// whole window done in one pass, idle periods folded at once) holds what
// one stepped bucket by bucket holds: the same buckets, totals and
// periods learned, the baseline to the rounding of the idle folds, the
// thresholds those of its baseline; and what a state load rebuilds of it
// is what it kept.
func TestWindowMatchesStepping(t *testing.T) {
	for _, span := range []int64{1, 4, 16} {
		c := DefaultConfig()
		c.BaselinePeriods = span
		b := newBaseline(c)
		r := rand.New(rand.NewPCG(uint64(span), 3))
		var w window
		var ref refWindow
		idle := false
		for i := range 20_000 {
			var bn int64
			switch r.IntN(4) {
			case 0:
				bn = w.bn // the same bucket
			case 1:
				bn = w.bn + 1 + r.Int64N(nBuckets-1) // within the window
			case 2:
				bn = w.bn + nBuckets + r.Int64N(nBuckets) // the next period, or the one after
			default:
				bn = w.bn + r.Int64N(40*nBuckets) // idle periods
			}
			// Idle periods (all the periods completed but the first) fold at
			// once when the baseline is grown up (learned one by one before).
			if idlePeriods := bn/nBuckets - w.bn/nBuckets - 1; idlePeriods > max(0, span-w.learned-1) {
				idle = true
			}
			v := [nMetrics]int64{1 + r.Int64N(3), r.Int64N(1000), r.Int64N(1e9)}
			const width = 1000
			w.record(bn*width+r.Int64N(width), width, &v, b)
			ref.record(bn, &v, b)
			var sum, cur [nMetrics]int64
			for k := range nBuckets {
				for m := range nMetrics {
					sum[m] += ref.ring[k][m]
					if int64(k) <= bn%nBuckets {
						cur[m] += ref.ring[k][m]
					}
				}
			}
			// Folding idle periods at once rounds once where stepping
			// rounds at every period: a difference of at most span units
			// (1/16 of an execution each), carried on by the exponential
			// weighting.
			tol := int64(0)
			if idle {
				tol = 4*span + 4
			}
			for m := range nMetrics {
				if abs(w.mean[m]-ref.mean[m]) > tol+abs(ref.mean[m])>>40 || abs(w.mad[m]-ref.mad[m]) > tol+abs(ref.mad[m])>>40 {
					t.Fatalf("span %d, step %d: baseline %v %v, stepped %v %v", span, i, w.mean, w.mad, ref.mean, ref.mad)
				}
				if w.thr[m] != b.threshold(w.mean[m], w.mad[m]) {
					t.Fatalf("span %d, step %d: threshold %v for baseline %v %v", span, i, w.thr, w.mean, w.mad)
				}
			}
			if w.bn != ref.bn || w.ring != ref.ring || w.sum != sum || w.cur != cur || w.learned != ref.learned {
				t.Fatalf("span %d, step %d: %+v\nstepped %+v", span, i, w, ref)
			}
			for k := range nBuckets {
				if w.ring[k] != [nMetrics]int64{} && w.used&(1<<k) == 0 {
					t.Fatalf("span %d, step %d: bucket %d holds %v, not marked used (%b)", span, i, k, w.ring[k], w.used)
				}
			}
			loaded := w
			loaded.cur, loaded.thr, loaded.used = [nMetrics]int64{}, [nMetrics]int64{}, 0
			if loaded.loaded(b); loaded != w {
				t.Fatalf("span %d, step %d: a load rebuilds %+v\nof %+v", span, i, loaded, w)
			}
		}
	}
}
