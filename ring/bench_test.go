package ring

import (
	"fmt"
	"testing"
	"time"

	"github.com/tradeengine/engine/event"
)

// benchSize is the capacity of the ring and of the baseline channel.
const benchSize = 4096

// benchBatches are the writer batch sizes swept by the ring benchmarks; 1 is
// reported as "unbatched".
var benchBatches = []int{1, 16, 64, 256}

func batchName(n int) string {
	if n == 1 {
		return "unbatched"
	}
	return fmt.Sprintf("batch=%d", n)
}

// fillEvent writes the fields of a new-order event, in place: into a ring
// slot, or into the value then sent on a channel. (Building an event.In
// literal and copying it whole costs more than the ring itself: the field
// stores to the temporary stall the wide loads of the copy.)
func fillEvent(e *event.In, seq int64) {
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

// ringConsumer starts a consumer goroutine that reads every event (summing
// Qty) until the sequencer closes, and returns the channel its sum arrives on.
func ringConsumer(r *Ring[event.In], c *Consumer) <-chan int64 {
	done := make(chan int64, 1)
	go func() {
		var sum int64
		for next := int64(0); ; {
			avail, ok := c.WaitFor(next)
			if !ok {
				break
			}
			for seq := next; seq <= avail; seq++ {
				sum += r.Slot(seq).Qty
			}
			c.Release(avail)
			next = avail + 1
		}
		done <- sum
	}()
	return done
}

// BenchmarkRing measures one writer (the benchmark goroutine) and one
// consumer goroutine through a ring of 64-byte events, with the default
// SpinYield strategy unless the name says busyspin; an op is one event.
func BenchmarkRing(b *testing.B) {
	for _, n := range benchBatches {
		b.Run(batchName(n), func(b *testing.B) { benchRing(b, n, SpinYield()) })
	}
	// BusySpin is only right when writer and consumer each own a core; on a
	// shared two-vCPU machine it collapses whenever another process takes
	// one of them, which these show.
	for _, n := range []int{1, 64} {
		b.Run("busyspin/"+batchName(n), func(b *testing.B) { benchRing(b, n, BusySpin()) })
	}
}

func benchRing(b *testing.B, n int, w WaitStrategy) {
	r, err := New[event.In](benchSize, w)
	if err != nil {
		b.Fatal(err)
	}
	s := r.Sequencer()
	done := ringConsumer(r, s.NewConsumer())
	b.ReportAllocs()
	b.SetBytes(event.Size)
	var hi, seq int64
	left := 0
	for b.Loop() {
		if left == 0 {
			hi = s.Claim(n)
			seq, left = hi-int64(n)+1, n
		}
		fillEvent(r.Slot(seq), seq)
		seq++
		left--
		if left == 0 {
			s.Publish(hi)
		}
	}
	events := float64(b.N)
	b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
	for ; left > 0; left-- { // complete the last batch with empty events
		*r.Slot(seq) = event.In{}
		seq++
	}
	s.Publish(hi)
	s.Close()
	if sum := <-done; sum != int64(b.N) {
		b.Fatalf("consumer summed %d, want %d", sum, b.N)
	}
}

// BenchmarkChannel is the baseline: the same events through a buffered
// channel of the same capacity, one at a time or in arrays of 64.
func BenchmarkChannel(b *testing.B) {
	b.Run("unbatched", func(b *testing.B) {
		ch, done := chanConsumer()
		b.ReportAllocs()
		b.SetBytes(event.Size)
		var ev event.In
		var seq int64
		for b.Loop() {
			fillEvent(&ev, seq)
			ch <- ev
			seq++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		close(ch)
		if sum := <-done; sum != int64(b.N) {
			b.Fatalf("consumer summed %d, want %d", sum, b.N)
		}
	})
	b.Run("batch=64", func(b *testing.B) {
		ch, done := chanBatchConsumer()
		b.ReportAllocs()
		b.SetBytes(event.Size)
		var batch [64]event.In
		var seq int64
		i := 0
		for b.Loop() {
			fillEvent(&batch[i], seq)
			seq++
			if i++; i == len(batch) {
				ch <- batch
				i = 0
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		clear(batch[i:])
		ch <- batch
		close(ch)
		if sum := <-done; sum != int64(b.N) {
			b.Fatalf("consumer summed %d, want %d", sum, b.N)
		}
	})
}

func chanConsumer() (chan event.In, <-chan int64) {
	ch := make(chan event.In, benchSize)
	done := make(chan int64, 1)
	go func() {
		var sum int64
		for ev := range ch {
			sum += ev.Qty
		}
		done <- sum
	}()
	return ch, done
}

func chanBatchConsumer() (chan [64]event.In, <-chan int64) {
	ch := make(chan [64]event.In, benchSize/64)
	done := make(chan int64, 1)
	go func() {
		var sum int64
		for batch := range ch {
			for i := range batch {
				sum += batch[i].Qty
			}
		}
		done <- sum
	}()
	return ch, done
}

// vsEvents is the number of events each side moves per op of
// BenchmarkRingVsChannel.
const vsEvents = 1 << 20

// BenchmarkRingVsChannel runs the ring and the channel back to back inside
// each op, so that both see the same machine load, and reports the ratios of
// their throughputs: ratio is the unbatched ring over the unbatched channel,
// ratio-batch=64 the ring with batches of 64 over the channel sending arrays
// of 64, and ratio-b64-vs-chan the ring with batches of 64 over the
// unbatched channel (a writer batching what it has against the plain
// channel). An op moves vsEvents events through each of the four; the ring
// uses SpinYield.
func BenchmarkRingVsChannel(b *testing.B) {
	var ring1, ring64, chan1, chan64 time.Duration
	for b.Loop() {
		ring1 += timeRing(b, 1)
		chan1 += timeChan(b)
		ring64 += timeRing(b, 64)
		chan64 += timeChanBatch(b)
	}
	rate := func(d time.Duration) float64 { return float64(b.N) * vsEvents / d.Seconds() }
	b.ReportMetric(rate(ring1), "ring-events/s")
	b.ReportMetric(rate(chan1), "chan-events/s")
	b.ReportMetric(rate(ring64), "ring-batch=64-events/s")
	b.ReportMetric(rate(chan64), "chan-batch=64-events/s")
	b.ReportMetric(rate(ring1)/rate(chan1), "ratio")
	b.ReportMetric(rate(ring64)/rate(chan64), "ratio-batch=64")
	b.ReportMetric(rate(ring64)/rate(chan1), "ratio-b64-vs-chan")
}

// timeRing moves vsEvents events through a fresh ring in batches of n and
// returns how long the writer took, consumer drained.
func timeRing(b *testing.B, n int) time.Duration {
	r, err := New[event.In](benchSize, SpinYield())
	if err != nil {
		b.Fatal(err)
	}
	s := r.Sequencer()
	done := ringConsumer(r, s.NewConsumer())
	start := time.Now()
	for next := int64(0); next < vsEvents; {
		hi := s.Claim(n)
		for seq := next; seq <= hi; seq++ {
			fillEvent(r.Slot(seq), seq)
		}
		s.Publish(hi)
		next = hi + 1
	}
	s.Close()
	sum := <-done
	d := time.Since(start)
	if sum != vsEvents {
		b.Fatalf("ring consumer summed %d, want %d", sum, vsEvents)
	}
	return d
}

// timeChan is timeRing for the unbatched channel.
func timeChan(b *testing.B) time.Duration {
	ch, done := chanConsumer()
	start := time.Now()
	var ev event.In
	for seq := range int64(vsEvents) {
		fillEvent(&ev, seq)
		ch <- ev
	}
	close(ch)
	sum := <-done
	d := time.Since(start)
	if sum != vsEvents {
		b.Fatalf("channel consumer summed %d, want %d", sum, vsEvents)
	}
	return d
}

// timeChanBatch is timeRing for the channel of arrays of 64 events.
func timeChanBatch(b *testing.B) time.Duration {
	ch, done := chanBatchConsumer()
	start := time.Now()
	var batch [64]event.In
	for seq := range int64(vsEvents) {
		fillEvent(&batch[seq%64], seq)
		if seq%64 == 63 {
			ch <- batch
		}
	}
	close(ch)
	sum := <-done
	d := time.Since(start)
	if sum != vsEvents {
		b.Fatalf("channel consumer summed %d, want %d", sum, vsEvents)
	}
	return d
}
