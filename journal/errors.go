package journal

import (
	"errors"
	"fmt"
)

// Errors returned by the package, wrapped with context ("segment 12 offset
// 4096: ..."); check them with errors.Is.
var (
	// ErrCorrupt is matched by the *CorruptError returned when a file
	// holds bytes that are not a valid journal or snapshot: a bad header, a
	// record that fails its checksum followed by good ones, a gap in the
	// sequences.
	ErrCorrupt = errors.New("journal: corrupt")
	// ErrVersion is wrapped when a file was written by a newer format
	// version than this package reads.
	ErrVersion = errors.New("journal: unsupported format version")
	// ErrSequence is returned by the appends for a record whose sequence is
	// not LastSeq()+1.
	ErrSequence = errors.New("journal: sequence not contiguous")
	// ErrTooLarge is returned by the appends for a payload that cannot fit
	// in any segment or exceeds MaxPayload.
	ErrTooLarge = errors.New("journal: record too large")
	// ErrType is returned by the appends for record type 0, which the
	// format reserves for the end of the log.
	ErrType = errors.New("journal: record type 0 is reserved")
	// ErrSync is wrapped by the error a failed msync or fsync leaves
	// behind. The error sticks: the journal refuses every later append and
	// commit, since it can no longer say what is durable.
	ErrSync = errors.New("journal: sync failed")
	// ErrClosed is returned by a journal used after Close.
	ErrClosed = errors.New("journal: closed")
	// ErrNotFound is wrapped when a sequence asked for is older than the
	// oldest segment (retention removed it) or a directory holds no journal.
	ErrNotFound = errors.New("journal: not found")
	// ErrNoSnapshot is returned by LoadLatestSnapshot when no valid
	// snapshot exists.
	ErrNoSnapshot = errors.New("journal: no valid snapshot")
	// ErrLocked is matched by the *LockedError [Open] returns when another
	// writer, in this process or another, has the journal open: "journal
	// DIR is in use by pid N".
	ErrLocked = errors.New("journal: in use by another writer")
	// ErrOptions is wrapped for options out of their range.
	ErrOptions = errors.New("journal: invalid options")
)

// CorruptError is the error for bytes that are not a valid journal or
// snapshot. errors.Is(err, ErrCorrupt) holds for it, and errors.As gives
// where the damage is.
type CorruptError struct {
	Segment uint64 // the damaged segment, by its name (its first sequence); 0 if not a segment
	Offset  int64  // offset of the damage in the segment
	File    string // the damaged file when it is not a segment (a snapshot)
	Reason  string // what is wrong
}

func (e *CorruptError) Error() string {
	switch {
	case e.Segment != 0:
		return fmt.Sprintf("journal: segment %d offset %d: corrupt: %s", e.Segment, e.Offset, e.Reason)
	case e.File != "":
		return fmt.Sprintf("journal: %s: corrupt: %s", e.File, e.Reason)
	}
	return "journal: corrupt: " + e.Reason
}

// Is reports whether target is ErrCorrupt.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// corruptAt returns a CorruptError at offset off of segment seg.
func corruptAt(seg uint64, off int64, format string, args ...any) *CorruptError {
	return &CorruptError{Segment: seg, Offset: off, Reason: fmt.Sprintf(format, args...)}
}

// corrupt returns a CorruptError not yet placed in a file.
func corrupt(format string, args ...any) *CorruptError {
	return &CorruptError{Reason: fmt.Sprintf(format, args...)}
}
