package main

import (
	"fmt"
	"time"

	"github.com/Workiva/go-datastructures/queue"
	"github.com/puzpuzpuz/xsync/v4"
	"github.com/tradeengine/engine/bench"
	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/ring"
	"github.com/tradeengine/engine/ring/ringbench"
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

// tryQueue is what the xsync queues have in common.
type tryQueue interface {
	TryEnqueue(event.In) bool
	TryDequeue() (event.In, bool)
}

// enqueue puts ev into q, waiting as the ring's writer does while q is full.
func enqueue[Q tryQueue](q Q, ev event.In) {
	for n := 0; !q.TryEnqueue(ev); n++ {
		wait.Idle(n)
	}
}

// dequeue takes the next event from q, waiting as the ring's reader does
// while q is empty.
func dequeue[Q tryQueue](q Q) event.In {
	ev, ok := q.TryDequeue()
	for n := 0; !ok; n++ {
		wait.Idle(n)
		ev, ok = q.TryDequeue()
	}
	return ev
}

// queueTransport is the ringbench.Transport through an xsync queue: the
// writer fills a value and enqueues it, the reader dequeues and reads it; a
// last event with Kind 0 stops the reader.
type queueTransport[Q tryQueue] struct{ q Q }

func (t queueTransport[Q]) Write(next, n int64) {
	var ev event.In
	for seq := next; seq < next+n; seq++ {
		ringbench.Fill(&ev, seq)
		enqueue(t.q, ev)
	}
}

func (t queueTransport[Q]) Close() { enqueue(t.q, event.In{}) }

func (t queueTransport[Q]) Read() int64 {
	var sum int64
	for {
		ev := dequeue(t.q)
		if ev.Kind == event.KindInvalid {
			return sum
		}
		sum += ev.Qty
	}
}

// XsyncSPSC measures xsync.SPSCQueue[event.In] (values, no boxing) with the
// suite's harness (bench.OneWay).
func XsyncSPSC(d time.Duration) (bench.Throughput, error) {
	t, _, err := bench.OneWay(queueTransport[*xsync.SPSCQueue[event.In]]{xsync.NewSPSCQueue[event.In](ringbench.Size)}, d)
	return t, err
}

// XsyncMPMC measures xsync.MPMCQueue[event.In] with one writer and one
// reader.
func XsyncMPMC(d time.Duration) (bench.Throughput, error) {
	t, _, err := bench.OneWay(queueTransport[*xsync.MPMCQueue[event.In]]{xsync.NewMPMCQueue[event.In](ringbench.Size)}, d)
	return t, err
}

// workivaTransport is the ringbench.Transport through Workiva's
// queue.RingBuffer, which holds interface{} values: storing a 64-byte
// event.In in one would allocate per event, so the writer fills a slot of a
// preallocated array of twice the queue's capacity and puts its pointer (a
// slot is reused only after the reader has taken the pointer a whole
// capacity later, and the reader is done with a slot before it takes the
// next pointer). Put and Get block by spinning with runtime.Gosched, the
// library's own waiting. A last event with Kind 0 stops the reader.
type workivaTransport struct {
	q     *queue.RingBuffer
	slots []event.In
	mask  int64
	next  int64 // events put
	err   error // the first error of Put
}

func newWorkiva() *workivaTransport {
	q := queue.NewRingBuffer(ringbench.Size)
	slots := make([]event.In, 2*q.Cap())
	return &workivaTransport{q: q, slots: slots, mask: int64(len(slots) - 1)}
}

func (t *workivaTransport) Write(next, n int64) {
	for seq := next; seq < next+n && t.err == nil; seq++ {
		ev := &t.slots[seq&t.mask]
		ringbench.Fill(ev, seq)
		t.err = t.q.Put(ev)
	}
	t.next = next + n
}

func (t *workivaTransport) Close() {
	stop := &t.slots[t.next&t.mask]
	*stop = event.In{}
	if err := t.q.Put(stop); err != nil && t.err == nil {
		t.err = err
	}
}

func (t *workivaTransport) Read() int64 {
	var sum int64
	for {
		v, err := t.q.Get()
		if err != nil {
			return sum
		}
		ev := v.(*event.In)
		if ev.Kind == event.KindInvalid {
			return sum
		}
		sum += ev.Qty
	}
}

// Workiva measures Workiva's queue.RingBuffer (see workivaTransport).
func Workiva(d time.Duration) (bench.Throughput, error) {
	w := newWorkiva()
	t, _, err := bench.OneWay(w, d)
	if w.err != nil {
		return t, w.err
	}
	return t, err
}

// XsyncSPSCRoundTrip is bench.RingRoundTrip through two xsync.SPSCQueues.
func XsyncSPSCRoundTrip(d time.Duration) (*bench.Latency, error) {
	ping, pong := xsync.NewSPSCQueue[event.In](ringbench.Size), xsync.NewSPSCQueue[event.In](ringbench.Size)
	lat := bench.NewLatency("ring", "peer-xsync-spsc-rtt", "xsync.SPSCQueue round trip, two pinned goroutines, two queues", bench.MethodClosedLoop)
	lat.Peer = peerXsyncSPSC
	var bad int64
	bench.RunPair(func() {
		var ev event.In
		bad = bench.RoundTrips(lat, d, func(i int64) bool {
			ringbench.Fill(&ev, i)
			enqueue(ping, ev)
			return dequeue(pong).Seq == uint64(i)
		})
		enqueue(ping, event.In{})
	}, func() {
		for {
			ev := dequeue(ping)
			if ev.Kind == event.KindInvalid {
				return
			}
			enqueue(pong, ev)
		}
	})
	if bad != 0 {
		return nil, fmt.Errorf("%d answers out of order", bad)
	}
	lat.CorrectClosedLoop()
	return lat, nil
}
