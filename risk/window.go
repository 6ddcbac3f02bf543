package risk

import (
	"math"
	"math/bits"
)

// nBuckets is the number of buckets of every sliding window. Part of the
// state encoding.
const nBuckets = 10

// Metrics counted by the output-volume windows.
const (
	metricExecs    = 0
	metricQty      = 1
	metricNotional = 2
	nMetrics       = 3
)

// baseScale is the fixed-point scale of the learned baselines: a mean of
// 2.5 executions is stored as 40. Part of the state encoding.
const baseScale = 16

// maxSample bounds a sample before it is scaled, so that the scaled value
// and the sums of the baseline cannot overflow.
const maxSample = math.MaxInt64 / baseScale / 4

// window is one sliding window of one scope: a ring of nBuckets buckets in
// event time, each width = length/nBuckets ns wide, counting executions,
// traded quantity and traded notional, and the baseline learned from the
// totals of its completed periods (length-aligned stretches of event time).
type window struct {
	// What an evaluation of a scope that trades seldom reads (144 bytes)
	// comes first, the ring last.
	bn      int64           // bucket number (event time / width) of the current bucket
	learned int64           // periods folded into the baseline
	sum     [nMetrics]int64 // the ring's totals
	mean    [nMetrics]int64 // exponentially weighted mean of period totals, scaled by baseScale
	mad     [nMetrics]int64 // exponentially weighted mean absolute deviation, scaled
	// Derived from the rest, not part of the state encoding: the totals of the
	// buckets of the current period so far (what the period adds to the
	// baseline when it completes), the anomaly thresholds the baseline sets
	// before the floor ([baseline.threshold] of mean and mad), and the
	// buckets that may hold figures (bit i for ring[i]).
	cur  [nMetrics]int64
	thr  [nMetrics]int64
	used uint16

	ring [nBuckets][nMetrics]int64 // per bucket; bucket bn%nBuckets is the current one
}

// winHot is the state of a scope's windows (an account's, a symbol's, the
// engine's) that an execution touches on the fast path, one cache line: the
// figures are added to acc, and only when acc goes beyond room (a limit may
// be crossed) or event time reaches next (a bucket ends, a warm-up ends) are
// the windows (a winSet) brought up to date and checked. That gives exactly
// the trips a check of every window at every execution would.
type winHot struct {
	acc  [nMetrics]int64 // counted since the windows were last brought up to date
	room [nMetrics]int64 // acc beyond which some window crosses a limit
	next int64           // event time from which the windows must be brought up to date; 0: at once
	born int64           // event time the scope was first seen
}

// winSet is the windows of one scope.
type winSet [NumWindows]window

// record moves w to event time now (buckets width ns wide) and counts
// figures v (nil: none) into the current bucket.
func (w *window) record(now, width int64, v *[nMetrics]int64, b *baseline) {
	if now >= (w.bn+1)*width { // else still in the current bucket: no division
		bn := now / width
		if bn-w.bn >= nBuckets {
			w.restart(bn, v, b) // all the window held fell out of it
			return
		}
		w.advance(bn, b)
	}
	if v != nil {
		w.add(v)
	}
}

// advance moves w to event time now (bucket number bn), clearing the
// buckets that fell out of the window and folding every period completed on
// the way into the baseline. A now before the current bucket counts into
// the current bucket. Its cost does not grow with the gap: a gap of a whole
// window or more skips (see [window.skip]).
func (w *window) advance(bn int64, b *baseline) {
	if bn <= w.bn {
		return
	}
	if bn-w.bn >= nBuckets {
		w.skip(bn, b)
	} else {
		learned := w.learned
		for w.bn < bn {
			w.bn++
			i := w.bn % nBuckets
			if i == 0 {
				w.learn(&w.cur, b)
				w.cur = [nMetrics]int64{}
			}
			if w.used&(1<<i) != 0 {
				r := &w.ring[i]
				for m := range nMetrics {
					w.sum[m] -= r[m]
				}
				*r = [nMetrics]int64{}
				w.used &^= 1 << i
			}
		}
		if w.learned == learned {
			return
		}
	}
	w.setThresholds(b)
}

// skip is advance over a gap of nBuckets buckets or more, what stepping
// bucket by bucket would do: the current period completes with the buckets
// of it so far, every bucket empties, and the periods after it, all idle,
// fold into the baseline at once.
func (w *window) skip(bn int64, b *baseline) {
	w.learn(&w.cur, b)
	idle := bn/nBuckets - w.bn/nBuckets - 1
	w.bn = bn
	w.empty()
	if idle > 0 {
		w.learnIdle(idle, b)
	}
}

// restart is advance to bucket bn, nBuckets or more on, then add(v) (v
// nil: nothing) in one pass over the metrics, for a grown-up baseline:
// the current period completes, the periods after it are idle, and the
// window holds v alone. What skip and add do, fused for the common case of
// a scope that trades seldom.
func (w *window) restart(bn int64, v *[nMetrics]int64, b *baseline) {
	if w.learned < b.span {
		w.skip(bn, b)
		w.setThresholds(b)
		if v != nil {
			w.add(v)
		}
		return
	}
	idle := bn/nBuckets - w.bn/nBuckets - 1
	decay, carry := uint64(fixOne), uint64(0)
	if idle > 0 {
		decay, carry = b.factors(idle)
	}
	var x [nMetrics]int64
	var used uint16
	if v != nil {
		x, used = *v, 1<<(bn%nBuckets)
	}
	for m := range nMetrics {
		d := min(w.cur[m], maxSample)*baseScale - w.mean[m]
		mad := uint64(w.mad[m] + b.quo(abs(d)-w.mad[m]))
		mean := uint64(w.mean[m] + b.quo(d))
		mean, mad = fixMul(mean, decay), fixMulAdd(mad, decay, mean, carry)
		w.mean[m], w.mad[m] = int64(mean), int64(mad)
		w.thr[m] = b.threshold(int64(mean), int64(mad))
		w.sum[m], w.cur[m] = x[m], x[m]
	}
	for u := w.used; u != 0; u &= u - 1 {
		w.ring[bits.TrailingZeros16(u)] = [nMetrics]int64{}
	}
	w.ring[bn%nBuckets], w.used = x, used
	w.bn = bn
	w.learned = satAdd(w.learned, 1+max(idle, 0))
}

// setThresholds sets the anomaly thresholds from the baseline.
func (w *window) setThresholds(b *baseline) {
	for m := range nMetrics {
		w.thr[m] = b.threshold(w.mean[m], w.mad[m])
	}
}

// empty clears every bucket, keeping the baseline.
func (w *window) empty() {
	for u := w.used; u != 0; u &= u - 1 {
		w.ring[bits.TrailingZeros16(u)] = [nMetrics]int64{}
	}
	w.sum, w.cur, w.used = [nMetrics]int64{}, [nMetrics]int64{}, 0
}

// loaded sets what is kept from the state encoding: the current period's
// totals and the anomaly thresholds.
func (w *window) loaded(b *baseline) {
	w.cur, w.used = [nMetrics]int64{}, 0
	for i := range int64(nBuckets) {
		if w.ring[i] != [nMetrics]int64{} {
			w.used |= 1 << i
		}
		if i > w.bn%nBuckets {
			continue
		}
		for m := range nMetrics {
			w.cur[m] = satAdd(w.cur[m], w.ring[i][m])
		}
	}
	w.setThresholds(b)
}

// learn folds one completed period's totals into the baseline. Until span
// periods are learned the mean is the plain average of the periods so far
// (and the deviation the plain average of their deviations), then an
// exponentially weighted one: a fresh baseline is not biased towards zero.
func (w *window) learn(x *[nMetrics]int64, b *baseline) {
	if w.learned < b.span {
		w.learnYoung(x, b.span)
		return
	}
	for m := range nMetrics {
		d := min(x[m], maxSample)*baseScale - w.mean[m]
		w.mad[m] += b.quo(abs(d) - w.mad[m])
		w.mean[m] += b.quo(d)
	}
	w.learned++
}

// learnYoung is learn while fewer than span periods are learned.
func (w *window) learnYoung(x *[nMetrics]int64, span int64) {
	n := min(w.learned+1, span)
	for m := range nMetrics {
		v := min(x[m], maxSample) * baseScale
		d := v - w.mean[m]
		if w.learned > 0 {
			w.mad[m] += (abs(d) - w.mad[m]) / min(w.learned, span)
		}
		w.mean[m] += d / n
	}
	w.learned++
}

// learnIdle folds k idle periods (totals of zero) into the baseline. While
// the baseline is young (fewer than span periods learned) they are learned
// one by one, at most span of them in the window's life; the rest fold at
// once, in O(1) whatever k: k idle periods take the exponentially weighted
// mean from mean to mean*r^k and the deviation from mad to
// mad*r^k + mean*k*r^(k-1)/span (r = 1-1/span), what k steps of learn give
// in exact arithmetic, rounded down once.
func (w *window) learnIdle(k int64, b *baseline) {
	var zero [nMetrics]int64
	for ; k > 0 && w.learned < b.span; k-- {
		w.learn(&zero, b)
	}
	if k <= 0 {
		return
	}
	decay, carry := b.factors(k)
	for m := range nMetrics {
		mean, mad := uint64(w.mean[m]), uint64(w.mad[m])
		w.mean[m] = int64(fixMul(mean, decay))
		w.mad[m] = int64(fixMulAdd(mad, decay, mean, carry))
	}
	w.learned = satAdd(w.learned, k)
}

// baseline is how the windows' baselines learn (Config.BaselinePeriods,
// AnomalyDeviations and AnomalyRatioPct), with what makes learning cheap:
// the reciprocal of the span, and r^k and k*r^(k-1)/span for r = 1-1/span
// and k up to foldTable (beyond, r^k is made of r^(foldTable*2^i)), in
// fixed point (fixOne is 1). It does not change after New.
type baseline struct {
	span  int64
	dev   int64 // AnomalyDeviations
	ratio int64 // AnomalyRatioPct

	magic uint64 // x/span = (x*magic) >> (64+shift) for 0 <= x < 2^62, span >= 2
	shift uint

	decay [foldTable + 1]uint64 // r^k
	carry [foldTable + 1]uint64 // k*r^(k-1)/span
	big   [64]uint64            // r^(foldTable*2^i)
}

// foldTable is the longest run of idle periods whose factors are looked up
// rather than computed.
const foldTable = 256

// fixOne is 1 in the fixed point of baseline's factors, all from 0 to 1.
const fixOne = 1 << 62

// newBaseline returns the baseline of c.
func newBaseline(c *Config) *baseline {
	span := c.BaselinePeriods
	b := &baseline{span: span, dev: c.AnomalyDeviations, ratio: c.AnomalyRatioPct}
	if span >= 2 {
		l := uint(bits.Len64(uint64(span - 1))) // ceil(log2(span))
		// Granlund and Montgomery's multiplier for 62-bit dividends:
		// 2^(63+l) < magic*span <= 2^(63+l) + span, below 2^64.
		q, _ := bits.Div64(1<<(l-1), 0, uint64(span)) // 2^(63+l) / span
		b.magic, b.shift = q+1, l-1
	}
	b.decay[0] = fixOne
	for k := int64(1); k <= foldTable; k++ {
		b.decay[k] = uint64(mulDiv(int64(b.decay[k-1]), span-1, span))
		b.carry[k] = uint64(mulDiv(int64(b.decay[k-1]), k, span))
	}
	b.big[0] = b.decay[foldTable]
	for i := 1; i < len(b.big); i++ {
		b.big[i] = fixMul(b.big[i-1], b.big[i-1])
	}
	return b
}

// quo returns x/span, truncated toward zero as Go's / is, for |x| < 2^62.
func (b *baseline) quo(x int64) int64 {
	if b.span == 1 {
		return x
	}
	u := abs64(x)
	hi, _ := bits.Mul64(u, b.magic)
	q := int64(hi >> b.shift)
	if x < 0 {
		return -q
	}
	return q
}

// factors returns r^k and k*r^(k-1)/span, for k >= 1.
func (b *baseline) factors(k int64) (decay, carry uint64) {
	if k <= foldTable {
		return b.decay[k], b.carry[k]
	}
	p := b.decay[(k-1)%foldTable] // r^(k-1)
	for i, q := 0, (k-1)/foldTable; q > 0 && p > 0; i, q = i+1, q>>1 {
		if q&1 != 0 {
			p = fixMul(p, b.big[i])
		}
	}
	return fixMul(p, b.decay[1]), uint64(mulDiv(int64(p), k, b.span))
}

// threshold returns the anomaly threshold of a baseline of mean and mad
// (scaled), before the floor: the mean plus dev deviations, or ratio
// percent of the mean, whichever is higher.
func (b *baseline) threshold(mean, mad int64) int64 {
	if mean|mad < 1<<43 {
		// dev is at most 1000 and ratio 100000: nothing overflows, and
		// the division by a constant is a multiplication.
		return max((mean+b.dev*mad)/baseScale, mean*b.ratio/(100*baseScale))
	}
	return max(satAdd(mean, satMul(b.dev, mad))/baseScale, mulDiv(mean, b.ratio, 100*baseScale))
}

// fixMul returns a*f for a fixed-point factor f, rounded down.
func fixMul(a, f uint64) uint64 {
	hi, lo := bits.Mul64(a, f)
	return hi<<2 | lo>>62
}

// fixMulAdd returns a*f + c*g for fixed-point factors f and g with f+g at
// most 1, rounded down.
func fixMulAdd(a, f, c, g uint64) uint64 {
	hi, lo := bits.Mul64(a, f)
	hi2, lo2 := bits.Mul64(c, g)
	lo, carry := bits.Add64(lo, lo2, 0)
	hi += hi2 + carry
	return hi<<2 | lo>>62
}

func abs(a int64) int64 {
	if a < 0 {
		return -a
	}
	return a
}

// add counts executions' figures v (none below 0) into the current
// bucket, saturating.
func (w *window) add(v *[nMetrics]int64) {
	i := w.bn % nBuckets
	w.used |= 1 << i
	r := &w.ring[i]
	for m := range nMetrics {
		x := v[m]
		r[m] = min(r[m], math.MaxInt64-x) + x
		w.sum[m] = min(w.sum[m], math.MaxInt64-x) + x
		w.cur[m] = min(w.cur[m], math.MaxInt64-x) + x
	}
}
