package pipeline

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/ring"
)

// The stages run as agents, Aeron's model: each is a duty cycle, doWork,
// that does at most one batch of work without waiting and says how much it
// did, so that a runner can put the stages on threads as configured (see
// Threads) with the same code in every mode:
//
//	ingest (decode, stamp, publish, journal) -> INPUT RING -> logic -> OUTPUT RING -> sink
//
// On a thread of its own (dedicated) a stage that found nothing to do
// waits in await: on the ring (the configured wait strategy, parking
// included), on a live feed's reader, or for room in the ring it writes.
// Sharing a thread, stages never wait: a writer whose ring is full keeps
// its batch for the next cycle, and the runner spins, then yields, then
// sleeps briefly, when a whole cycle of every stage found nothing to do.
// The work that blocks (the journal's msyncs and prefaulting, snapshot and
// output checkpoint writing, reading a live feed) runs on helpers of its
// own in every mode.
type agent interface {
	doWork() int    // at most one batch; how many events it handled
	await()         // on a dedicated thread, after a cycle that did nothing: wait for work
	finished() bool // done for good
}

// Threads says how the stages share OS threads.
type Threads uint8

const (
	// ThreadsAuto is the machine's default: ThreadsDedicated for now (see
	// Resolve).
	ThreadsAuto Threads = iota
	// ThreadsDedicated runs every stage on a goroutine of its own, the
	// logic pinned to Config.CPU when set.
	ThreadsDedicated
	// ThreadsShared runs every stage on one goroutine locked to an OS
	// thread (pinned to Config.CPU when set), cycling ingest, logic, sink.
	ThreadsShared
	// ThreadsLogic runs the logic alone on its thread (pinned to
	// Config.CPU when set) and ingest and the sink sharing a second one.
	ThreadsLogic
)

var threadNames = [...]string{ThreadsAuto: "auto", ThreadsDedicated: "dedicated", ThreadsShared: "shared", ThreadsLogic: "logic"}

func (t Threads) String() string {
	if int(t) < len(threadNames) {
		return threadNames[t]
	}
	return fmt.Sprintf("threads(%d)", uint8(t))
}

// ParseThreads parses "auto", "dedicated", "shared" or "logic".
func ParseThreads(s string) (Threads, error) {
	for i, n := range threadNames {
		if n == s {
			return Threads(i), nil
		}
	}
	return 0, fmt.Errorf("pipeline: threads %q: want auto, dedicated, shared or logic", s)
}

// Resolve returns the mode ThreadsAuto stands for, or t. The issue that
// brought the modes wanted shared below 4 CPUs; on this project's 2 vCPUs
// shared mode gives the better median (5.5-143 µs against 107-234 µs at 1M
// events/s with the shared journal map; 0.45-7.6 µs with the private one)
// but runs every stage on one CPU: with a journal, about half of
// dedicated's throughput flat out (engine run --journal on the embedded
// flow: 1.6-2.3M against 4.1-4.4M events/s), and with the shared map not
// the better p99 either (dedicated's 0.45-0.88x shared's). So auto stays
// dedicated everywhere: no default got slower.
func (t Threads) Resolve() Threads {
	if t != ThreadsAuto {
		return t
	}
	return ThreadsDedicated
}

// runDedicated runs a on the calling goroutine until it is finished.
func runDedicated(a agent) {
	for !a.finished() {
		if a.doWork() == 0 && !a.finished() {
			a.await()
		}
	}
}

// Shared idling: a cycle of every agent that did nothing is followed by
// sharedSpins cycles that only spin, sharedYields that yield the thread
// (tens of milliseconds: a sleep costs a wake-up that the Go runtime may
// deliver a millisecond late, which at a rate of a few thousand events a
// second would be every event's latency), then a sleep of sharedSleep per
// cycle while the stages stay idle.
const (
	sharedSpins  = 1 << 20
	sharedYields = 64
	sharedSleep  = 20 * time.Microsecond
)

// runShared runs agents on the calling goroutine, locked to its OS thread
// (and pinned to cpu unless NoPin), cycling them in order until every one
// is finished.
func (r *run) runShared(cpu int, agents ...agent) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if cpu != NoPin {
		if err := ring.PinCurrent(cpu); err != nil {
			r.setErr(fmt.Errorf("pipeline: pin: %w (run unpinned with cpu %d)", err, NoPin))
		}
	}
	idle := 0
	for {
		work, live := 0, 0
		for _, a := range agents {
			if !a.finished() {
				live++
				work += a.doWork()
			}
		}
		switch {
		case live == 0:
			return
		case work > 0:
			idle = 0
		case idle < sharedSpins:
			idle++
		case idle < sharedSpins+sharedYields:
			idle++
			runtime.Gosched()
		default:
			time.Sleep(sharedSleep)
		}
	}
}

// ingestAgent is ingest as an agent.
type ingestAgent struct {
	*ingester
	ctx  context.Context
	src  Source
	bsrc buffered
	rdy  readier
	pump *pump
	got  *pumped // a batch the pump handed over in await
	cmd  *ticket // a command handed over in await
	eof  bool    // the feed ended, failed or the run stops: publish what is pending and finish
	done bool
}

// readier is implemented by sources that can say whether Next would wait
// (a paced benchmark source): a stage sharing a thread reads them only
// when ready.
type readier interface {
	Ready() bool
}

func (r *run) newIngestAgent(ctx context.Context, src Source, sum *Summary, block bool) *ingestAgent {
	ig := &ingester{r: r, seqr: r.in.Sequencer(), sum: sum, seq: r.cfg.FirstSeq,
		lastTS: r.lastTS, // a restart's clamp goes on from the last journaled event
		batch:  make([]event.In, r.cfg.Batch), block: block}
	if r.ctl != nil {
		ig.cmds = r.ctl.cmds
	}
	a := &ingestAgent{ingester: ig, ctx: ctx, src: src}
	a.bsrc, _ = src.(buffered)
	a.rdy, _ = src.(readier)
	if r.cfg.LiveFeed {
		// A live feed is read on a goroutine of its own, so that a quiet
		// feed holds up neither commands, nor a stop, nor the stages that
		// share ingest's thread. Any other source (a file, the generator,
		// a paced source that says when it is ready) is read in the
		// cycle: a pump's hand-over costs a wake-up of the pump's thread
		// per batch, and with ingest's batches going back to the pump
		// faster than it fills them it held shared mode to half of
		// dedicated's throughput (engine run --threads shared --journal
		// j: 1.7-1.9M events/s, the shared loop idle in 99.9% of its
		// cycles).
		a.pump = startPump(src, r.cfg.Batch, r.cfg.Strict, func() bool { return r.stop.Load() || ctx.Err() != nil })
	}
	return a
}

func (a *ingestAgent) finished() bool { return a.done }

func (a *ingestAgent) doWork() int {
	r := a.r
	if a.done {
		return 0
	}
	if a.pend != nil {
		n := len(a.pend)
		published, ok := a.claim()
		switch {
		case !ok:
			a.finish()
			return 0
		case !published:
			return 0
		}
		return n
	}
	if a.eof || r.stop.Load() {
		a.finish()
		return 0
	}
	select {
	case <-a.ctx.Done():
		r.stop.Store(true)
		a.drain()
		return 1
	default:
	}
	if t := a.cmd; t != nil || (a.cmds != nil && len(a.cmds) > 0) {
		a.cmd = nil
		n, ok := a.commands(t)
		if !ok {
			a.finish()
		}
		return n
	}
	if a.pump != nil {
		b := a.got
		a.got = nil
		if b == nil {
			select {
			case b = <-a.pump.full:
			default:
				return 0
			}
		}
		return a.take(b)
	}
	if a.rdy != nil && !a.rdy.Ready() {
		return 0
	}
	n, eof, err := fill(a.src, a.bsrc, a.batch, a.malformed)
	if err != nil {
		r.setErr(fmt.Errorf("pipeline: feed: %w", err))
	}
	a.eof = eof
	if n > 0 && !a.publish(a.batch[:n], nil) {
		a.finish()
	}
	return max(n, 1) // a cycle that read the feed did work, even all malformed
}

// drain publishes, on a stop, the batches the pump has already handed over
// (they were read before ingest saw the stop), then finishes.
func (a *ingestAgent) drain() {
	for a.pump != nil && a.pend == nil && !a.eof {
		select {
		case b := <-a.pump.full:
			a.take(b)
			continue
		default:
		}
		break
	}
	a.eof = true // the next cycle finishes, after a pending claim
}

// take publishes a batch the pump read.
func (a *ingestAgent) take(b *pumped) int {
	r := a.r
	for _, de := range b.bad {
		if a.malformed(de) {
			a.eof = true
			return 1
		}
	}
	if b.err != nil {
		r.setErr(fmt.Errorf("pipeline: feed: %w", b.err))
	}
	if b.eof {
		a.eof = true
	}
	if b.n > 0 {
		// The pump's batch is published from a copy, so that it can go
		// back to the pump before the claim succeeds.
		n := copy(a.batch, b.evs[:b.n])
		if !b.eof {
			a.pump.free <- b
		}
		if !a.publish(a.batch[:n], nil) {
			a.finish()
		}
		return n
	}
	if !b.eof {
		a.pump.free <- b
	}
	return 1
}

// finish ends ingest once nothing is pending: the input ring is closed
// behind the last event, and, ingest being the journal's appender, the
// journal is made durable at once, so that the sink's last checkpoint and
// the last snapshot, which wait for it, do not wait for the committer's
// next round.
func (a *ingestAgent) finish() {
	if a.done {
		return
	}
	a.done = true
	a.seqr.Close()
	if a.pump != nil {
		close(a.pump.free) // the pump ends after its read in progress
	}
	r := a.r
	if r.jnl != nil && r.jnl.j.Err() == nil {
		j := r.jnl.j
		if err := j.Commit(); err != nil {
			r.setErr(fmt.Errorf("pipeline: journal commit: %w", err))
		}
	}
}

func (a *ingestAgent) await() {
	switch {
	case a.pend != nil:
		runtime.Gosched() // only without blocking claims: not on a dedicated thread
	case a.pump != nil:
		select {
		case <-a.ctx.Done():
		case t := <-a.cmds:
			a.cmd = t
		case b := <-a.pump.full:
			a.got = b
		}
	default:
		runtime.Gosched() // a paced source not ready yet
	}
}

// logicAgent is the logic as an agent: it consumes the input ring, applies
// each event to the logic and publishes the answers to the output ring, of
// which it is the single writer. It owns the logic and takes the
// snapshots and digest checkpoints at event boundaries. With a Control it
// also reports the outputs of operator commands to whoever submitted them,
// pauses where a pause command says, answers queries between batches and
// publishes its counters after each batch.
type logicAgent struct {
	r       *run
	block   bool // claims wait for room (a thread of its own)
	next    int64
	outs    []event.Out
	outSize int
	cmdSeq  uint64 // sequence of the next command to report on
	last    uint64 // sequence of the last event applied
	lastTS  int64
	paused  uint64 // the pause the logic is held at, 0 for none
	ending  bool   // the input ended: the final snapshot is taken
	done    bool
	tick    *time.Ticker // paused on a thread of its own: a stop by a failing stage pokes nobody
}

const noCmd = ^uint64(0)

// logicBatch is the most events the logic applies in one cycle.
const logicBatch = 256

func (r *run) newLogicAgent(block bool) *logicAgent {
	return &logicAgent{r: r, block: block, outs: make([]event.Out, 0, 4096), outSize: r.out.Sequencer().Size(), cmdSeq: noCmd}
}

func (a *logicAgent) finished() bool { return a.done }

// flush publishes the outbox (the outputs applied events answered with, and
// digest markers), in pieces of at most half the ring (a mass cancel can
// answer with more events than the ring holds); false when the ring had no
// room left for the rest (it stays for the next cycle).
func (a *logicAgent) flush() bool {
	r := a.r
	seqr := r.out.Sequencer()
	for r.sent < len(r.outbox) {
		n := min(len(r.outbox)-r.sent, a.outSize/2)
		var hi int64
		if a.block {
			hi = seqr.Claim(n)
		} else {
			var ok bool
			if hi, ok = seqr.TryClaim(n); !ok {
				return false
			}
		}
		lo := hi - int64(n) + 1
		for i := range n {
			*r.out.Slot(lo + int64(i)) = r.outbox[r.sent+i]
		}
		seqr.Publish(hi)
		r.sent += n
	}
	r.outbox, r.sent = r.outbox[:0], 0
	return true
}

func (a *logicAgent) doWork() int {
	r, c := a.r, a.r.ctl
	if a.done || !a.flush() {
		return 0
	}
	if a.paused != 0 {
		r.serve(a.last, a.lastTS)
		if c.resumeGen.Load() < a.paused && !r.stop.Load() {
			return 0
		}
		a.paused = 0
		c.pausedAt.Store(0)
	}
	if a.ending {
		a.end()
		return 0
	}
	avail, ready, ok := r.logicIn.Poll(a.next)
	if !ok {
		a.ending = true
		if r.snaps != nil && a.last != 0 && a.last != r.snaps.lastTaken {
			r.snapshot(a.last, a.lastTS, true) // its digest marker goes out before the end
		}
		if a.flush() {
			a.end()
		}
		return 0
	}
	if c != nil && a.cmdSeq == noCmd {
		if t := r.tickets.peek(); t != nil {
			a.cmdSeq = t.applied.Seq
		}
	}
	if !ready {
		if c != nil && (len(c.queries) > 0 || r.snapNow.Load()) {
			r.serve(a.last, a.lastTS)
		}
		return 0
	}
	hi := min(avail, a.next+logicBatch-1)
	snaps := r.snaps
	n := 0
	for s := a.next; s <= hi; s++ {
		in := r.in.Slot(s)
		a.outs = r.logic.Apply(in, a.outs[:0])
		r.outbox = append(r.outbox, a.outs...)
		a.last, a.lastTS = in.Seq, in.TS
		a.next = s + 1
		n++
		snapped := snaps != nil && snaps.due(a.last) && snaps.take(r.logic, a.last, false)
		if r.digests != nil && (snapped || r.digests.due(a.last)) {
			r.takeDigest(a.last, a.lastTS, snapped)
		}
		if in.Seq == a.cmdSeq {
			t := r.tickets.peek()
			r.tickets.pop()
			a.cmdSeq = noCmd
			if nt := r.tickets.peek(); nt != nil {
				a.cmdSeq = nt.applied.Seq
			}
			r.answered(t, a.outs)
			if t.pause != 0 {
				// Stop at this event's boundary: what follows waits.
				a.paused = t.pause
				c.pausedNS.Store(time.Now().UnixNano())
				c.pausedAt.Store(a.last)
			}
		}
		if !a.flush() || a.paused != 0 {
			break
		}
	}
	r.logicIn.Release(a.next - 1)
	r.applied.Store(a.last)
	if c != nil {
		r.publishCounters(a.lastTS, a.outs)
		if len(c.queries) > 0 || r.snapNow.Load() {
			r.serve(a.last, a.lastTS)
		}
	} else if snaps != nil && r.snapNow.Swap(false) {
		r.snapshot(a.last, a.lastTS, false)
	}
	return n
}

// end finishes the logic once the input ended and the outbox is out.
func (a *logicAgent) end() {
	r := a.r
	if !a.flush() {
		return
	}
	if r.snaps != nil {
		close(r.snaps.pending)
	}
	if r.ctl != nil {
		r.serve(a.last, a.lastTS) // the queries taken before the end
		r.endTickets()
	}
	r.out.Sequencer().Close()
	if a.tick != nil {
		a.tick.Stop()
	}
	a.done = true
}

func (a *logicAgent) await() {
	r, c := a.r, a.r.ctl
	switch {
	case a.paused != 0:
		if a.tick == nil {
			a.tick = time.NewTicker(50 * time.Millisecond)
		}
		select {
		case <-c.wake:
		case <-a.tick.C:
		}
	case c != nil:
		r.logicIn.WaitForAlert(a.next) // Poll then says what there is
	default:
		r.logicIn.WaitFor(a.next)
	}
}

// sinkAgent is the sink as an agent: it consumes the output ring into the
// digest, the counts, the risk report and the writer, and with a journal
// takes the output checkpoints (see CheckpointFile), at the boundary
// between two inputs' outputs.
type sinkAgent struct {
	r    *run
	st   *sinkState
	next int64
	due  bool
	lr   *latencyRecorder
	done bool
}

// sinkBatch is the most outputs the sink takes in one cycle.
const sinkBatch = 1024

func (r *run) newSinkAgent(st *sinkState) *sinkAgent {
	a := &sinkAgent{r: r, st: st}
	if r.ctl != nil {
		a.lr = newLatencyRecorder()
	}
	return a
}

func (a *sinkAgent) finished() bool { return a.done }

func (a *sinkAgent) doWork() int {
	r, st, c := a.r, a.st, a.r.ctl
	if a.done {
		return 0
	}
	avail, ready, ok := r.sinkIn.Poll(a.next)
	if !ok {
		a.end()
		return 0
	}
	if !ready {
		return 0
	}
	hi := min(avail, a.next+sinkBatch-1)
	for s := a.next; s <= hi; s++ {
		o := r.out.Slot(s)
		if o.Kind == outDigest {
			if err := r.digests.record(st); err != nil {
				r.setErr(err)
			}
			continue
		}
		if a.due && o.Seq != st.last {
			// Every output of st.last and before is in.
			a.due = !st.checkpoint(st.last, false)
		}
		if err := st.add(o); err != nil {
			r.setErr(err)
		}
		a.due = a.due || st.due()
	}
	if c != nil {
		c.sinkTS.Store(r.out.Slot(hi).TS) // before the release: the slot is the logic's after
	}
	r.sinkIn.Release(hi)
	r.outN.Store(st.counts.out)
	n := int(hi - a.next + 1)
	a.next = hi + 1
	if c != nil {
		c.sinkProbe(a.lr, st.last)
	}
	return n
}

// end finishes the sink: the logic is done, and every event it applied has
// all its outputs in.
func (a *sinkAgent) end() {
	r, st := a.r, a.st
	st.checkpoint(max(st.last, r.applied.Load()), true)
	if st.w != nil && st.writing {
		if err := st.w.Flush(); err != nil {
			st.writing = false
			r.setErr(fmt.Errorf("pipeline: output: %w", err))
		}
	}
	a.done = true
}

func (a *sinkAgent) await() { a.r.sinkIn.WaitFor(a.next) }
