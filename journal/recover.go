package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/cespare/xxhash/v2"
	"github.com/tradeengine/engine/internal/faultfs"
)

// cutOf describes what lies after the point where scan sc of the segment
// named first stopped, or nil if the segment ends cleanly. A tail with a
// valid record in it is corruption; one without is a torn tail.
func cutOf(sc *scan, first uint64) *Cut {
	if sc.clean() {
		return nil
	}
	c := &Cut{Kind: CutTorn, Segment: first, Offset: sc.end, Bytes: sc.tailEnd - sc.end, Reason: sc.stop.String()}
	switch sc.stop {
	case frameEnd:
		// No record starts at the end (its first word is zero or says
		// type 0); what follows is the remains of one or stray bytes.
		c.Reason = "non-zero bytes after the end of the log"
		c.Records = sc.goodAfter
	case frameSequence:
		c.Records = sc.goodAfter // the frame stopped at is valid, and counted among them
	default:
		c.Records = 1 + sc.goodAfter // the damaged record and the valid ones after it
	}
	if sc.corrupt() {
		c.Kind = CutCorrupt
		c.Through = sc.maxAfter
	}
	return c
}

// recover brings the journal whose segments are refs back to a state it
// can append to. Older segments get their headers checked (all their records
// too with Options.VerifySealed) and are made durable; the newest is scanned
// and its tail cut as described in doc.go.
func (j *Journal) recover(refs []segRef, rep *RecoveryReport) error {
	rep.Segments, rep.FirstSeq, rep.LastSeq = len(refs), refs[0].first, refs[0].first-1
	// Every v2 segment of a journal carries the same id.
	var ids idCheck
	sealed := refs[:len(refs)-1]
	for i, ref := range sealed {
		if j.opts.VerifySealed {
			sr, err := checkSegment(j.fs, ref)
			if err == nil && sr.Torn != nil {
				err = corruptAt(ref.first, sr.Torn.Offset, "%d bytes after the end of a sealed segment", sr.Torn.Bytes)
			}
			if err == nil && i+1 < len(sealed) && sr.LastSeq+1 != sealed[i+1].first {
				err = corruptAt(ref.first, sr.End, "sequence gap: segment ends at %d, next segment starts at %d", sr.LastSeq, sealed[i+1].first)
			}
			rep.Sealed = append(rep.Sealed, sr)
			if err != nil {
				return err
			}
		}
		// Check the header, and make the file durable: a writer that died
		// may have left dirty pages (None mode, or a crash right after a
		// roll), and the records recovered are about to be called durable.
		h, err := syncSealed(j.fs, ref)
		if err != nil {
			return err
		}
		if err := ids.check(ref.first, h.Version, h.ID); err != nil {
			return err
		}
	}

	// The newest segment. A header that does not decode may mean the
	// segment was never used: a roll names the file only after writing the
	// header into the page cache, and acknowledges nothing in it before an
	// msync from offset 0 has made the header durable. So a zero header
	// means nothing in the file was ever acknowledged.
	var s *segment
	for s == nil {
		ref := refs[len(refs)-1]
		var err error
		s, err = openSegment(j.fs, ref, true)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrCorrupt) {
			return err
		}
		zeroHeader, extent, frames, ierr := inspectBroken(j.fs, ref, ids.id)
		if ierr != nil {
			return ierr
		}
		switch {
		case zeroHeader && extent == 0:
			rep.Removed = append(rep.Removed, filepath.Base(ref.path))
		case zeroHeader:
			rep.Cut = &Cut{Kind: CutTorn, Segment: ref.first, Bytes: extent, Records: max(frames, 1), Reason: "segment header never written"}
		case j.opts.TruncateCorrupt:
			rep.Cut = &Cut{Kind: CutCorrupt, Segment: ref.first, Bytes: extent, Records: frames, Reason: reasonOf(err)}
		default:
			return err
		}
		if err := j.fs.Remove(ref.path); err != nil {
			return fmt.Errorf("journal: remove segment %d: %w", ref.first, err)
		}
		if err := j.fs.SyncDir(j.dir); err != nil {
			return fmt.Errorf("journal: %w: %w", ErrSync, err)
		}
		refs = refs[:len(refs)-1]
		if len(refs) == 0 {
			if j.id = ids.id; j.id == 0 {
				j.id = j.newID()
			}
			return j.create(ref.first)
		}
	}
	j.segs = refs
	if err := ids.check(s.first, uint16(s.version), s.id); err != nil {
		s.close()
		return err
	}
	if j.opts.VerifySealed {
		// The newest may have been removed above: what was sealed is what
		// precedes the newest now.
		rep.Sealed = rep.Sealed[:len(refs)-1]
		if n := len(rep.Sealed); n > 0 && rep.Sealed[n-1].LastSeq+1 != s.first {
			s.close()
			return corruptAt(rep.Sealed[n-1].First, rep.Sealed[n-1].End, "sequence gap: segment ends at %d, newest segment starts at %d", rep.Sealed[n-1].LastSeq, s.first)
		}
	}

	sc := scanSegment(s.m, s.version, s.id, s.first)
	rep.Segments, rep.LastSeq = len(refs), sc.next-1
	rep.Newest, rep.Records, rep.Scanned = s.first, sc.records, sc.end-segmentHeaderSize
	end := sc.end
	if cut := cutOf(&sc, s.first); cut != nil {
		if cut.Kind == CutCorrupt && !j.opts.TruncateCorrupt {
			s.close()
			return corruptAt(s.first, cut.Offset, "%s, and %d valid %s after it", cut.Reason, sc.goodAfter, plural(sc.goodAfter, "record"))
		}
		// Zero the cut bytes so the space reads as the end of the log, and
		// make that durable before anything is appended over it: stale
		// records after the cut must never line up with new ones.
		clear(s.m[sc.end:sc.tailEnd])
		end = sc.tailEnd
		rep.Cut = cut
	}
	// Make durable what was recovered (a dead writer's records may still be
	// dirty in the page cache) and what was cut.
	if err := s.f.Msync(s.m, 0, int(end)); err != nil {
		s.close()
		return fmt.Errorf("journal: msync segment %d: %w: %w", s.first, ErrSync, err)
	}
	s.synced = sc.end
	s.dirSynced = true

	if s.version < Version {
		// An older format: seal it and append to a new segment, with a new
		// journal id if the older format had none.
		rep.UpgradedFrom = uint16(s.version)
		s.close()
		if sc.records == 0 {
			j.segs = j.segs[:len(j.segs)-1] // the new segment replaces it
		}
		if j.id = ids.id; j.id == 0 {
			j.id = j.newID()
		}
		return j.create(sc.next)
	}
	j.id = s.id
	if j.opts.PrivateMap {
		// Recovery read and repaired it through a shared mapping, now
		// durable: appends go to a private one.
		m, err := s.f.MapPrivate(int(s.size))
		if err != nil {
			s.close()
			return fmt.Errorf("journal: map segment %d: %w", s.first, err)
		}
		_ = s.f.Unmap(s.m)
		s.m = m
	}
	j.advise(s)
	j.activate(s, sc.end, sc.next-1)
	return nil
}

// idCheck checks that segments agree on the journal id.
type idCheck struct {
	id    uint64 // the id of the v2 segments seen, 0 before the first
	first uint64 // the first of them
}

func (c *idCheck) check(first uint64, version uint16, id uint64) *CorruptError {
	if version < 2 {
		return nil
	}
	if c.id == 0 {
		c.id, c.first = id, first
		return nil
	}
	if id != c.id {
		return corruptAt(first, 32, "journal id %#016x, segment %d has %#016x: a segment of another journal", id, c.first, c.id)
	}
	return nil
}

// reasonOf returns what a CorruptError says is wrong, or the error text.
func reasonOf(err error) string {
	var ce *CorruptError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	return err.Error()
}

// syncSealed checks the header of a sealed segment against its name and
// size, fdatasyncs the file, and returns the header.
func syncSealed(fs faultfs.FS, ref segRef) (segmentHeader, error) {
	f, err := fs.Open(ref.path, false)
	if err != nil {
		return segmentHeader{}, fmt.Errorf("journal: open segment %d: %w", ref.first, err)
	}
	defer f.Close()
	var hb [segmentHeaderSize]byte
	if _, err := f.ReadAt(hb[:], 0); err != nil && !errors.Is(err, io.EOF) {
		return segmentHeader{}, fmt.Errorf("journal: segment %d: read header: %w", ref.first, err)
	}
	h, err := decodeSegmentHeader(hb[:])
	if err != nil {
		return h, placeHeaderErr(err, ref.first)
	}
	if size, err := f.Size(); err != nil || size != h.Size || h.FirstSeq != ref.first {
		return h, corruptAt(ref.first, 0, "header says first sequence %d, size %d; file has size %d", h.FirstSeq, h.Size, size)
	}
	if err := f.Sync(); err != nil {
		return h, fmt.Errorf("journal: fsync segment %d: %w: %w", ref.first, ErrSync, err)
	}
	return h, nil
}

// inspectBroken looks at a segment whose header does not decode: whether
// the header is all zeros, how far non-zero bytes reach, and how many valid
// frames lie in it, of version 1 or of a later version with the journal id
// id (or, when id is not known, with the key the first plausible frame
// implies).
func inspectBroken(fs faultfs.FS, ref segRef, id uint64) (zeroHeader bool, extent, frames int64, err error) {
	f, err := fs.Open(ref.path, false)
	if err != nil {
		return false, 0, 0, fmt.Errorf("journal: open segment %d: %w", ref.first, err)
	}
	defer f.Close()
	size, err := f.Size()
	if err != nil {
		return false, 0, 0, fmt.Errorf("journal: segment %d: %w", ref.first, err)
	}
	if size == 0 {
		return true, 0, 0, nil
	}
	m, err := f.Map(int(size), false)
	if err != nil {
		return false, 0, 0, fmt.Errorf("journal: segment %d: %w", ref.first, err)
	}
	defer f.Unmap(m)
	zeroHeader = allZero(m[:min(len(m), segmentHeaderSize)])
	extent = int64(lastNonZero(m, 0))
	if extent > segmentHeaderSize {
		if id == 0 {
			id = impliedKey(m, segmentHeaderSize, int(extent))
		}
		frames, _, _ = countFrames(m, segmentHeaderSize, int(extent), 1, 0)
		for v := uint8(2); v <= Version; v++ {
			n, _, _ := countFrames(m, segmentHeaderSize, int(extent), v, id)
			frames = max(frames, n)
		}
	}
	return zeroHeader, extent, frames, nil
}

// impliedKey returns the checksum key of the first plausible frame of
// version 2 or later in m[from:to]: its stored checksum XOR the checksum of
// its bytes. Used only to count what a segment whose header is lost held.
func impliedKey(m []byte, from, to int) uint64 {
	for off := from; off+frameOverhead <= to; off += frameAlign {
		w := binary.LittleEndian.Uint64(m[off:])
		n := uint32(w)
		v, count := uint8(w>>40), w>>48
		if uint8(w>>32) == 0 || v < 2 || v > Version || (v < 3) != (count == 0) || n > MaxPayload {
			continue
		}
		body := frameHeaderSize + (int(n)+frameAlign-1)&^(frameAlign-1)
		if off+body+frameTrailerSize > len(m) {
			continue
		}
		return xxhash.Sum64(m[off:off+body]) ^ binary.LittleEndian.Uint64(m[off+body:])
	}
	return 0
}
