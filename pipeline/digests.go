package pipeline

import (
	"fmt"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/replay"
)

// outDigest is the kind of the marker the logic publishes in the output
// ring after the outputs of an event it took a digest checkpoint at: the
// sink adds the output digest there and records the checkpoint. It is not
// an output: never counted, digested or written.
const outDigest event.OutKind = 0xff

// digester takes the digest checkpoints of a run with a journal (see
// replay.Checkpoint): the logic hashes its state at every interval boundary
// and at every snapshot, the sink completes the checkpoint with the output
// digest at the same point of the output stream and appends it to the
// journal directory's digest log. digestSlots checkpoints circulate: when
// the sink holds them all, the logic skips one (counted in the summary)
// rather than wait.
type digester struct {
	log     *replay.DigestLog
	every   uint64
	next    uint64 // sequence of the next periodic checkpoint
	free    chan *replay.Checkpoint
	ready   chan *replay.Checkpoint // in the order of their markers
	scratch []byte                  // the logic's state encoding (logic goroutine)
	own     replay.Checkpoint       // recovery's, on the run's goroutine before the stages start
	skipped uint64                  // logic goroutine
	taken   uint64                  // sequence of the last checkpoint taken (logic goroutine)
	written uint64                  // sink goroutine
}

// digestSlots is how many checkpoints circulate between the logic and the
// sink: at the default interval one is ever in flight, at short ones (tests)
// the sink may fall behind by a few.
const digestSlots = 8

// digestMaxPending bounds the checkpoints on their way to the sink, those
// of snapshots included.
const digestMaxPending = 64

func newDigester(log *replay.DigestLog, every, firstSeq uint64) *digester {
	d := &digester{log: log, every: every, free: make(chan *replay.Checkpoint, digestSlots), ready: make(chan *replay.Checkpoint, digestMaxPending)}
	d.next = (firstSeq/every + 1) * every
	if firstSeq%every == 0 {
		d.next = firstSeq
	}
	for range digestSlots {
		d.free <- new(replay.Checkpoint)
	}
	return d
}

// due reports whether a periodic checkpoint is due after seq.
func (d *digester) due(seq uint64) bool { return seq >= d.next }

// advance moves the next periodic checkpoint past seq.
func (d *digester) advance(seq uint64) { d.next = (seq/d.every + 1) * d.every }

// takeDigest hashes the logic's state after the event seq of time ts and
// hands the checkpoint to the sink behind a marker; it reports false when
// it skipped it.
func (r *run) takeDigest(seq uint64, ts int64, snap bool) bool {
	d := r.digests
	d.advance(seq)
	if seq == d.taken {
		return true // a snapshot where a periodic one was just taken
	}
	var c *replay.Checkpoint
	select {
	case c = <-d.free:
	default:
		if !snap || len(d.ready) == cap(d.ready) {
			d.skipped++
			return false
		}
		// A snapshot's checkpoint is the one a replay from the snapshot
		// continues the output digest from: it is not skipped while the
		// sink lags (a rare allocation rather than a gap).
		c = new(replay.Checkpoint)
	}
	d.taken = seq
	d.scratch = r.logic.TakeDigest(c, seq, ts, d.scratch)
	c.Snapshot = snap
	d.ready <- c                                                              // room: the slots and the snapshots' extra ones stay within its capacity
	r.outbox = append(r.outbox, event.Out{Seq: seq, TS: ts, Kind: outDigest}) // behind seq's outputs
	return true
}

// record completes the checkpoint behind a marker with the output digest,
// every output before the marker being in, and appends it (sink goroutine).
func (d *digester) record(st *sinkState) error {
	c := <-d.ready
	defer func() {
		select {
		case d.free <- c:
		default: // one made for a snapshot while the slots were out
		}
	}()
	return d.write(c, st)
}

func (d *digester) write(c *replay.Checkpoint, st *sinkState) error {
	c.Output = st.digest.Sum64()
	var err error
	if c.OutputState, err = st.digest.MarshalBinary(); err != nil {
		return fmt.Errorf("pipeline: output digest: %w", err)
	}
	before := d.log.Last()
	if err := d.log.Append(c); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	if d.log.Last() != before {
		d.written++
	}
	return nil
}

// recovered records a checkpoint due after in during recovery's
// re-emission, whose outputs st holds: the replayed state is the live
// one, so a checkpoint the crash took out of the log is recorded again.
func (r *run) recovered(l *replay.Logic, in *event.In, st *sinkState) error {
	d := r.digests
	if d == nil || !d.due(in.Seq) {
		return nil
	}
	d.advance(in.Seq)
	if in.Seq <= d.log.Last() {
		return nil
	}
	d.scratch = l.TakeDigest(&d.own, in.Seq, in.TS, d.scratch)
	d.own.Snapshot = false
	return d.write(&d.own, st)
}
