package pipeline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/wire"
)

// Journal record types of input events, beside RecordInputBlock (block.go),
// which is what a run writes. Part of the journal format; a run reads all
// three.
const (
	// RecordInput: one event, the payload its canonical 64-byte encoding
	// (96 bytes of journal per event; the first format).
	RecordInput uint8 = 1
	// RecordInputPacked: one event, the payload its canonical encoding
	// without bytes 16..32, the sequence and the time, which the record's
	// header carries (80 bytes of journal per event; written until
	// RecordInputBlock).
	RecordInputPacked uint8 = 2
)

// PackedSize is the payload size of a RecordInputPacked record.
const PackedSize = event.Size - 16

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

// recover opens the journal, loads the newest usable snapshot into the
// logic and replays the journal after it: silently up to the output
// checkpoint (those outputs are out already), then re-emitting to the sink
// the outputs of every event after it. Every event is replayed under the
// configuration in force when it was journaled. It then checks the run's
// configuration against the journal's, opens the output file, and returns
// the open journal and what it did.
func (r *run) recover(jc *JournalConfig, out *Output, st *sinkState) (*journal.Journal, *Recovery, error) {
	opts := jc.Options
	if opts.PrefaultWindow == 0 {
		opts.PrefaultWindow = prefaultWindow
	}
	j, rep, err := journal.Open(jc.Dir, opts)
	if err != nil {
		return nil, nil, err
	}
	rec := &Recovery{Report: rep}
	fail := func(err error) (*journal.Journal, *Recovery, error) {
		j.Close()
		return nil, nil, err
	}
	// The hash key of the logic's id tables is the journal's id: random,
	// drawn when the journal was created, never in the feed, and the same
	// across restarts.
	r.cfg.Matcher.HashKey = j.ID()
	if r.logic, err = newLogic(&r.cfg); err != nil {
		return fail(err)
	}
	last := j.LastSeq()
	first := jc.firstSeq()
	if last >= first {
		st.since = event.NewDigest() // a restart: this run's outputs get a digest of their own
	}

	// Where outputs start going out again.
	emitFrom := first
	ck, hasCk, err := readCheckpoint(jc.Dir)
	if err != nil {
		return fail(err)
	}
	if hasCk {
		switch {
		case ck.id != j.ID():
			return fail(fmt.Errorf("pipeline: %s is the output checkpoint of journal %#016x, this journal is %#016x", filepath.Join(jc.Dir, CheckpointFile), ck.id, j.ID()))
		case ck.seq > last:
			return fail(fmt.Errorf("pipeline: the output checkpoint is at sequence %d, after the journal's last record %d: outputs of inputs the journal lost are out (durability %s cannot promise more after a machine crash)", ck.seq, last, jc.Options.Durability))
		}
		if err := st.digest.UnmarshalBinary(ck.digest); err != nil {
			return fail(fmt.Errorf("pipeline: output checkpoint: %w", err))
		}
		emitFrom = ck.seq + 1
		rec.OutputCheckpoint = ck.seq
	}

	// The configurations in force.
	cfgs, err := readConfigs(jc.Dir)
	if err != nil {
		return fail(err)
	}
	now := configOf(&r.cfg)

	// The newest usable snapshot at or before the checkpoint.
	from := j.FirstSeq() // first record to replay
	snapMax := min(last, emitFrom-1)
	var snap *journal.Snapshot
	if snapMax >= first {
		var srep *journal.SnapshotReport
		snap, srep, err = journal.LoadLatestSnapshot(jc.Dir, journal.SnapshotSelect{ID: j.ID(), MaxSeq: snapMax})
		if srep != nil {
			for _, s := range srep.Skipped {
				rec.Skipped = append(rec.Skipped, s.Path+": "+s.Reason)
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, journal.ErrNoSnapshot):
			snap = nil
		default:
			return fail(fmt.Errorf("pipeline: snapshots: %w", err))
		}
	}
	if snap == nil && from != first && last >= from {
		// Retention removed the journal's start and no snapshot at or
		// before the checkpoint remains: start from the newest snapshot
		// there is, and say which outputs cannot come again.
		var err error
		snap, _, err = journal.LoadLatestSnapshot(jc.Dir, journal.SnapshotSelect{ID: j.ID(), MaxSeq: last})
		if err != nil {
			return fail(fmt.Errorf("pipeline: journal starts at sequence %d and there is no snapshot to start from", from))
		}
		rec.OutputGap = fmt.Sprintf("outputs of sequences %d to %d are not re-emitted: the journal starts at %d", emitFrom, snap.Seq, from)
		emitFrom = snap.Seq + 1
	}
	// The logic starts under the configuration in force at the snapshot,
	// or at the first event replayed (the run's own, r.logic, if the same).
	cur := inForce(cfgs, from)
	if snap != nil {
		cur = inForce(cfgs, snap.Seq)
	}
	if cur >= 0 && !bytes.Equal(cfgs[cur].raw, now) {
		if r.logic, err = r.logicFor(cfgs[cur].raw); err != nil {
			return fail(err)
		}
	}
	if snap != nil {
		if err := r.logic.loadState(snap.Payload); err != nil {
			return fail(fmt.Errorf("pipeline: snapshot %s: %w", snap.Path, err))
		}
		rec.SnapshotSeq, rec.SnapshotPath = snap.Seq, snap.Path
		from = snap.Seq + 1
	}
	if from < j.FirstSeq() && last >= from {
		return fail(fmt.Errorf("pipeline: snapshot at %d needs records from %d, the journal starts at %d", rec.SnapshotSeq, from, j.FirstSeq()))
	}

	// The output file: continued where the checkpoint says, when it is the
	// one the checkpoint describes; else written afresh from emitFrom.
	if out != nil {
		path := absPath(out.Path)
		same := hasCk && ck.path == path
		if err := st.openOutput(out, !same, ck.offset); err != nil {
			return fail(err)
		}
		st.path = path
	}
	st.dir, st.id, st.j, st.ckptSeq = jc.Dir, j.ID(), j, emitFrom-1

	if last >= from {
		n, err := r.replay(jc.Dir, from, last, emitFrom, cfgs, cur, st, rec)
		if err != nil {
			return fail(err)
		}
		rec.Replayed = n
	} else {
		r.seedWriter(st)
		if last >= first {
			if rec.lastTS, err = lastEventTS(jc.Dir, last); err != nil {
				return fail(err)
			}
		}
	}

	// This run's configuration against the one in force.
	if i := inForce(cfgs, last+1); i < 0 || !bytes.Equal(cfgs[i].raw, now) {
		if i >= 0 && last >= first {
			rec.ConfigChanged = configDiff(cfgs[i].raw, now, 8)
			if !jc.AllowConfigChange {
				return fail(fmt.Errorf("%w: %s (%s); start with the journal's configuration, or allow the change (engine run --config-change)", ErrConfigChanged, jc.Dir, strings.Join(rec.ConfigChanged, "; ")))
			}
			if err := r.switchConfig(now); err != nil {
				return fail(err)
			}
		}
		if err := writeConfig(jc.Dir, last+1, now); err != nil {
			return fail(err)
		}
	}
	rec.ResumedFrom = last + 1
	return j, rec, nil
}

// lastEventTS returns the event time of the journal's event at seq.
func lastEventTS(dir string, seq uint64) (int64, error) {
	er, err := NewEventReader(dir, seq)
	if err != nil {
		return 0, fmt.Errorf("pipeline: recovery: %w", err)
	}
	defer er.Close()
	in, ok := er.Next()
	if !ok || in.Seq != seq {
		return 0, fmt.Errorf("pipeline: recovery: no event %d in the journal: %v", seq, er.Err())
	}
	return in.TS, nil
}

// replay applies journal records from..to to the logic: silently before
// emitFrom, and with their outputs to the sink from emitFrom on. A
// journaled configuration change takes effect where it was journaled.
//
// cur is the index in cfgs of the configuration the logic runs under, -1
// for none journaled.
func (r *run) replay(dir string, from, to, emitFrom uint64, cfgs []configFile, cur int, st *sinkState, rec *Recovery) (int64, error) {
	er, err := NewEventReader(dir, from)
	if err != nil {
		return 0, fmt.Errorf("pipeline: replay: %w", err)
	}
	defer er.Close()
	var outs []event.Out
	var n int64
	seeded := false
	for seq := from; seq <= to; seq++ {
		for cur+1 < len(cfgs) && cfgs[cur+1].seq <= seq {
			cur++
			if cur == 0 || !bytes.Equal(cfgs[cur].raw, cfgs[cur-1].raw) {
				if err := r.switchConfig(cfgs[cur].raw); err != nil {
					return n, fmt.Errorf("pipeline: replay at %d: %w", seq, err)
				}
			}
		}
		in, ok := er.Next()
		if !ok {
			if err := er.Err(); err != nil {
				return n, fmt.Errorf("pipeline: replay at %d: %w", seq, err)
			}
			return n, fmt.Errorf("pipeline: replay: journal ends at %d, want %d", seq-1, to)
		}
		if seq >= emitFrom && !seeded {
			r.seedWriter(st) // the names of the outputs not emitted again
			seeded = true
		}
		outs = r.logic.apply(in, outs[:0])
		if seq >= emitFrom {
			for i := range outs {
				if err := st.add(&outs[i]); err != nil {
					return n, err
				}
			}
			rec.ReEmitted++
		}
		rec.lastTS = in.TS
		n++
	}
	if !seeded {
		r.seedWriter(st)
	}
	return n, nil
}

// seedWriter gives the output writer the names of the symbols the logic
// knows, which it would otherwise learn only from the symbol outputs of
// events whose outputs went out before the restart.
func (r *run) seedWriter(st *sinkState) {
	sd, ok := st.w.(wire.OutSeeder)
	if !ok {
		return
	}
	if defs := r.logic.symbols(); len(defs) > 0 {
		if err := sd.SeedSymbols(defs); err != nil {
			st.writing = false
			r.setErr(fmt.Errorf("pipeline: output: %w", err))
		}
	}
}

// EventReader reads the input events of a journal one at a time, from a
// given sequence on: it decodes each record, of any input type, and hands
// out its events in order, skipping those before the sequence asked for
// (a block record that starts earlier).
type EventReader struct {
	rd   *journal.Reader
	from uint64
	evs  []event.In // the events of the record being read
	i    int        // the next of them
	cmd  bool       // they come from a RecordCommand
	err  error
}

// Command reports whether the event Next returned last is an operator's
// command from the admin socket (a RecordCommand), not a feed's event.
func (r *EventReader) Command() bool { return r.cmd }

// LastCommand returns the operator's command the event Next returned last
// came from, with who sent it and what they typed; false for a feed's
// event.
func (r *EventReader) LastCommand() (Command, bool) {
	if !r.cmd {
		return Command{}, false
	}
	c, err := DecodeCommand(r.rd.Record())
	return c, err == nil
}

// Unread makes the next Next return the event the last one returned again.
func (r *EventReader) Unread() {
	if r.i > 0 {
		r.i--
	}
}

// NewEventReader returns a reader of the events of the journal in dir from
// sequence from (0: the oldest kept); see [journal.NewReader].
func NewEventReader(dir string, from uint64) (*EventReader, error) {
	rd, err := journal.NewReader(dir, from)
	if err != nil {
		return nil, err
	}
	return &EventReader{rd: rd, from: from}, nil
}

// Next returns the next event, valid until the following call, or false at
// the end of what is written or on an error (Err says which).
func (r *EventReader) Next() (*event.In, bool) {
	for r.err == nil {
		for ; r.i < len(r.evs); r.i++ {
			if in := &r.evs[r.i]; in.Seq >= r.from {
				r.i++
				return in, true
			}
		}
		if !r.rd.Next() {
			r.err = r.rd.Err()
			return nil, false
		}
		rec := r.rd.Record()
		r.evs, r.err = AppendEvents(r.evs[:0], rec)
		r.cmd = rec.Type == RecordCommand
		r.i = 0
	}
	return nil, false
}

// Err returns the error that stopped the reader: the journal's, or a record
// that does not decode (ErrRecord).
func (r *EventReader) Err() error { return r.err }

// Close releases the journal reader.
func (r *EventReader) Close() error { return r.rd.Close() }

// AppendEvents decodes the input events of rec, a record of any of the
// input types, and appends them to dst in sequence order: a
// RecordInputBlock's Count events; the event of a RecordCommand; the one
// event of a RecordInput,
// checking that its header and payload agree; the one of a
// RecordInputPacked, taking the sequence and the time from the header.
// Errors wrap ErrRecord.
func AppendEvents(dst []event.In, rec journal.Record) ([]event.In, error) {
	if rec.Type == RecordInputBlock {
		if rec.Count == 0 {
			return dst, fmt.Errorf("%w: record %d: block of 0 events", ErrRecord, rec.Seq)
		}
		return appendBlock(dst, rec)
	}
	if rec.Type == RecordCommand {
		c, err := DecodeCommand(rec)
		if err != nil {
			return dst, err
		}
		return append(dst, c.In), nil
	}
	if rec.Count > 1 {
		return dst, fmt.Errorf("%w: record %d: type %d covers %d sequences, want 1", ErrRecord, rec.Seq, rec.Type, rec.Count)
	}
	var in event.In
	if err := decodeSingle(rec, &in); err != nil {
		return dst, err
	}
	return append(dst, in), nil
}

// decodeSingle decodes a record of one of the single-event types into in.
func decodeSingle(rec journal.Record, in *event.In) error {
	switch rec.Type {
	case RecordInputPacked:
		if len(rec.Payload) != PackedSize {
			return fmt.Errorf("%w: record %d: packed input of %d bytes, want %d", ErrRecord, rec.Seq, len(rec.Payload), PackedSize)
		}
		var full [event.Size]byte
		copy(full[:16], rec.Payload[:16])
		binary.LittleEndian.PutUint64(full[16:], rec.Seq)
		binary.LittleEndian.PutUint64(full[24:], uint64(rec.TS))
		copy(full[32:], rec.Payload[16:])
		if err := in.Decode(full[:]); err != nil {
			return fmt.Errorf("%w: record %d: %w", ErrRecord, rec.Seq, err)
		}
		return nil
	case RecordInput:
		if err := in.Decode(rec.Payload); err != nil {
			return fmt.Errorf("%w: record %d: %w", ErrRecord, rec.Seq, err)
		}
		if in.Seq != rec.Seq || in.TS != rec.TS {
			return fmt.Errorf("%w: record %d: payload says seq %d ts %d, header ts %d", ErrRecord, rec.Seq, in.Seq, in.TS, rec.TS)
		}
		return nil
	}
	return fmt.Errorf("%w: record %d: type %d, want %d, %d, %d or %d (input)", ErrRecord, rec.Seq, rec.Type, RecordInputBlock, RecordCommand, RecordInputPacked, RecordInput)
}

// ErrRecord is wrapped by the errors of AppendEvents.
var ErrRecord = errors.New("pipeline: bad input record")

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
	enc   blockEncoder
	buf   []byte // a block's payload
	limit int    // the most bytes of a block: the buffer, or the journal's MaxPayload
	next  int64  // the next ring sequence to journal
	// cmds are the operator commands published and not yet journaled, in
	// sequence order (ingest's, like the rest of the journaler): each is
	// written as a RecordCommand of its own.
	cmds []Command
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
	jr := &journaler{j: j, sync: d == journal.Sync, buf: make([]byte, journalBatch*blockEventMax)}
	jr.limit = min(len(jr.buf), j.MaxPayload())
	jr.rec[0].Type = RecordInputBlock
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
			jr.cbuf = appendCommand(jr.cbuf[:0], &jr.cmds[0])
			jr.cmds = jr.cmds[1:]
			rec.Type, rec.Seq, rec.TS, rec.Count, rec.Payload = RecordCommand, first.Seq, first.TS, 1, jr.cbuf
		} else {
			jr.enc.start(first.TS)
			p := jr.buf[:0]
			stop := uint64(1<<64 - 1) // the next command's sequence ends the block
			if len(jr.cmds) > 0 {
				stop = jr.cmds[0].In.Seq
			}
			for ; hi <= avail && hi-lo < journalBatch && len(p)+blockEventMax <= jr.limit; hi++ {
				in := r.in.Slot(hi)
				if in.Seq == stop {
					break
				}
				p = jr.enc.append(p, in)
			}
			hi--
			rec.Type, rec.Seq, rec.TS, rec.Count, rec.Payload = RecordInputBlock, first.Seq, first.TS, uint16(hi-lo+1), p
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
	left  int64        // events still to skip
	rd    *EventReader // journaled copies, nil where retention removed them
	seq   uint64       // sequence of the next event skipped
	from  uint64       // first sequence the journal still holds
	clock Clock
}

func (s *skipSource) Next(in *event.In) error {
	for s.left > 0 {
		var c *event.In
		if s.rd != nil && s.seq >= s.from {
			var ok bool
			if c, ok = s.rd.Next(); !ok {
				if err := s.rd.Err(); errors.Is(err, ErrRecord) {
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
