package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/wire"
)

// buffered is implemented by decoders that can tell how much input they hold
// without blocking. Ingest publishes what it has decoded before a Next that
// might block, so a live feed is not held back waiting for a full batch.
type buffered interface {
	Buffered() int
}

// ingest is the single writer of the input ring. It decodes up to Batch
// events, stamps them, and publishes them with one claim.
//
// It checks ctx once per batch, so a cancelled run stops within a batch of
// the cancel whatever the scheduler does with the run's other goroutines.
func (r *run) ingest(ctx context.Context, src Source, sum *Summary) {
	seqr := r.in.Sequencer()
	defer seqr.Close()
	batch := make([]event.In, r.cfg.Batch)
	bsrc, _ := src.(buffered)
	seq := r.cfg.FirstSeq
	lastTS := r.lastTS // a restart's clamp goes on from the last journaled event
	done := ctx.Done()
	for !r.stop.Load() {
		select {
		case <-done:
			r.stop.Store(true)
			return
		default:
		}
		n := 0
		eof := false
		for n < len(batch) {
			if n > 0 && bsrc != nil && bsrc.Buffered() == 0 {
				break
			}
			err := src.Next(&batch[n])
			if err == nil {
				n++
				continue
			}
			if errors.Is(err, io.EOF) {
				eof = true
				break
			}
			var de *wire.DecodeError
			if errors.As(err, &de) {
				sum.Malformed++
				r.deadLetter(de)
				if r.cfg.Strict {
					r.setErr(fmt.Errorf("%w: %w", ErrStrict, de))
					eof = true
					break
				}
				continue
			}
			r.setErr(fmt.Errorf("pipeline: feed: %w", err))
			eof = true
			break
		}
		if n > 0 {
			if r.cfg.Clock == ClockWall {
				now := time.Now().UnixNano()
				for i := range batch[:n] {
					batch[i].TS = now
				}
			} else {
				for i := range batch[:n] {
					switch ts := batch[i].TS; {
					case ts == 0:
						batch[i].TS = lastTS
					case ts < lastTS:
						batch[i].TS = lastTS
						sum.TSClamped++
					default:
						lastTS = ts
					}
				}
			}
			for i := range batch[:n] {
				batch[i].Seq = seq
				seq++
			}
			// A snapshot asked for now is taken after the events before
			// this batch, or these: at the next event boundary the logic
			// reaches.
			select {
			case <-r.cfg.SnapshotRequests:
				r.snapNow.Store(true)
			default:
			}
			hi := seqr.Claim(n)
			lo := hi - int64(n) + 1
			for i := range batch[:n] {
				*r.in.Slot(lo + int64(i)) = batch[i]
			}
			seqr.Publish(hi)
			if sum.FirstSeq == 0 {
				sum.FirstSeq = batch[0].Seq
			}
			sum.LastSeq = batch[n-1].Seq
			sum.EventsIn += int64(n)
			r.eventsN.Store(sum.EventsIn)
			if r.jnl != nil && !r.journal() {
				return // the journal failed: the logic stops after what it took
			}
		}
		if eof {
			return
		}
	}
}

func (r *run) deadLetter(de *wire.DecodeError) {
	if r.cfg.DeadLetter == nil {
		return
	}
	where := fmt.Sprintf("offset %d", de.Offset)
	if de.Line > 0 {
		where = fmt.Sprintf("line %d", de.Line)
	}
	raw := fmt.Sprintf("%q", de.Record)
	if de.Line == 0 {
		raw = fmt.Sprintf("%x", de.Record)
	}
	if _, err := fmt.Fprintf(r.cfg.DeadLetter, "%s\t%v\t%s\n", where, de.Err, raw); err != nil {
		r.setErr(fmt.Errorf("pipeline: dead letter: %w", err))
	}
}

// runLogic consumes the input ring, applies each event to the logic and
// publishes the answers to the output ring. It is the single writer of the
// output ring and owns the logic; it runs on the pinned goroutine. It takes
// the snapshots, at event boundaries.
func (r *run) runLogic() {
	outSeqr := r.out.Sequencer()
	defer outSeqr.Close()
	outSize := outSeqr.Size()
	outs := make([]event.Out, 0, 4096)
	snaps := r.snaps
	var last uint64 // sequence of the last event applied
	next := int64(0)
	for {
		avail, ok := r.logicIn.WaitFor(next)
		if !ok {
			break
		}
		for s := next; s <= avail; s++ {
			in := r.in.Slot(s)
			outs = r.logic.apply(in, outs[:0])
			// A mass cancel can answer with more events than the ring
			// holds: publish in pieces of at most half the ring.
			for done := 0; done < len(outs); {
				n := min(len(outs)-done, outSize/2)
				hi := outSeqr.Claim(n)
				lo := hi - int64(n) + 1
				for i := range n {
					*r.out.Slot(lo + int64(i)) = outs[done+i]
				}
				outSeqr.Publish(hi)
				done += n
			}
			last = in.Seq
			if snaps != nil && snaps.due(last) {
				snaps.take(r.logic, last, false)
			}
		}
		r.logicIn.Release(avail)
		r.applied.Store(last)
		next = avail + 1
		if snaps != nil && r.snapNow.Swap(false) {
			snaps.take(r.logic, last, false)
		}
	}
	if snaps != nil {
		if last != 0 && last != snaps.lastTaken {
			snaps.take(r.logic, last, true)
		}
		close(snaps.pending)
	}
}

// sink consumes the output ring: digest, counts, the risk report and the
// writer, and with a journal the output checkpoints (see CheckpointFile),
// written at the boundary between two inputs' outputs.
func (r *run) sink(st *sinkState) {
	next := int64(0)
	due := false
	for {
		avail, ok := r.sinkIn.WaitFor(next)
		if !ok {
			break
		}
		for s := next; s <= avail; s++ {
			o := r.out.Slot(s)
			if due && o.Seq != st.last {
				// Every output of st.last and before is in.
				due = !st.checkpoint(st.last, false)
			}
			if err := st.add(o); err != nil {
				r.setErr(err)
			}
			due = due || st.due()
		}
		r.sinkIn.Release(avail)
		r.outN.Store(st.counts.out)
		next = avail + 1
	}
	// The logic is done: every event it applied has all its outputs in.
	st.checkpoint(max(st.last, r.applied.Load()), true)
	if st.w != nil && st.writing {
		if err := st.w.Flush(); err != nil {
			st.writing = false
			r.setErr(fmt.Errorf("pipeline: output: %w", err))
		}
	}
}
