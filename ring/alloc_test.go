package ring

import "testing"

// TestNoAllocs proves the writer and consumer paths allocate nothing, on the
// fast paths and on the slow paths that reload the other side's sequence.
func TestNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	for _, w := range strategies() {
		t.Run(w.name, func(t *testing.T) {
			r, err := New[[64]byte](16, w.w)
			if err != nil {
				t.Fatal(err)
			}
			s := r.Sequencer()
			a := s.NewConsumer()
			b := s.NewConsumer(a)
			next := int64(0)
			cycle := func(n int) {
				hi := s.Claim(n)
				for seq := hi - int64(n) + 1; seq <= hi; seq++ {
					r.Slot(seq)[0] = byte(seq)
				}
				s.Publish(hi)
				for _, c := range []*Consumer{a, b} {
					avail, ok := c.WaitFor(next)
					if !ok {
						t.Fatal("WaitFor not ok")
					}
					c.Release(avail)
				}
				next = hi + 1
			}
			tests := []struct {
				name string
				f    func()
			}{
				{"claim+publish+waitfor+release 1", func() { cycle(1) }},
				{"claim+publish+waitfor+release 16 (full ring: writer reloads gates)", func() { cycle(16) }},
				{"tryclaim full", func() {
					hi := s.Claim(16)
					if _, ok := s.TryClaim(1); ok {
						t.Fatal("TryClaim on a full ring succeeded")
					}
					s.Publish(hi)
					for _, c := range []*Consumer{a, b} {
						avail, _ := c.WaitFor(next)
						c.Release(avail)
					}
					next = hi + 1
				}},
			}
			for _, tt := range tests {
				if got := testing.AllocsPerRun(1000, tt.f); got != 0 {
					t.Errorf("%s: %v allocs per run, want 0", tt.name, got)
				}
			}
		})
	}
}
