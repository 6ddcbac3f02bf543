package bench

import (
	"math/bits"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram bounds, in nanoseconds: 1 ns to one hour at 3 significant
// digits (a value is kept within 0.1%), about 300 KB per histogram.
const (
	histMin     = 1
	histMax     = 3_600_000_000_000
	histSigFigs = 3
)

// Method names say how a corrected histogram was obtained.
const (
	// MethodIntended: latency from each operation's intended start time in
	// an open loop at a fixed rate (wrk2's method); the raw histogram
	// beside it measures from the actual start.
	MethodIntended = "intended-time"
	// MethodClosedLoop: a closed loop recorded raw, then corrected for
	// coordinated omission as HdrHistogram does (copyCorrectedForCoordinatedOmission):
	// a value v adds values v-i, v-2i, ... down to i, where the expected
	// interval i is the raw median, standing for the operations a stall
	// kept from being issued.
	MethodClosedLoop = "closed-loop, corrected at the median interval"
	// MethodPaced: a loop that starts one operation per fixed interval and
	// waits for each (a paced closed loop), recorded raw, then corrected
	// as HdrHistogram does at that interval: a value v adds v-i, v-2i, ...
	// down to i, standing for the operations it held back. With every
	// value below the interval the two histograms are the same.
	MethodPaced = "paced loop, corrected at its interval"
)

// Latency is one latency measured by the suite: a corrected histogram and
// the raw one beside it, both in nanoseconds. Record methods do not
// allocate.
type Latency struct {
	Scenario string // the scenario that measured it: ring, matcher, journal, e2e
	Name     string // unique, safe in a file name: "e2e-1M", "ring-rtt"
	Title    string // what was measured, for people
	Method   string // MethodIntended or MethodClosedLoop
	Peer     string // "" for the engine, else the peer's name

	Corrected *hdrhistogram.Histogram
	Raw       *hdrhistogram.Histogram

	// Interval is the expected interval of a closed-loop correction, ns.
	Interval int64
	// Clamped counts values above the histograms' range, recorded as its
	// maximum.
	Clamped int64
}

// NewLatency returns an empty latency.
func NewLatency(scenario, name, title, method string) *Latency {
	return &Latency{
		Scenario: scenario, Name: name, Title: title, Method: method,
		Corrected: newHist(),
		Raw:       newHist(),
	}
}

func newHist() *hdrhistogram.Histogram {
	return hdrhistogram.New(histMin, histMax, histSigFigs)
}

func (l *Latency) clamp(v int64) int64 {
	switch {
	case v < 0:
		return 0
	case v > histMax:
		l.Clamped++
		return histMax
	}
	return v
}

// Record records one operation of an open loop: corrected measured from its
// intended start, raw from its actual start, both in ns.
func (l *Latency) Record(corrected, raw int64) {
	_ = l.Corrected.RecordValue(l.clamp(corrected))
	_ = l.Raw.RecordValue(l.clamp(raw))
}

// RecordRaw records one operation of a closed loop; [Latency.CorrectClosedLoop]
// derives the corrected histogram once the loop is over.
func (l *Latency) RecordRaw(ns int64) {
	_ = l.Raw.RecordValue(l.clamp(ns))
}

// CorrectClosedLoop fills the corrected histogram from the raw one, with the
// raw median as the expected interval (see MethodClosedLoop).
func (l *Latency) CorrectClosedLoop() {
	l.Method = MethodClosedLoop
	l.Interval = max(l.Raw.ValueAtQuantile(50), 1)
	l.Corrected = CorrectCoordinatedOmission(l.Raw, l.Interval)
}

// CorrectAtInterval fills the corrected histogram from the raw one at the
// loop's fixed interval in ns (see MethodPaced).
func (l *Latency) CorrectAtInterval(interval int64) {
	l.Method = MethodPaced
	l.Interval = max(interval, 1)
	l.Corrected = CorrectCoordinatedOmission(l.Raw, l.Interval)
}

// CorrectCoordinatedOmission returns a copy of raw corrected for coordinated
// omission at the expected interval (ns), as HdrHistogram's
// copyCorrectedForCoordinatedOmission: every recorded value v above the
// interval also adds v-interval, v-2*interval, ... down to the interval,
// with v's count.
//
// A stall thousands of intervals long would take as many records, so the
// added values are recorded in runs: the values within 1/2048 of each other
// (below the histogram's resolution of 3 significant digits) are recorded
// as one value with their count.
func CorrectCoordinatedOmission(raw *hdrhistogram.Histogram, interval int64) *hdrhistogram.Histogram {
	h := newHist()
	for _, bar := range raw.Distribution() {
		if bar.Count == 0 {
			continue
		}
		v := bar.To
		_ = h.RecordValues(v, bar.Count)
		if interval <= 0 {
			continue
		}
		for missing := v - interval; missing >= interval; {
			w := int64(1) << max(0, bits.Len64(uint64(missing))-12) // missing/4096 < w <= missing/2048
			n := int64(1)
			if w > interval {
				n = w / interval
			}
			_ = h.RecordValues(missing, n*bar.Count)
			missing -= n * interval
		}
	}
	return h
}

// Ladder is the usual summary of a latency distribution, in ns.
type Ladder struct {
	Count int64   `json:"count"`
	P50   int64   `json:"p50"`
	P90   int64   `json:"p90"`
	P99   int64   `json:"p99"`
	P999  int64   `json:"p99_9"`
	P9999 int64   `json:"p99_99"`
	Max   int64   `json:"max"`
	Mean  float64 `json:"mean"`
}

// LadderOf summarises h.
func LadderOf(h *hdrhistogram.Histogram) Ladder {
	if h.TotalCount() == 0 {
		return Ladder{}
	}
	return Ladder{
		Count: h.TotalCount(),
		P50:   h.ValueAtQuantile(50),
		P90:   h.ValueAtQuantile(90),
		P99:   h.ValueAtQuantile(99),
		P999:  h.ValueAtQuantile(99.9),
		P9999: h.ValueAtQuantile(99.99),
		Max:   h.Max(),
		Mean:  h.Mean(),
	}
}
