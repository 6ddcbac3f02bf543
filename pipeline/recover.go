package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/wire"
)

// logicConfig returns the logic's part of the run's configuration.
func (r *run) logicConfig() replay.Config {
	return replay.Config{Matcher: r.cfg.Matcher, Risk: r.cfg.Risk}
}

// recover opens the journal, loads the newest usable snapshot into the
// logic and replays the journal after it (replay.Replayer): silently up to
// the output checkpoint (those outputs are out already), then re-emitting
// to the sink the outputs of every event after it. Every event is replayed
// under the configuration in force when it was journaled. It then checks
// the run's configuration against the journal's, opens the output file,
// and returns the open journal and what it did.
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
	if r.logic, err = replay.NewLogic(r.logicConfig()); err != nil {
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
	cfgs, err := replay.ReadConfigs(jc.Dir)
	if err != nil {
		return fail(err)
	}
	now := replay.EncodeConfig(new(r.logicConfig()))

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
	if snap != nil {
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

	// Digest checkpoints: those of re-emitted events the crash took out
	// of the log are recorded again, from the replayed (the live) state.
	if jc.DigestEvery >= 0 {
		dl, err := replay.OpenDigestLog(jc.Dir, j.ID())
		if err != nil {
			return fail(err)
		}
		st.digestLog = dl
		every := uint64(jc.DigestEvery)
		if every == 0 {
			every = replay.DefaultDigestEvery
		}
		r.digests = newDigester(dl, every, emitFrom)
	}

	if last >= from {
		if err := r.replay(jc.Dir, cfgs, snap, from, last, emitFrom, st, rec); err != nil {
			return fail(err)
		}
	} else {
		if snap != nil {
			// Nothing to replay after the snapshot: the logic still
			// starts from it.
			if r.logic, err = replay.LogicAt(r.logicConfig(), cfgs, replay.Start{Snapshot: snap, Logic: r.logic}); err != nil {
				return fail(err)
			}
		}
		r.seedWriter(st)
		if last >= first {
			if rec.lastTS, err = lastEventTS(jc.Dir, last); err != nil {
				return fail(err)
			}
		}
	}

	// This run's configuration against the one in force.
	if i := replay.InForce(cfgs, last+1); i < 0 || !bytes.Equal(cfgs[i].Raw, now) {
		if i >= 0 && last >= first {
			rec.ConfigChanged = replay.ConfigDiff(cfgs[i].Raw, now, 8)
			if !jc.AllowConfigChange {
				return fail(fmt.Errorf("%w: %s (%s); start with the journal's configuration, or allow the change (engine run --config-change)", replay.ErrConfigChanged, jc.Dir, strings.Join(rec.ConfigChanged, "; ")))
			}
			if err := r.switchConfig(now); err != nil {
				return fail(err)
			}
		}
		if err := replay.WriteConfig(jc.Dir, last+1, now); err != nil {
			return fail(err)
		}
	}
	rec.ResumedFrom = last + 1
	if r.digests != nil {
		r.digests.next = r.digests.every * ((last + r.digests.every) / r.digests.every) // the first boundary after last
	}
	return j, rec, nil
}

// lastEventTS returns the event time of the journal's event at seq.
func lastEventTS(dir string, seq uint64) (int64, error) {
	er, err := replay.NewEventReader(dir, seq)
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

// replay replays journal records from (after snap, when there is one) to
// to: silently before emitFrom, and with their outputs to the sink from
// emitFrom on. The run's logic is what the replay leaves.
func (r *run) replay(dir string, cfgs []replay.ConfigFile, snap *journal.Snapshot, from, to, emitFrom uint64, st *sinkState, rec *Recovery) error {
	rp, err := replay.NewReplayer(dir, r.logicConfig(), cfgs, replay.Start{Snapshot: snap, From: from, Logic: r.logic})
	if err != nil {
		return fmt.Errorf("pipeline: replay: %w", err)
	}
	defer rp.Close()
	rp.Until(to)
	seeded := false
	for rp.Next() {
		in := rp.In()
		if in.Seq >= emitFrom {
			if !seeded {
				r.logic = rp.Logic()
				r.seedWriter(st) // the names of the outputs not emitted again
				seeded = true
			}
			outs := rp.Outs()
			for i := range outs {
				if err := st.add(&outs[i]); err != nil {
					return err
				}
			}
			if err := r.recovered(rp.Logic(), in, st); err != nil {
				return err
			}
			rec.ReEmitted++
		}
		rec.lastTS = in.TS
	}
	r.logic = rp.Logic()
	if err := rp.Err(); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	if rp.NextSeq() <= to {
		return fmt.Errorf("pipeline: replay: journal ends at %d, want %d", rp.NextSeq()-1, to)
	}
	rec.Replayed = rp.Applied()
	if !seeded {
		r.seedWriter(st)
	}
	return nil
}

// seedWriter gives the output writer the names of the symbols the logic
// knows, which it would otherwise learn only from the symbol outputs of
// events whose outputs went out before the restart.
func (r *run) seedWriter(st *sinkState) {
	sd, ok := st.w.(wire.OutSeeder)
	if !ok {
		return
	}
	if defs := r.logic.Symbols(); len(defs) > 0 {
		if err := sd.SeedSymbols(defs); err != nil {
			st.writing = false
			r.setErr(fmt.Errorf("pipeline: output: %w", err))
		}
	}
}

// switchConfig carries the logic's state over to fresh logic under the
// configuration raw: where a restart changes the configuration.
func (r *run) switchConfig(raw []byte) error {
	c, err := replay.ApplyConfig(r.logicConfig(), raw)
	if err != nil {
		return err
	}
	nl, err := r.logic.Carry(c)
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	r.logic = nl
	return nil
}
