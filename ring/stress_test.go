package ring

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// stress describes one stress run: one writer publishing events 0..events-1
// in random batches into a ring of size slots, and four consumers: A, B
// depending on A, C depending on B, and D independent of all.
type stress struct {
	size     int
	events   int64
	maxBatch int // largest writer batch
	wait     WaitStrategy
}

// run checks, in every consumer, that each slot read holds exactly the next
// expected sequence (no loss, duplication or reordering), that it still holds
// it when the consumer releases it (the writer never overwrote it early), and
// that a dependent never sees a slot before its dependency released it: A and
// B write the sequence into a side array (marks) before releasing, and B and
// C check the mark of their dependency.
func (st stress) run(t *testing.T) {
	t.Helper()
	r, err := New[int64](st.size, st.wait)
	if err != nil {
		t.Fatal(err)
	}
	s := r.Sequencer()
	a := s.NewConsumer()
	b := s.NewConsumer(a)
	c := s.NewConsumer(b)
	d := s.NewConsumer()
	markA := make([]int64, st.size)
	markB := make([]int64, st.size)
	for i := range markA {
		markA[i], markB[i] = -1, -1
	}
	mask := int64(st.size - 1)

	type role struct {
		name  string
		c     *Consumer
		check []int64 // mark array of the dependency, nil for none
		mark  []int64 // mark array to write, nil for none
		seed  uint64
	}
	roles := []role{
		{"A", a, nil, markA, 1},
		{"B", b, markA, markB, 2},
		{"C", c, markB, nil, 3},
		{"D", d, nil, nil, 4},
	}
	var wg sync.WaitGroup
	ends := make([]int64, len(roles))
	errs := make([]error, len(roles))
	for i, ro := range roles {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(ro.seed, 99))
			next := int64(0)
			defer func() { ends[i] = next }()
			for {
				avail, ok := ro.c.WaitFor(next)
				if !ok {
					return
				}
				// Sometimes release only part of what is available, so that
				// the next WaitFor is answered from the cached avail.
				upto := avail
				if rng.IntN(4) == 0 {
					upto = next + rng.Int64N(avail-next+1)
				}
				for seq := next; seq <= upto; seq++ {
					slot := seq & mask
					if v := *r.Slot(seq); v != seq {
						errs[i] = fmt.Errorf("consumer %s: slot of sequence %d holds %d", ro.name, seq, v)
					} else if ro.check != nil && ro.check[slot] != seq {
						errs[i] = fmt.Errorf("consumer %s: sequence %d seen before its dependency released it (mark %d)", ro.name, seq, ro.check[slot])
					}
					if errs[i] != nil {
						ro.c.Halt()
						return
					}
					if ro.mark != nil {
						ro.mark[slot] = seq
					}
				}
				for seq := next; seq <= upto; seq++ {
					if v := *r.Slot(seq); v != seq {
						errs[i] = fmt.Errorf("consumer %s: slot of sequence %d overwritten with %d before release", ro.name, seq, v)
						ro.c.Halt()
						return
					}
				}
				ro.c.Release(upto)
				next = upto + 1
			}
		})
	}

	rng := rand.New(rand.NewPCG(7, 7))
	for next := int64(0); next < st.events; {
		n := 1 + rng.IntN(st.maxBatch)
		if rng.IntN(64) == 0 {
			n = st.size // a batch of exactly Size now and then
		}
		n = int(min(int64(n), st.events-next))
		hi, ok := s.TryClaim(n)
		if !ok {
			hi = s.Claim(n)
		}
		if first := hi - int64(n) + 1; first != next {
			t.Fatalf("writer: claim of %d starts at %d, want %d", n, first, next)
		}
		for seq := next; seq <= hi; seq++ {
			*r.Slot(seq) = seq
		}
		s.Publish(hi)
		next = hi + 1
	}
	s.Close()
	wg.Wait()
	for i, ro := range roles {
		if errs[i] != nil {
			t.Error(errs[i])
			continue
		}
		if ends[i] != st.events {
			t.Errorf("consumer %s stopped at %d, want %d", ro.name, ends[i], st.events)
		}
		if ro.c.Sequence() != st.events-1 {
			t.Errorf("consumer %s released %d, want %d", ro.name, ro.c.Sequence(), st.events-1)
		}
	}
}

// TestStress runs the four-consumer stress with each wait strategy: ten
// million events with the default strategy, fewer with the others, far fewer
// under the race detector.
func TestStress(t *testing.T) {
	scale := int64(1)
	if raceEnabled {
		scale = 100
	}
	tests := []struct {
		name string
		st   stress
	}{
		{"spinyield/10M", stress{size: 1024, events: 10_000_000 / scale, maxBatch: 64, wait: SpinYield()}},
		{"busyspin", stress{size: 1 << 16, events: 1_000_000 / scale, maxBatch: 1024, wait: BusySpin()}},
		{"park", stress{size: 1024, events: 2_000_000 / scale, maxBatch: 64, wait: Park()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.st.run)
	}
}

// TestStressWrap runs the stress on the smallest rings, where every batch
// laps the ring and the writer waits on the gates all the time.
func TestStressWrap(t *testing.T) {
	scale := int64(1)
	if raceEnabled {
		scale = 10
	}
	for _, size := range []int{2, 4} {
		for _, w := range []namedStrategy{{"spinyield", SpinYield()}, {"park", Park()}} {
			t.Run(fmt.Sprintf("size=%d/%s", size, w.name), stress{size: size, events: 200_000 / scale, maxBatch: size, wait: w.w}.run)
		}
	}
}
