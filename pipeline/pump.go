package pipeline

import (
	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/wire"
)

// pumped is one batch a pump read: the events, the malformed records met
// among them, and how the reading ended.
type pumped struct {
	evs []event.In
	bad []*wire.DecodeError
	n   int
	eof bool
	err error
}

// pump reads a live feed (Config.LiveFeed) on its own goroutine into
// batches it hands to ingest, so that ingest, waiting on the batches, the
// operator's commands and the stop at once, is never stuck in a read. Two
// batches circulate: while ingest publishes one, the pump fills the other.
// A pump blocked in a read when the run stops is left there; the read ends
// with the process (or the feed).
type pump struct {
	full chan *pumped
	free chan *pumped
}

// startPump starts reading src in batches; stopped is checked before each
// batch, so that nothing is read once the run stops.
func startPump(src Source, batch int, strict bool, stopped func() bool) *pump {
	p := &pump{full: make(chan *pumped, 2), free: make(chan *pumped, 2)}
	for range 2 {
		p.free <- &pumped{evs: make([]event.In, batch)}
	}
	bsrc, _ := src.(buffered)
	go func() {
		for b := range p.free {
			if stopped() {
				b.n, b.eof, b.err = 0, true, nil
				p.full <- b
				return
			}
			b.bad = b.bad[:0]
			b.n, b.eof, b.err = fill(src, bsrc, b.evs, func(de *wire.DecodeError) bool {
				b.bad = append(b.bad, de)
				return strict
			})
			p.full <- b
			if b.eof {
				return
			}
		}
	}()
	return p
}
