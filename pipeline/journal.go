package pipeline

import (
	"errors"
	"fmt"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/replay"
)

// Resume says what a feed holds when a run starts on a journal that already
// has events.
type Resume uint8

const (
	// ResumeSkip: the feed starts at the journal's first event (the same file
	// run again after a crash, say). The events the journal already holds are
	// read from the feed, checked against the journal and skipped.
	ResumeSkip Resume = iota
	// ResumeNew: the feed holds only events after the journal's last one.
	ResumeNew
)

// ParseResume parses "skip" or "new".
func ParseResume(s string) (Resume, error) {
	switch s {
	case "skip":
		return ResumeSkip, nil
	case "new":
		return ResumeNew, nil
	}
	return 0, fmt.Errorf("pipeline: resume %q: want skip or new", s)
}

// JournalConfig turns journaling on: every event is appended to the journal
// in Dir, durable to Options.Durability, before the logic may act on it.
type JournalConfig struct {
	Dir     string
	Options journal.Options
	// SnapshotEvery writes a snapshot of the logic state every this many
	// events, and at the end of the run; 0 writes none.
	SnapshotEvery uint64
	// DigestEvery is the interval of digest checkpoints in events (see
	// replay.Checkpoint), which a snapshot takes too: 0 is
	// replay.DefaultDigestEvery, a negative value takes none.
	DigestEvery int64
	// KeepSnapshots is how many snapshots to keep (at least 1).
	KeepSnapshots int
	// Retention deletes old segments after each snapshot, never one the
	// newest snapshot still needs.
	Retention journal.Retention
	// Resume says what the feed holds when the journal is not empty.
	Resume Resume
	// AllowConfigChange lets a restart run under another configuration
	// than the one in force in the journal (see the run configuration in
	// runconfig.go); the change is journaled.
	AllowConfigChange bool
}

// ErrFeedMismatch is wrapped by the error of a resumed run whose feed does
// not start with the events the journal holds.
var ErrFeedMismatch = errors.New("pipeline: feed does not match the journal")

// Recovery is what a run on an existing journal found and did before taking
// new events.
type Recovery struct {
	Report       *journal.RecoveryReport `json:"-"`
	SnapshotSeq  uint64                  `json:"snapshot_seq"`                // sequence the loaded snapshot is valid at, 0 if none
	SnapshotPath string                  `json:"snapshot_path"`               // file it came from
	Skipped      []string                `json:"snapshots_skipped,omitempty"` // snapshots passed over: corrupt, of another journal, past the journal's end or the output checkpoint
	Replayed     int64                   `json:"replayed"`                    // journaled events replayed after the snapshot
	ResumedFrom  uint64                  `json:"resumed_from"`                // sequence of the first new event
	FeedSkipped  int64                   `json:"feed_skipped"`                // feed events skipped as already journaled
	// OutputCheckpoint is the sequence of the output checkpoint found: the
	// outputs of the events after it, up to the journal's end, were
	// re-emitted (ReEmitted events).
	OutputCheckpoint uint64 `json:"output_checkpoint"`
	ReEmitted        int64  `json:"re_emitted"`
	// OutputGap, when not empty, says which outputs could not be
	// re-emitted (a journal without a checkpoint whose start retention
	// removed).
	OutputGap string `json:"output_gap,omitempty"`
	// ConfigChanged is set when the run applies another configuration
	// than the one in force in the journal (AllowConfigChange).
	ConfigChanged []string `json:"config_changed,omitempty"`

	lastTS int64 // event time of the last journaled event
}

// journaler is the journal stage: the input ring's first consumer, which
// appends every published event to the journal and releases it to the
// logic (whose consumer depends on this one) once it is as durable as
// configured. It runs on ingest's goroutine, right after each publish: on
// two vCPUs a stage of its own was one more busy goroutine to share them,
// and cost the engine about ten points of throughput (BenchmarkJournalCost,
// same runs).
type journaler struct {
	j     *journal.Journal
	sync  bool
	rec   [1]journal.Record
	enc   replay.BlockEncoder
	buf   []byte // a block's payload
	limit int    // the most bytes of a block: the buffer, or the journal's MaxPayload
	next  int64  // the next ring sequence to journal
	// cmds are the operator commands published and not yet journaled, in
	// sequence order (ingest's, like the rest of the journaler): each is
	// written as a replay.RecordCommand of its own.
	cmds []replay.Command
	cbuf []byte
}

// prefaultWindow is how far ahead of the engine's appends the journal keeps
// pages populated, unless JournalConfig.Options says: 4 MiB is ~350,000
// events of block records, 35 ms at 10M events/s. The journal's default
// (16 MiB) is sized for 64-byte records at 20M/s; at the engine's ~12 bytes
// per event it would populate a fifth of a second of journal ahead, which a
// short run pays for and never uses (BenchmarkJournalCost, 500K events:
// 72-91% with 4 MiB against 70-86% with 16 MiB, 3 alternating rounds).
const prefaultWindow = 4 << 20

// journalBatch is how many events one block record holds at most.
const journalBatch = 256

func newJournaler(j *journal.Journal, d journal.Durability) *journaler {
	jr := &journaler{j: j, sync: d == journal.Sync, buf: make([]byte, journalBatch*replay.BlockEventMax)}
	jr.limit = min(len(jr.buf), j.MaxPayload())
	jr.rec[0].Type = replay.RecordInputBlock
	return jr
}

// journal appends what ingest has published since the last call, as block
// records of up to journalBatch events, and releases it to the logic; in
// Sync mode AppendBatch returns once an msync covers a block, otherwise
// once it is in the mapped segment. It reports false after a journal
// error: the logic then stops after the last event journaled (as durable
// as the mode promises), and ingest stops too.
func (r *run) journal() bool {
	jr, c := r.jnl, r.journalIn
	avail, ok := c.WaitFor(jr.next) // just published: returns at once
	if !ok {
		return false
	}
	for lo := jr.next; lo <= avail; {
		first := r.in.Slot(lo)
		rec := &jr.rec[0]
		hi := lo
		if len(jr.cmds) > 0 && jr.cmds[0].In.Seq == first.Seq {
			jr.cbuf = replay.AppendCommand(jr.cbuf[:0], &jr.cmds[0])
			jr.cmds = jr.cmds[1:]
			rec.Type, rec.Seq, rec.TS, rec.Count, rec.Payload = replay.RecordCommand, first.Seq, first.TS, 1, jr.cbuf
		} else {
			jr.enc.Start(first.TS)
			p := jr.buf[:0]
			stop := uint64(1<<64 - 1) // the next command's sequence ends the block
			if len(jr.cmds) > 0 {
				stop = jr.cmds[0].In.Seq
			}
			for ; hi <= avail && hi-lo < journalBatch && len(p)+replay.BlockEventMax <= jr.limit; hi++ {
				in := r.in.Slot(hi)
				if in.Seq == stop {
					break
				}
				p = jr.enc.Append(p, in)
			}
			hi--
			rec.Type, rec.Seq, rec.TS, rec.Count, rec.Payload = replay.RecordInputBlock, first.Seq, first.TS, uint16(hi-lo+1), p
		}
		if err := jr.j.AppendBatch(jr.rec[:]); err != nil {
			// Release what did reach the journal, as durable as the
			// mode promises, so the logic acts on exactly that.
			done := jr.j.LastSeq()
			if jr.sync {
				done = jr.j.DurableSeq()
			}
			if base := r.in.Slot(jr.next).Seq; done >= base {
				c.Release(min(avail, jr.next+int64(done-base)))
			}
			r.journalFailed(fmt.Errorf("pipeline: journal append at %d: %w", first.Seq, err))
			return false
		}
		if jr.sync {
			c.Release(hi)
		}
		lo = hi + 1
	}
	c.Release(avail)
	jr.next = avail + 1
	if keep := r.retainFrom.Swap(0); keep != 0 {
		r.retain(jr.j, keep)
	}
	return true
}

func (r *run) journalFailed(err error) {
	r.setErr(err)
	r.journalIn.Halt()
}

// retain deletes the segments the newest snapshot (at keep) no longer
// needs. It runs on ingest's goroutine, the journal's writer.
func (r *run) retain(j *journal.Journal, keep uint64) {
	if _, err := j.Retain(keep, r.cfg.Journal.Retention); err != nil {
		r.setErr(fmt.Errorf("pipeline: journal retention: %w", err))
	}
}

// firstSeq is the sequence of a new journal's first record.
func (jc *JournalConfig) firstSeq() uint64 {
	if jc.Options.FirstSeq == 0 {
		return 1
	}
	return jc.Options.FirstSeq
}

// skipSource reads the events a resumed run's feed repeats from the
// journal, checks each against its journaled copy, and hands out only what
// follows.
type skipSource struct {
	src   Source
	left  int64               // events still to skip
	rd    *replay.EventReader // journaled copies, nil where retention removed them
	seq   uint64              // sequence of the next event skipped
	from  uint64              // first sequence the journal still holds
	clock Clock
	total int64     // events to skip at the start
	rec   *Recovery // gets FeedSkipped when the run is done
}

// done closes the journal reader and says in the recovery how many feed
// events were skipped.
func (s *skipSource) done() {
	if s.rd != nil {
		s.rd.Close()
		s.rd = nil
	}
	s.rec.FeedSkipped = s.total - s.left
}

func (s *skipSource) Next(in *event.In) error {
	for s.left > 0 {
		var c *event.In
		if s.rd != nil && s.seq >= s.from {
			var ok bool
			if c, ok = s.rd.Next(); !ok {
				if err := s.rd.Err(); errors.Is(err, replay.ErrRecord) {
					return fmt.Errorf("pipeline: resume: %w", err)
				}
				return fmt.Errorf("%w: journal has no record %d: %v", ErrFeedMismatch, s.seq, s.rd.Err())
			}
			if c.Seq != s.seq {
				return fmt.Errorf("%w: journal has no record %d: the next holds %d", ErrFeedMismatch, s.seq, c.Seq)
			}
		}
		if c != nil && s.rd.Command() {
			// An operator's command came over the admin socket, not in
			// the feed: nothing of the feed to skip for it.
			s.skipped()
			continue
		}
		if err := s.src.Next(in); err != nil {
			if c != nil {
				s.rd.Unread()
			}
			return err // end of feed, malformed records and failures as usual
		}
		if c != nil && !sameInput(in, c, s.clock) {
			return fmt.Errorf("%w: at sequence %d the feed has %v %+v, the journal %v %+v", ErrFeedMismatch, s.seq, in.Kind, *in, c.Kind, *c)
		}
		s.skipped()
	}
	return s.src.Next(in)
}

// skipped counts one journaled event skipped.
func (s *skipSource) skipped() {
	s.seq++
	s.left--
	if s.left == 0 && s.rd != nil {
		s.rd.Close()
		s.rd = nil
	}
}

// Buffered passes the source's answer through, so live feeds stay live.
func (s *skipSource) Buffered() int {
	if b, ok := s.src.(buffered); ok {
		return b.Buffered()
	}
	return 1
}

// sameInput compares what a feed says about an event with the journal's
// copy: everything but the sequence, and the time only when it came from the
// feed.
func sameInput(feed, journaled *event.In, clock Clock) bool {
	a, b := *feed, *journaled
	a.Seq, b.Seq = 0, 0
	if clock == ClockWall || a.TS == 0 || a.TS < b.TS {
		a.TS, b.TS = 0, 0
	}
	return a == b
}
