package ring

import (
	"testing"
)

// TestAlertWakesParkedConsumer: a consumer parked in WaitForAlert with
// nothing published returns alerted when another goroutine calls Alert, and
// the alert is consumed.
func TestAlertWakesParkedConsumer(t *testing.T) {
	for _, w := range []struct {
		name string
		w    WaitStrategy
	}{{"park", Park()}, {"spinyield", SpinYield()}} {
		t.Run(w.name, func(t *testing.T) {
			r, err := New[int64](8, w.w)
			if err != nil {
				t.Fatal(err)
			}
			c := r.Sequencer().NewConsumer()
			got := make(chan [2]bool)
			go func() {
				_, ok, alerted := c.WaitForAlert(0)
				got <- [2]bool{ok, alerted}
			}()
			if w.name == "park" {
				for r.Sequencer().Parked() == 0 {
					// wait until the consumer is parked: Parked is the
					// observable, no sleep decides the race
				}
			}
			c.Alert()
			if g := <-got; !g[0] || !g[1] {
				t.Fatalf("WaitForAlert = ok %v alerted %v, want true true", g[0], g[1])
			}
			if c.alert.Load() {
				t.Fatal("the alert was not consumed")
			}
		})
	}
}

// TestAlertBeforeWait: an alert raised before the wait makes the next wait
// return at once; data already published is returned first and the alert
// stays pending until the consumer would wait.
func TestAlertBeforeWait(t *testing.T) {
	r, err := New[int64](8, Park())
	if err != nil {
		t.Fatal(err)
	}
	s := r.Sequencer()
	c := s.NewConsumer()
	c.Alert()
	hi := s.Claim(2)
	s.Publish(hi)
	avail, ok, alerted := c.WaitForAlert(0)
	if !ok || alerted || avail != 1 {
		t.Fatalf("with data: avail %d ok %v alerted %v, want 1 true false", avail, ok, alerted)
	}
	c.Release(avail)
	avail, ok, alerted = c.WaitForAlert(2)
	if !ok || !alerted || avail != 1 {
		t.Fatalf("without data: avail %d ok %v alerted %v, want 1 true true", avail, ok, alerted)
	}
	s.Close()
	if _, ok, alerted = c.WaitForAlert(2); ok || alerted {
		t.Fatalf("after close: ok %v alerted %v, want false false", ok, alerted)
	}
}
