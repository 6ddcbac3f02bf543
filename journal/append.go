package journal

import (
	"fmt"
	"path/filepath"

	"github.com/tradeengine/engine/internal/faultfs"
)

// Append writes one record: typ (not 0), sequence seq (which must be
// LastSeq()+1), timestamp ts and payload. In Sync mode it returns once the
// record is durable; otherwise once it is in the mapped segment (and so in
// the page cache). It does not allocate.
func (j *Journal) Append(typ uint8, seq uint64, ts int64, payload []byte) error {
	if j.w.failed.Load() || j.w.closed {
		return j.refused()
	}
	if seq != j.c.last+1 || typ == 0 || len(payload) > int(j.w.maxPayload) {
		return j.invalid(typ, seq, len(payload), j.c.last+1, -1)
	}
	size := int64(FrameSize(len(payload)))
	if j.c.off+size > j.c.limit {
		if err := j.roll(seq); err != nil {
			return err
		}
	}
	j.c.off += int64(encodeFrame(j.c.m[j.c.off:], j.c.seg.version, j.c.seg.id, typ, 1, seq, ts, payload))
	j.c.last = seq
	return j.publish(1)
}

// AppendBatch writes recs, whose sequences must run on from LastSeq()+1
// (a record of Count sequences is followed by one at Seq+Count), as
// [Journal.Append] would one by one, but publishes them together: in Sync
// mode one msync covers the batch. A record may cover several sequences:
// its Count (0 counts as 1). Nothing is written unless every record is
// valid. It does not allocate.
func (j *Journal) AppendBatch(recs []Record) error {
	if j.w.failed.Load() || j.w.closed {
		return j.refused()
	}
	if len(recs) == 0 {
		return nil
	}
	next := j.c.last + 1
	for i := range recs {
		r := &recs[i]
		if r.Seq != next || r.Type == 0 || len(r.Payload) > int(j.w.maxPayload) || r.Last() < r.Seq {
			return j.invalid(r.Type, r.Seq, len(r.Payload), next, i)
		}
		next = r.Last() + 1
	}
	for i := range recs {
		r := &recs[i]
		size := int64(FrameSize(len(r.Payload)))
		if j.c.off+size > j.c.limit {
			if err := j.roll(r.Seq); err != nil {
				return err
			}
		}
		j.c.off += int64(encodeFrame(j.c.m[j.c.off:], j.c.seg.version, j.c.seg.id, r.Type, uint16(r.span()), r.Seq, r.TS, r.Payload))
		j.c.last = r.Last()
	}
	return j.publish(int64(next - recs[0].Seq))
}

// publish makes the records just written visible to the other goroutines
// and applies the durability mode.
func (j *Journal) publish(n int64) error {
	switch j.w.mode {
	case Batch:
		j.c.seg.written.Store(j.c.off)
		j.lastSeq.Store(j.c.last)
		j.w.sinceWake += n
		if j.w.sinceWake >= j.w.batchN || (j.idle.Load() && j.idle.CompareAndSwap(true, false)) {
			j.w.sinceWake = 0
			select {
			case j.cmWake <- struct{}{}:
			default:
			}
		}
	case Sync:
		j.lastSeq.Store(j.c.last)
		if err := j.syncTo(j.c.last, j.c.off, false); err != nil {
			return err
		}
	default:
		j.lastSeq.Store(j.c.last)
	}
	if j.c.off >= j.c.pfNext {
		j.prefaultAhead()
	}
	return nil
}

// refused returns why the journal takes no more appends.
func (j *Journal) refused() error {
	if err := j.Err(); err != nil {
		return err
	}
	return ErrClosed
}

// invalid returns the error for a record that may not be appended (the
// slow path of the checks in Append and AppendBatch; want is the sequence
// it must carry, i its index in a batch or -1).
func (j *Journal) invalid(typ uint8, seq uint64, n int, want uint64, i int) error {
	at := ""
	if i >= 0 {
		at = fmt.Sprintf("batch record %d: ", i)
	}
	switch {
	case seq != want:
		return fmt.Errorf("journal: append: %ssequence %d, want %d: %w", at, seq, want, ErrSequence)
	case typ == 0:
		return fmt.Errorf("journal: append: %ssequence %d: %w", at, seq, ErrType)
	case n <= int(j.w.maxPayload):
		return fmt.Errorf("journal: append: %ssequence %d: its count runs past the largest sequence: %w", at, seq, ErrSequence)
	default:
		return fmt.Errorf("journal: append: %ssequence %d: payload of %d bytes, at most %d fit in a segment of %d: %w",
			at, seq, n, j.w.maxPayload, j.c.limit, ErrTooLarge)
	}
}

// roll seals the active segment and makes the spare the active one, its
// header saying that its first record is next. The spare was created and
// prefaulted in the background; the roll writes 64 bytes and renames a
// file. The directory fsync that makes the name durable comes with the next
// sync, before any record of the new segment is called durable. A failed
// roll sticks like a failed sync.
func (j *Journal) roll(next uint64) error {
	sp, err := j.takeSpare()
	if err != nil {
		return j.fail(fmt.Errorf("journal: roll to segment %d: %w", next, err))
	}
	h := segmentHeader{FirstSeq: next, Size: sp.size, ID: j.id, Version: Version}
	h.encode(sp.m)
	if j.opts.PrivateMap {
		// Private mappings: the file gets the spare's header, and the
		// sealed segment its last appends, which only its mapping holds
		// (the syncers' fsync of a sealed segment covers its file).
		if err := j.copyOut(sp, 0, segmentHeaderSize); err != nil {
			return j.fail(fmt.Errorf("journal: roll to segment %d: %w", next, err))
		}
		j.syncMu.Lock()
		from := j.c.seg.synced
		j.syncMu.Unlock()
		if err := j.copyOut(j.c.seg, from, j.c.off); err != nil {
			return j.fail(fmt.Errorf("journal: roll to segment %d: seal segment %d: %w", next, j.c.seg.first, err))
		}
	}
	final := filepath.Join(j.dir, segmentName(next))
	if err := j.fs.Rename(sp.path, final); err != nil {
		sp.close()
		return j.fail(fmt.Errorf("journal: roll to segment %d: %w", next, err))
	}
	sp.path, sp.first, sp.id, sp.version = final, next, j.id, Version

	// Swap segments, under pfMu (the prefaulter works on the active
	// segment) and syncMu (the syncers read it). Neither is held by anyone
	// across a syscall longer than a prefault chunk. The old mapping leaves
	// the segment here: a sealed segment is made durable by an fsync of its
	// file, never msynced again, so its mapping is unmapped by reap once no
	// syncer has it pinned, off the append path.
	old := j.c.seg
	j.pfMu.Lock()
	j.syncMu.Lock()
	old.written.Store(j.c.off)
	j.retired = append(j.retired, mapping{seg: old, f: old.f, m: old.m})
	old.m = nil
	j.sealed = append(j.sealed, old)
	j.activate(sp, segmentHeaderSize, j.c.last)
	j.pfBehind.Store(0)
	j.syncMu.Unlock()
	j.pfMu.Unlock()

	j.segs = append(j.segs, segRef{first: next, path: final})
	j.stats.rolls.Add(1)
	j.c.pfNext = segmentHeaderSize
	if j.w.inline {
		j.reap()
		return nil
	}
	j.kickPrefault()
	return nil
}

// copyOut writes bytes [from, to) of s's private mapping to its file
// (into the page cache: the syncers make it durable).
func (j *Journal) copyOut(s *segment, from, to int64) error {
	if to <= from {
		return nil
	}
	if _, err := s.f.WriteAt(s.m[from:to], from); err != nil {
		return fmt.Errorf("write segment %d: %w", s.first, err)
	}
	return nil
}

// mapping is the mapping of a sealed segment, waiting to be unmapped.
type mapping struct {
	seg *segment // for its pins
	f   faultfs.File
	m   []byte
}

// reap unmaps the mappings of sealed segments that no syncer has pinned.
// Called by the prefaulter, by the appender when there is none, and by
// Close.
func (j *Journal) reap() {
	j.syncMu.Lock()
	var done []mapping
	keep := j.retired[:0]
	for _, r := range j.retired {
		if r.seg.pins == 0 {
			done = append(done, r)
		} else {
			keep = append(keep, r)
		}
	}
	clear(j.retired[len(keep):])
	j.retired = keep
	j.syncMu.Unlock()
	for _, r := range done {
		_ = r.f.Unmap(r.m) // an address range, nothing to lose
	}
}
