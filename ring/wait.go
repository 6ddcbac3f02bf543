package ring

import (
	"runtime"
	"time"
)

// WaitStrategy decides what a goroutine does while it waits: a consumer
// waiting for the writer to publish (or for its dependencies to release), or
// the writer waiting for the slowest consumer to free a slot.
//
// A waiter first checks its cached copy of the other side's sequence (the fast
// path, no strategy involved). Only when that copy says it must wait does it
// enter a loop: reload the sequences it depends on, and if it still cannot go
// on, call Idle with the number of times it has already called Idle in this
// wait (0, 1, 2, ...). Idle may spin, yield or sleep before returning false,
// after which the waiter checks again; or it may return true to ask the
// waiter to park: block in the sequencer, costing no CPU, until a Publish,
// Release, Close or Halt on that sequencer wakes it.
//
// Idle is called concurrently by every waiting goroutine of every sequencer
// the strategy is given to, so implementations keep no mutable state.
type WaitStrategy interface {
	Idle(n int) (park bool)
}

// Tuning of the built-in strategies. They are counts of Idle calls in one
// wait.
const (
	spinTries  = 128 // calls that only spin (re-check immediately)
	yieldTries = 64  // calls after the spinning ones that call runtime.Gosched
	// idleSleep is how long SpinYield sleeps per call once it has spun and
	// yielded: short enough that an idle consumer reacts within a fraction of
	// a millisecond, long enough that it costs little CPU. (Asking for 50 µs
	// gets about 1 ms from the Go runtime on Linux; 10 µs gets about 60.)
	idleSleep = 10 * time.Microsecond
)

type busySpin struct{}

func (busySpin) Idle(int) bool { return false }

// BusySpin returns the strategy that only spins: a waiter re-checks the
// sequences it waits for in a tight loop and never gives up its CPU. It has
// the lowest latency and burns a whole core per waiter, so use it only when
// every waiting goroutine has a dedicated core (see [GoPinned]); with more
// spinning goroutines than cores, progress depends on the Go scheduler
// preempting spinners every 10 ms or so, and throughput collapses.
func BusySpin() WaitStrategy { return busySpin{} }

type spinYield struct{}

func (spinYield) Idle(n int) bool {
	switch {
	case n < spinTries:
	case n < spinTries+yieldTries:
		runtime.Gosched()
	default:
		time.Sleep(idleSleep)
	}
	return false
}

// SpinYield returns the default strategy: spin for a while, then call
// runtime.Gosched so that other goroutines on the same P (for example the
// one it waits for) can run, then sleep in short steps (10 µs asked, which
// the runtime's timers turn into roughly 60 µs on Linux). It keeps latency
// low when the pipeline is busy, makes progress when there are more busy
// goroutines than cores (three busy goroutines on two cores), and costs
// little when idle: about 6% of a CPU per idle waiter, measured on the
// project's two-vCPU machine. Wake-up latency after an idle period is at
// most one sleep step.
func SpinYield() WaitStrategy { return spinYield{} }

type park struct{}

func (park) Idle(n int) bool {
	switch {
	case n < spinTries:
		return false
	case n < spinTries+yieldTries/4:
		runtime.Gosched()
		return false
	}
	return true
}

// Park returns the strategy for waiters that must cost no CPU when idle: after
// a short spin and a few yields, a waiter blocks on a condition variable in
// the sequencer and is woken by the next Publish, Release, Close or Halt.
//
// Parking is cheap for the other side: Publish and Release check one atomic
// counter of parked waiters and take the lock only when it is not zero. Use
// Park for consumers that are idle most of the time (output sinks, test
// harnesses, low-rate feeds); waking a parked goroutine costs several
// microseconds.
func Park() WaitStrategy { return park{} }
