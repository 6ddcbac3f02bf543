package journal

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/tradeengine/engine/internal/faultfs"
)

// Reader reads the records of a journal directory in sequence order, from a
// given sequence on, across segments. It maps segments read-only, so it can
// follow a journal that another goroutine or another process is appending
// to: at the end of what is written [Reader.Next] reports false without an
// error, and a later call sees what was appended since, including new
// segments. A record half-written at the live tail is not an error either:
// the reader waits for it to be completed. What is an error is a bad record
// with a valid one after it, or with a newer segment after its segment.
//
// A follower sees a record once it is complete in the page cache, before it
// is durable. If the machine dies, recovery may cut records a follower has
// already seen; a follower that must see only durable records reads up to
// the writer's DurableSeq.
type Reader struct {
	fs    faultfs.FS
	dir   string
	from  uint64   // records that end before from are skipped
	next  uint64   // the sequence the next record must carry
	seg   *segment // the segment being read, nil before the first
	off   int64    // read position in seg
	rec   Record
	err   error
	timer *time.Timer
}

// NewReader returns a reader of the journal in dir that starts at sequence
// fromSeq (0: at the oldest record kept): its first record is the one that
// covers fromSeq, which starts before it when it covers several sequences.
// A fromSeq older than the oldest segment is an error wrapping ErrNotFound;
// one beyond the last record is waited for. A directory with no journal yet
// is waited for too.
func NewReader(dir string, fromSeq uint64) (*Reader, error) {
	return newReader(faultfs.OS{}, dir, fromSeq)
}

func newReader(fs faultfs.FS, dir string, from uint64) (*Reader, error) {
	r := &Reader{fs: fs, dir: dir, from: from}
	if _, err := r.position(); err != nil {
		return nil, err
	}
	return r, nil
}

// position opens the segment holding r.from, if the journal has segments
// yet; it reports whether it did.
func (r *Reader) position() (bool, error) {
	refs, _, err := listDir(r.fs, r.dir)
	if err != nil {
		return false, err
	}
	if len(refs) == 0 {
		return false, nil
	}
	if r.from != 0 && r.from < refs[0].first {
		return false, fmt.Errorf("journal: read from %d: %w: oldest segment starts at %d", r.from, ErrNotFound, refs[0].first)
	}
	i := len(refs) - 1
	for i > 0 && refs[i].first > r.from {
		i--
	}
	s, err := openSegment(r.fs, refs[i], false)
	if err != nil {
		return false, err
	}
	r.seg, r.off, r.next = s, segmentHeaderSize, s.first
	return true, nil
}

// Next advances to the next record and reports whether there is one. It
// reports false at the end of what is written so far (Err is nil: call
// again later to follow the journal) and on an error (Err says which).
func (r *Reader) Next() bool {
	if r.err != nil {
		return false
	}
	if r.seg == nil {
		ok, err := r.position()
		if err != nil {
			r.err = err
		}
		if !ok {
			return false
		}
	}
	for {
		rec, size, why := decodeFrame(r.seg.m[r.off:], r.seg.version, r.seg.id)
		if why == frameOK && rec.Seq != r.next {
			why = frameSequence
		}
		if why == frameOK {
			r.off += int64(size)
			r.next = rec.Last() + 1
			if r.next <= r.from {
				continue
			}
			r.rec = rec
			return true
		}
		if !r.atTail(why) {
			return false
		}
	}
}

// atTail handles a frame that is not the next record: the end of what is
// written, a record still being written, the end of a sealed segment, or
// damage. It reports whether reading can go on at once (it moved to the
// next segment).
func (r *Reader) atTail(why reason) bool {
	s := r.seg
	if why == frameSequence {
		r.err = corruptAt(s.first, r.off, "record has sequence %d, want %d", readSeq(s.m, r.off), r.next)
		return false
	}
	// The successor is the segment named by the next sequence; an empty
	// segment has none (a roll needs a record that did not fit).
	nextPath := filepath.Join(r.dir, segmentName(r.next))
	successor := false
	if r.next > s.first {
		_, serr := r.fs.Stat(nextPath)
		successor = serr == nil
	}
	if why != frameEnd {
		// A record being written, or damage: damage if it is still bad once
		// something valid was written after it. Look at it again after
		// seeing the later bytes: the writer wrote it before them, so by
		// now it is complete unless it is damaged.
		if successor || r.validAfter() {
			if _, _, again := decodeFrame(s.m[r.off:], s.version, s.id); again == frameOK {
				return true
			}
			r.err = corruptAt(s.first, r.off, "%s before later records", why)
		}
		return false
	}
	if !successor {
		if _, err := r.fs.Stat(s.path); err != nil {
			// Both this segment and its successor are gone: retention
			// deleted what this reader had not read yet.
			r.err = fmt.Errorf("journal: read %d: %w: segment %d was removed", r.next, ErrNotFound, s.first)
		}
		return false
	}
	if lastNonZero(s.m, int(r.off)) != int(r.off) {
		r.err = corruptAt(s.first, r.off, "non-zero bytes after the end of a sealed segment")
		return false
	}
	ns, err := openSegment(r.fs, segRef{first: r.next, path: nextPath}, false)
	if err != nil {
		r.err = err
		return false
	}
	if s.version >= 2 && ns.version >= 2 && ns.id != s.id {
		ns.close()
		r.err = corruptAt(ns.first, 32, "journal id %#016x, previous segment has %#016x: a segment of another journal", ns.id, s.id)
		return false
	}
	s.close()
	r.seg, r.off = ns, segmentHeaderSize
	return true
}

// validAfter reports whether any valid record lies after the bad frame at
// r.off. The first word of the record found is loaded atomically: that
// orders the reads after it after the writer's stores before it, on every
// architecture (x86 orders loads anyway).
func (r *Reader) validAfter() bool {
	m := r.seg.m
	to := lastNonZero(m, int(r.off))
	n, first, _ := countFrames(m, int(r.off)+frameAlign, to, r.seg.version, r.seg.id)
	if n > 0 {
		atomic.LoadUint64((*uint64)(unsafe.Pointer(&m[first])))
	}
	return n > 0
}

// readSeq reads the sequence field of the frame at off.
func readSeq(m []byte, off int64) uint64 {
	if int(off)+16 > len(m) {
		return 0
	}
	return binary.LittleEndian.Uint64(m[off+8:])
}

// Follow is Next for a live journal: at the end of what is written it polls
// every interval until a record arrives. It reports false on an error (Err)
// or when ctx is done (ctx.Err()).
func (r *Reader) Follow(ctx context.Context, interval time.Duration) bool {
	for {
		if r.Next() {
			return true
		}
		if r.err != nil {
			return false
		}
		if r.timer == nil {
			r.timer = time.NewTimer(interval)
		} else {
			r.timer.Reset(interval)
		}
		select {
		case <-ctx.Done():
			r.timer.Stop()
			return false
		case <-r.timer.C:
		}
	}
}

// Record returns the record Next found. Its Payload aliases the mapped
// segment: it is valid until the reader moves past the segment or closes.
func (r *Reader) Record() Record { return r.rec }

// Err returns the error that stopped the reader, or nil.
func (r *Reader) Err() error { return r.err }

// NextSeq returns the sequence of the record Next looks for.
func (r *Reader) NextSeq() uint64 { return max(r.next, r.from) }

// Close releases the mapped segment.
func (r *Reader) Close() error {
	if r.timer != nil {
		r.timer.Stop()
	}
	if r.seg != nil {
		err := r.seg.close()
		r.seg = nil
		return err
	}
	return nil
}
