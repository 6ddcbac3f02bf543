package ring_test

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/ring"
)

// Example wires one writer and two consumers the way the engine's input ring
// is wired: a journaler, and the logic, which only sees what the journaler has
// released.
func Example() {
	r, err := ring.New[event.In](8, ring.SpinYield())
	if err != nil {
		panic(err)
	}
	s := r.Sequencer()
	journal := s.NewConsumer()
	logic := s.NewConsumer(journal) // barrier: nothing before it is journaled

	var journaled atomic.Int64 // how many events the journaler has made durable
	var wg sync.WaitGroup
	wg.Go(func() {
		for next := int64(0); ; {
			avail, ok := journal.WaitFor(next)
			if !ok {
				return
			}
			journaled.Store(avail + 1) // a real journaler appends slots next..avail
			journal.Release(avail)
			next = avail + 1
		}
	})
	wg.Go(func() {
		for next := int64(0); ; {
			avail, ok := logic.WaitFor(next)
			if !ok {
				return
			}
			for seq := next; seq <= avail; seq++ {
				ev := r.Slot(seq)
				fmt.Printf("seq %d: %s %d lots at %d (journaled: %v)\n", ev.Seq, ev.Side, ev.Qty, ev.Price, int64(ev.Seq) < journaled.Load())
			}
			logic.Release(avail)
			next = avail + 1
		}
	})

	// The writer: claim a batch, fill the slots in place, publish.
	for i := range 3 {
		hi := s.Claim(2)
		for seq := hi - 1; seq <= hi; seq++ {
			*r.Slot(seq) = event.In{Seq: uint64(seq), Kind: event.KindNew, Side: event.Buy, Type: event.Limit, Price: 100 + int64(i), Qty: 10}
		}
		s.Publish(hi)
	}
	s.Close()
	wg.Wait()
	fmt.Println("cursor", s.Cursor(), "journal", journal.Sequence(), "logic", logic.Sequence())
	// Output:
	// seq 0: buy 10 lots at 100 (journaled: true)
	// seq 1: buy 10 lots at 100 (journaled: true)
	// seq 2: buy 10 lots at 101 (journaled: true)
	// seq 3: buy 10 lots at 101 (journaled: true)
	// seq 4: buy 10 lots at 102 (journaled: true)
	// seq 5: buy 10 lots at 102 (journaled: true)
	// cursor 5 journal 5 logic 5
}
