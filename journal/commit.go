package journal

import (
	"fmt"
	"time"
)

// Commit makes every record appended so far durable, whatever the mode,
// and returns once it is (or the sticky error of a failed sync).
func (j *Journal) Commit() error {
	if j.w.closed {
		return ErrClosed
	}
	return j.syncTo(j.c.last, j.c.off, false)
}

// syncTo makes durable every record up to sequence seq, whose frame ends at
// or before offset off of the active segment (with published set: up to
// what the appender has published, read under syncMu). It fsyncs the
// directory if a segment name is not yet durable, fsyncs the segments
// rolled out of, msyncs the active segment from where the last sync
// stopped to off, and then publishes seq as durable.
//
// Syncers (the committer, Commit, Sync-mode appends, Close) take flushMu,
// one at a time. They hold syncMu, which a roll also takes, only to read
// and to publish state, never across a syscall: a roll never waits for an
// msync. The active segment is pinned meanwhile, so a roll that seals it
// leaves its mapping alone until the msync is done (see reap).
func (j *Journal) syncTo(seq uint64, off int64, published bool) error {
	j.flushMu.Lock()
	defer j.flushMu.Unlock()

	j.syncMu.Lock()
	if j.err != nil {
		err := j.err
		j.syncMu.Unlock()
		return err
	}
	active := j.c.seg
	if published {
		// The sequence before the offset: the appender stores the offset
		// first, so the offset covers the sequence's record. The active
		// segment cannot change while syncMu is held.
		seq = j.lastSeq.Load()
		off = active.written.Load()
	}
	sealed := j.sealed
	dirSync := !active.dirSynced
	for _, s := range sealed {
		dirSync = dirSync || !s.dirSynced
	}
	from, m := active.synced, active.m
	active.pins++
	j.syncMu.Unlock()

	err := j.flush(sealed, active, m, from, off, dirSync)

	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	active.pins--
	if err != nil {
		return j.failLocked(err)
	}
	if dirSync {
		active.dirSynced = true
	}
	// The sealed segments flushed are the first len(sealed): a roll only
	// appends. Their files are done with; their mappings are reaped.
	for _, s := range sealed {
		s.dirSynced = true
		s.close()
	}
	clear(j.sealed[:len(sealed)])
	j.sealed = j.sealed[len(sealed):]
	if off > active.synced {
		active.synced = off
	}
	if prev := j.durable.Load(); seq > prev {
		j.durable.Store(seq)
		j.stats.syncs.Add(1)
		j.stats.syncedRecords.Add(seq - prev)
	}
	return nil
}

// flush does the syscalls of syncTo, with no lock but flushMu held.
func (j *Journal) flush(sealed []*segment, active *segment, m []byte, from, off int64, dirSync bool) error {
	if dirSync {
		if err := j.fs.SyncDir(j.dir); err != nil {
			return fmt.Errorf("journal: fsync directory: %w: %w", ErrSync, err)
		}
		j.stats.fsyncs.Add(1)
	}
	for _, s := range sealed {
		// A sealed segment's end is final; what the syncers msynced of it
		// before it was sealed needs no fsync.
		if s.synced < s.written.Load() {
			if err := s.f.Sync(); err != nil {
				return fmt.Errorf("journal: fsync segment %d: %w: %w", s.first, ErrSync, err)
			}
			j.stats.fsyncs.Add(1)
		}
	}
	if off > from && j.opts.PrivateMap {
		if err := active.f.WriteBack(m, int(from), int(off-from)); err != nil {
			return fmt.Errorf("journal: write segment %d: %w: %w", active.first, ErrSync, err)
		}
		j.stats.msyncs.Add(1)
	} else if off > from {
		j.releaseBehind(active, m, off)
		if err := active.f.Msync(m, int(from), int(off-from)); err != nil {
			return fmt.Errorf("journal: msync segment %d: %w: %w", active.first, ErrSync, err)
		}
		j.stats.msyncs.Add(1)
	}
	return nil
}

// releaseBehind unmaps from the process the pages of s before off (whole
// ones, or whole large folios with LargePages), which the appender has
// written past and never writes again. The page cache keeps them. Writeback
// must write-protect every page it cleans that is still mapped writable,
// with a TLB shootdown to every CPU running the engine, one per page: on a
// VM that was a quarter of the engine's CPU in Batch mode. Released pages
// cost one shootdown per call instead. The caller keeps m mapped meanwhile
// (a pin, or being the reaper).
func (j *Journal) releaseBehind(s *segment, m []byte, off int64) {
	gran := int64(4096)
	if j.opts.LargePages == LargePagesOn {
		gran = 2 << 20
	}
	end := min(off, int64(len(m))) &^ (gran - 1)
	from := s.released.Load()
	if end <= from {
		return
	}
	if err := s.f.Release(m, int(from), int(end-from)); err == nil {
		j.stats.released.Add(uint64(end - from))
	}
	s.released.Store(end)
}

// failLocked records err as the sticky error and returns it. Called with
// syncMu held.
func (j *Journal) failLocked(err error) error {
	if j.err == nil {
		j.err = err
		j.w.failed.Store(true)
	}
	return j.err
}

// fail is failLocked for callers not holding syncMu.
func (j *Journal) fail(err error) error {
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	return j.failLocked(err)
}

// commitLoop is the Batch-mode committer. It sleeps until an append wakes
// it, gathers records until BatchRecords are waiting or BatchInterval has
// passed since it woke, and msyncs everything written so far while the
// writer keeps appending. Under load it msyncs back to back, each msync
// covering what arrived during the previous one: group commit.
func (j *Journal) commitLoop() {
	defer j.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	n := uint64(j.w.batchN)
	for {
		// Announce idleness before the last look at the work, so that an
		// append either sees idle (and wakes us) or is seen here.
		j.idle.Store(true)
		if j.lastSeq.Load() == j.durable.Load() {
			select {
			case <-j.cmWake:
			case <-j.done:
				return
			}
		}
		j.idle.Store(false)
		deadline := time.Now().Add(j.opts.BatchInterval)
		for j.lastSeq.Load()-j.durable.Load() < n {
			wait := time.Until(deadline)
			if wait <= 0 {
				break
			}
			timer.Reset(wait)
			select {
			case <-j.cmWake:
				timer.Stop()
			case <-timer.C:
			case <-j.done:
				timer.Stop()
				return
			}
		}
		if err := j.syncTo(0, 0, true); err != nil {
			return // sticky: appends now fail with it
		}
	}
}
