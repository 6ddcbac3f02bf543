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
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	return j.syncLocked(j.c.last, j.c.off)
}

// syncLocked makes durable every record up to sequence seq, whose frame
// ends at or before offset off of the active segment: it fsyncs the
// directory if a segment name is not yet durable, fsyncs and closes the
// segments rolled out of, msyncs the active segment from where the last
// sync stopped to off, and then publishes seq as durable. Called with syncMu
// held, by the committer, by Commit and by Sync-mode appends.
func (j *Journal) syncLocked(seq uint64, off int64) error {
	if j.err != nil {
		return j.err
	}
	prev := j.durable.Load()
	active := j.c.seg
	if active == nil {
		return nil
	}
	dirty := !active.dirSynced
	for _, s := range j.sealed {
		dirty = dirty || !s.dirSynced
	}
	if dirty {
		if err := j.fs.SyncDir(j.dir); err != nil {
			return j.failLocked(fmt.Errorf("journal: fsync directory: %w: %w", ErrSync, err))
		}
		j.stats.fsyncs.Add(1)
		for _, s := range j.sealed {
			s.dirSynced = true
		}
		active.dirSynced = true
	}
	for len(j.sealed) > 0 {
		s := j.sealed[0]
		if s.synced < s.written.Load() {
			if err := s.f.Sync(); err != nil {
				return j.failLocked(fmt.Errorf("journal: fsync segment %d: %w: %w", s.first, ErrSync, err))
			}
			j.stats.fsyncs.Add(1)
			s.synced = s.written.Load()
		}
		s.close()
		j.sealed[0] = nil
		j.sealed = j.sealed[1:]
	}
	if off > active.synced {
		if err := active.f.Msync(active.m, int(active.synced), int(off-active.synced)); err != nil {
			return j.failLocked(fmt.Errorf("journal: msync segment %d: %w: %w", active.first, ErrSync, err))
		}
		j.stats.msyncs.Add(1)
		active.synced = off
	}
	if seq > prev {
		j.durable.Store(seq)
		j.stats.syncs.Add(1)
		j.stats.syncedRecords.Add(seq - prev)
	}
	return nil
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
		j.syncMu.Lock()
		// Read the sequence before the offset: the writer stores the
		// offset first, so the offset covers the sequence's record. The
		// active segment cannot change while syncMu is held.
		seq := j.lastSeq.Load()
		off := j.c.seg.written.Load()
		err := j.syncLocked(seq, off)
		j.syncMu.Unlock()
		if err != nil {
			return // sticky: appends now fail with it
		}
	}
}
