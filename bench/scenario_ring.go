package bench

import (
	"fmt"
	"math"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/ring"
	"github.com/tradeengine/engine/ring/ringbench"
)

// RingSize is the capacity of every ring, channel and queue the ring
// scenarios compare: ringbench.Size, 4096 slots of 64 bytes.
const RingSize = ringbench.Size

// checkEvery is how many events a loop of the suite runs between two looks
// at the clock for its deadline: ringbench.Chunk, as in the ring's harness.
const checkEvery = ringbench.Chunk

// RingThroughput moves 64-byte events one way through a ring of RingSize
// slots for about d (ringbench.Ring through OneWay): a pinned writer claims
// batch slots, fills them in place and publishes them; a pinned reader takes
// everything published at once, reads each event and releases it once.
func RingThroughput(d time.Duration, batch int) (t Throughput, pinned bool, err error) {
	r, err := ringbench.NewRing(batch, nil)
	if err != nil {
		return Throughput{}, false, fmt.Errorf("bench: ring: %w", err)
	}
	t, pinned, err = OneWay(r, d)
	if err != nil {
		return t, pinned, fmt.Errorf("bench: ring: %w", err)
	}
	return t, pinned, nil
}

// ChanThroughput is RingThroughput for the baseline: a buffered Go channel
// of RingSize event.In values, one send per event (ringbench.Chan).
func ChanThroughput(d time.Duration) (t Throughput, pinned bool, err error) {
	t, pinned, err = OneWay(ringbench.NewChan(), d)
	if err != nil {
		return t, pinned, fmt.Errorf("bench: channel: %w", err)
	}
	return t, pinned, nil
}

// RoundTripWarmup is how many round trips run before any is recorded; the
// measurement's duration starts after them.
const RoundTripWarmup = 10_000

// RoundTrips is the round-trip loop of the suite and of the peers module,
// run on the pinging goroutine: once(i) makes round trip i (sends, waits for
// the answer) and reports whether the answer was the one sent. After
// RoundTripWarmup unrecorded round trips it records each one, from before
// once until it returns, into lat's raw histogram for about d on the suite's
// clock (closed loop; see MethodClosedLoop). It returns the number of wrong
// answers.
func RoundTrips(lat *Latency, d time.Duration, once func(i int64) bool) (bad int64) {
	clk := SystemClock()
	span := int64(clk.Ticks(float64(d.Nanoseconds())))
	deadline := int64(math.MaxInt64) // set when the warm-up ends
	for i := int64(0); ; i++ {
		t0 := clk.Now()
		if !once(i) {
			bad++
		}
		t1 := clk.Now()
		switch {
		case i == RoundTripWarmup:
			deadline = t1 + span
		case i > RoundTripWarmup:
			lat.RecordRaw(clk.NS(t1 - t0))
			if t1 >= deadline {
				return bad
			}
		}
	}
}

// RingRoundTrip measures round trips between two pinned goroutines for
// about d: ping writes an event into ring A and waits for pong to copy it
// back through ring B; each round trip, from before ping's claim until it
// has read the answer, is one sample (RoundTrips).
func RingRoundTrip(d time.Duration) (*Latency, bool, error) {
	a, err := ring.New[event.In](RingSize, nil)
	if err != nil {
		return nil, false, fmt.Errorf("bench: ring: %w", err)
	}
	b, err := ring.New[event.In](RingSize, nil)
	if err != nil {
		return nil, false, fmt.Errorf("bench: ring: %w", err)
	}
	sa, sb := a.Sequencer(), b.Sequencer()
	ca, cb := sa.NewConsumer(), sb.NewConsumer()
	lat := NewLatency("ring", "ring-rtt", "ring round trip, two pinned goroutines, two rings", MethodClosedLoop)
	var bad int64
	pinned := RunPair(func() {
		var next int64
		bad = RoundTrips(lat, d, func(int64) bool {
			hi := sa.Claim(1)
			ringbench.Fill(a.Slot(hi), hi)
			sa.Publish(hi)
			avail, _ := cb.WaitFor(next)
			ok := b.Slot(avail).Seq == uint64(hi)
			cb.Release(avail)
			next = avail + 1
			return ok
		})
		sa.Close()
	}, func() {
		for next := int64(0); ; {
			avail, ok := ca.WaitFor(next)
			if !ok {
				break
			}
			for seq := next; seq <= avail; seq++ {
				hi := sb.Claim(1)
				*b.Slot(hi) = *a.Slot(seq)
				sb.Publish(hi)
			}
			ca.Release(avail)
			next = avail + 1
		}
		sb.Close()
	})
	if bad != 0 {
		return nil, pinned, fmt.Errorf("bench: ring round trip: %d answers out of order", bad)
	}
	lat.CorrectClosedLoop()
	return lat, pinned, nil
}

// ChanRoundTrip is RingRoundTrip through two buffered channels, between two
// ordinary goroutines: unlike the ring's spinning waiters, a goroutine that
// blocks on a channel parks, and a parked goroutine locked to a pinned thread
// waits for that thread to be woken (about 100 µs a round trip on the
// project's machine, against about 0.5 µs unpinned), so pinning would
// measure the wake-up, not the channel.
func ChanRoundTrip(d time.Duration) (*Latency, error) {
	ping, pong := make(chan event.In, RingSize), make(chan event.In, RingSize)
	lat := NewLatency("ring", "chan-rtt", "buffered channel round trip, two goroutines (unpinned), two channels", MethodClosedLoop)
	lat.Peer = PeerChan
	var bad int64
	ringbench.Unpinned(func() {
		var ev event.In
		bad = RoundTrips(lat, d, func(i int64) bool {
			ringbench.Fill(&ev, i)
			ping <- ev
			return (<-pong).Seq == uint64(i)
		})
		close(ping)
	}, func() {
		for ev := range ping {
			pong <- ev
		}
	})
	if bad != 0 {
		return nil, fmt.Errorf("bench: channel round trip: %d answers out of order", bad)
	}
	lat.CorrectClosedLoop()
	return lat, nil
}

// RoundTripP50Row compares the median round trips of ours and a peer. The
// median is the raw one, as ping-pong benchmarks report it: the closed-loop
// correction at the median interval turns every stall of a shared machine
// into a run of synthetic samples, which belongs to the tail rows; the note
// gives the corrected medians.
func RoundTripP50Row(ours, theirs *Latency) Row {
	r := NewRow("ring", "round trip p50", float64(ours.Raw.ValueAtQuantile(50)), "ns").
		Compare(theirs.Peer, float64(theirs.Raw.ValueAtQuantile(50)))
	r.Note = fmt.Sprintf("raw medians; corrected: ours %s, theirs %s", FormatNS(float64(ours.Corrected.ValueAtQuantile(50))),
		FormatNS(float64(theirs.Corrected.ValueAtQuantile(50))))
	return r
}

// runRing is the ring scenario: one-way throughput unbatched and batched,
// the channel baseline, and the round trip.
func (s *suite) runRing() error {
	d := s.cfg.Duration
	for _, n := range ringbench.Batches {
		s.progress("ring: one-way, %s", ringbench.BatchName(n))
		t, pinned, err := RingThroughput(d, n)
		if err != nil {
			return err
		}
		s.notePinned(pinned)
		row := NewRow("ring", ringbench.BatchName(n)+" events/s", t.PerSec(), "events/s")
		row.Note = fmt.Sprintf("%.2f ns/event", t.NSPerEvent())
		if n != 1 {
			s.rep.Add(row)
			continue
		}
		s.progress("ring: one-way, buffered channel baseline")
		ct, _, err := ChanThroughput(d)
		if err != nil {
			return err
		}
		s.rep.Add(row.Compare(PeerChan, ct.PerSec()))
	}
	s.progress("ring: round trip")
	lat, pinned, err := RingRoundTrip(d)
	if err != nil {
		return err
	}
	s.notePinned(pinned)
	if err := s.addLatency(lat); err != nil {
		return err
	}
	s.progress("ring: round trip, buffered channel baseline")
	clat, err := ChanRoundTrip(d)
	if err != nil {
		return err
	}
	if err := s.addLatency(clat); err != nil {
		return err
	}
	s.rep.Add(RoundTripP50Row(lat, clat))
	s.rep.Add(NewRow("ring", "round trip p99.99 (corrected)", float64(lat.Corrected.ValueAtQuantile(99.99)), "ns").
		Compare(PeerChan, float64(clat.Corrected.ValueAtQuantile(99.99))))
	return nil
}
