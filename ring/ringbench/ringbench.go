// Package ringbench is the one measurement harness of the ring and of what
// it is compared with: the events every transport moves ([Fill]), the sizes
// ([Size], [Batches]), the ring's writer and reader loops ([Ring]), the
// buffered-channel baselines ([Chan], [ChanBatch]) and the loop that times a
// writer and a reader on two goroutines ([Run]). The ring's own benchmarks
// (ring/bench_test.go), the benchmark suite (bench: `engine bench ring`) and
// the peers module (bench/peers: xsync, Workiva) all measure through it, so
// that the figures they print are made the same way and stay comparable.
//
// A transport moves events one way, from one writer goroutine to one reader
// goroutine. The writer fills each event in place with [Fill] (into a ring
// slot, or into the value then sent); the reader reads each event's Qty and
// sums it, so that the sum is the number of events read and checks that
// nothing was lost.
//
// The ring's writer claims a batch of slots, fills them and publishes the
// highest once (batch 1 is "unbatched"), and its reader takes everything
// published at once: WaitFor returns the highest readable sequence, the
// reader reads up to it and releases it once (the Disruptor's natural
// batching). The writer reads the reader's sequence only when its cached copy
// says the ring may be full (ring.Sequencer.Claim does that itself).
package ringbench

import (
	"fmt"

	"github.com/tradeengine/engine/event"
)

// Size is the capacity of every ring, channel and queue the harness
// compares: 4096 slots of 64-byte events, 256 KiB, which stays in L2.
const Size = 4096

// Chunk is how many events a writer moves between two looks at its limit
// (see [Limit]), and the number of events in one op of the ring's
// benchmarks. It is a multiple of every batch in [Batches].
const Chunk = 1024

// Batches are the writer batch sizes the ring is measured with; 1 is
// reported as "unbatched".
var Batches = []int{1, 16, 64, 256}

// BatchName names a batch size: "unbatched" or "batch=64".
func BatchName(n int) string {
	if n == 1 {
		return "unbatched"
	}
	return fmt.Sprintf("batch=%d", n)
}

// Fill writes the fields of a new-order event with sequence seq, in place:
// into a ring slot, or into the value then sent on a channel or queue, so
// that every transport moves the same bytes. Qty is 1, so that a reader's
// sum of Qty counts the events. (Building an event.In literal and copying it
// whole costs more than the ring itself: the field stores to the temporary
// stall the wide loads of the copy.)
func Fill(e *event.In, seq int64) {
	e.Seq = uint64(seq)
	e.TS = seq
	e.ID = uint64(seq)
	e.Price = 100
	e.Qty = 1
	e.Symbol = 1
	e.Account = 7
	e.Kind = event.KindNew
	e.Side = event.Buy
	e.Type = event.Limit
}
