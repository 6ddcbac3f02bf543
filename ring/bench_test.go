package ring_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/ring"
	"github.com/tradeengine/engine/ring/ringbench"
)

// The benchmarks measure through ring/ringbench, the harness the suite
// (`engine bench ring`) and the peers module use too: the same events, the
// same writer and reader loops, the same channel baselines. An op of
// BenchmarkRing and BenchmarkChannel is ringbench.Chunk (1024) events;
// ns/event and events/s are the figures to compare.

// BenchmarkRing measures one writer (the benchmark goroutine) and one reader
// goroutine through a ring of 64-byte events, with the default SpinYield
// strategy unless the name says busyspin. events/batch is the reader's mean
// batch (see ringbench.Ring.Batches).
func BenchmarkRing(b *testing.B) {
	for _, n := range ringbench.Batches {
		b.Run(ringbench.BatchName(n), func(b *testing.B) { benchRing(b, n, ring.SpinYield()) })
	}
	// BusySpin is only right when writer and consumer each own a core; on a
	// shared two-vCPU machine it collapses whenever another process takes
	// one of them, which these show.
	for _, n := range []int{1, 64} {
		b.Run("busyspin/"+ringbench.BatchName(n), func(b *testing.B) { benchRing(b, n, ring.BusySpin()) })
	}
}

func benchRing(b *testing.B, n int, w ring.WaitStrategy) {
	t, err := ringbench.NewRing(n, w)
	if err != nil {
		b.Fatal(err)
	}
	events := benchTransport(b, t)
	b.ReportMetric(float64(events)/float64(t.Batches()), "events/batch")
}

// BenchmarkChannel is the baseline: the same events through a buffered
// channel of the same capacity, one at a time or in arrays of 64.
func BenchmarkChannel(b *testing.B) {
	b.Run("unbatched", func(b *testing.B) { benchTransport(b, ringbench.NewChan()) })
	b.Run("batch=64", func(b *testing.B) { benchTransport(b, ringbench.NewChanBatch()) })
}

// benchTransport writes ringbench.Chunk events per op through t from the
// benchmark goroutine to a reader goroutine, reports ns/event and events/s,
// and returns the number of events moved.
func benchTransport(b *testing.B, t ringbench.Transport) int64 {
	done := make(chan int64, 1)
	go func() { done <- t.Read() }()
	b.ReportAllocs()
	b.SetBytes(ringbench.Chunk * event.Size)
	var next int64
	for b.Loop() {
		t.Write(next, ringbench.Chunk)
		next += ringbench.Chunk
	}
	el := b.Elapsed()
	b.ReportMetric(float64(el.Nanoseconds())/float64(next), "ns/event")
	b.ReportMetric(float64(next)/el.Seconds(), "events/s")
	t.Close()
	if sum := <-done; sum != next {
		b.Fatalf("reader summed %d, want %d", sum, next)
	}
	return next
}

// vsEvents is the number of events each transport moves per op of
// BenchmarkRingVsChannel.
const vsEvents = 1 << 20

// BenchmarkRingVsChannel runs the ring and the channel back to back inside
// each op (ringbench.Run, the writer and the reader on two unpinned
// goroutines), so that both see the same machine load, and reports the
// ratios of their throughputs. An op moves vsEvents events through each of:
//
//   - the unbatched ring (a claim and a publish per event; the reader takes
//     everything published at once and releases it once; the writer reads
//     the reader's sequence only when its cached copy says the ring may be
//     full) and the buffered channel, one send per event: ratio;
//   - the ring with writer batches of 64 and the channel of arrays of 64:
//     ratio-batch=64; and that ring against the unbatched channel (a writer
//     batching what it has against the plain channel): ratio-b64-vs-chan;
//   - the unbatched ring and the channel on one goroutine, ringbench.Solo:
//     Size events written one by one, then read back: solo-ratio, the ratio
//     of their own work per event with no second core and no scheduler,
//     which is what ratio tends to when the two goroutines take turns on one
//     core; solo-ring-batch=64-ns/event is the solo ring with writer batches
//     of 64, which shows what the unbatched ring's claim and publish per
//     event cost.
//
// events/batch is the unbatched ring reader's mean batch: near 1 when writer
// and reader ran at the same time on two cores, near 4096 (the ring's size)
// when they took turns on one.
func BenchmarkRingVsChannel(b *testing.B) {
	var ring1, chan1, ring64, chan64, solo1, solo64, soloChan time.Duration
	var batches int64
	for b.Loop() {
		r1 := newRing(b, 1)
		ring1 += runUnpinned(b, r1)
		batches += r1.Batches()
		chan1 += runUnpinned(b, ringbench.NewChan())
		ring64 += runUnpinned(b, newRing(b, 64))
		chan64 += runUnpinned(b, ringbench.NewChanBatch())
		solo1 += runSolo(b, newRing(b, 1))
		solo64 += runSolo(b, newRing(b, 64))
		soloChan += runSolo(b, ringbench.NewChan())
	}
	events := float64(b.N) * vsEvents
	rate := func(d time.Duration) float64 { return events / d.Seconds() }
	b.ReportMetric(rate(ring1), "ring-events/s")
	b.ReportMetric(rate(chan1), "chan-events/s")
	b.ReportMetric(rate(ring64), "ring-batch=64-events/s")
	b.ReportMetric(rate(chan64), "chan-batch=64-events/s")
	b.ReportMetric(float64(chan1)/float64(ring1), "ratio")
	b.ReportMetric(float64(chan64)/float64(ring64), "ratio-batch=64")
	b.ReportMetric(float64(chan1)/float64(ring64), "ratio-b64-vs-chan")
	b.ReportMetric(events/float64(batches), "events/batch")
	b.ReportMetric(float64(solo1.Nanoseconds())/events, "solo-ring-ns/event")
	b.ReportMetric(float64(solo64.Nanoseconds())/events, "solo-ring-batch=64-ns/event")
	b.ReportMetric(float64(soloChan.Nanoseconds())/events, "solo-chan-ns/event")
	b.ReportMetric(float64(soloChan)/float64(solo1), "solo-ratio")
}

func newRing(b *testing.B, batch int) *ringbench.Ring {
	r, err := ringbench.NewRing(batch, ring.SpinYield())
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// runUnpinned moves vsEvents events through t with ringbench.Run and
// returns how long it took, from the writer's start until the reader had
// read the last event.
func runUnpinned(b *testing.B, t ringbench.Transport) time.Duration {
	res, err := ringbench.Run(t, ringbench.Unpinned, nanotime, ringbench.Limit{Events: vsEvents})
	if err != nil {
		b.Fatal(err)
	}
	return time.Duration(res.Elapsed())
}

// runSolo moves vsEvents events through t with ringbench.Solo.
func runSolo(b *testing.B, t ringbench.Drainer) time.Duration {
	start := time.Now()
	if _, err := ringbench.Solo(t, vsEvents); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// epoch makes nanotime small; the difference of two values is what counts.
var epoch = time.Now()

// nanotime is ringbench.Run's clock here: nanoseconds on the monotonic clock.
func nanotime() int64 { return int64(time.Since(epoch)) }

// BenchmarkCacheLineHop measures the one-way trip of a cache line between
// two CPUs: ping, pinned to one CPU, stores i in a ring.Sequence (alone on
// its line); pong, pinned to another, spins until it sees it and stores i in
// another Sequence, on which ping spins; a round trip is two hops. An op is
// 100 round trips; hop-ns-min is the fastest op's mean hop (both goroutines
// running throughout: the hardware's figure), hop-ns-p50 the median op's.
// Both sides only spin, so each needs a CPU of its own; the benchmark is
// skipped with fewer than two.
func BenchmarkCacheLineHop(b *testing.B) {
	cpus, err := ring.AllowedCPUs()
	if err != nil || len(cpus) < 2 {
		b.Skip("fewer than two CPUs to pin to")
	}
	if err := ring.PinCurrent(cpus[len(cpus)-2]); err != nil {
		b.Skip(err)
	}
	defer ring.Unpin()
	const rounds = 100
	var ping, pong ring.Sequence
	ping.Store(0)
	pong.Store(0)
	done, err := ring.GoPinned(cpus[len(cpus)-1], func() {
		for i := int64(1); spinFor(&ping, i) >= 0; i++ {
			pong.Store(i)
		}
	})
	if err != nil {
		b.Skip(err)
	}
	var hops []float64
	var i int64
	for b.Loop() {
		t0 := time.Now()
		for range rounds {
			i++
			ping.Store(i)
			spinFor(&pong, i)
		}
		hops = append(hops, float64(time.Since(t0).Nanoseconds())/(2*rounds))
	}
	ping.Store(-1)
	<-done
	slices.Sort(hops)
	b.ReportMetric(hops[0], "hop-ns-min")
	b.ReportMetric(hops[len(hops)/2], "hop-ns-p50")
}

// spinFor spins until s holds want or a negative value, and returns it.
func spinFor(s *ring.Sequence, want int64) int64 {
	for {
		if v := s.Load(); v == want || v < 0 {
			return v
		}
	}
}
