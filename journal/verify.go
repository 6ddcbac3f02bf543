package journal

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tradeengine/engine/internal/faultfs"
)

// Report is what [Verify] found in a journal directory.
type Report struct {
	Dir      string
	Segments []SegmentReport
	FirstSeq uint64 // first sequence of the oldest segment
	LastSeq  uint64 // last valid sequence
	Records  int64  // valid records in all segments
	Bytes    int64  // bytes of valid records (headers included)
}

// Clean reports whether every segment is sound and the log ends cleanly:
// no problem and no torn tail.
func (r *Report) Clean() bool {
	for i := range r.Segments {
		if r.Segments[i].Problem != "" || r.Segments[i].Torn != nil {
			return false
		}
	}
	return true
}

// String renders the report, one line per segment and a summary.
func (r *Report) String() string {
	var b strings.Builder
	for i := range r.Segments {
		fmt.Fprintf(&b, "%v\n", &r.Segments[i])
	}
	state := "clean"
	if !r.Clean() {
		state = "NOT clean"
	}
	fmt.Fprintf(&b, "journal: %d %s, %d %s (%d..%d), %d bytes, %s\n", len(r.Segments), plural(int64(len(r.Segments)), "segment"),
		r.Records, plural(r.Records, "record"), r.FirstSeq, r.LastSeq, r.Bytes, state)
	return b.String()
}

// Verify checks every record of every segment in dir, read-only: headers,
// checksums, sequences contiguous within and across segments, and that only
// zeros follow the last record of a sealed segment. It returns the report in
// every case; the error wraps ErrCorrupt for the first problem found (every
// problem is in the report), ErrNotFound for a directory without segments,
// or an I/O error. A torn tail at the end of the newest segment is reported
// but is not an error: Open cuts it.
func Verify(dir string) (*Report, error) { return verify(faultfs.OS{}, dir) }

func verify(fs faultfs.FS, dir string) (*Report, error) {
	rep := &Report{Dir: dir}
	refs, _, err := listDir(fs, dir)
	if err != nil {
		return rep, err
	}
	if len(refs) == 0 {
		return rep, fmt.Errorf("journal: verify %s: %w: no segments", dir, ErrNotFound)
	}
	rep.FirstSeq = refs[0].first
	rep.LastSeq = refs[0].first - 1
	var first error
	var ids idCheck
	damaged := false // the previous segment has a problem
	note := func(sr *SegmentReport, off int64, format string, args ...any) {
		if sr.Problem == "" {
			sr.Problem, sr.Offset = fmt.Sprintf(format, args...), off
		}
		if first == nil {
			first = corruptAt(sr.First, off, format, args...)
		}
	}
	for i, ref := range refs {
		sr, err := checkSegment(fs, ref)
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
			return rep, err
		}
		if err != nil && first == nil {
			first = err
		}
		newest := i == len(refs)-1
		if !newest && sr.Torn != nil && sr.Problem == "" {
			note(&sr, sr.Torn.Offset, "%d bytes after the end of a sealed segment", sr.Torn.Bytes)
		}
		if sr.Problem == "" {
			if err := ids.check(sr.First, sr.Version, sr.ID); err != nil {
				note(&sr, err.Offset, "%s", err.Reason)
			}
		}
		// After a damaged segment its real end is unknown: no gap check.
		if i > 0 && sr.Problem == "" && !damaged && rep.LastSeq+1 != ref.first {
			note(&sr, segmentHeaderSize, "sequence gap: previous segment ends at %d", rep.LastSeq)
		}
		if sr.Problem == "" || sr.Records > 0 {
			rep.LastSeq = sr.LastSeq
		}
		rep.Records += sr.Records
		if sr.End > segmentHeaderSize {
			rep.Bytes += sr.End - segmentHeaderSize
		}
		damaged = sr.Problem != ""
		rep.Segments = append(rep.Segments, sr)
	}
	return rep, first
}

// checkSegment scans one segment read-only. The error wraps ErrCorrupt or
// ErrVersion when the report has a Problem, or is an I/O error.
func checkSegment(fs faultfs.FS, ref segRef) (SegmentReport, error) {
	sr := SegmentReport{First: ref.first, LastSeq: ref.first - 1}
	s, err := openSegment(fs, ref, false)
	if err != nil {
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
			return sr, err
		}
		zeroHeader, extent, _, ierr := inspectBroken(fs, ref, 0)
		if ierr != nil {
			return sr, ierr
		}
		if zeroHeader {
			// Named by a roll whose header never reached the disk: nothing
			// in it was acknowledged (see recover), it reads as a torn tail.
			sr.Torn = &Cut{Kind: CutTorn, Segment: ref.first, Bytes: extent, Records: 0, Reason: "segment header never written"}
			return sr, nil
		}
		var ce *CorruptError
		if errors.As(err, &ce) {
			sr.Problem, sr.Offset = ce.Reason, ce.Offset
		} else {
			sr.Problem = err.Error()
		}
		return sr, err
	}
	defer s.close()
	sr.Version, sr.Size, sr.ID = uint16(s.version), s.size, s.id
	sc := scanSegment(s.m, s.version, s.id, s.first)
	sr.Records, sr.LastSeq, sr.End = sc.records, sc.next-1, sc.end
	if cut := cutOf(&sc, s.first); cut != nil {
		if cut.Kind == CutCorrupt {
			sr.Problem, sr.Offset = fmt.Sprintf("%s, and %d valid %s after it", cut.Reason, sc.goodAfter, plural(sc.goodAfter, "record")), cut.Offset
			return sr, corruptAt(s.first, cut.Offset, "%s", sr.Problem)
		}
		sr.Torn = cut
	}
	return sr, nil
}
