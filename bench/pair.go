package bench

import (
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/ring"
	"github.com/tradeengine/engine/ring/ringbench"
)

// Throughput is what a one-way transfer or a single-threaded loop did.
type Throughput struct {
	Events  int64
	Elapsed time.Duration
}

// PerSec returns events per second.
func (t Throughput) PerSec() float64 {
	if t.Elapsed <= 0 {
		return 0
	}
	return float64(t.Events) / t.Elapsed.Seconds()
}

// NSPerEvent returns nanoseconds per event.
func (t Throughput) NSPerEvent() float64 {
	if t.Events == 0 {
		return 0
	}
	return float64(t.Elapsed.Nanoseconds()) / float64(t.Events)
}

// FillEvent writes the fields of a new-order event in place: it is
// ringbench.Fill, the way every transport in the suite fills what it sends.
func FillEvent(e *event.In, seq int64) { ringbench.Fill(e, seq) }

// PairCPUs returns the CPUs RunPair pins its two goroutines to: the last
// two CPUs this process may use, or ok=false with fewer than two.
func PairCPUs() (a, b int, ok bool) {
	cpus, err := ring.AllowedCPUs()
	if err != nil || len(cpus) < 2 {
		return 0, 0, false
	}
	return cpus[len(cpus)-2], cpus[len(cpus)-1], true
}

// RunPair runs first and second at the same time, each on its own
// goroutine pinned to its own CPU (see PairCPUs), so that what passes
// between them crosses cores; it returns when both have returned. With
// fewer than two CPUs, or when pinning is refused, it runs them unpinned
// and reports pinned=false.
func RunPair(first, second func()) (pinned bool) {
	a, b, ok := PairCPUs()
	if !ok {
		ringbench.Unpinned(first, second)
		return false
	}
	// Start the second side first: a first side that is a writer can then
	// not run far ahead of a reader that has not started.
	doneB, err := ring.GoPinned(b, second)
	if err != nil {
		ringbench.Unpinned(first, second)
		return false
	}
	doneA, err := ring.GoPinned(a, first)
	if err != nil {
		first()
		<-doneB
		return false
	}
	<-doneA
	<-doneB
	return true
}

// OneWay measures t for about d with ringbench.Run between a pinned pair
// (RunPair): the writer moves ringbench.Chunk events at a time until d has
// passed on the suite's clock; Elapsed runs from the writer's start until
// the reader has read everything. Every one-way figure of the suite and of
// the peers module is made here.
func OneWay(t ringbench.Transport, d time.Duration) (th Throughput, pinned bool, err error) {
	clk := SystemClock()
	pair := func(writer, reader func()) { pinned = RunPair(writer, reader) }
	res, err := ringbench.Run(t, pair, clk.Now, ringbench.Limit{Span: int64(clk.Ticks(float64(d.Nanoseconds())))})
	return Throughput{Events: res.Events, Elapsed: time.Duration(clk.NS(res.Elapsed()))}, pinned, err
}
