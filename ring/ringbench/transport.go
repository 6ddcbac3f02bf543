package ringbench

import (
	"fmt"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/ring"
)

// Transport moves events one way, from one writer goroutine to one reader
// goroutine. Write and Close belong to the writer, Read to the reader.
type Transport interface {
	// Write fills events next..next+n-1 with Fill and hands them over, in
	// order; next is the number of events written before.
	Write(next, n int64)
	// Close tells the reader that no event follows. It is called once,
	// after the last Write.
	Close()
	// Read reads every event until Close and returns the sum of their Qty:
	// the number of events read.
	Read() int64
}

// Ring is the [Transport] through a ring.Ring[event.In] of [Size] slots with
// one consumer.
type Ring struct {
	r     *ring.Ring[event.In]
	s     *ring.Sequencer
	c     *ring.Consumer
	batch int
	// The reader's own: the next sequence it reads and the batches it took.
	read, batches int64
}

// NewRing returns a ring transport whose writer claims and publishes batch
// slots at a time and whose goroutines wait with w (nil means
// ring.SpinYield).
func NewRing(batch int, w ring.WaitStrategy) (*Ring, error) {
	if batch < 1 || batch > Size {
		return nil, fmt.Errorf("ringbench: batch %d: must be in [1, %d]", batch, Size)
	}
	r, err := ring.New[event.In](Size, w)
	if err != nil {
		return nil, err
	}
	s := r.Sequencer()
	return &Ring{r: r, s: s, c: s.NewConsumer(), batch: batch}, nil
}

// Write claims up to the writer's batch of slots at a time, fills them in
// place and publishes the highest. Claim reads the consumer's sequence only
// when its cached copy says the ring may be full.
func (t *Ring) Write(next, n int64) {
	r, s, batch := t.r, t.s, int64(t.batch)
	for end := next + n; next < end; {
		k := min(batch, end-next)
		hi := s.Claim(int(k))
		for seq := hi - k + 1; seq <= hi; seq++ {
			Fill(r.Slot(seq), seq)
		}
		s.Publish(hi)
		next = hi + 1
	}
}

// Close closes the sequencer.
func (t *Ring) Close() { t.s.Close() }

// Read takes batches until the writer has closed.
func (t *Ring) Read() int64 {
	var sum int64
	for {
		n, ok := t.take()
		if !ok {
			return sum
		}
		sum += n
	}
}

// Drain takes batches until it has read n more events; the writer must
// have published them.
func (t *Ring) Drain(n int64) int64 {
	var sum int64
	for end := t.read + n; t.read < end; {
		k, _ := t.take()
		sum += k
	}
	return sum
}

// take is one batch of the reader: it takes everything published at once
// (WaitFor returns the highest readable sequence), reads every event up to
// it and releases it once. ok is false once the writer has closed and
// everything has been read.
func (t *Ring) take() (sum int64, ok bool) {
	r, next := t.r, t.read
	avail, ok := t.c.WaitFor(next)
	if !ok {
		return 0, false
	}
	for seq := next; seq <= avail; seq++ {
		sum += r.Slot(seq).Qty
	}
	t.c.Release(avail)
	t.read = avail + 1
	t.batches++
	return sum, true
}

// Batches returns how many batches the reader has taken (WaitFor returns,
// each released once). Events over batches is the mean batch: near 1 when
// the reader keeps up with the writer on a core of its own, near Size when
// the two take turns on one core.
func (t *Ring) Batches() int64 { return t.batches }

// Chan is the baseline [Transport]: a buffered channel of [Size] event.In
// values, one send per event.
type Chan struct{ ch chan event.In }

// NewChan returns a channel transport.
func NewChan() *Chan { return &Chan{ch: make(chan event.In, Size)} }

// Write fills a value and sends it, per event.
func (t *Chan) Write(next, n int64) {
	var ev event.In
	for seq := next; seq < next+n; seq++ {
		Fill(&ev, seq)
		t.ch <- ev
	}
}

// Close closes the channel.
func (t *Chan) Close() { close(t.ch) }

// Drain receives n values; the writer must have sent them.
func (t *Chan) Drain(n int64) int64 {
	var sum int64
	for range n {
		ev := <-t.ch
		sum += ev.Qty
	}
	return sum
}

// Read receives until the channel is closed.
func (t *Chan) Read() int64 {
	var sum int64
	for ev := range t.ch {
		sum += ev.Qty
	}
	return sum
}

// ChanBatchLen is the number of events in one send of [ChanBatch].
const ChanBatchLen = 64

// ChanBatch is the batched baseline [Transport]: a buffered channel of
// arrays of [ChanBatchLen] events ([Size] events in all), one send per
// array, the channel's answer to a ring writer's batch of 64.
type ChanBatch struct {
	ch  chan [ChanBatchLen]event.In
	buf [ChanBatchLen]event.In // the array being filled
	n   int                    // events in buf
}

// NewChanBatch returns a batched channel transport.
func NewChanBatch() *ChanBatch {
	return &ChanBatch{ch: make(chan [ChanBatchLen]event.In, Size/ChanBatchLen)}
}

// Write fills the events into the current array and sends each array as it
// fills.
func (t *ChanBatch) Write(next, n int64) {
	for seq := next; seq < next+n; seq++ {
		Fill(&t.buf[t.n], seq)
		if t.n++; t.n == ChanBatchLen {
			t.ch <- t.buf
			t.n = 0
		}
	}
}

// Close sends the last, partly filled array (its empty events have Qty 0)
// and closes the channel.
func (t *ChanBatch) Close() {
	if t.n > 0 {
		clear(t.buf[t.n:])
		t.ch <- t.buf
		t.n = 0
	}
	close(t.ch)
}

// Read receives arrays until the channel is closed and reads every event.
func (t *ChanBatch) Read() int64 {
	var sum int64
	for batch := range t.ch {
		for i := range batch {
			sum += batch[i].Qty
		}
	}
	return sum
}
