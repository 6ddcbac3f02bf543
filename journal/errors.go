package journal

import "errors"

// Errors returned by the package, wrapped with context ("segment 12 offset
// 4096: ..."); check them with errors.Is.
var (
	// ErrCorrupt is wrapped when a file holds bytes that are not a valid
	// journal or snapshot: a bad header, a record that fails its checksum
	// followed by good ones, a gap in the sequences.
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
	// ErrOptions is wrapped for options out of their range.
	ErrOptions = errors.New("journal: invalid options")
)
