package ringbench

import (
	"fmt"
	"sync"
)

// Limit says when a writer stops: after Events events, or once the clock
// given to [Run] has advanced by Span since the writer started, whichever
// comes first (zero means no such limit; one of the two must be set). The
// writer looks after every [Chunk] events, so it writes a multiple of Chunk.
type Limit struct {
	Events int64
	Span   int64 // in the clock's units
}

// Result is what [Run] measured.
type Result struct {
	Events int64 // events written, and read
	// Start is the clock before the writer's first event, End after the
	// reader has read the last one.
	Start, End int64
}

// Elapsed returns End-Start, in the clock's units.
func (r Result) Elapsed() int64 { return r.End - r.Start }

// Run times t: the writer writes [Chunk] events at a time until lim, then
// closes t; the reader reads until then. pair runs the writer and the reader
// on two goroutines and returns when both have ([Unpinned], or bench.RunPair
// for a pinned pair). now is the clock (time.Now in nanoseconds, or the
// suite's cheaper counter). Run fails when the reader did not read every
// event written.
func Run(t Transport, pair func(writer, reader func()), now func() int64, lim Limit) (Result, error) {
	if lim.Events <= 0 && lim.Span <= 0 {
		return Result{}, fmt.Errorf("ringbench: run: no limit")
	}
	var res Result
	var sum int64
	pair(func() {
		res.Start = now()
		var next int64
		for {
			t.Write(next, Chunk)
			next += Chunk
			if lim.Events > 0 && next >= lim.Events || lim.Span > 0 && now()-res.Start >= lim.Span {
				break
			}
		}
		res.Events = next
		t.Close()
	}, func() {
		sum = t.Read()
		res.End = now()
	})
	if sum != res.Events {
		return res, fmt.Errorf("ringbench: reader read %d events, want %d", sum, res.Events)
	}
	return res, nil
}

// Unpinned runs writer and reader on two new goroutines, the reader started
// first, and returns when both have returned.
func Unpinned(writer, reader func()) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); reader() }()
	go func() { defer wg.Done(); writer() }()
	wg.Wait()
}

// Drainer is a [Transport] whose reader can also take what has been written
// without waiting for more: the writer's side and the reader's side then run
// on one goroutine (see [Solo]).
type Drainer interface {
	Transport
	// Drain reads the next n events, which must have been written, and
	// returns the sum of their Qty.
	Drain(n int64) int64
}

// Solo moves events through t on the calling goroutine alone, Size at a
// time: Write of Size events, then Drain of all of them, until it has moved
// at least events. It measures a transport's own work per event (for the
// ring: claim, fill, publish, then one WaitFor, the reads and one Release per
// Size events) with no second core and no scheduler: what is left when the
// two sides of [Run] take turns on one core, and a floor under what they cost
// on two. It fails when it did not read every event written. t is closed on
// return.
func Solo(t Drainer, events int64) (moved int64, err error) {
	var sum int64
	for moved < events {
		t.Write(moved, Size)
		sum += t.Drain(Size)
		moved += Size
	}
	t.Close()
	if sum != moved {
		return moved, fmt.Errorf("ringbench: solo: read %d events, want %d", sum, moved)
	}
	return moved, nil
}
