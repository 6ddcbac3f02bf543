package pipeline

import (
	"context"
	"fmt"

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

func startPump(src Source, batch int, strict bool) *pump {
	p := &pump{full: make(chan *pumped, 2), free: make(chan *pumped, 2)}
	for range 2 {
		p.free <- &pumped{evs: make([]event.In, batch)}
	}
	bsrc, _ := src.(buffered)
	go func() {
		for b := range p.free {
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

// pumped is ingest with a pump: it publishes the batches the pump reads
// and the commands handed to it, whichever comes first.
func (ig *ingester) pumped(ctx context.Context, src Source) {
	r := ig.r
	p := startPump(src, len(ig.batch), r.cfg.Strict)
	defer close(p.free) // the pump ends after its read in progress
	done := ctx.Done()
	for !r.stop.Load() {
		select {
		case <-done:
			r.stop.Store(true)
			return
		case t := <-ig.cmds:
			if !ig.commands(t) {
				return
			}
		case b := <-p.full:
			for _, de := range b.bad {
				if ig.malformed(de) {
					return
				}
			}
			if b.err != nil {
				r.setErr(fmt.Errorf("pipeline: feed: %w", b.err))
			}
			if b.n > 0 && !ig.publish(b.evs[:b.n], nil) {
				return
			}
			if b.eof {
				return
			}
			p.free <- b
		}
	}
}
