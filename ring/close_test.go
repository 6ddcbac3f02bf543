package ring

import (
	"testing"
)

func TestCloseDrains(t *testing.T) {
	s := newSeq(t, 8, nil)
	a := s.NewConsumer()
	b := s.NewConsumer(a)
	s.Publish(s.Claim(5)) // 0..4
	s.Claim(2)            // 5..6 claimed, never published: dropped
	s.Close()
	s.Close() // idempotent
	if !s.Closed() {
		t.Fatal("Closed() = false after Close")
	}
	mustPanic(t, "Claim after Close", func() { s.Claim(1) })
	mustPanic(t, "Claim after Close", func() { s.TryClaim(1) })
	mustPanic(t, "Publish after Close", func() { s.Publish(6) })

	if avail, ok := a.WaitFor(0); !ok || avail != 4 {
		t.Fatalf("a.WaitFor(0) = %d, %v after Close; want 4, true: published events must drain", avail, ok)
	}
	a.Release(2)
	// b sees only what a released, closed or not.
	if avail, ok := b.WaitFor(0); !ok || avail != 2 {
		t.Fatalf("b.WaitFor(0) = %d, %v; want 2, true", avail, ok)
	}
	a.Release(4)
	if _, ok := a.WaitFor(5); ok {
		t.Fatal("a.WaitFor(5) ok after Close and drain; want ok=false")
	}
	if avail, ok := b.WaitFor(3); !ok || avail != 4 {
		t.Fatalf("b.WaitFor(3) = %d, %v; want 4, true", avail, ok)
	}
	b.Release(4)
	if _, ok := b.WaitFor(5); ok {
		t.Fatal("b.WaitFor(5) ok after Close and drain; want ok=false")
	}
	if a.Halted() || b.Halted() {
		t.Error("Close halted a consumer; only Halt or a halted dependency should")
	}
}

// TestCloseWakesWaiter closes while a consumer waits, for every strategy.
func TestCloseWakesWaiter(t *testing.T) {
	for _, w := range strategies() {
		t.Run(w.name, func(t *testing.T) {
			s := newSeq(t, 4, w.w)
			c := s.NewConsumer()
			got := make(chan bool)
			go func() {
				_, ok := c.WaitFor(0)
				got <- ok
			}()
			s.Close()
			if ok := <-got; ok {
				t.Fatal("WaitFor(0) ok on a sequencer closed with nothing published")
			}
		})
	}
}

// TestCloseDependentWaits: after Close a dependent still waits for its
// dependency to release what was published; it must not see ok=false early.
func TestCloseDependentWaits(t *testing.T) {
	s := newSeq(t, 4, nil)
	a := s.NewConsumer()
	b := s.NewConsumer(a)
	s.Publish(s.Claim(3))
	s.Close()
	got := make(chan int64)
	go func() {
		next := int64(0)
		for {
			avail, ok := b.WaitFor(next)
			if !ok {
				got <- next
				return
			}
			b.Release(avail)
			next = avail + 1
		}
	}()
	a.WaitFor(0)
	a.Release(0)
	a.Release(2)
	if n := <-got; n != 3 {
		t.Fatalf("dependent stopped at %d, want 3 (all published events)", n)
	}
}

// TestHaltUnblocksWriter: a writer blocked in Claim on a full ring goes on
// when the consumer holding it back halts.
func TestHaltUnblocksWriter(t *testing.T) {
	for _, w := range strategies() {
		t.Run(w.name, func(t *testing.T) {
			s := newSeq(t, 2, w.w)
			fast := s.NewConsumer()
			stuck := s.NewConsumer()
			s.Publish(s.Claim(2))
			fast.WaitFor(0)
			fast.Release(1)
			if _, ok := s.TryClaim(1); ok {
				t.Fatal("TryClaim succeeded while a consumer holds every slot")
			}
			claimed := make(chan int64)
			go func() { claimed <- s.Claim(1) }()
			stuck.Halt()
			if hi := <-claimed; hi != 2 {
				t.Fatalf("Claim(1) = %d after Halt, want 2", hi)
			}
			if !stuck.Halted() {
				t.Error("Halted() = false after Halt")
			}
		})
	}
}

// TestHaltDrainsDependents: a dependent of a halted consumer sees what the
// consumer released, then ok=false, and halts in turn.
func TestHaltDrainsDependents(t *testing.T) {
	s := newSeq(t, 8, nil)
	a := s.NewConsumer()
	b := s.NewConsumer(a)
	c := s.NewConsumer(b)
	s.Publish(s.Claim(6))
	a.WaitFor(0)
	a.Release(3)
	a.Halt()
	if avail, ok := b.WaitFor(0); !ok || avail != 3 {
		t.Fatalf("b.WaitFor(0) = %d, %v; want 3, true", avail, ok)
	}
	b.Release(3)
	if _, ok := b.WaitFor(4); ok {
		t.Fatal("b.WaitFor(4) ok past what its halted dependency released")
	}
	if !b.Halted() {
		t.Fatal("b did not halt after its dependency halted")
	}
	if avail, ok := c.WaitFor(0); !ok || avail != 3 {
		t.Fatalf("c.WaitFor(0) = %d, %v; want 3, true", avail, ok)
	}
	c.Release(3)
	if _, ok := c.WaitFor(4); ok || !c.Halted() {
		t.Fatalf("c: ok=%v halted=%v; want ok=false, halted", ok, c.Halted())
	}
	// Every consumer halted: nothing gates the writer any more.
	for range 10 {
		if _, ok := s.TryClaim(8); !ok {
			t.Fatal("TryClaim failed with every consumer halted")
		}
	}
}

func TestNewConsumerMisuse(t *testing.T) {
	s := newSeq(t, 4, nil)
	other := newSeq(t, 4, nil)
	foreign := other.NewConsumer()
	mustPanic(t, "another sequencer", func() { s.NewConsumer(foreign) })
	mustPanic(t, "another sequencer", func() { s.NewConsumer(nil) })
	s.Claim(1)
	mustPanic(t, "after the writer started", func() { s.NewConsumer() })
}

// TestNoConsumers: a sequencer without consumers never blocks its writer.
func TestNoConsumers(t *testing.T) {
	s := newSeq(t, 2, nil)
	for i := range 100 {
		hi := s.Claim(2)
		if hi != int64(2*i+1) {
			t.Fatalf("Claim(2) = %d, want %d", hi, 2*i+1)
		}
		s.Publish(hi)
	}
}

type namedStrategy struct {
	name string
	w    WaitStrategy
}

func strategies() []namedStrategy {
	return []namedStrategy{
		{"busyspin", BusySpin()},
		{"spinyield", SpinYield()},
		{"park", Park()},
	}
}
