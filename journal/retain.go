package journal

import (
	"fmt"
	"path/filepath"
	"time"
)

// Retention says which old segments [Journal.Retain] may delete. A zero
// field sets no limit; the zero Retention deletes nothing.
type Retention struct {
	MaxSegments int           // keep at most this many segments
	MaxAge      time.Duration // delete segments not modified for longer than this
	Now         time.Time     // when ages are measured (zero: time.Now())
}

// Retain deletes old segments, oldest first, while the policy wants them
// gone: more than MaxSegments segments, or a segment older than MaxAge. It
// never deletes the active segment, and never a segment holding a record
// after keepFrom. keepFrom must be the sequence of the oldest snapshot kept
// (what [RetainSnapshots] returns as oldestKept), not the newest: replay
// from any kept snapshot, the older ones being the fallbacks when the
// newest is damaged, needs every record after it. 0 (no snapshot) deletes
// nothing. It returns the first sequences of the
// segments deleted. Deletion stops at the first segment that must stay, so
// the journal always remains a contiguous run of segments.
func (j *Journal) Retain(keepFrom uint64, p Retention) ([]uint64, error) {
	if j.w.closed {
		return nil, ErrClosed
	}
	now := p.Now
	if now.IsZero() {
		now = time.Now()
	}
	var removed []uint64
	for len(j.segs) > 1 {
		s, next := j.segs[0], j.segs[1]
		if next.first-1 > keepFrom {
			break // it holds records after keepFrom
		}
		want := p.MaxSegments > 0 && len(j.segs) > p.MaxSegments
		if !want && p.MaxAge > 0 {
			info, err := j.fs.Stat(s.path)
			if err != nil {
				return removed, fmt.Errorf("journal: retain: %w", err)
			}
			want = now.Sub(info.ModTime) > p.MaxAge
		}
		if !want {
			break
		}
		j.forget(s.first)
		if err := j.fs.Remove(s.path); err != nil {
			return removed, fmt.Errorf("journal: retain: remove segment %d: %w", s.first, err)
		}
		j.segs = j.segs[1:]
		removed = append(removed, s.first)
	}
	if len(removed) > 0 {
		if err := j.fs.SyncDir(j.dir); err != nil {
			return removed, fmt.Errorf("journal: retain: %w: %w", ErrSync, err)
		}
	}
	return removed, nil
}

// forget drops a segment about to be deleted from the segments waiting for
// their fsync (what is deleted need not be durable) and closes its file, so
// that deleting it frees its space. It waits for a sync in flight, which
// may hold the list.
func (j *Journal) forget(first uint64) {
	j.flushMu.Lock()
	defer j.flushMu.Unlock()
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	for i, s := range j.sealed {
		if s.first == first {
			s.close()
			j.sealed = append(j.sealed[:i], j.sealed[i+1:]...)
			return
		}
	}
}

// Segments returns the file names of the journal's segments, oldest first.
func (j *Journal) Segments() []string {
	names := make([]string, len(j.segs))
	for i, s := range j.segs {
		names[i] = filepath.Base(s.path)
	}
	return names
}
