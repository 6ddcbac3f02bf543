package journal

import (
	"fmt"
	"strings"
)

// RecoveryReport is what [Open] found and did. Recovery never answers with a
// bool: it says what survived, what it cut and why.
type RecoveryReport struct {
	Dir      string
	Created  bool   // the directory held no journal: a first segment was created
	Segments int    // segment files in the journal after recovery
	FirstSeq uint64 // first sequence of the oldest segment
	LastSeq  uint64 // sequence of the last record that survived (FirstSeq-1 if none)
	Newest   uint64 // first sequence (the name) of the newest segment, the one scanned
	Records  int64  // valid records found in the newest segment
	Scanned  int64  // bytes of valid records scanned in the newest segment
	Cut      *Cut   // what was cut off the newest segment, or nil
	// Removed lists the files removed: leftovers of interrupted work (a
	// temporary file, the unused spare) and a newest segment that held
	// nothing ever acknowledged.
	Removed []string
	// UpgradedFrom is the older format version the newest segment had, 0
	// if none: it was sealed and appends continue in a new segment.
	UpgradedFrom uint16
	// Sealed holds what each older segment contains, when
	// Options.VerifySealed asked for them to be checked.
	Sealed []SegmentReport
}

// CutKind says why recovery cut bytes off a segment.
type CutKind uint8

const (
	// CutTorn is a torn tail: the last record was being written when the
	// writer died, and nothing valid follows it. It was never acknowledged
	// as durable.
	CutTorn CutKind = iota + 1
	// CutCorrupt is corruption: a bad record with valid records after it,
	// cut only because Options.TruncateCorrupt asked for it.
	CutCorrupt
)

func (k CutKind) String() string {
	switch k {
	case CutTorn:
		return "torn tail"
	case CutCorrupt:
		return "corruption"
	}
	return fmt.Sprintf("cut(%d)", uint8(k))
}

// Cut describes bytes recovery cut off the end of a segment (zeroed, so
// that the space reads as the end of the log again).
type Cut struct {
	Kind    CutKind
	Segment uint64 // first sequence (the name) of the segment cut
	Offset  int64  // where the cut starts: the first byte of the first record cut
	Records int64  // records cut, whole or partial: the damaged one and any valid ones after it
	Bytes   int64  // bytes cut, up to the last non-zero byte
	Reason  string // what was wrong with the first record cut
	// Through is, for corruption, the highest sequence among the valid
	// records cut: the records after the surviving LastSeq up to Through
	// are lost. 0 for a torn tail.
	Through uint64
}

func (c *Cut) String() string {
	s := fmt.Sprintf("%v in segment %d at offset %d: %d %s, %d bytes (%s)",
		c.Kind, c.Segment, c.Offset, c.Records, plural(c.Records, "record"), c.Bytes, c.Reason)
	if c.Through != 0 {
		s += fmt.Sprintf(", lost through sequence %d", c.Through)
	}
	return s
}

// String renders the report on a few lines, one fact per line.
func (r *RecoveryReport) String() string {
	var b strings.Builder
	if r.Created {
		fmt.Fprintf(&b, "created: first=%d\n", r.FirstSeq)
	} else {
		fmt.Fprintf(&b, "recovered: segments=%d first=%d last=%d\n", r.Segments, r.FirstSeq, r.LastSeq)
		if r.Newest != 0 {
			fmt.Fprintf(&b, "newest: segment %d, %d %s, %d bytes\n", r.Newest, r.Records, plural(r.Records, "record"), r.Scanned)
		}
	}
	if r.Cut != nil {
		fmt.Fprintf(&b, "cut: %v\n", r.Cut)
	}
	for _, name := range r.Removed {
		fmt.Fprintf(&b, "removed: %s\n", name)
	}
	if r.UpgradedFrom != 0 {
		fmt.Fprintf(&b, "upgraded: sealed a version %d segment, appending to version %d\n", r.UpgradedFrom, Version)
	}
	for i := range r.Sealed {
		fmt.Fprintf(&b, "sealed: %v\n", &r.Sealed[i])
	}
	return b.String()
}

// SegmentReport is what one segment holds, as [Verify] and
// Options.VerifySealed see it.
type SegmentReport struct {
	First   uint64 // first sequence, from the name
	Version uint16 // format version, from the header
	ID      uint64 // journal id, from the header (v2; 0 in v1)
	Size    int64  // file size
	Records int64  // valid records
	LastSeq uint64 // sequence of the last valid record (First-1 if none)
	End     int64  // offset just past the last valid record
	// Torn is set when the segment ends in a torn tail: bytes after the
	// last record with no valid record among them. Only the newest segment
	// may have one (recovery cuts it).
	Torn *Cut
	// Problem is what is wrong with the segment, "" if nothing: a bad
	// header, corruption before valid records, bytes after the end of a
	// sealed segment, a gap in the sequences.
	Problem string
	Offset  int64 // where Problem is
}

func (s *SegmentReport) String() string {
	st := "clean"
	switch {
	case s.Problem != "":
		st = fmt.Sprintf("CORRUPT at offset %d: %s", s.Offset, s.Problem)
	case s.Torn != nil:
		st = fmt.Sprintf("torn tail at offset %d: %d bytes", s.Torn.Offset, s.Torn.Bytes)
	}
	return fmt.Sprintf("segment %d v%d: %d %s (%d..%d), end %d, %s",
		s.First, s.Version, s.Records, plural(s.Records, "record"), s.First, s.LastSeq, s.End, st)
}

func plural(n int64, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
