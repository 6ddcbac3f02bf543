package ring

import (
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingPark is the Park strategy that counts its Idle calls: a parked
// goroutine makes none, a spinning one makes them without end.
type countingPark struct{ calls atomic.Int64 }

func (p *countingPark) Idle(n int) bool {
	p.calls.Add(1)
	return Park().Idle(n)
}

// blockedInCondWait reports whether some goroutine's stack shows it blocked
// in sync.Cond.Wait under the named function.
func blockedInCondWait(fn string) bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "[sync.Cond.Wait") && strings.Contains(g, fn) {
			return true
		}
	}
	return false
}

// TestParkConsumer proves an idle consumer under Park blocks instead of
// spinning, and that Publish wakes it.
func TestParkConsumer(t *testing.T) {
	w := &countingPark{}
	s := newSeq(t, 8, w)
	c := s.NewConsumer()
	got := make(chan int64)
	go func() {
		avail, ok := c.WaitFor(0)
		if !ok {
			avail = -100
		}
		got <- avail
	}()
	eventually(t, "the consumer to park", func() bool { return s.Parked() == 1 })
	if !blockedInCondWait("(*Consumer).waitSlow") {
		t.Fatal("parked consumer is not blocked in sync.Cond.Wait")
	}
	before := w.calls.Load()
	time.Sleep(20 * time.Millisecond) // a spinning waiter would call Idle thousands of times
	if after := w.calls.Load(); after != before {
		t.Fatalf("Idle called %d more times while parked: the waiter spins", after-before)
	}
	select {
	case v := <-got:
		t.Fatalf("WaitFor returned %d with nothing published", v)
	default:
	}
	hi := s.Claim(3)
	s.Publish(hi)
	if avail := <-got; avail != hi {
		t.Fatalf("woken WaitFor(0) = %d, want %d", avail, hi)
	}
	eventually(t, "the consumer to unpark", func() bool { return s.Parked() == 0 })
}

// TestParkWriter: a writer blocked on a full ring parks and is woken by the
// consumer's Release.
func TestParkWriter(t *testing.T) {
	w := &countingPark{}
	s := newSeq(t, 4, w)
	c := s.NewConsumer()
	s.Publish(s.Claim(4))
	claimed := make(chan int64)
	go func() { claimed <- s.Claim(2) }()
	eventually(t, "the writer to park", func() bool { return s.Parked() == 1 })
	if !blockedInCondWait("(*Sequencer).waitRoom") {
		t.Fatal("parked writer is not blocked in sync.Cond.Wait")
	}
	if avail, ok := c.WaitFor(0); !ok || avail != 3 {
		t.Fatalf("WaitFor(0) = %d, %v; want 3, true", avail, ok)
	}
	c.Release(0) // one slot free; the writer needs two: woken, re-parks
	select {
	case hi := <-claimed:
		t.Fatalf("Claim(2) = %d with one free slot", hi)
	default:
	}
	c.Release(1)
	if hi := <-claimed; hi != 5 {
		t.Fatalf("Claim(2) = %d, want 5", hi)
	}
	eventually(t, "the writer to unpark", func() bool { return s.Parked() == 0 })
}

// TestParkDependent: a consumer parked on its dependency is woken by the
// dependency's Release, not only by Publish.
func TestParkDependent(t *testing.T) {
	s := newSeq(t, 8, Park())
	a := s.NewConsumer()
	b := s.NewConsumer(a)
	s.Publish(s.Claim(4))
	got := make(chan int64)
	go func() {
		avail, _ := b.WaitFor(0)
		got <- avail
	}()
	eventually(t, "the dependent to park", func() bool { return s.Parked() == 1 })
	a.WaitFor(0)
	a.Release(2)
	if avail := <-got; avail != 2 {
		t.Fatalf("dependent WaitFor(0) = %d, want 2", avail)
	}
}

// TestParkDependentAfterClose: after Close, a dependent whose dependency still
// has published events to release stays parked (it neither spins nor ends)
// until the dependency releases them.
func TestParkDependentAfterClose(t *testing.T) {
	w := &countingPark{}
	s := newSeq(t, 8, w)
	a := s.NewConsumer()
	b := s.NewConsumer(a)
	s.Publish(s.Claim(3))
	s.Close()
	type res struct {
		avail int64
		ok    bool
	}
	got := make(chan res)
	go func() {
		avail, ok := b.WaitFor(0)
		got <- res{avail, ok}
	}()
	eventually(t, "the dependent to park", func() bool { return s.Parked() == 1 })
	before := w.calls.Load()
	time.Sleep(20 * time.Millisecond)
	if after := w.calls.Load(); after != before {
		t.Fatalf("Idle called %d more times while parked after Close: the dependent spins", after-before)
	}
	a.WaitFor(0)
	a.Release(1)
	if r := <-got; !r.ok || r.avail != 1 {
		t.Fatalf("dependent WaitFor(0) = %d, %v; want 1, true", r.avail, r.ok)
	}
}
