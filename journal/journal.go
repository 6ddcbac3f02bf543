package journal

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/tradeengine/engine/internal/faultfs"
)

// cursor is the writer's hot state: one cache line, touched by every append
// and by no other goroutine (the committer and the prefaulter read seg only
// under a lock the writer takes to change it).
type cursor struct {
	m      []byte   //  0 24  mapping of the active segment
	off    int64    // 24  8  next write offset in m
	last   uint64   // 32  8  last appended sequence
	pfNext int64    // 40  8  offset at which to ask for more prefaulting
	limit  int64    // 48  8  segment size: a frame must end at or before it
	seg    *segment // 56  8  the active segment
} // 64

// paddedU64 is an atomic counter alone on its cache line.
type paddedU64 struct {
	atomic.Uint64
	_ [56]byte
}

// writer is the writer's state that appends read but rarely change: the
// second cache line.
type writer struct {
	failed     atomic.Bool // 0  4  a sync failed; Journal.err says how (set under syncMu)
	mode       Durability  // 4  1
	inline     bool        // 5  1  the appender prefaults: no prefaulter goroutine
	touch      bool        // 6  1  prefault by writing to pages (no MADV_POPULATE_WRITE)
	closed     bool        // 7  1
	maxPayload int64       // 8  8  the largest payload that fits in a segment
	sinceWake  int64       // 16 8  Batch: appends since the committer was last woken
	batchN     int64       // 24 8  Batch: Options.BatchRecords
	window     int64       // 32 8  Options.PrefaultWindow
	_          [24]byte    // 40 24
} // 64

// Journal is an open journal directory. One goroutine at a time writes to
// it: Append, AppendBatch, Commit, Retain and Close. LastSeq, DurableSeq,
// Stats and Err may be called from any goroutine.
//
// A segment rolled out of keeps its file open until it is durable: in None
// mode that is until the next Commit (or Retain deletes it, or Close), since
// an fsync through a descriptor opened later could miss a writeback error.
type Journal struct {
	c        cursor      // line 0: writer-owned, hot
	w        writer      // line 1: writer-owned, read by appends
	lastSeq  paddedU64   // line 2: published LastSeq, stored by every append
	durable  paddedU64   // line 3: published DurableSeq (Batch, Sync)
	idle     atomic.Bool // line 4: Batch: the committer waits for a wake-up
	_        [60]byte
	pfTarget atomic.Int64 // line 5: prefault the active segment up to here
	pfBehind atomic.Int64 // None: the appender has written the active segment up to here
	_        [48]byte

	flushMu sync.Mutex // held by a syncer for a whole sync: one at a time
	syncMu  sync.Mutex // guards sealed, retired, err, and segment.synced, dirSynced, pins; never held across a syscall
	sealed  []*segment // segments rolled out of but not yet durable, oldest first
	retired []mapping  // mappings of sealed segments, to unmap once unpinned
	err     error      // the sticky error

	pfMu    sync.Mutex // held while prefaulting the active segment and while swapping it
	spareMu sync.Mutex // held while making the spare
	spare   atomic.Pointer[segment]
	spares  atomic.Uint64 // spares made, to name them
	pfWake  chan struct{}
	cmWake  chan struct{}
	done    chan struct{}
	wg      sync.WaitGroup

	stats counters
	id    uint64   // the journal's identity, in every v2 segment header
	lock  *os.File // the LOCK file, flocked until Close
	dir   string
	fs    faultfs.FS
	opts  Options
	segs  []segRef // every segment, oldest first, the active one last (writer-owned)
}

// counters are the Stats, updated atomically off the append path.
type counters struct {
	syncs, syncedRecords, msyncs, fsyncs, rolls, released atomic.Uint64
}

// Stats are the journal's counters since Open.
type Stats struct {
	LastSeq       uint64 // last appended sequence
	DurableSeq    uint64 // last durable sequence
	Syncs         uint64 // sync rounds that made records durable (each an msync, plus an fsync per sealed segment)
	SyncedRecords uint64 // records made durable by those rounds (sequences: a record of Count sequences counts Count)
	Msyncs        uint64 // msync calls
	Fsyncs        uint64 // fsync calls (sealed segments, directories)
	Rolls         uint64 // segments rolled into
	Released      uint64 // bytes written past and unmapped from the process before writeback (the page cache keeps them)
}

// MaxPayload returns the largest payload an append takes: [MaxPayload], or
// less when the segments are smaller.
func (j *Journal) MaxPayload() int { return int(j.w.maxPayload) }

// RecordsPerSync returns SyncedRecords/Syncs, the group-commit factor.
func (s Stats) RecordsPerSync() float64 {
	if s.Syncs == 0 {
		return 0
	}
	return float64(s.SyncedRecords) / float64(s.Syncs)
}

// Open opens the journal in dir for writing, creating the directory and a
// first segment at opts.FirstSeq if it holds no journal, or recovering it:
// leftovers of interrupted work are removed, the newest segment is scanned,
// a torn tail is cut, corruption fails Open with ErrCorrupt (or is cut with
// Options.TruncateCorrupt). The report says what recovery found and did; it
// is returned with the error too when recovery fails.
//
// Open first takes the journal's lock (the [LockFile] in dir, held until
// [Journal.Close]), before it creates or removes anything: while one
// writer has the journal open, another Open, in this process or another,
// fails at once with a [*LockedError] ("journal DIR is in use by pid N",
// matching ErrLocked). Readers ([NewReader], [Verify], the snapshot
// functions) take no lock. A directory Open creates is made durable: the
// parent of each directory created is fsynced.
func Open(dir string, opts Options) (*Journal, *RecoveryReport, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, nil, err
	}
	fs := o.fs
	if err := mkdirSynced(fs, dir); err != nil {
		return nil, nil, fmt.Errorf("journal: open %s: %w", dir, err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, nil, err
	}
	j := &Journal{
		lock:   lock,
		pfWake: make(chan struct{}, 1),
		cmWake: make(chan struct{}, 1),
		done:   make(chan struct{}),
		dir:    dir,
		fs:     fs,
		opts:   o,
	}
	j.w.mode = o.Durability
	j.w.inline = o.noBackground
	j.w.batchN = int64(o.BatchRecords)
	j.w.window = o.PrefaultWindow
	j.w.maxPayload = min(MaxPayload, o.SegmentSize-segmentHeaderSize-frameOverhead)
	rep := &RecoveryReport{Dir: dir}
	if err := j.open(rep); err != nil {
		j.closeFiles()
		j.unlock()
		return nil, rep, err
	}
	j.lastSeq.Store(j.c.last)
	j.durable.Store(j.c.last)
	rep.LastSeq = j.c.last
	if len(j.segs) > 0 {
		rep.FirstSeq = j.segs[0].first
	}
	rep.Segments = len(j.segs)
	j.start()
	return j, rep, nil
}

// open creates or recovers the journal's files.
func (j *Journal) open(rep *RecoveryReport) error {
	refs, leftovers, err := listDir(j.fs, j.dir)
	if err != nil {
		return err
	}
	for _, p := range leftovers {
		if err := j.fs.Remove(p); err != nil {
			return fmt.Errorf("journal: remove leftover %s: %w", filepath.Base(p), err)
		}
		rep.Removed = append(rep.Removed, filepath.Base(p))
	}
	if len(leftovers) > 0 {
		if err := j.fs.SyncDir(j.dir); err != nil {
			return fmt.Errorf("journal: %w: %w", ErrSync, err)
		}
	}
	if len(refs) == 0 {
		rep.Created = true
		j.id = j.newID()
		return j.create(j.opts.FirstSeq)
	}
	return j.recover(refs, rep)
}

// newID returns a new journal id: random, never 0 (Options.id in tests).
func (j *Journal) newID() uint64 {
	if j.opts.id != 0 {
		return j.opts.id
	}
	var b [8]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			panic("journal: crypto/rand: " + err.Error()) // never fails on Linux
		}
		if id := binary.LittleEndian.Uint64(b[:]); id != 0 {
			return id
		}
	}
}

// create makes the first segment of an empty journal (or of one whose
// segments recovery removed) and makes it active.
func (j *Journal) create(first uint64) error {
	s, err := j.newSegment(first)
	if err != nil {
		return err
	}
	j.activate(s, segmentHeaderSize, first-1)
	j.segs = append(j.segs, segRef{first: first, path: s.path})
	return nil
}

// newSegment creates, crash-safely and synchronously, the segment whose
// first record will be first, and maps it.
func (j *Journal) newSegment(first uint64) (*segment, error) {
	var hb [segmentHeaderSize]byte
	h := segmentHeader{FirstSeq: first, Size: j.opts.SegmentSize, ID: j.id, Version: Version}
	h.encode(hb[:])
	path := filepath.Join(j.dir, segmentName(first))
	f, err := createFile(j.fs, path, h.Size, hb[:])
	if err != nil {
		return nil, fmt.Errorf("journal: create segment %d: %w", first, err)
	}
	m, err := j.mapWritable(f, int(h.Size))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("journal: map segment %d: %w", first, err)
	}
	s := &segment{f: f, m: m, path: path, first: first, size: h.Size, id: j.id, version: Version}
	j.advise(s)
	s.synced = segmentHeaderSize
	s.dirSynced = true
	return s, nil
}

// mapWritable maps a segment the appender writes: privately with
// Options.PrivateMap, else shared.
func (j *Journal) mapWritable(f faultfs.File, size int) ([]byte, error) {
	if j.opts.PrivateMap {
		return f.MapPrivate(size)
	}
	return f.Map(size, true)
}

// advise applies Options.LargePages to a writable segment mapping, before
// it is prefaulted.
func (j *Journal) advise(s *segment) {
	if j.opts.LargePages == LargePagesOn {
		_ = s.f.AdviseHuge(s.m) // a hint: refused, pages stay small
	}
}

// activate makes s the segment appends go to, writing next at off, after
// sequence last.
func (j *Journal) activate(s *segment, off int64, last uint64) {
	j.c.seg = s
	j.c.m = s.m
	j.c.off = off
	j.c.last = last
	j.c.limit = s.size
	s.written.Store(off)
	if s.populated < off {
		s.populated = off &^ 4095
	}
	j.c.pfNext = off
}

// startPrefault is how much of the first window start prefaults itself,
// before Open returns; the prefaulter does the rest of the window.
const startPrefault = 2 << 20

// start launches the background goroutines and prefaults the first window:
// its first startPrefault bytes now, the rest in the prefaulter (all of it
// now when there is no prefaulter).
func (j *Journal) start() {
	s := j.c.seg
	window := min(s.size, j.c.off+j.w.window)
	end := min(window, j.c.off+startPrefault)
	if j.w.inline {
		end = window // no prefaulter to do the rest
	}
	if err := s.f.Populate(s.m, int(s.populated), int(end-s.populated)); errors.Is(err, faultfs.ErrUnsupported) {
		j.w.touch = true
		j.w.inline = true
		end = window
		populate(s, s.populated, end, true)
	}
	s.populated = end
	j.c.pfNext = j.c.off + j.w.window/4
	if !j.w.inline {
		j.pfTarget.Store(window)
		j.wg.Add(1)
		go j.prefaultLoop()
		j.kickPrefault()
	}
	if j.w.mode == Batch {
		j.wg.Add(1)
		go j.commitLoop()
	}
}

// LastSeq returns the sequence of the last record appended (FirstSeq-1 for
// an empty journal).
func (j *Journal) LastSeq() uint64 { return j.lastSeq.Load() }

// DurableSeq returns the last sequence known durable: covered by an msync
// (Batch, Sync). In None mode it equals LastSeq, since that mode promises
// nothing beyond the page cache and so has nothing to wait for; call Commit
// to make records durable.
func (j *Journal) DurableSeq() uint64 {
	if j.w.mode == None {
		return j.lastSeq.Load()
	}
	return j.durable.Load()
}

// FirstSeq returns the first sequence of the oldest segment kept.
func (j *Journal) FirstSeq() uint64 { return j.segs[0].first }

// ID returns the journal's id: random, never 0, drawn when the journal was
// created (or, for a journal of format version 1, when it started its first
// segment of a later version) and written in every segment header. Pass it
// to [WriteSnapshot] and in [SnapshotSelect] so that a snapshot is tied to
// its journal.
func (j *Journal) ID() uint64 { return j.id }

// Dir returns the journal's directory.
func (j *Journal) Dir() string { return j.dir }

// Err returns the sticky error left by a failed sync, or nil.
func (j *Journal) Err() error {
	if !j.w.failed.Load() {
		return nil
	}
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	return j.err
}

// Stats returns the journal's counters.
func (j *Journal) Stats() Stats {
	return Stats{
		LastSeq:       j.LastSeq(),
		DurableSeq:    j.DurableSeq(),
		Syncs:         j.stats.syncs.Load(),
		SyncedRecords: j.stats.syncedRecords.Load(),
		Msyncs:        j.stats.msyncs.Load(),
		Fsyncs:        j.stats.fsyncs.Load(),
		Rolls:         j.stats.rolls.Load(),
		Released:      j.stats.released.Load(),
	}
}

// Close stops the background goroutines, makes everything appended durable
// (in every mode: a clean shutdown loses nothing), and releases the files.
// The unused spare segment is removed. The lock is released last, whatever
// the error.
func (j *Journal) Close() error {
	if j.w.closed {
		return ErrClosed
	}
	j.w.closed = true
	close(j.done)
	j.wg.Wait()
	err := j.syncTo(j.c.last, j.c.off, false)
	j.reap()
	if sp := j.spare.Swap(nil); sp != nil {
		sp.close()
		if rerr := j.fs.Remove(sp.path); rerr != nil && err == nil {
			err = fmt.Errorf("journal: remove spare: %w", rerr)
		}
	}
	if cerr := j.closeFiles(); err == nil {
		err = cerr
	}
	if uerr := j.unlock(); err == nil {
		err = uerr
	}
	return err
}

// abandon stops the journal as a crash would: no sync, no cleanup; the lock
// is released, as the death of the process would. Tests use it before
// simulating a crash.
func (j *Journal) abandon() {
	if j.w.closed {
		return
	}
	j.w.closed = true
	close(j.done)
	j.wg.Wait()
	j.unlock()
}

// closeFiles unmaps and closes every open segment.
func (j *Journal) closeFiles() error {
	var err error
	for _, s := range j.sealed {
		if cerr := s.close(); err == nil {
			err = cerr
		}
	}
	j.sealed = nil
	if j.c.seg != nil {
		if cerr := j.c.seg.close(); err == nil {
			err = cerr
		}
		j.c.m = nil
	}
	return err
}
