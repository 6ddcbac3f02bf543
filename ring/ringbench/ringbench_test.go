package ringbench

import (
	"testing"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/ring"
)

func newTransport(t *testing.T, name string) Transport {
	t.Helper()
	switch name {
	case "chan":
		return NewChan()
	case "chan-batch":
		return NewChanBatch()
	}
	batch := map[string]int{"ring": 1, "ring-batch=64": 64, "ring-batch=100": 100}[name]
	r, err := NewRing(batch, ring.Park())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var transports = []string{"ring", "ring-batch=64", "ring-batch=100", "chan", "chan-batch"}

// TestRunMovesEverything runs every transport to an event limit and to a
// clock limit: Run fails when the reader did not read every event written.
func TestRunMovesEverything(t *testing.T) {
	now := func() int64 { return time.Now().UnixNano() }
	for _, name := range transports {
		t.Run(name+"/events", func(t *testing.T) {
			res, err := Run(newTransport(t, name), Unpinned, now, Limit{Events: 10*Size + 1})
			if err != nil {
				t.Fatal(err)
			}
			if want := int64(10*Size + Chunk); res.Events != want {
				t.Errorf("%d events, want %d (whole chunks)", res.Events, want)
			}
			if res.Elapsed() <= 0 {
				t.Errorf("elapsed %d", res.Elapsed())
			}
		})
		t.Run(name+"/span", func(t *testing.T) {
			res, err := Run(newTransport(t, name), Unpinned, now, Limit{Span: int64(5 * time.Millisecond)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Events == 0 || res.Events%Chunk != 0 || res.Elapsed() < int64(5*time.Millisecond) {
				t.Errorf("%d events in %v", res.Events, time.Duration(res.Elapsed()))
			}
		})
	}
	if _, err := Run(NewChan(), Unpinned, now, Limit{}); err == nil {
		t.Error("Run without a limit: no error")
	}
}

// TestEventsInOrder reads back what every transport moved on one goroutine
// (Solo) and through Run, and checks that the ring's reader counted its
// batches.
func TestEventsInOrder(t *testing.T) {
	for _, name := range []string{"ring", "ring-batch=64", "chan"} {
		t.Run(name, func(t *testing.T) {
			tr := newTransport(t, name).(Drainer)
			moved, err := Solo(tr, 3*Size+1)
			if err != nil {
				t.Fatal(err)
			}
			if moved != 4*Size {
				t.Errorf("moved %d, want %d", moved, 4*Size)
			}
			if r, ok := tr.(*Ring); ok && (r.Batches() < 4 || r.Batches() > moved) {
				t.Errorf("%d batches for %d events", r.Batches(), moved)
			}
		})
	}
}

// TestFill checks the event every transport moves: valid, Qty 1, the
// sequence in Seq, TS and ID.
func TestFill(t *testing.T) {
	var e event.In
	Fill(&e, 42)
	if e.Seq != 42 || e.TS != 42 || e.ID != 42 || e.Qty != 1 || e.Kind != event.KindNew {
		t.Errorf("Fill(42) = %+v", e)
	}
}

func TestBatchName(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{1, "unbatched"}, {64, "batch=64"}} {
		if got := BatchName(tc.n); got != tc.want {
			t.Errorf("BatchName(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	for _, n := range Batches {
		if Chunk%n != 0 {
			t.Errorf("batch %d does not divide Chunk %d", n, Chunk)
		}
	}
}

func TestNewRingBatch(t *testing.T) {
	for _, n := range []int{0, Size + 1} {
		if _, err := NewRing(n, nil); err == nil {
			t.Errorf("NewRing(%d): no error", n)
		}
	}
}

// TestNoAllocs: the writer's and the reader's loops allocate nothing.
func TestNoAllocs(t *testing.T) {
	r, err := NewRing(1, nil)
	if err != nil {
		t.Fatal(err)
	}
	var next int64
	allocs := testing.AllocsPerRun(100, func() {
		r.Write(next, Size)
		r.Drain(Size)
		next += Size
	})
	if allocs != 0 {
		t.Errorf("%v allocations per Size events", allocs)
	}
}
