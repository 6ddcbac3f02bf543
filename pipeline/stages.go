package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tradeengine/engine/admin"
	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/ring"
	"github.com/tradeengine/engine/wire"
)

// buffered is implemented by decoders that can tell how much input they hold
// without blocking. Ingest publishes what it has decoded before a Next that
// might block, so a live feed is not held back waiting for a full batch.
type buffered interface {
	Buffered() int
}

// ingest is the single writer of the input ring. It decodes up to Batch
// events, stamps them, and publishes them with one claim; with a Control
// it also sequences the operator commands handed to it, as batches of
// their own between two of the feed's.
//
// It checks ctx once per batch, so a cancelled run stops within a batch of
// the cancel whatever the scheduler does with the run's other goroutines.
// A live feed (Config.LiveFeed) is read on a goroutine of its own (see
// pump), so that a quiet feed holds up neither commands nor a stop.
func (r *run) ingest(ctx context.Context, src Source, sum *Summary) {
	ig := &ingester{r: r, seqr: r.in.Sequencer(), sum: sum, seq: r.cfg.FirstSeq,
		lastTS: r.lastTS, // a restart's clamp goes on from the last journaled event
		batch:  make([]event.In, r.cfg.Batch)}
	defer ig.seqr.Close()
	if r.ctl != nil {
		ig.cmds = r.ctl.cmds
	}
	if r.cfg.LiveFeed {
		ig.pumped(ctx, src)
		return
	}
	bsrc, _ := src.(buffered)
	done := ctx.Done()
	for !r.stop.Load() {
		select {
		case <-done:
			r.stop.Store(true)
			return
		default:
		}
		if ig.cmds != nil && len(ig.cmds) > 0 && !ig.commands(nil) {
			return
		}
		n, eof, err := fill(src, bsrc, ig.batch, ig.malformed)
		if err != nil {
			r.setErr(fmt.Errorf("pipeline: feed: %w", err))
		}
		if n > 0 && !ig.publish(ig.batch[:n], nil) {
			return
		}
		if eof {
			return
		}
	}
}

// ingester is ingest's state.
type ingester struct {
	r      *run
	seqr   *ring.Sequencer
	sum    *Summary
	seq    uint64 // the next sequence
	lastTS int64  // the clamp's last event time
	batch  []event.In
	cmds   chan *ticket // nil without a Control
	tk     []*ticket    // the commands of the batch being published
}

// fill decodes up to len(batch) events from src: fewer when a buffered
// source has nothing more at hand. A malformed record goes to bad, which
// says whether to stop. eof reports the end of the feed, a failure (err)
// or a stop.
func fill(src Source, bsrc buffered, batch []event.In, bad func(*wire.DecodeError) (stop bool)) (n int, eof bool, err error) {
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
			return n, true, nil
		}
		var de *wire.DecodeError
		if errors.As(err, &de) {
			if bad(de) {
				return n, true, nil
			}
			continue
		}
		return n, true, err
	}
	return n, false, nil
}

// malformed counts and dead-letters a malformed record and reports whether
// to stop.
func (ig *ingester) malformed(de *wire.DecodeError) bool {
	r := ig.r
	ig.sum.Malformed++
	if r.ctl != nil {
		r.ctl.malformed.Store(ig.sum.Malformed)
	}
	r.deadLetter(de)
	if r.cfg.Strict {
		r.setErr(fmt.Errorf("%w: %w", ErrStrict, de))
		return true
	}
	return false
}

// commands sequences the commands waiting (first, when not nil, then the
// others queued), as many as the batch and the logic's ticket queue hold,
// and reports false when the run must stop.
func (ig *ingester) commands(first *ticket) bool {
	q := ig.r.tickets
	room := min(q.room(), len(ig.batch))
	ig.tk = ig.tk[:0]
	if first != nil {
		ig.tk = append(ig.tk, first)
	}
	for len(ig.tk) < room {
		select {
		case t := <-ig.cmds:
			ig.tk = append(ig.tk, t)
			continue
		default:
		}
		break
	}
	if len(ig.tk) == 0 {
		return true
	}
	for i, t := range ig.tk {
		ig.batch[i] = t.op.In
	}
	return ig.publish(ig.batch[:len(ig.tk)], ig.tk)
}

// publish stamps, sequences, publishes and journals batch; tk, when not
// nil, are the tickets of the commands that batch holds, one per event.
func (ig *ingester) publish(batch []event.In, tk []*ticket) bool {
	r, sum := ig.r, ig.sum
	n := len(batch)
	if r.cfg.Clock == ClockWall {
		now := time.Now().UnixNano()
		for i := range batch {
			batch[i].TS = now
		}
	} else {
		for i := range batch {
			switch ts := batch[i].TS; {
			case ts == 0:
				batch[i].TS = ig.lastTS
			case ts < ig.lastTS:
				batch[i].TS = ig.lastTS
				sum.TSClamped++
			default:
				ig.lastTS = ts
			}
		}
	}
	for i := range batch {
		batch[i].Seq = ig.seq
		ig.seq++
	}
	// A snapshot asked for now is taken after the events before
	// this batch, or these: at the next event boundary the logic
	// reaches.
	select {
	case <-r.cfg.SnapshotRequests:
		r.snapNow.Store(true)
	default:
	}
	if c := r.ctl; c != nil {
		for i, t := range tk {
			t.op.In = batch[i]
			t.applied.Seq, t.applied.TS = batch[i].Seq, batch[i].TS
			if r.jnl != nil {
				r.jnl.cmds = append(r.jnl.cmds, replay.Command{In: batch[i], UID: t.op.Peer.UID, GID: t.op.Peer.GID,
					PID: t.op.Peer.PID, Text: t.op.Text})
			}
			r.tickets.push(t) // before the publish: the logic finds it when it reaches the event
		}
		c.inTS.Store(batch[n-1].TS)
		c.ingestProbe(batch[n-1].Seq)
	}
	hi := ig.seqr.Claim(n)
	lo := hi - int64(n) + 1
	for i := range batch {
		*r.in.Slot(lo + int64(i)) = batch[i]
	}
	ig.seqr.Publish(hi)
	if sum.FirstSeq == 0 {
		sum.FirstSeq = batch[0].Seq
	}
	sum.LastSeq = batch[n-1].Seq
	r.lastSeq.Store(sum.LastSeq)
	sum.EventsIn += int64(n)
	r.eventsN.Store(sum.EventsIn)
	if r.jnl != nil && !r.journal() {
		return false // the journal failed: the logic stops after what it took
	}
	for _, t := range tk {
		close(t.seqd)
	}
	return true
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
// the snapshots, at event boundaries. With a Control it also reports the
// outputs of operator commands to whoever submitted them, pauses where a
// pause command says, answers queries between batches (and, woken by an
// alert, when idle) and publishes its counters after each batch.
func (r *run) runLogic() {
	outSeqr := r.out.Sequencer()
	defer outSeqr.Close()
	outSize := outSeqr.Size()
	outs := make([]event.Out, 0, 4096)
	snaps := r.snaps
	c := r.ctl
	if c != nil {
		defer r.endTickets()
	}
	const noCmd = ^uint64(0)
	cmdSeq := noCmd // sequence of the next command to report on
	var last uint64 // sequence of the last event applied
	var lastTS int64
	next := int64(0)
	for {
		var avail int64
		var ok bool
		if c == nil {
			avail, ok = r.logicIn.WaitFor(next)
		} else {
			var alerted bool
			avail, ok, alerted = r.logicIn.WaitForAlert(next)
			if alerted {
				r.serve(last, lastTS)
				continue
			}
			if cmdSeq == noCmd {
				if t := r.tickets.peek(); t != nil {
					cmdSeq = t.applied.Seq
				}
			}
		}
		if !ok {
			break
		}
		for s := next; s <= avail; s++ {
			in := r.in.Slot(s)
			outs = r.logic.Apply(in, outs[:0])
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
			last, lastTS = in.Seq, in.TS
			snapped := snaps != nil && snaps.due(last) && snaps.take(r.logic, last, false)
			if r.digests != nil && (snapped || r.digests.due(last)) {
				r.takeDigest(last, lastTS, snapped)
			}
			if in.Seq == cmdSeq {
				t := r.tickets.peek()
				r.tickets.pop()
				cmdSeq = noCmd
				if nt := r.tickets.peek(); nt != nil {
					cmdSeq = nt.applied.Seq
				}
				r.answered(t, outs)
				if t.pause != 0 {
					// Stop at this event's boundary: what follows waits.
					r.logicIn.Release(s)
					r.applied.Store(last)
					r.publishCounters(lastTS, outs)
					r.pause(t.pause, last, lastTS)
				}
			}
		}
		r.logicIn.Release(avail)
		r.applied.Store(last)
		next = avail + 1
		if c != nil {
			r.publishCounters(lastTS, outs)
			if len(c.queries) > 0 || r.snapNow.Load() {
				r.serve(last, lastTS)
			}
		} else if snaps != nil && r.snapNow.Swap(false) {
			r.snapshot(last, lastTS, false)
		}
	}
	if snaps != nil {
		if last != 0 && last != snaps.lastTaken {
			r.snapshot(last, lastTS, true)
		}
		close(snaps.pending)
	}
	if c != nil {
		r.serve(last, lastTS) // the queries taken before the end
	}
}

// answered hands t the outputs its command was answered with.
func (r *run) answered(t *ticket, outs []event.Out) {
	a := &t.applied
	a.NOut = len(outs)
	a.Outs = append([]event.Out(nil), outs[:min(len(outs), admin.MaxOuts)]...)
	for i := range outs {
		if outs[i].Kind == event.OutCancelled {
			a.Cancelled++
		}
	}
	if len(outs) > 0 {
		a.Last = outs[len(outs)-1]
	}
	t.ok = true
	close(t.done)
}

// endTickets tells the submitters of commands sequenced and never applied
// (the run failed) that they were not.
func (r *run) endTickets() {
	for t := r.tickets.peek(); t != nil; t = r.tickets.peek() {
		r.tickets.pop()
		close(t.done)
	}
}

// publishCounters publishes what Stats shows of the logic: the event time
// it has reached, the newest output's, the guard's trips and held orders.
func (r *run) publishCounters(ts int64, outs []event.Out) {
	c := r.ctl
	c.logicTS.Store(ts)
	if len(outs) > 0 {
		c.outTS.Store(outs[len(outs)-1].TS)
	}
	if g := r.logic.Guard(); g != nil {
		c.trips.Store(g.Trips())
		c.pending.Store(int64(g.PendingCount()))
	}
}

// pause holds the logic after the pause numbered k (at sequence seq, of
// time ts) until a resume covers it or the run stops, answering queries
// meanwhile.
func (r *run) pause(k, seq uint64, ts int64) {
	c := r.ctl
	c.pausedNS.Store(time.Now().UnixNano())
	c.pausedAt.Store(seq)
	defer c.pausedAt.Store(0)
	tick := time.NewTicker(50 * time.Millisecond) // a stop by a failing stage pokes nobody
	defer tick.Stop()
	for c.resumeGen.Load() < k && !r.stop.Load() {
		r.serve(seq, ts)
		select {
		case <-c.wake:
		case <-tick.C:
		}
	}
}

// serve answers the queries waiting and takes a snapshot asked for, at the
// boundary after seq (of time ts).
func (r *run) serve(seq uint64, ts int64) {
	c := r.ctl
	if r.snaps != nil && r.snapNow.Swap(false) {
		r.snapshot(seq, ts, false)
	}
	for {
		select {
		case q := <-c.queries:
			q.ans, q.err = r.logic.Answer(q.q)
			q.ans.Seq = seq
			close(q.done)
		default:
			return
		}
	}
}

// sink consumes the output ring: digest, counts, the risk report and the
// writer, and with a journal the output checkpoints (see CheckpointFile),
// written at the boundary between two inputs' outputs.
func (r *run) sink(st *sinkState) {
	next := int64(0)
	due := false
	c := r.ctl
	var lr *latencyRecorder
	if c != nil {
		lr = newLatencyRecorder()
	}
	for {
		avail, ok := r.sinkIn.WaitFor(next)
		if !ok {
			break
		}
		for s := next; s <= avail; s++ {
			o := r.out.Slot(s)
			if o.Kind == outDigest {
				if err := r.digests.record(st); err != nil {
					r.setErr(err)
				}
				continue
			}
			if due && o.Seq != st.last {
				// Every output of st.last and before is in.
				due = !st.checkpoint(st.last, false)
			}
			if err := st.add(o); err != nil {
				r.setErr(err)
			}
			due = due || st.due()
		}
		if c != nil {
			c.sinkTS.Store(r.out.Slot(avail).TS) // before the release: the slot is the logic's after
		}
		r.sinkIn.Release(avail)
		r.outN.Store(st.counts.out)
		next = avail + 1
		if c != nil {
			c.sinkProbe(lr, st.last)
		}
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
