package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/tradeengine/engine/admin"
	"github.com/tradeengine/engine/event"
)

// Control is the handle the admin socket drives a running engine through;
// it implements admin.Engine. Make one with NewControl, put it in
// Config.Control, and hand it to the admin server; it serves one Run.
//
// Nothing it does touches the logic's state from another goroutine:
//   - a command (Submit) goes to ingest, the single writer of the input
//     ring, which sequences and journals it (replay.RecordCommand, with the peer and
//     the text) like a feed event and tells the logic which sequence to
//     report on; the logic hands back the outputs it answered with;
//   - a read (Query) is answered by the logic itself between two events:
//     after a batch, or at once when it is idle or paused (ring's
//     Consumer.Alert wakes it);
//   - Stats reads counters the stages publish as atomics.
//
// Pause takes effect in sequence: the logic stops after applying the pause
// event, while ingest goes on taking and journaling the feed until the input
// ring is full. Resume takes effect at once (before its own event, which is
// journaled for the record): it ends every pause submitted before it. A
// stopping run ends a pause, so that the rings drain. Pausing changes no
// answer; a replay runs through pause events.
type Control struct {
	cmds    chan *ticket // to ingest
	queries chan *query  // to the logic
	wake    chan struct{}

	run      atomic.Pointer[run]
	finished chan struct{} // closed when the run is over
	once     sync.Once

	pauseGen  atomic.Uint64 // pauses submitted
	resumeGen atomic.Uint64 // every pause numbered up to this is over
	pausedAt  atomic.Uint64 // sequence of the pause in effect, 0 when running
	pausedNS  atomic.Int64  // wall time the pause began

	// Counters the stages publish.
	startNS   atomic.Int64
	inTS      atomic.Int64 // event time of the newest sequenced event (ingest)
	logicTS   atomic.Int64 // event time of the last applied event (logic)
	outTS     atomic.Int64 // event time of the newest output published (logic)
	sinkTS    atomic.Int64 // event time of the last output consumed (sink)
	malformed atomic.Int64
	trips     atomic.Int64
	pending   atomic.Int64

	// The latency probe: ingest stamps one batch at a time, the sink
	// records the wall time from the stamp to the first output of the
	// batch's last event.
	probeSeq atomic.Uint64
	probeNS  atomic.Int64
	lat      atomic.Pointer[latencies]

	snapMu      sync.Mutex
	snapWaiters []snapWaiter
	lastSnap    admin.SnapshotInfo // the newest snapshot written
}

type latencies struct{ all, interval admin.Percentiles }

// ticket is one Submit on its way through ingest and the logic.
type ticket struct {
	op      admin.Op
	pause   uint64        // the pause's number, for a KindPause
	seqd    chan struct{} // closed once sequenced and journaled
	done    chan struct{} // closed once applied (or the run ended without)
	applied admin.Applied
	ok      bool // applied by the logic
}

type query struct {
	q    admin.Query
	ans  admin.Answer
	err  error
	done chan struct{}
}

type snapWaiter struct {
	after uint64
	ch    chan admin.SnapshotInfo
}

// NewControl returns a Control for one run.
func NewControl() *Control {
	return &Control{
		cmds:     make(chan *ticket, 64),
		queries:  make(chan *query, 16),
		wake:     make(chan struct{}, 1),
		finished: make(chan struct{}),
	}
}

// maxTickets bounds the commands sequenced and not yet applied.
const maxTickets = 256

// ticketQueue hands the tickets ingest has sequenced to the logic, in
// sequence order: one writer (ingest), one reader (the logic).
type ticketQueue struct {
	buf  [maxTickets]atomic.Pointer[ticket]
	head atomic.Uint64 // next to read (logic)
	tail atomic.Uint64 // next to write (ingest)
}

func (q *ticketQueue) room() int { return maxTickets - int(q.tail.Load()-q.head.Load()) }

func (q *ticketQueue) push(t *ticket) {
	tl := q.tail.Load()
	q.buf[tl%maxTickets].Store(t)
	q.tail.Store(tl + 1)
}

func (q *ticketQueue) peek() *ticket {
	h := q.head.Load()
	if h == q.tail.Load() {
		return nil
	}
	return q.buf[h%maxTickets].Load()
}

func (q *ticketQueue) pop() {
	h := q.head.Load()
	q.buf[h%maxTickets].Store(nil)
	q.head.Store(h + 1)
}

// attach ties c to r for the run; detach ends it.
func (c *Control) attach(r *run) {
	c.startNS.Store(time.Now().UnixNano())
	c.run.Store(r)
}

func (c *Control) detach() {
	c.run.Store(nil)
	c.once.Do(func() { close(c.finished) })
}

// poke gets the logic's attention: out of an idle wait or a pause.
func (c *Control) poke(r *run) {
	select {
	case c.wake <- struct{}{}:
	default:
	}
	if r != nil && r.logicIn != nil {
		r.logicIn.Alert()
	}
}

var errNotOperator = errors.New("not an operator command")

// Submit implements admin.Engine.
func (c *Control) Submit(ctx context.Context, op admin.Op, seq func(uint64)) (admin.Applied, error) {
	switch op.In.Kind {
	case event.KindKill, event.KindClear, event.KindSetLimit, event.KindPause, event.KindUnpause,
		event.KindApprove, event.KindDeny:
	default:
		return admin.Applied{}, fmt.Errorf("pipeline: submit %v: %w", op.In.Kind, errNotOperator)
	}
	r := c.run.Load()
	if r == nil || r.stop.Load() {
		return admin.Applied{}, admin.ErrNotRunning
	}
	t := &ticket{op: op, seqd: make(chan struct{}), done: make(chan struct{})}
	t.op.In.Seq, t.op.In.TS = 0, 0
	switch op.In.Kind {
	case event.KindPause:
		t.pause = c.pauseGen.Add(1)
	case event.KindUnpause:
		c.resumeGen.Store(c.pauseGen.Load())
		c.poke(r)
	}
	select {
	case c.cmds <- t:
	case <-ctx.Done():
		return admin.Applied{}, ctx.Err()
	case <-c.finished:
		return admin.Applied{}, admin.ErrNotRunning
	}
	select {
	case <-t.seqd:
		if seq != nil {
			seq(t.applied.Seq)
		}
	case <-ctx.Done():
		return admin.Applied{}, fmt.Errorf("pipeline: waiting for a sequence (the input ring may be full while paused): %w", ctx.Err())
	case <-c.finished:
		return admin.Applied{}, admin.ErrNotRunning
	}
	select {
	case <-t.done:
		if !t.ok {
			return admin.Applied{Seq: t.applied.Seq}, fmt.Errorf("pipeline: seq %d journaled, not applied: %w", t.applied.Seq, admin.ErrNotRunning)
		}
		return t.applied, nil
	case <-ctx.Done():
		return admin.Applied{Seq: t.applied.Seq}, fmt.Errorf("pipeline: seq %d not yet applied: %w", t.applied.Seq, ctx.Err())
	}
}

// Query implements admin.Engine.
func (c *Control) Query(ctx context.Context, q admin.Query) (admin.Answer, error) {
	r := c.run.Load()
	if r == nil {
		return admin.Answer{}, admin.ErrNotRunning
	}
	qq := &query{q: q, done: make(chan struct{})}
	select {
	case c.queries <- qq:
	case <-ctx.Done():
		return admin.Answer{}, ctx.Err()
	case <-c.finished:
		return admin.Answer{}, admin.ErrNotRunning
	}
	c.poke(r)
	select {
	case <-qq.done:
		return qq.ans, qq.err
	case <-ctx.Done():
		return admin.Answer{}, ctx.Err()
	case <-c.finished:
		// The logic answers what it took before it ended.
		select {
		case <-qq.done:
			return qq.ans, qq.err
		default:
			return admin.Answer{}, admin.ErrNotRunning
		}
	}
}

// Snapshot implements admin.Engine.
func (c *Control) Snapshot(ctx context.Context) (admin.SnapshotInfo, error) {
	r := c.run.Load()
	if r == nil {
		return admin.SnapshotInfo{}, admin.ErrNotRunning
	}
	if r.snaps == nil {
		return admin.SnapshotInfo{}, errors.New("pipeline: snapshots are off (run with a journal and snapshots on)")
	}
	w := snapWaiter{after: r.applied.Load(), ch: make(chan admin.SnapshotInfo, 1)}
	c.snapMu.Lock()
	if c.lastSnap.Seq != 0 && c.lastSnap.Seq >= w.after {
		info := c.lastSnap // nothing applied since the newest
		c.snapMu.Unlock()
		return info, nil
	}
	c.snapWaiters = append(c.snapWaiters, w)
	c.snapMu.Unlock()
	r.snapNow.Store(true)
	c.poke(r)
	select {
	case info := <-w.ch:
		return info, nil
	case <-ctx.Done():
		return admin.SnapshotInfo{}, ctx.Err()
	case <-c.finished:
		select {
		case info := <-w.ch:
			return info, nil
		default:
			return admin.SnapshotInfo{}, admin.ErrNotRunning
		}
	}
}

// snapshotWritten tells the waiters a snapshot at seq is on disk.
func (c *Control) snapshotWritten(seq uint64, path string) {
	c.snapMu.Lock()
	defer c.snapMu.Unlock()
	c.lastSnap = admin.SnapshotInfo{Seq: seq, Path: path}
	kept := c.snapWaiters[:0]
	for _, w := range c.snapWaiters {
		if seq >= w.after {
			w.ch <- admin.SnapshotInfo{Seq: seq, Path: path}
			continue
		}
		kept = append(kept, w)
	}
	c.snapWaiters = kept
}

// Shutdown implements admin.Engine: the run stops taking the feed, drains,
// and Run returns without an error.
func (c *Control) Shutdown() {
	if r := c.run.Load(); r != nil {
		r.stop.Store(true)
		r.cancel()
		c.poke(r)
	}
}

// Stats implements admin.Engine.
func (c *Control) Stats() admin.Stats {
	st := admin.Stats{StartNS: c.startNS.Load(), NowNS: time.Now().UnixNano()}
	r := c.run.Load()
	if r == nil {
		return st
	}
	st.Running = !r.stop.Load()
	if at := c.pausedAt.Load(); at != 0 {
		st.Paused, st.PausedAt, st.PausedSince = true, at, c.pausedNS.Load()
	}
	inCur := r.in.Sequencer().Cursor()
	st.EventsIn = inCur + 1
	st.LastSeq = r.lastSeq.Load()
	st.AppliedSeq = r.applied.Load()
	st.EventsApplied = r.logicIn.Sequence() + 1
	st.EventsJournal = st.EventsIn
	st.Malformed = c.malformed.Load()
	inTS, logicTS := c.inTS.Load(), c.logicTS.Load()
	lagUS := func(hi, lo int64) int64 {
		if hi <= lo || lo == 0 {
			return 0
		}
		return (hi - lo) / 1000
	}
	inUsed := inCur - r.logicIn.Sequence()
	if r.journalIn != nil {
		jseq := r.journalIn.Sequence()
		st.EventsJournal = jseq + 1
		st.Rings = append(st.Rings, admin.RingStats{Ring: "input", Consumer: "journal", Size: r.cfg.InRing,
			Used: int(inUsed), LagN: inCur - jseq})
		st.Durability = r.cfg.Journal.Options.Durability.String()
		st.Journal = r.cfg.Journal.Dir
		if j := r.jnl; j != nil {
			st.DurableSeq = j.j.DurableSeq()
		}
	}
	st.Rings = append(st.Rings, admin.RingStats{Ring: "input", Consumer: "logic", Size: r.cfg.InRing,
		Used: int(inUsed), LagN: inCur - r.logicIn.Sequence(), LagUS: lagUS(inTS, logicTS)})
	outCur := r.out.Sequencer().Cursor()
	sinkSeq := r.sinkIn.Sequence()
	st.EventsOut = sinkSeq + 1
	st.Rings = append(st.Rings, admin.RingStats{Ring: "output", Consumer: "sink", Size: r.cfg.OutRing,
		Used: int(outCur - sinkSeq), LagN: outCur - sinkSeq, LagUS: lagUS(c.outTS.Load(), c.sinkTS.Load())})
	if l := c.lat.Load(); l != nil {
		st.Latency, st.LatencyInterval = l.all, l.interval
	}
	st.Trips = c.trips.Load()
	st.PendingN = int(c.pending.Load())
	return st
}

// latencyRecorder is the sink's side of the latency probe.
type latencyRecorder struct {
	all, interval *hdrhistogram.Histogram
	published     int64 // wall ns of the last publication
}

func newLatencyRecorder() *latencyRecorder {
	return &latencyRecorder{
		all:      hdrhistogram.New(1, 60e9, 3),
		interval: hdrhistogram.New(1, 60e9, 3),
	}
}

// sinkProbe completes the probe when the sink has consumed the outputs of
// its event (seq is the sequence of the last output consumed), and
// publishes the percentiles about once a second.
func (c *Control) sinkProbe(lr *latencyRecorder, seq uint64) {
	ps := c.probeSeq.Load()
	if ps == 0 || seq < ps {
		return
	}
	now := time.Now().UnixNano()
	d := max(now-c.probeNS.Load(), 1)
	c.probeSeq.Store(0)
	_ = lr.all.RecordValue(min(d, 60e9))
	_ = lr.interval.RecordValue(min(d, 60e9))
	if now-lr.published >= int64(time.Second) {
		c.lat.Store(&latencies{all: percentiles(lr.all), interval: percentiles(lr.interval)})
		lr.interval.Reset()
		lr.published = now
	}
}

func percentiles(h *hdrhistogram.Histogram) admin.Percentiles {
	return admin.Percentiles{
		Count: h.TotalCount(),
		P50:   h.ValueAtQuantile(50), P90: h.ValueAtQuantile(90), P99: h.ValueAtQuantile(99),
		P999: h.ValueAtQuantile(99.9), P9999: h.ValueAtQuantile(99.99), Max: h.Max(),
	}
}

// ingestProbe starts a probe on the batch ending at seq when none is in
// flight.
func (c *Control) ingestProbe(seq uint64) {
	if c.probeSeq.Load() != 0 {
		return
	}
	c.probeNS.Store(time.Now().UnixNano())
	c.probeSeq.Store(seq)
}
