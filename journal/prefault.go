package journal

import (
	"fmt"
	"path/filepath"
)

// A first write to a page of a fresh mapping takes a page fault that costs
// microseconds on a file system (the kernel allocates the page, zeroes it and
// asks the file system to reserve a block); a write to a prefaulted page
// costs nanoseconds. So pages are prefaulted ahead of the write position, by
// the prefaulter goroutine with madvise(MADV_POPULATE_WRITE), and the next
// segment is created and prefaulted before it is needed. The appender only
// publishes how far it wants pages ready, once per quarter window, and never
// waits for the prefaulter.

// prefaultChunk is how much the prefaulter populates per lock hold, so that
// a roll waiting for the lock waits little.
const prefaultChunk = 256 << 10

// prefaultAhead is called by the appender when the write position passed
// c.pfNext: it asks for pages up to a window ahead, from the prefaulter, or
// itself when there is no prefaulter.
func (j *Journal) prefaultAhead() {
	target := min(j.c.off+j.w.window, j.c.limit)
	j.c.pfNext = j.c.off + j.w.window/4
	if j.w.inline {
		s := j.c.seg
		if s.populated < target {
			populate(s, s.populated, target, j.w.touch)
			s.populated = target
		}
		return
	}
	j.pfTarget.Store(target)
	if j.w.mode == None {
		j.pfBehind.Store(j.c.off)
	}
	j.kickPrefault()
}

// kickPrefault wakes the prefaulter without waiting.
func (j *Journal) kickPrefault() {
	select {
	case j.pfWake <- struct{}{}:
	default:
	}
}

// populate prefaults [from, to) of s, with madvise or, if touch is set, by
// writing a zero into each page. Touching is only done where the pages are
// known to be zero and no other goroutine writes: by the appender ahead of
// itself, or in a spare nobody else sees yet. A failed madvise only means
// the pages will fault when written.
func populate(s *segment, from, to int64, touch bool) {
	from &^= 4095
	if from >= to {
		return
	}
	if !touch {
		_ = s.f.Populate(s.m, int(from), int(to-from))
		return
	}
	for p := from; p < to; p += 4096 {
		s.m[p] = 0
	}
}

// prefaultLoop is the prefaulter: it keeps the active segment prefaulted up
// to pfTarget, and a spare segment ready once the active one nears its end.
func (j *Journal) prefaultLoop() {
	defer j.wg.Done()
	for {
		select {
		case <-j.pfWake:
		case <-j.done:
			return
		}
		j.reap()
		j.prefaultActive()
		if j.w.mode == None {
			j.releaseWritten()
		}
		j.spareMu.Lock()
		if j.spare.Load() == nil && j.spareDue() {
			// On failure the roll tries again and reports the error.
			if sp, err := j.makeSpare(); err == nil {
				j.spare.Store(sp)
			}
		}
		j.spareMu.Unlock()
	}
}

// spareDue says whether the active segment is far enough along to make the
// next one: when its prefaulted part is within a window of its end, which
// is when the appender is two windows from the end. Earlier, a short run
// (or a test, or a benchmark) would pay for a spare it never uses.
func (j *Journal) spareDue() bool {
	j.pfMu.Lock()
	defer j.pfMu.Unlock()
	s := j.c.seg
	return s.populated+j.w.window >= s.size
}

// takeSpare returns the spare segment for a roll, waiting for the
// prefaulter if it is making one, or making one itself.
func (j *Journal) takeSpare() (*segment, error) {
	if sp := j.spare.Swap(nil); sp != nil {
		return sp, nil
	}
	j.spareMu.Lock()
	defer j.spareMu.Unlock()
	if sp := j.spare.Swap(nil); sp != nil {
		return sp, nil
	}
	return j.makeSpare()
}

// prefaultActive populates the active segment up to pfTarget, one chunk
// per hold of pfMu (a roll swaps the active segment under pfMu).
func (j *Journal) prefaultActive() {
	for {
		target := j.pfTarget.Load()
		j.pfMu.Lock()
		s := j.c.seg
		from := s.populated
		to := min(target, s.size, from+prefaultChunk)
		if from >= to {
			j.pfMu.Unlock()
			return
		}
		populate(s, from, to, false)
		s.populated = to
		j.pfMu.Unlock()
	}
}

// releaseWritten releases what the appender has written of the active
// segment, in None mode, where no syncer does: the kernel's own writeback
// would otherwise shoot down the engine's TLBs page by page. Only the
// prefaulter and Close unmap mappings, so the one read under pfMu stays
// mapped here.
func (j *Journal) releaseWritten() {
	j.pfMu.Lock()
	s, off := j.c.seg, j.pfBehind.Load()
	m := s.m
	j.pfMu.Unlock()
	if m != nil {
		j.releaseBehind(s, m, off)
	}
}

// makeSpare creates the next segment under the spare name, crash-safely,
// maps it and prefaults its beginning. Its header stays zero until a roll
// writes it and gives the file its real name.
func (j *Journal) makeSpare() (*segment, error) {
	path := filepath.Join(j.dir, spareName(j.spares.Add(1)))
	size := j.opts.SegmentSize
	f, err := createFile(j.fs, path, size, nil)
	if err != nil {
		return nil, fmt.Errorf("journal: create spare segment: %w", err)
	}
	m, err := j.mapWritable(f, int(size))
	if err != nil {
		f.Close()
		_ = j.fs.Remove(path)
		return nil, fmt.Errorf("journal: map spare segment: %w", err)
	}
	s := &segment{f: f, m: m, path: path, size: size, version: Version}
	j.advise(s)
	// The first startPrefault bytes, as Open does: after the roll the
	// prefaulter runs ahead of the appender again, and a short run pays
	// for no more than that of a spare it never uses.
	end := min(size, j.w.window, startPrefault)
	populate(s, 0, end, j.w.touch)
	s.populated = end
	return s, nil
}
