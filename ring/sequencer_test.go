package ring

import (
	"errors"
	"math"
	"testing"
)

func TestNewSequencerSize(t *testing.T) {
	tests := []struct {
		name string
		size int
		ok   bool
	}{
		{"negative", -4, false},
		{"zero", 0, false},
		{"one", 1, false},
		{"three", 3, false},
		{"not a power of two", 1000, false},
		{"too large", int(min(maxSize*2, math.MaxInt)), false},
		{"two", 2, true},
		{"four", 4, true},
		{"1024", 1024, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSequencer(tt.size, nil)
			r, rerr := New[int64](tt.size, nil)
			if !tt.ok {
				if !errors.Is(err, ErrSize) || !errors.Is(rerr, ErrSize) {
					t.Fatalf("errors %v, %v; want ErrSize", err, rerr)
				}
				return
			}
			if err != nil || rerr != nil {
				t.Fatalf("errors %v, %v", err, rerr)
			}
			if s.Size() != tt.size || r.Sequencer().Size() != tt.size {
				t.Errorf("Size() = %d, %d; want %d", s.Size(), r.Sequencer().Size(), tt.size)
			}
			if s.Cursor() != -1 {
				t.Errorf("Cursor() = %d before any Publish, want -1", s.Cursor())
			}
		})
	}
}

func TestClaimRejects(t *testing.T) {
	tests := []struct {
		name string
		n    int
	}{
		{"zero", 0},
		{"negative", -1},
		{"size+1", 9},
		{"huge", math.MaxInt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSeq(t, 8, nil)
			s.NewConsumer()
			mustPanic(t, "n must be in [1, 8]", func() { s.Claim(tt.n) })
			mustPanic(t, "n must be in [1, 8]", func() { s.TryClaim(tt.n) })
			if hi := s.Claim(8); hi != 7 {
				t.Errorf("Claim(8) after the rejects = %d, want 7: a rejected claim must claim nothing", hi)
			}
		})
	}
}

func TestClaimSequences(t *testing.T) {
	s := newSeq(t, 8, nil)
	c := s.NewConsumer()
	steps := []struct {
		n      int
		wantHi int64
	}{{1, 0}, {3, 3}, {4, 7}}
	for _, st := range steps {
		if hi := s.Claim(st.n); hi != st.wantHi {
			t.Fatalf("Claim(%d) = %d, want %d", st.n, hi, st.wantHi)
		}
	}
	if s.Cursor() != -1 {
		t.Fatalf("Cursor() = %d before Publish, want -1", s.Cursor())
	}
	s.Publish(3)
	if s.Cursor() != 3 {
		t.Fatalf("Cursor() = %d, want 3", s.Cursor())
	}
	if avail, ok := c.WaitFor(0); !ok || avail != 3 {
		t.Fatalf("WaitFor(0) = %d, %v; want 3, true", avail, ok)
	}
	// The cached avail answers without touching the cursor.
	s.Publish(7)
	if avail, ok := c.WaitFor(2); !ok || avail != 3 {
		t.Fatalf("WaitFor(2) = %d, %v; want the cached 3, true", avail, ok)
	}
	if avail, ok := c.WaitFor(4); !ok || avail != 7 {
		t.Fatalf("WaitFor(4) = %d, %v; want 7, true", avail, ok)
	}
	c.Release(7)
	if c.Sequence() != 7 {
		t.Fatalf("Sequence() = %d, want 7", c.Sequence())
	}
	mustPanic(t, "not claimed", func() { s.Publish(8) })
	mustPanic(t, "beyond the highest sequence", func() { c.Release(8) })
}

func TestTryClaimFull(t *testing.T) {
	s := newSeq(t, 4, nil)
	c := s.NewConsumer()
	steps := []struct {
		name    string
		release int64 // released before the claim, -2 for none
		n       int
		wantHi  int64
		wantOK  bool
	}{
		{"fill", -2, 4, 3, true},
		{"full", -2, 1, 0, false},
		{"one freed, two wanted", 0, 2, 0, false},
		{"one freed, one wanted", -2, 1, 4, true},
		{"full again", -2, 1, 0, false},
		{"all freed, batch of Size", 3, 4, 0, false}, // 4 is claimed, so only 3 are free
		{"three fit", -2, 3, 7, true},
	}
	for _, st := range steps {
		if st.release != -2 {
			if _, ok := c.WaitFor(st.release); !ok {
				t.Fatalf("%s: WaitFor(%d) not ok", st.name, st.release)
			}
			c.Release(st.release)
		}
		hi, ok := s.TryClaim(st.n)
		if ok != st.wantOK || (ok && hi != st.wantHi) {
			t.Fatalf("%s: TryClaim(%d) = %d, %v; want %d, %v", st.name, st.n, hi, ok, st.wantHi, st.wantOK)
		}
		if ok {
			s.Publish(hi)
		}
	}
}

// TestWrapSingleGoroutine runs small rings many laps on one goroutine, with a
// dependency chain, claiming every batch size including exactly Size.
func TestWrapSingleGoroutine(t *testing.T) {
	for _, size := range []int{2, 4} {
		for n := 1; n <= size; n++ {
			t.Run("", func(t *testing.T) {
				r, err := New[int64](size, nil)
				if err != nil {
					t.Fatal(err)
				}
				s := r.Sequencer()
				a := s.NewConsumer()
				b := s.NewConsumer(a)
				const laps = 1000
				next := int64(0)
				for range laps {
					hi, ok := s.TryClaim(n)
					if !ok {
						t.Fatalf("size %d n %d: TryClaim failed on an empty ring", size, n)
					}
					if _, ok := s.TryClaim(size - n + 1); ok {
						t.Fatalf("size %d n %d: TryClaim succeeded past the end of the ring", size, n)
					}
					for seq := hi - int64(n) + 1; seq <= hi; seq++ {
						*r.Slot(seq) = seq * 3
					}
					s.Publish(hi)
					for _, c := range []*Consumer{a, b} {
						avail, ok := c.WaitFor(next)
						if !ok || avail != hi {
							t.Fatalf("WaitFor(%d) = %d, %v; want %d, true", next, avail, ok, hi)
						}
						for seq := next; seq <= avail; seq++ {
							if v := *r.Slot(seq); v != seq*3 {
								t.Fatalf("slot %d holds %d, want %d", seq, v, seq*3)
							}
						}
						c.Release(avail)
					}
					next = hi + 1
				}
			})
		}
	}
}
