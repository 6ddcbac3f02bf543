package ring

import (
	"fmt"
	"sync/atomic"
)

// Consumer follows the writer of a [Sequencer] with its own sequence: the
// highest sequence it has released. It sees a sequence only once the writer
// has published it and every dependency (see [Sequencer.NewConsumer]) has
// released it, and the writer never reuses a slot before every consumer has
// released it. A consumer belongs to one goroutine, except [Consumer.Sequence]
// and [Consumer.Halted], which anyone may call.
type Consumer struct {
	// Lines 0-1 (0:128): the released sequence, value at 64:72. Written by
	// this consumer on every Release (consumer-hot), read by the writer when
	// its cached gate runs out and by dependent consumers when theirs does.
	seq Sequence

	// Line 2 (128:192): consumer-private, read and written only by the
	// consumer's goroutine.
	avail int64       // 128:136 cached highest sequence safe to read
	want  int64       // 136:144 the sequence a parked consumer waits for
	s     *Sequencer  // 144:152
	deps  []*Consumer // 152:176 consumers that must release a sequence first
	_     [16]byte    // 176:192

	// Line 3 (192:256): set once by Halt, read by the writer and dependents
	// on their slow paths; alert, set by anyone (Alert) and cleared by the
	// consumer, read only on its slow path.
	halted atomic.Bool // 192:196
	alert  atomic.Bool // 196:200
	_      [56]byte    // 200:256
}

// Alert makes this consumer's waiting [Consumer.WaitForAlert] (now or the
// next one) return without a new sequence, waking it if it is parked: a way
// for another goroutine to get a waiting consumer's attention, for example
// to answer a request between two batches. Anyone may call it.
func (c *Consumer) Alert() {
	c.alert.Store(true)
	if c.s.parked.Load() != 0 {
		c.s.wakeAll()
	}
}

// WaitForAlert is [Consumer.WaitFor] that also returns when [Consumer.Alert]
// was called since the last return that reported it: then alerted is true,
// ok is true and avail is next-1 (nothing new), and the alert is consumed.
// Its fast path is WaitFor's: an alert is seen only when the consumer would
// otherwise wait.
func (c *Consumer) WaitForAlert(next int64) (avail int64, ok, alerted bool) {
	if next <= c.avail {
		return c.avail, true, false
	}
	c.want = next
	for n := 0; ; n++ {
		if a := c.available(); a >= next {
			c.avail = a
			return a, true, false
		}
		if c.alert.Swap(false) {
			return next - 1, true, true
		}
		if ended, depHalted := c.ended(next); ended {
			if depHalted {
				c.Halt()
			}
			return next - 1, false, false
		}
		if c.s.wait.Idle(n) {
			c.s.park(alertCond{c})
		}
	}
}

// alertCond is the park condition of WaitForAlert: the consumer's own, or an
// alert.
type alertCond struct{ c *Consumer }

func (a alertCond) ready() bool { return a.c.alert.Load() || a.c.ready() }

// WaitFor waits until sequence next may be read and returns avail, the
// highest sequence that may be read now (avail >= next), so that the caller
// can handle next..avail as one batch before releasing it. A sequence may be
// read once it is published and every dependency has released it.
//
// ok is false, and avail meaningless, once no sequence >= next will ever be
// readable: the writer has closed the sequencer and this consumer has been
// handed everything published, or a dependency has halted and this consumer
// has been handed everything that dependency released. In the second case the
// consumer halts too (see [Consumer.Halt]), so it stops gating the writer.
//
// The fast path reads only the consumer's cached copy of the writer's cursor.
func (c *Consumer) WaitFor(next int64) (avail int64, ok bool) {
	if next <= c.avail {
		return c.avail, true
	}
	return c.waitSlow(next)
}

// Release tells the writer and dependent consumers that this consumer is done
// with every sequence up to and including seq. seq must not exceed the avail
// last returned by WaitFor; Release panics otherwise. Its fast path is one
// atomic store and one atomic load.
func (c *Consumer) Release(seq int64) {
	if seq <= c.avail {
		c.seq.Store(seq)
		if c.s.parked.Load() == 0 {
			return
		}
	}
	c.releaseSlow(seq)
}

// releaseSlow is Release when seq is wrong (nothing was stored) or when
// someone is parked (the sequence was stored).
func (c *Consumer) releaseSlow(seq int64) {
	if seq > c.avail {
		c.badRelease(seq)
	}
	c.s.wakeAll()
}

// Sequence returns the highest sequence released, -1 initially.
func (c *Consumer) Sequence() int64 { return c.seq.Load() }

// Halt takes the consumer out of the pipeline for good, for a consumer that
// has to stop before the writer closes (a journaler whose disk failed, a sink
// whose peer went away). The writer stops waiting for it, so a writer blocked
// in Claim on a full ring goes on; consumers that depend on it drain
// everything it released before halting and then see ok=false from WaitFor,
// halting in turn. The consumer must not read slots after Halt. Only the
// consumer's own goroutine may call Halt (or any goroutine once the
// consumer's goroutine has stopped reading). A second Halt does nothing.
func (c *Consumer) Halt() {
	c.halted.Store(true)
	c.s.wakeAll()
}

// Halted reports whether the consumer has halted, by [Consumer.Halt] or
// because a dependency halted.
func (c *Consumer) Halted() bool { return c.halted.Load() }

// available returns the highest sequence that is published and released by
// every dependency.
func (c *Consumer) available() int64 {
	a := c.s.cursor.Load()
	for _, d := range c.deps {
		if v := d.seq.Load(); v < a {
			a = v
		}
	}
	return a
}

// waitSlow is the slow path of WaitFor.
func (c *Consumer) waitSlow(next int64) (int64, bool) {
	c.want = next
	for n := 0; ; n++ {
		if a := c.available(); a >= next {
			c.avail = a
			return a, true
		}
		if ended, depHalted := c.ended(next); ended {
			if depHalted {
				c.Halt()
			}
			return next - 1, false
		}
		if c.s.wait.Idle(n) {
			c.s.park(c)
		}
	}
}

// ended reports whether next will never become readable: the writer has
// closed having published less than next, or a dependency halted having
// released less than next (depHalted).
func (c *Consumer) ended(next int64) (ended, depHalted bool) {
	// closed is stored after the last Publish, so a cursor loaded after
	// seeing closed is final. A consumer whose dependencies lag behind a
	// final cursor >= next has not ended: they will get there.
	if c.s.closed.Load() && c.s.cursor.Load() < next {
		return true, false
	}
	for _, d := range c.deps {
		// Load halted before seq: a halted dependency's seq is final.
		if d.halted.Load() && d.seq.Load() < next {
			return true, true
		}
	}
	return false, false
}

// ready is the consumer's park condition: want became readable or will never
// be. It is exact, so that a parked consumer sleeps until then, also while
// its dependencies drain after Close.
func (c *Consumer) ready() bool {
	if c.available() >= c.want {
		return true
	}
	ended, _ := c.ended(c.want)
	return ended
}

//go:noinline
func (c *Consumer) badRelease(seq int64) {
	panic(fmt.Sprintf("ring: Release(%d): beyond the highest sequence handed out by WaitFor (%d)", seq, c.avail))
}
