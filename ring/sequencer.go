package ring

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"unsafe"
)

// maxSize is the largest ring: sequences are int64 and a ring of 2^40 slots
// is far more than any caller can store.
const maxSize = 1 << 40

// Sequencer hands out the sequence numbers of a ring with one writer and
// gates that writer on its consumers. It owns no storage: slot seq of the
// caller's buffer is buf[seq&(Size-1)] (see [Ring]).
//
// The writer calls [Sequencer.Claim] (or [Sequencer.TryClaim]), fills the
// claimed slots, then [Sequencer.Publish]; finally [Sequencer.Close]. Those
// four methods belong to one goroutine. Consumers are created with
// [Sequencer.NewConsumer] before the writer starts.
//
// The fields are laid out so that the words the writer writes on every event
// (its claim counter and the cursor) never share a cache line with the words
// consumers write (their sequences, in [Consumer]) or with each other; the
// layout is checked by the tests.
type Sequencer struct {
	// Line 0 (0:64): configuration, written before the writer starts and
	// only read after; shared clean by every core.
	size  int64        // 0:8    number of slots, a power of two
	mask  int64        // 8:16   size-1
	wait  WaitStrategy // 16:32  slow path only
	gates []*Consumer  // 32:56  every consumer; the writer never laps the slowest
	_     [8]byte      // 56:64

	// Line 1 (64:128): writer-private, read and written only by the writer
	// goroutine, on every Claim and Publish. Writer-hot.
	next      int64    // 64:72  highest sequence claimed, -1 initially
	gateCache int64    // 72:80  cached minimum released sequence of the gates
	want      int64    // 80:88  the gate minimum a blocked writer waits for
	closedW   bool     // 88     the writer's own copy of closed
	_         [39]byte // 89:128

	// Lines 2-3 (128:256): the highest published sequence, value at 192:200.
	// Written by the writer on every Publish (writer-hot), read by consumers
	// only when their cached copy runs out.
	cursor Sequence

	// Line 4 (256:320): read by the writer on every Publish and by consumers
	// on every Release; written only when a waiter parks or unparks and on
	// Close. Read-mostly, so it stays shared in every cache.
	parked atomic.Int32 // 256:260 number of goroutines parked in park
	closed atomic.Bool  // 260:264 set by Close, after the last Publish
	_      [56]byte     // 264:320

	// Lines 5-7 (320:512): the lock and condition variable parked waiters
	// block on; touched only when someone parks.
	mu sync.Mutex                                   // 320:328
	cv sync.Cond                                    // 328:...
	_  [512 - 328 - unsafe.Sizeof(sync.Cond{})]byte // pads to 512, a size class of 128-aligned objects
}

// NewSequencer returns a sequencer for a ring of size slots that waits with
// w (nil means [SpinYield]). size must be a power of two of at least 2;
// otherwise the error wraps [ErrSize].
func NewSequencer(size int, w WaitStrategy) (*Sequencer, error) {
	if size < 2 || int64(size) > maxSize || size&(size-1) != 0 {
		return nil, fmt.Errorf("ring: new sequencer of size %d: %w", size, ErrSize)
	}
	if w == nil {
		w = SpinYield()
	}
	s := &Sequencer{
		size:      int64(size),
		mask:      int64(size - 1),
		wait:      w,
		next:      -1,
		gateCache: math.MaxInt64, // no consumers: nothing gates the writer
	}
	s.cursor.Store(-1)
	s.cv.L = &s.mu
	return s, nil
}

// Size returns the number of slots.
func (s *Sequencer) Size() int { return int(s.size) }

// Cursor returns the highest published sequence, -1 before the first
// Publish.
func (s *Sequencer) Cursor() int64 { return s.cursor.Load() }

// Parked returns the number of goroutines (writer or consumers) currently
// blocked in this sequencer by the [Park] strategy. It is meant for
// monitoring and tests.
func (s *Sequencer) Parked() int { return int(s.parked.Load()) }

// Closed reports whether [Sequencer.Close] has been called.
func (s *Sequencer) Closed() bool { return s.closed.Load() }

// Claim reserves the next n sequences for the writer and returns the highest,
// hi; the first is hi-n+1, and the first sequence of a sequencer is 0. When
// the ring has no room, Claim waits, using the wait strategy, until the
// slowest consumer has released the slots it needs: it never hands out a slot
// some consumer has not released.
//
// n must be in [1, Size]; Claim panics otherwise, and after Close. Only the
// writer goroutine may call Claim. Claim waits forever if a consumer stops
// without releasing or halting (see [Consumer.Halt]); a writer that must not
// block uses [Sequencer.TryClaim].
func (s *Sequencer) Claim(n int) (hi int64) {
	hi = s.next + int64(n)
	if uint64(n-1) >= uint64(s.size) || s.closedW || hi-s.size > s.gateCache {
		return s.claimSlow(n)
	}
	s.next = hi
	return hi
}

// claimSlow is Claim when n is wrong, the writer has closed or the cached
// gate says the ring may be full.
func (s *Sequencer) claimSlow(n int) int64 {
	if uint64(n-1) >= uint64(s.size) || s.closedW {
		s.badClaim(n)
	}
	hi := s.next + int64(n)
	s.gateCache = s.waitRoom(hi - s.size)
	s.next = hi
	return hi
}

// TryClaim is [Sequencer.Claim] without waiting: it returns ok=false, and
// claims nothing, when the ring has no room for n more sequences right now.
// It panics for the same reasons as Claim.
func (s *Sequencer) TryClaim(n int) (hi int64, ok bool) {
	hi = s.next + int64(n)
	if uint64(n-1) >= uint64(s.size) || s.closedW || hi-s.size > s.gateCache {
		return s.tryClaimSlow(n)
	}
	s.next = hi
	return hi, true
}

// tryClaimSlow is TryClaim off its fast path: it reloads the gates once.
func (s *Sequencer) tryClaimSlow(n int) (int64, bool) {
	if uint64(n-1) >= uint64(s.size) || s.closedW {
		s.badClaim(n)
	}
	hi := s.next + int64(n)
	if s.gateCache = s.minGate(); hi-s.size > s.gateCache {
		return 0, false
	}
	s.next = hi
	return hi, true
}

// Publish makes every claimed sequence up to and including hi visible to the
// consumers. Only the writer goroutine may call it; hi must have been
// claimed, and slots are published in claim order. Its fast path is one
// atomic store and one atomic load.
func (s *Sequencer) Publish(hi int64) {
	if hi <= s.next && !s.closedW {
		s.cursor.Store(hi)
		if s.parked.Load() == 0 {
			return
		}
	}
	s.publishSlow(hi)
}

// publishSlow is Publish when hi is wrong (nothing was stored) or when
// someone is parked (the cursor was stored).
func (s *Sequencer) publishSlow(hi int64) {
	if hi > s.next || s.closedW {
		s.badPublish(hi)
	}
	s.wakeAll()
}

// Close tells the consumers that the writer is done. Each consumer still sees
// every sequence published before Close, then [Consumer.WaitFor] reports
// ok=false. Sequences claimed but not published are dropped. Only the writer
// goroutine may call Close (so the writer is never blocked in Claim at that
// moment); Claim, TryClaim and Publish panic after it. A second Close does
// nothing.
func (s *Sequencer) Close() {
	if s.closedW {
		return
	}
	s.closedW = true
	s.closed.Store(true)
	s.wakeAll()
}

// NewConsumer adds a consumer that reads every published sequence after all
// of deps (consumers of the same sequencer) have released it. The writer is
// gated by every consumer. NewConsumer must be called before the writer's
// first Claim; it panics after that or when a dependency belongs to another
// sequencer.
func (s *Sequencer) NewConsumer(deps ...*Consumer) *Consumer {
	if s.next != -1 || s.closedW {
		panic("ring: NewConsumer called after the writer started")
	}
	for _, d := range deps {
		if d == nil || d.s != s {
			panic("ring: NewConsumer: a dependency belongs to another sequencer")
		}
	}
	c := &Consumer{s: s, avail: -1, deps: append([]*Consumer(nil), deps...)}
	c.seq.Store(-1)
	s.gates = append(s.gates, c)
	s.gateCache = -1
	return c
}

// minGate returns the lowest sequence released by a consumer that has not
// halted, or math.MaxInt64 when there is none.
func (s *Sequencer) minGate() int64 {
	m := int64(math.MaxInt64)
	for _, c := range s.gates {
		if c.halted.Load() {
			continue
		}
		if v := c.seq.Load(); v < m {
			m = v
		}
	}
	return m
}

// waitRoom is the slow path of Claim: it waits until every live consumer has
// released wrap, the sequence whose slot the claim reuses, and returns the
// new gate minimum.
func (s *Sequencer) waitRoom(wrap int64) int64 {
	s.want = wrap
	for n := 0; ; n++ {
		if m := s.minGate(); m >= wrap {
			return m
		}
		if s.wait.Idle(n) {
			s.park(s)
		}
	}
}

// ready is the writer's park condition: the gates have made room.
func (s *Sequencer) ready() bool { return s.minGate() >= s.want }

// waitCond is what a parked goroutine waits for; it is evaluated under s.mu.
type waitCond interface{ ready() bool }

// park blocks the calling goroutine until c is ready. Every goroutine that
// moves a sequence someone may wait on stores it first and then checks
// parked (both sequentially consistent), so either the parker sees the new
// value in c.ready or the waker sees parked != 0 and broadcasts under the
// lock, which the parker holds from its check until it is inside cv.Wait.
func (s *Sequencer) park(c waitCond) {
	s.parked.Add(1)
	s.mu.Lock()
	for !c.ready() {
		s.cv.Wait()
	}
	s.mu.Unlock()
	s.parked.Add(-1)
}

// wakeAll wakes every parked goroutine; each re-checks its own condition.
func (s *Sequencer) wakeAll() {
	s.mu.Lock()
	s.cv.Broadcast()
	s.mu.Unlock()
}

//go:noinline
func (s *Sequencer) badClaim(n int) {
	if s.closedW {
		panic("ring: Claim after Close")
	}
	panic(fmt.Sprintf("ring: Claim(%d): n must be in [1, %d] (the ring size)", n, s.size))
}

//go:noinline
func (s *Sequencer) badPublish(hi int64) {
	if s.closedW {
		panic("ring: Publish after Close")
	}
	panic(fmt.Sprintf("ring: Publish(%d): sequence not claimed (highest claimed %d)", hi, s.next))
}
