package pipeline

import (
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

// ingester is ingest's state: the single writer of the input ring. It
// decodes up to Batch events, stamps them, and publishes them with one
// claim, then journals them (the journal stage runs here, right after each
// publish); with a Control it also sequences the operator commands handed to
// it, as batches of their own between two of the feed's. See ingestAgent
// for its duty cycle.
type ingester struct {
	r      *run
	seqr   *ring.Sequencer
	sum    *Summary
	seq    uint64 // the next sequence
	lastTS int64  // the clamp's last event time
	batch  []event.In
	cmds   chan *ticket // nil without a Control
	tk     []*ticket    // the commands of the batch being published
	// pend is a batch stamped and sequenced that the ring had no room for
	// yet (shared threading); pendTk its tickets.
	pend   []event.In
	pendTk []*ticket
	block  bool // claim waits for room (a stage on a thread of its own)
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
// and publishes them; it reports how many it took and false when the run
// must stop.
func (ig *ingester) commands(first *ticket) (int, bool) {
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
		return 0, true
	}
	for i, t := range ig.tk {
		ig.batch[i] = t.op.In
	}
	return len(ig.tk), ig.publish(ig.batch[:len(ig.tk)], ig.tk)
}

// publish stamps and sequences batch and publishes and journals it; tk,
// when not nil, are the tickets of the commands that batch holds, one per
// event. When the ring has no room (and the ingester may not wait for it)
// the batch is kept in pend for the next cycle's claim. It reports false
// when the run must stop.
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
	ig.pend, ig.pendTk = batch, tk
	_, ok := ig.claim()
	return ok
}

// claim publishes the pending batch and journals it. published is false
// when the ring has no room for it now (it stays pending); ok is false when
// the run must stop (the journal failed).
func (ig *ingester) claim() (published, ok bool) {
	r, sum, batch := ig.r, ig.sum, ig.pend
	n := len(batch)
	var hi int64
	if ig.block {
		hi = ig.seqr.Claim(n)
	} else if hi, published = ig.seqr.TryClaim(n); !published {
		return false, true
	}
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
	tk := ig.pendTk
	ig.pend, ig.pendTk = nil, nil
	if r.jnl != nil && !r.journal() {
		return true, false // the journal failed: the logic stops after what it took
	}
	for _, t := range tk {
		close(t.seqd)
	}
	return true, true
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
