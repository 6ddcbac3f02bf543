package bench

import (
	"fmt"
	"runtime"
	"sync/atomic"

	"github.com/tradeengine/engine/ring"
)

// Hiccup measures the machine's floor the way jHiccup does: a goroutine
// locked to its own OS thread, pinned to one CPU when asked and allowed,
// reads the suite's [Clock] in a tight loop and records every gap between
// two consecutive reads, in nanoseconds, until [Hiccup.Stop]. A thread that
// only reads the clock needs nothing from anyone, so every gap beyond the
// loop's own cost (the median gap) is time the OS, the hypervisor or the Go
// runtime (a preemption, a stop-the-world pause) took from it: no stage on
// this machine can have a shorter tail than these gaps.
//
// The [Latency] that Stop returns holds the gaps raw (one value per read,
// jHiccup's view) and corrected at the median gap as a closed loop is
// (MethodClosedLoop): a gap of g then also counts every read it held back,
// so that a percentile of the corrected histogram is a fraction of the
// time, not of the reads. The corrected histogram is the one to hold an
// open-loop latency (e2e, measured from each event's intended time) against;
// the raw one says how often the thread was interrupted.
//
// Beside an e2e run the spinner is the floor under that load, which is the
// point, but it is not free: it keeps one CPU busy for the whole run (and
// one of GOMAXPROCS), so on a 2-vCPU machine the engine's stages share the
// other one, and the e2e figures measured beside it are worse than without
// it. Report them as such, beside a run without the spinner.
type Hiccup struct {
	clk  *Clock
	lat  *Latency
	cpu  int   // the CPU the spinner is pinned to, or -1
	err  error // why it is not pinned although asked, or nil
	stop atomic.Bool
	done <-chan struct{} // closed when the spinner has returned
	res  spinResult      // the spinner's, read after done
	over bool            // Stop was called
}

// spinResult is what a spinner did: gaps recorded, and its first and last
// clock reads in ticks.
type spinResult struct {
	gaps, first, last int64
}

// StartHiccup starts the spinner and returns once it has read the clock:
// the recording spans at least the time from its return to Stop's call. With
// cpu >= 0 (see [HiccupCPU]) the spinner's thread is pinned to that CPU
// (ring.GoPinned); when that is refused, or cpu is negative
// (pipeline.NoPin), its goroutine is only locked to an OS thread
// (runtime.LockOSThread), and [Hiccup.CPU] and [Hiccup.PinErr] say so. The
// Latency is named "hiccup", in scenario "hiccup": rename it (Scenario,
// Name, Title) to report it beside another scenario's latencies.
func StartHiccup(clk *Clock, cpu int) *Hiccup {
	h := &Hiccup{clk: clk, cpu: -1}
	h.lat = NewLatency("hiccup", "hiccup", "", MethodClosedLoop)
	started := make(chan struct{})
	run := func() { h.res = spin(h.clk, h.lat, &h.stop, maxTicks, started) }
	if cpu >= 0 {
		done, err := ring.GoPinned(cpu, run)
		if err == nil {
			h.cpu, h.done = cpu, done
		} else {
			h.err = err
		}
	}
	if h.done == nil {
		done := make(chan struct{})
		go func() {
			// Returning while locked makes the runtime end the thread.
			runtime.LockOSThread()
			defer close(done)
			run()
		}()
		h.done = done
	}
	<-started
	return h
}

// maxTicks is a deadline that never comes.
const maxTicks = int64(^uint64(0) >> 1)

// placement says where the spinner ran, for the Latency's title.
func (h *Hiccup) placement() string {
	switch {
	case h.cpu >= 0:
		return fmt.Sprintf("pinned to cpu %d", h.cpu)
	case h.err != nil:
		return "unpinned (pinning refused)"
	}
	return "unpinned"
}

// CPU returns the CPU the spinner is pinned to, or -1 when it is not.
func (h *Hiccup) CPU() int { return h.cpu }

// PinErr returns why the spinner is not pinned to the CPU it was asked for,
// or nil.
func (h *Hiccup) PinErr() error { return h.err }

// Stop ends the recording, waits for the spinner to return and returns its
// Latency: the raw gaps and the corrected histogram beside them (see
// [Hiccup]). Later calls return the same Latency.
func (h *Hiccup) Stop() *Latency {
	if h.over {
		return h.lat
	}
	h.over = true
	h.stop.Store(true)
	<-h.done
	h.lat.Title = "gaps between consecutive reads of the clock (" + h.clk.Source + ") by a thread spinning on it, " + h.placement()
	h.lat.CorrectClosedLoop()
	return h.lat
}

// Gaps returns the number of gaps recorded, once Stop has returned.
func (h *Hiccup) Gaps() int64 { return h.res.gaps }

// SpanNS returns the time from the spinner's first read to its last, in ns,
// once Stop has returned: the sum of the gaps recorded.
func (h *Hiccup) SpanNS() int64 { return h.clk.NS(h.res.last) - h.clk.NS(h.res.first) }

// HiccupCPU returns the CPU to pin a spinner to: the last one this process
// may use other than avoid (the CPU the engine's logic is pinned to, or
// pipeline.NoPin), or -1 when there is none or CPUs cannot be pinned here.
func HiccupCPU(avoid int) int {
	cpus, err := ring.AllowedCPUs()
	if err != nil {
		return -1
	}
	for i := len(cpus) - 1; i >= 0; i-- {
		if cpus[i] != avoid {
			return cpus[i]
		}
	}
	return -1
}

// spin reads clk until stop is set or a read reaches deadline (in ticks),
// closing started (when not nil) after its first read, and records into lat's raw histogram every gap between two consecutive
// reads in ns. The gap is the difference of the two reads converted to ns
// (not the conversion of their difference), so the gaps add up exactly to
// the span from the first read to the last. A gap below the counter's
// resolution is recorded as it is, 0 included; a negative one (a counter
// read on another CPU, when unpinned) as 0. It does not allocate.
func spin(clk *Clock, lat *Latency, stop *atomic.Bool, deadline int64, started chan<- struct{}) spinResult {
	t := clk.Now()
	r := spinResult{first: t}
	prev := clk.NS(t)
	if started != nil {
		close(started)
	}
	for !stop.Load() {
		t = clk.Now()
		ns := clk.NS(t)
		lat.RecordRaw(ns - prev)
		prev = ns
		r.gaps++
		if t >= deadline {
			break
		}
	}
	r.last = t
	return r
}
