package pipeline

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/ring"
	"github.com/tradeengine/engine/risk"
	"github.com/tradeengine/engine/wire"
)

// Source is a feed of input events: wire's decoders, the generator, or
// anything else. Next returns io.EOF at the end, a *wire.DecodeError for a
// malformed record (and may be called again), any other error to stop.
type Source interface {
	Next(in *event.In) error
}

// Sink receives the output events in order; wire's writers are sinks.
type Sink interface {
	Write(o *event.Out) error
	Flush() error
}

// ErrStrict is wrapped by the error Run returns when Config.Strict stopped it
// at a malformed record.
var ErrStrict = errors.New("pipeline: malformed input in strict mode")

// run is the state shared by the stages of one run. Words written by one
// stage and read by another are atomics.
type run struct {
	cfg       Config
	in        *ring.Ring[event.In]
	out       *ring.Ring[event.Out]
	journalIn *ring.Consumer // nil without a journal; its stage runs on ingest's goroutine
	logicIn   *ring.Consumer // depends on journalIn when there is one
	jnl       *journaler     // nil without a journal
	sinkIn    *ring.Consumer
	logic     *replay.Logic
	snaps     *snapshotter // nil without snapshots
	digests   *digester    // nil without a journal
	outbox    []event.Out  // what the logic has to publish, from sent on (logic's thread)
	sent      int

	stop       atomic.Bool   // set by a failing stage or a cancelled context
	snapNow    atomic.Bool   // a snapshot was asked for (SnapshotNow)
	retainFrom atomic.Uint64 // oldest kept snapshot's sequence, for the journal's retention (by ingest)
	applied    atomic.Uint64 // sequence of the last event the logic applied
	lastSeq    atomic.Uint64 // sequence of the last event ingest published
	ctl        *Control      // nil without an admin socket or metrics
	tickets    *ticketQueue  // commands sequenced, for the logic to answer (with ctl)
	lastTS     int64         // event time of the last journaled event, where ingest's clamp starts
	eventsN    atomic.Int64  // events published by ingest, for progress
	outN       atomic.Int64  // output events consumed by the sink, for progress

	errMu sync.Mutex // guards fail; taken only on the error path
	fail  error

	cancel context.CancelFunc // ends ingest's wait for a live feed or a command
}

func (r *run) setErr(err error) {
	r.errMu.Lock()
	if r.fail == nil {
		r.fail = err
	}
	r.errMu.Unlock()
	r.stop.Store(true)
	if r.cancel != nil {
		r.cancel()
	}
}

func (r *run) err() error {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	return r.fail
}

// Run runs src through the engine until src ends, ctx is cancelled or a
// stage fails, and returns what it did. Output events go to sink when it is
// not nil. Whatever entered the input ring is processed and reaches the sink
// before Run returns, on every path.
//
// With a journal (Config.Journal) every event is appended to it before the
// logic sees it; a journal that already holds events is recovered first
// (newest valid snapshot, then the records after it, replayed without
// output), and the run goes on from the sequence after the last one.
func Run(ctx context.Context, cfg Config, src Source, sink Sink) (Summary, error) {
	if err := cfg.check(); err != nil {
		return Summary{}, err
	}
	if cfg.Output != nil && sink != nil {
		return Summary{}, errOutputBoth
	}
	r := &run{cfg: cfg, ctl: cfg.Control}
	parent := ctx
	ctx, r.cancel = context.WithCancel(ctx)
	defer r.cancel()
	if r.ctl != nil {
		r.tickets = &ticketQueue{}
		defer r.ctl.detach()
	}
	var sum Summary
	st, src, j, err := r.open(src, sink, &sum)
	if err != nil {
		return Summary{}, err
	}
	defer st.close()
	if ss, ok := src.(*skipSource); ok {
		defer ss.done()
	}
	start := time.Now()
	stg, err := r.start(ctx, src, &sum, st)
	if err != nil {
		if j != nil {
			j.Close()
		}
		return Summary{}, err
	}
	stg.run()
	r.finish(stg, st, j, &sum)
	sum.ElapsedNS = time.Since(start).Nanoseconds()
	if sum.ElapsedNS > 0 {
		sum.EventsPerSec = float64(sum.EventsIn) / (float64(sum.ElapsedNS) / 1e9)
	}
	if err := r.err(); err != nil {
		return sum, err
	}
	if err := parent.Err(); err != nil {
		return sum, fmt.Errorf("pipeline: stopped: %w", err)
	}
	return sum, nil
}

// open sets a run up before any stage starts: the logic, the sink's state,
// with a journal the recovery (the logic's state and the outputs to
// re-emit) and the source that skips what the journal holds, and the rings.
// It returns the source to read and the open journal (nil without one).
func (r *run) open(src Source, sink Sink, sum *Summary) (*sinkState, Source, *journal.Journal, error) {
	cfg := &r.cfg
	if cfg.Wait == nil {
		cfg.Wait = ring.SpinYield()
	}
	if cfg.Journal == nil && cfg.Matcher.HashKey == 0 {
		// Without a journal nothing is kept: a key of the moment keeps a
		// feed from choosing ids that collide (the key changes no answer).
		cfg.Matcher.HashKey = randomKey()
	}
	var err error
	if cfg.Journal == nil { // else recover builds it, keyed by the journal's id
		if r.logic, err = replay.NewLogic(r.logicConfig()); err != nil {
			return nil, nil, nil, err
		}
	}
	var report *risk.Report
	if cfg.Risk != nil {
		ra := event.Any
		var start int64
		if cfg.Runaway != nil {
			ra, start = cfg.Runaway.Account, cfg.Runaway.Start
		}
		report = risk.NewReport(ra, start)
	}
	st := newSinkState(report)
	st.w, st.writing = sink, sink != nil
	st.log = cfg.Log
	fail := func(j *journal.Journal, err error) (*sinkState, Source, *journal.Journal, error) {
		if j != nil {
			j.Close()
		}
		st.close()
		return nil, nil, nil, err
	}
	var j *journal.Journal
	if jc := cfg.Journal; jc != nil {
		var rec *Recovery
		if j, rec, err = r.recover(jc, cfg.Output, st); err != nil {
			return fail(nil, err)
		}
		sum.Recovery = rec
		r.lastTS = rec.lastTS
		if rec.ResumedFrom > jc.firstSeq() && jc.Resume == ResumeSkip {
			n := int64(rec.ResumedFrom - jc.firstSeq())
			ss := &skipSource{src: src, left: n, total: n, seq: jc.firstSeq(), from: j.FirstSeq(), clock: cfg.Clock, rec: rec}
			if ss.rd, err = replay.NewEventReader(jc.Dir, j.FirstSeq()); err != nil {
				return fail(j, fmt.Errorf("pipeline: resume: %w", err))
			}
			src = ss
		}
		cfg.FirstSeq = rec.ResumedFrom
		if rec.ResumedFrom == 0 {
			return fail(j, errors.New("pipeline: journal sequence space exhausted"))
		}
		if jc.SnapshotEvery > 0 {
			r.snaps = newSnapshotter(jc.Dir, j, jc.SnapshotEvery, rec.ResumedFrom, jc.KeepSnapshots)
		}
	} else if cfg.Output != nil {
		if err := st.openOutput(cfg.Output, true, 0); err != nil {
			return fail(nil, err)
		}
	}
	if err := r.seedSource(src, sum.Recovery); err != nil {
		return fail(j, err)
	}
	if r.in, err = ring.New[event.In](cfg.InRing, cfg.Wait); err != nil {
		return fail(j, fmt.Errorf("pipeline: input ring: %w", err))
	}
	if r.out, err = ring.New[event.Out](cfg.OutRing, cfg.Wait); err != nil {
		return fail(j, fmt.Errorf("pipeline: output ring: %w", err))
	}
	if j != nil {
		r.journalIn = r.in.Sequencer().NewConsumer()
		r.logicIn = r.in.Sequencer().NewConsumer(r.journalIn)
		r.jnl = newJournaler(j, cfg.Journal.Options.Durability)
	} else {
		r.logicIn = r.in.Sequencer().NewConsumer()
	}
	r.sinkIn = r.out.Sequencer().NewConsumer()
	return st, src, j, nil
}

// stages are the goroutines of a run's stages and helpers.
type stages struct {
	run          func()            // runs on the caller's goroutine until its agents are done
	done         []<-chan struct{} // the stages on goroutines of their own
	stopWatch    chan struct{}
	progressDone chan struct{}
}

// start starts the snapshot writer, the output checkpointer, the stages as
// the threading mode says (see Threads), the watch on ctx and the progress
// lines. What runs on the caller's goroutine is stg.run.
func (r *run) start(ctx context.Context, src Source, sum *Summary, st *sinkState) (*stages, error) {
	if r.ctl != nil {
		r.ctl.attach(r)
	}
	stg := &stages{stopWatch: make(chan struct{})}
	mode := r.cfg.Threads.Resolve()
	ingest := r.newIngestAgent(ctx, src, sum, mode == ThreadsDedicated)
	logic := r.newLogicAgent(mode != ThreadsShared)
	sink := r.newSinkAgent(st)
	if mode != ThreadsShared {
		if r.cfg.CPU == NoPin {
			done := make(chan struct{})
			go func() { defer close(done); runDedicated(logic) }()
			stg.done = append(stg.done, done)
		} else {
			done, err := ring.GoPinned(r.cfg.CPU, func() { runDedicated(logic) })
			if err != nil {
				return nil, fmt.Errorf("pipeline: pin logic: %w (run unpinned with cpu %d)", err, NoPin)
			}
			stg.done = append(stg.done, done)
		}
	}
	if r.snaps != nil {
		go r.snaps.write(r)
	}
	if r.cfg.Journal != nil {
		st.startCheckpointer(r.setErr)
	}
	switch mode {
	case ThreadsShared:
		stg.run = func() { r.runShared(r.cfg.CPU, ingest, logic, sink) }
	case ThreadsLogic:
		stg.run = func() { r.runShared(NoPin, ingest, sink) }
	default:
		done := make(chan struct{})
		go func() { defer close(done); runDedicated(sink) }()
		stg.done = append(stg.done, done)
		stg.run = func() { runDedicated(ingest) }
	}
	go func() {
		select {
		case <-ctx.Done():
			r.stop.Store(true)
		case <-stg.stopWatch:
		}
	}()
	if r.cfg.Progress != nil {
		stg.progressDone = make(chan struct{})
		go r.progress(stg.stopWatch, stg.progressDone, time.Now())
	}
	return stg, nil
}

// finish runs once the caller's stages are done: it waits for the others
// to drain the rings and for the checkpointer and the snapshot writer, closes the output and the journal, and fills in
// what the summary says of them.
func (r *run) finish(stg *stages, st *sinkState, j *journal.Journal, sum *Summary) {
	for _, done := range stg.done {
		<-done
	}
	st.stopCheckpointer()
	if r.digests != nil {
		sum.Digests, sum.DigestsSkipped = r.digests.written, r.digests.skipped
	}
	if r.snaps != nil {
		<-r.snaps.done
		sum.Snapshots, sum.SnapshotsSkipped = r.snaps.written, r.snaps.skipped
	}
	close(stg.stopWatch)
	if stg.progressDone != nil {
		<-stg.progressDone
	}
	if err := st.close(); err != nil {
		r.setErr(err)
	}
	if j != nil {
		if r.snaps != nil && r.snaps.written > 0 {
			r.retain(j, r.snaps.oldestKept)
		}
		js := j.Stats()
		sum.Journal = &JournalSummary{
			Dir: r.cfg.Journal.Dir, Durability: r.cfg.Journal.Options.Durability.String(),
			LastSeq: js.LastSeq, Msyncs: js.Msyncs, RecordsPerSync: js.RecordsPerSync(),
		}
		if err := j.Close(); err != nil {
			r.setErr(fmt.Errorf("pipeline: journal close: %w", err))
		}
		sum.Journal.DurableSeq = j.DurableSeq()
	}
	st.counts.fill(sum)
	sum.OutputDigest = st.digest.Hex()
	if st.since != nil {
		sum.OutputDigestSinceRestart = st.since.Hex()
	}
	if st.report != nil {
		sum.Risk = newRiskSummary(st.report)
	}
}

// randomKey returns a random, non-zero hash key.
func randomKey() uint64 {
	var b [8]byte
	for {
		if _, err := cryptorand.Read(b[:]); err != nil {
			return 0x9e3779b97f4a7c15 // the fixed default is the fallback
		}
		if k := binary.LittleEndian.Uint64(b[:]); k != 0 {
			return k
		}
	}
}

// seedSource tells a decoder that numbers symbols or checks account scopes
// what the run already knows: the accounts the risk configuration names,
// and on a restart whose feed holds only new events (ResumeNew) the
// journal's symbol table and the accounts the logic knows, so that a name
// keeps its number for the life of the journal.
func (r *run) seedSource(src Source, rec *Recovery) error {
	if ss, ok := src.(*skipSource); ok {
		src = ss.src
	}
	sd, ok := src.(wire.Seeder)
	if !ok {
		return nil
	}
	var syms []wire.SymbolDef
	var accts []uint32
	if rec != nil && rec.ResumedFrom > r.cfg.Journal.firstSeq() && r.cfg.Journal.Resume == ResumeNew {
		syms, accts = r.logic.Symbols(), r.logic.Accounts()
	} else if r.cfg.Risk != nil {
		for _, a := range r.cfg.Risk.Accounts {
			accts = append(accts, a.ID)
		}
	}
	if len(syms) == 0 && len(accts) == 0 {
		return nil
	}
	if err := sd.Seed(syms, accts); err != nil {
		return fmt.Errorf("pipeline: feed: %w", err)
	}
	return nil
}

func (r *run) progress(stop <-chan struct{}, done chan<- struct{}, start time.Time) {
	defer close(done)
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			fmt.Fprint(r.cfg.Progress, "\r\033[K")
			return
		case now := <-t.C:
			n := r.eventsN.Load()
			secs := now.Sub(start).Seconds()
			fmt.Fprintf(r.cfg.Progress, "\r\033[K%d events in, %d out, %.2fM events/s, %.1fs",
				n, r.outN.Load(), float64(n)/secs/1e6, secs)
		}
	}
}
