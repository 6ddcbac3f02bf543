package pipeline

import (
	"fmt"

	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/replay"
)

// snapJob is one snapshot on its way from the logic to the writer.
type snapJob struct {
	seq uint64
	buf []byte
}

// snapshotter takes the logic's state at chosen sequences and writes it on
// its own goroutine, so the logic pays only for encoding its state into a
// reused buffer. Two buffers circulate: while the writer writes one, the
// logic may fill the other; if both are busy the snapshot is skipped (and
// counted), never waited for.
type snapshotter struct {
	dir        string
	j          *journal.Journal
	keep       int    // snapshots to keep
	every      uint64 // sequences between snapshots, 0 for none
	next       uint64 // sequence of the next periodic snapshot
	free       chan []byte
	pending    chan snapJob
	done       chan struct{}
	written    uint64 // snapshots written (writer goroutine; read after done)
	skipped    uint64 // snapshots skipped, both buffers busy (logic goroutine)
	lastTaken  uint64 // sequence of the newest snapshot handed to the writer (logic goroutine)
	lastSeq    uint64 // sequence of the newest snapshot written (writer goroutine)
	oldestKept uint64 // sequence of the oldest snapshot kept (writer goroutine)
}

func newSnapshotter(dir string, j *journal.Journal, every, firstSeq uint64, keep int) *snapshotter {
	s := &snapshotter{
		dir:     dir,
		j:       j,
		keep:    max(keep, 1),
		every:   every,
		free:    make(chan []byte, 2),
		pending: make(chan snapJob, 2),
		done:    make(chan struct{}),
	}
	if every > 0 {
		s.next = (firstSeq/every + 1) * every
		if firstSeq%every == 0 {
			s.next = firstSeq
		}
	}
	s.free <- nil
	s.free <- nil
	return s
}

// due reports whether the state after seq should be taken now.
func (s *snapshotter) due(seq uint64) bool { return s.every > 0 && seq >= s.next }

// snapshot takes a snapshot of the logic's state after the event seq of
// time ts, and a digest checkpoint with it (logic goroutine).
func (r *run) snapshot(seq uint64, ts int64, wait bool) {
	if r.snaps.take(r.logic, seq, wait) && r.digests != nil {
		r.takeDigest(seq, ts, true)
	}
}

// take encodes the logic's state after seq and hands it to the writer;
// wait says whether to wait for a free buffer (at the end of a run) or to
// skip when there is none. It reports whether it took one.
func (s *snapshotter) take(l *replay.Logic, seq uint64, wait bool) bool {
	if seq == 0 || seq == s.lastTaken {
		return false // nothing applied yet, or nothing new since the last one
	}
	if s.every > 0 {
		s.next = (seq/s.every + 1) * s.every
	}
	var buf []byte
	if wait {
		buf = <-s.free
	} else {
		select {
		case buf = <-s.free:
		default:
			s.skipped++
			return false
		}
	}
	s.lastTaken = seq
	s.pending <- snapJob{seq: seq, buf: l.AppendState(buf[:0])}
	return true
}

// write runs on the writer goroutine until the logic closes pending. A
// snapshot is written only once the journal is durable up to its sequence
// (in Batch mode the logic runs ahead of the msyncs), so that no snapshot
// on disk stands for events a machine crash could take out of the journal.
// In None mode, which promises nothing beyond the page cache, recovery
// skips a snapshot found past the journal's end instead.
func (s *snapshotter) write(r *run) {
	defer close(s.done)
	for job := range s.pending {
		if !waitDurable(s.j, job.seq) {
			// The journal failed, and so the run (r.fail holds why).
			s.free <- job.buf
			continue
		}
		if path, err := journal.WriteSnapshot(s.dir, s.j.ID(), job.seq, job.buf); err != nil {
			r.setErr(fmt.Errorf("pipeline: snapshot at %d: %w", job.seq, err))
		} else {
			s.written++
			s.lastSeq = job.seq
			if r.ctl != nil {
				r.ctl.snapshotWritten(job.seq, path)
			}
			// Snapshot retention deletes leftover temporary files too, so
			// it runs here, where no snapshot is being written. The
			// journal keeps what the oldest snapshot kept needs, so that
			// every kept snapshot can be fallen back on.
			_, oldest, err := journal.RetainSnapshots(s.dir, s.keep)
			if err != nil {
				r.setErr(fmt.Errorf("pipeline: snapshot retention: %w", err))
			} else if oldest != 0 {
				s.oldestKept = oldest
				r.retainFrom.Store(oldest)
			}
		}
		s.free <- job.buf
	}
}
