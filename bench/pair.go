package bench

import (
	"sync"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/ring"
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

// FillEvent writes the fields of a new-order event in place, the way every
// transport in the suite fills what it sends (a ring slot, or the value
// then sent on a channel or queue), so that they all move the same bytes.
func FillEvent(e *event.In, seq int64) {
	e.Seq = uint64(seq)
	e.TS = seq
	e.ID = uint64(seq)
	e.Price = 100
	e.Qty = 1
	e.Symbol = 1
	e.Account = 7
	e.Kind = event.KindNew
	e.Side = event.Buy
	e.Type = event.Limit
}

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
		runBoth(first, second)
		return false
	}
	// Start the second side first: a first side that is a writer can then
	// not run far ahead of a reader that has not started.
	doneB, err := ring.GoPinned(b, second)
	if err != nil {
		runBoth(first, second)
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

func runBoth(first, second func()) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); first() }()
	go func() { defer wg.Done(); second() }()
	wg.Wait()
}
