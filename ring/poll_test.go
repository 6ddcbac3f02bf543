package ring

import "testing"

// TestPoll: Poll never waits: not ready before a publish, ready with
// everything published after it (and after a dependency released it), and
// not ok once the writer closed behind what was handed out.
func TestPoll(t *testing.T) {
	r, err := New[int](8, SpinYield())
	if err != nil {
		t.Fatal(err)
	}
	s := r.Sequencer()
	dep := s.NewConsumer()
	c := s.NewConsumer(dep)
	if _, ready, ok := c.Poll(0); ready || !ok {
		t.Fatalf("before a publish: ready %v ok %v", ready, ok)
	}
	s.Publish(s.Claim(3))
	if _, ready, _ := c.Poll(0); ready {
		t.Fatal("ready before the dependency released")
	}
	if avail, ready, ok := dep.Poll(0); !ready || !ok || avail != 2 {
		t.Fatalf("dependency: avail %d ready %v ok %v", avail, ready, ok)
	}
	dep.Release(1)
	if avail, ready, ok := c.Poll(0); !ready || !ok || avail != 1 {
		t.Fatalf("after the release of 1: avail %d ready %v ok %v", avail, ready, ok)
	}
	dep.Release(2)
	c.Release(1)
	s.Close()
	if avail, ready, ok := c.Poll(2); !ready || !ok || avail != 2 {
		t.Fatalf("after close, the rest: avail %d ready %v ok %v", avail, ready, ok)
	}
	c.Release(2)
	if _, ready, ok := c.Poll(3); ready || ok {
		t.Fatalf("after close, past the end: ready %v ok %v", ready, ok)
	}
}
