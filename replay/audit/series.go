package audit

// SeriesBuckets is the most time buckets a [Builder] keeps for the charts.
// It is a fixed array: a day of any length fills between SeriesBuckets/2
// and SeriesBuckets of them (once it spans that many nanoseconds).
const SeriesBuckets = 256

// series counts new orders, trades and traded notional per time bucket. The
// buckets are fixed-width, from the first event's time: the width starts
// at 1 ns and doubles, merging neighbouring buckets in pairs, whenever an
// event falls beyond the last bucket. Memory is fixed; a merge is a pass
// over the array and happens at most 63 times in a run.
type series struct {
	started  bool
	origin   int64  // event time the first bucket starts at
	width    uint64 // bucket width, ns, a power of two
	n        int    // buckets in use
	orders   [SeriesBuckets]int64
	trades   [SeriesBuckets]int64
	notional [SeriesBuckets]Int128
}

// at returns the bucket of event time ts, merging buckets until it fits. An
// event time before the first one counts in the first bucket.
func (s *series) at(ts int64) int {
	if !s.started {
		s.started, s.origin, s.width = true, ts, 1
	}
	if ts <= s.origin {
		s.n = max(s.n, 1)
		return 0
	}
	d := uint64(ts) - uint64(s.origin) // ts > origin: exact even across the int64 range
	i := d / s.width
	for i >= SeriesBuckets {
		s.merge()
		i = d / s.width
	}
	s.n = max(s.n, int(i)+1)
	return int(i)
}

// merge doubles the bucket width, adding neighbouring buckets in pairs.
func (s *series) merge() {
	const half = SeriesBuckets / 2
	for j := 0; j < half; j++ {
		s.orders[j] = s.orders[2*j] + s.orders[2*j+1]
		s.trades[j] = s.trades[2*j] + s.trades[2*j+1]
		s.notional[j] = s.notional[2*j]
		s.notional[j].add(s.notional[2*j+1])
	}
	clear(s.orders[half:])
	clear(s.trades[half:])
	clear(s.notional[half:])
	s.width *= 2
	s.n = (s.n + 1) / 2
}
