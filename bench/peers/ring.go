package main

import (
	"fmt"
	"math"
	"time"

	"github.com/Workiva/go-datastructures/queue"
	"github.com/puzpuzpuz/xsync/v4"
	"github.com/tradeengine/engine/bench"
	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/ring"
)

// Peer names of the ring comparisons. Part of the results' schema: the
// suite's targets name them.
const (
	peerXsyncSPSC = "xsync.SPSCQueue"
	peerXsyncMPMC = "xsync.MPMCQueue"
	peerWorkiva   = "Workiva queue.RingBuffer"
)

// wait is how every peer's loop waits on a full or empty queue: the ring's
// default strategy, so that all sides spin, yield and sleep alike.
var wait = ring.SpinYield()

// checkEvery is how many events a writer moves between two looks at the
// clock, as in the suite.
const checkEvery = 1024

// tryQueue is what the xsync queues have in common.
type tryQueue interface {
	TryEnqueue(event.In) bool
	TryDequeue() (event.In, bool)
}

// queueThroughput moves 64-byte events one way through q for about d with
// the suite's harness: a pinned writer and a pinned reader, the writer
// filling a value and enqueueing it, the reader dequeueing and reading it;
// a last event with Kind 0 stops the reader.
func queueThroughput[Q tryQueue](q Q, d time.Duration) (bench.Throughput, error) {
	clk := bench.SystemClock()
	span := int64(clk.Ticks(float64(d.Nanoseconds())))
	var t bench.Throughput
	var start, end, sum int64
	bench.RunPair(func() {
		start = clk.Now()
		deadline := start + span
		var ev event.In
		var seq int64
		for k := 0; ; {
			bench.FillEvent(&ev, seq)
			for n := 0; !q.TryEnqueue(ev); n++ {
				wait.Idle(n)
			}
			seq++
			if k++; k == checkEvery {
				k = 0
				if clk.Now() >= deadline {
					break
				}
			}
		}
		t.Events = seq
		for n := 0; !q.TryEnqueue(event.In{}); n++ {
			wait.Idle(n)
		}
	}, func() {
		for {
			ev, ok := q.TryDequeue()
			for n := 0; !ok; n++ {
				wait.Idle(n)
				ev, ok = q.TryDequeue()
			}
			if ev.Kind == event.KindInvalid {
				break
			}
			sum += ev.Qty
		}
		end = clk.Now()
	})
	if sum != t.Events {
		return t, fmt.Errorf("reader read %d events, want %d", sum, t.Events)
	}
	t.Elapsed = time.Duration(clk.NS(end - start))
	return t, nil
}

// XsyncSPSC measures xsync.SPSCQueue[event.In] (values, no boxing).
func XsyncSPSC(d time.Duration) (bench.Throughput, error) {
	return queueThroughput(xsync.NewSPSCQueue[event.In](bench.RingSize), d)
}

// XsyncMPMC measures xsync.MPMCQueue[event.In] with one writer and one
// reader.
func XsyncMPMC(d time.Duration) (bench.Throughput, error) {
	return queueThroughput(xsync.NewMPMCQueue[event.In](bench.RingSize), d)
}

// Workiva measures Workiva's queue.RingBuffer, which holds interface{}
// values: storing a 64-byte event.In in one would allocate per event, so the
// writer fills a slot of a preallocated array of twice the queue's capacity
// and puts its pointer (a slot is reused only after the reader has taken the
// pointer a whole capacity later, and the reader is done with a slot before
// it takes the next pointer). Put and Get block by spinning with
// runtime.Gosched, the library's own waiting.
func Workiva(d time.Duration) (bench.Throughput, error) {
	q := queue.NewRingBuffer(bench.RingSize)
	slots := make([]event.In, 2*q.Cap())
	mask := int64(len(slots) - 1)
	clk := bench.SystemClock()
	span := int64(clk.Ticks(float64(d.Nanoseconds())))
	var t bench.Throughput
	var start, end, sum int64
	var err error
	bench.RunPair(func() {
		start = clk.Now()
		deadline := start + span
		var seq int64
		for k := 0; ; {
			ev := &slots[seq&mask]
			bench.FillEvent(ev, seq)
			if err = q.Put(ev); err != nil {
				break
			}
			seq++
			if k++; k == checkEvery {
				k = 0
				if clk.Now() >= deadline {
					break
				}
			}
		}
		t.Events = seq
		stop := &slots[seq&mask]
		*stop = event.In{}
		if e := q.Put(stop); e != nil && err == nil {
			err = e
		}
	}, func() {
		for {
			v, e := q.Get()
			if e != nil {
				break
			}
			ev := v.(*event.In)
			if ev.Kind == event.KindInvalid {
				break
			}
			sum += ev.Qty
		}
		end = clk.Now()
	})
	if err != nil {
		return t, err
	}
	if sum != t.Events {
		return t, fmt.Errorf("reader read %d events, want %d", sum, t.Events)
	}
	t.Elapsed = time.Duration(clk.NS(end - start))
	return t, nil
}

// XsyncSPSCRoundTrip is bench.RingRoundTrip through two xsync.SPSCQueues.
func XsyncSPSCRoundTrip(d time.Duration) (*bench.Latency, error) {
	ping, pong := xsync.NewSPSCQueue[event.In](bench.RingSize), xsync.NewSPSCQueue[event.In](bench.RingSize)
	lat := bench.NewLatency("ring", "peer-xsync-spsc-rtt", "xsync.SPSCQueue round trip, two pinned goroutines, two queues", bench.MethodClosedLoop)
	lat.Peer = peerXsyncSPSC
	clk := bench.SystemClock()
	span := int64(clk.Ticks(float64(d.Nanoseconds())))
	var bad int64
	bench.RunPair(func() {
		deadline := int64(math.MaxInt64) // set when the warm-up ends
		var ev event.In
	loop:
		for i := int64(0); ; i++ {
			t0 := clk.Now()
			bench.FillEvent(&ev, i)
			for n := 0; !ping.TryEnqueue(ev); n++ {
				wait.Idle(n)
			}
			back, ok := pong.TryDequeue()
			for n := 0; !ok; n++ {
				wait.Idle(n)
				back, ok = pong.TryDequeue()
			}
			if back.Seq != uint64(i) {
				bad++
			}
			t1 := clk.Now()
			switch {
			case i == bench.RoundTripWarmup:
				deadline = t1 + span
			case i > bench.RoundTripWarmup:
				lat.RecordRaw(clk.NS(t1 - t0))
				if t1 >= deadline {
					break loop
				}
			}
		}
		for n := 0; !ping.TryEnqueue(event.In{}); n++ {
			wait.Idle(n)
		}
	}, func() {
		for {
			ev, ok := ping.TryDequeue()
			for n := 0; !ok; n++ {
				wait.Idle(n)
				ev, ok = ping.TryDequeue()
			}
			if ev.Kind == event.KindInvalid {
				return
			}
			for n := 0; !pong.TryEnqueue(ev); n++ {
				wait.Idle(n)
			}
		}
	})
	if bad != 0 {
		return nil, fmt.Errorf("%d answers out of order", bad)
	}
	lat.CorrectClosedLoop()
	return lat, nil
}
