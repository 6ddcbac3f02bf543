package risk

import "math"

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
	bn      int64                     // bucket number (event time / width) of the current bucket
	sum     [nMetrics]int64           // the ring's totals
	ring    [nBuckets][nMetrics]int64 // per bucket; bucket bn%nBuckets is the current one
	mean    [nMetrics]int64           // exponentially weighted mean of period totals, scaled by baseScale
	mad     [nMetrics]int64           // exponentially weighted mean absolute deviation, scaled
	learned int64                     // periods folded into the baseline
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

// maxZeroPeriods caps the idle periods folded into a baseline at once: after
// that many, a baseline is as good as zero, and the cost of a long gap stays
// bounded.
const maxZeroPeriods = 256

// advance moves w to event time now (bucket number bn), clearing the
// buckets that fell out of the window and folding every period completed on
// the way into the baseline (span periods). A now before the current bucket
// counts into the current bucket.
func (w *window) advance(bn, span int64) {
	if bn <= w.bn {
		return
	}
	steps := bn - w.bn
	periods := bn/nBuckets - w.bn/nBuckets
	sampled := int64(0)
	for s := int64(0); s < min(steps, nBuckets); s++ {
		w.bn++
		i := w.bn % nBuckets
		if i == 0 {
			w.learn(&w.sum, span)
			sampled++
		}
		r := &w.ring[i]
		for m := range nMetrics {
			w.sum[m] -= r[m]
			r[m] = 0
		}
	}
	if steps > nBuckets {
		w.bn = bn
		w.sum = [nMetrics]int64{}
		var zero [nMetrics]int64
		for range min(periods-sampled, maxZeroPeriods) {
			w.learn(&zero, span)
		}
	}
}

// learn folds one completed period's totals into the baseline. Until span
// periods are learned the mean is the plain average of the periods so far
// (and the deviation the plain average of their deviations), then an
// exponentially weighted one: a fresh baseline is not biased towards zero.
func (w *window) learn(x *[nMetrics]int64, span int64) {
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

func abs(a int64) int64 {
	if a < 0 {
		return -a
	}
	return a
}

// add counts one execution's figures into the current bucket.
func (w *window) add(v *[nMetrics]int64) {
	r := &w.ring[w.bn%nBuckets]
	for m := range nMetrics {
		r[m] = satAdd(r[m], v[m])
		w.sum[m] = satAdd(w.sum[m], v[m])
	}
}
