package bench

import (
	"runtime"
	"sync"
	"time"
)

// Clock is the suite's timestamp source on hot paths: a counter cheaper to
// read than time.Now, and the factor that turns its ticks into nanoseconds.
//
// On amd64 with an invariant time-stamp counter (see invariantTSC) a
// timestamp is one RDTSC instruction, calibrated against time.Now over
// calibrationSpan; elsewhere it is the runtime's monotonic clock
// (runtime.nanotime, one vDSO call, about half of time.Now, which makes two).
// Hot loops read [Clock.Now] and convert differences with [Clock.NS] off the
// measured path.
type Clock struct {
	tsc       bool
	nsPerTick float64
	// Source names the counter: "rdtsc" or "runtime.nanotime".
	Source string
	// TicksPerSecond is the counter's calibrated rate (1e9 for nanotime).
	TicksPerSecond float64
}

// calibrationSpan is how long the time-stamp counter is compared with
// time.Now to find its rate: long enough that the error of the two reads at
// each end (tens of nanoseconds) is below one part in a million.
const calibrationSpan = 50 * time.Millisecond

var (
	clockOnce sync.Once
	theClock  *Clock
)

// SystemClock returns the calibrated clock of this process. The first call
// calibrates it (about 50 ms on amd64); later calls return the same value.
func SystemClock() *Clock {
	clockOnce.Do(func() { theClock = newClock(invariantTSC()) })
	return theClock
}

func newClock(tsc bool) *Clock {
	if !tsc {
		return &Clock{nsPerTick: 1, Source: "runtime.nanotime", TicksPerSecond: 1e9}
	}
	w0, t0 := time.Now(), rdtsc()
	for time.Since(w0) < calibrationSpan {
		runtime.Gosched()
	}
	w1, t1 := time.Now(), rdtsc()
	ticks := float64(t1 - t0)
	ns := float64(w1.Sub(w0).Nanoseconds())
	if ticks <= ns/10 { // a counter below 100 MHz is not a TSC we understand
		return &Clock{nsPerTick: 1, Source: "runtime.nanotime", TicksPerSecond: 1e9}
	}
	return &Clock{tsc: true, nsPerTick: ns / ticks, Source: "rdtsc", TicksPerSecond: ticks / ns * 1e9}
}

// Now returns the current timestamp in ticks. It does not allocate.
func (c *Clock) Now() int64 {
	if c.tsc {
		return rdtsc()
	}
	return nanotime()
}

// NS converts a number of ticks into nanoseconds.
func (c *Clock) NS(ticks int64) int64 {
	return int64(float64(ticks) * c.nsPerTick)
}

// Ticks converts nanoseconds into ticks.
func (c *Clock) Ticks(ns float64) float64 {
	return ns / c.nsPerTick
}

// ClockCost is what one timestamp costs, measured in the run that reports it.
type ClockCost struct {
	Source    string  `json:"source"`      // the suite's counter
	NS        float64 `json:"ns"`          // ns per Clock.Now
	TimeNowNS float64 `json:"time_now_ns"` // ns per time.Now
	GHz       float64 `json:"ghz"`         // the counter's rate in GHz (1 for nanotime)
}

var clockSink int64

// MeasureClockCost times n reads of c and n calls of time.Now, back to back.
func MeasureClockCost(c *Clock, n int) ClockCost {
	var s int64
	start := time.Now()
	for range n {
		s += c.Now()
	}
	own := time.Since(start)
	start = time.Now()
	for range n {
		s += time.Now().UnixNano()
	}
	std := time.Since(start)
	clockSink = s
	return ClockCost{
		Source:    c.Source,
		NS:        float64(own.Nanoseconds()) / float64(n),
		TimeNowNS: float64(std.Nanoseconds()) / float64(n),
		GHz:       c.TicksPerSecond / 1e9,
	}
}
