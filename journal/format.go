package journal

// The constants of the on-disk format. Those marked "Part of the format" are
// written into files or decide how their bytes are read: changing one is a
// new format version (see doc.go).
const (
	// Version is the format version this package writes into segment
	// headers and records. Part of the format. Every older version down
	// to 1 is still read.
	Version = 3

	// MaxPayload is the largest record payload. Part of the format: a
	// decoder rejects a longer length field before trusting it.
	MaxPayload = 1 << 24

	// MinSegmentSize is the smallest segment size accepted (one page).
	MinSegmentSize = 4096
	// MaxSegmentSize is the largest segment size accepted: offsets within
	// a segment fit 32 bits.
	MaxSegmentSize = 1 << 32
	// DefaultSegmentSize is the segment size when Options leave it zero.
	DefaultSegmentSize = 64 << 20

	// segmentMagic opens every segment file. Part of the format.
	segmentMagic = "TEJRNSEG"
	// segmentHeaderSize is the size of a segment header; the first record
	// starts right after it. Part of the format.
	segmentHeaderSize = 64

	// frameHeaderSize is the size of a record's header: length, type,
	// version, count, sequence, timestamp. Part of the format.
	frameHeaderSize = 24
	// frameTrailerSize is the size of the checksum after the padded
	// payload. Part of the format.
	frameTrailerSize = 8
	// frameOverhead is what a record costs beyond its padded payload.
	frameOverhead = frameHeaderSize + frameTrailerSize
	// frameAlign is the alignment of every record and of its payload's
	// padded length. Part of the format.
	frameAlign = 8
)

// FrameSize returns the bytes a record with an n-byte payload occupies in a
// segment: the header, the payload padded to 8 bytes, the checksum. A
// 64-byte event takes 96.
func FrameSize(n int) int { return frameOverhead + (n+frameAlign-1)&^(frameAlign-1) }

// Record is one journal entry. It covers Count sequences, Seq to
// Seq+Count-1: one, or several for a record that holds several of the
// caller's items (the engine journals a batch of events as one record).
// A Record returned by a reader aliases the mapped file: copy Payload to
// keep it past the next read.
type Record struct {
	Seq     uint64 // the first sequence it covers; sequences are contiguous across the journal
	TS      int64  // timestamp given by the writer (nanoseconds)
	Payload []byte // opaque bytes, at most MaxPayload
	Count   uint16 // sequences covered; readers return at least 1, an appender's 0 means 1
	Type    uint8  // caller-defined kind, never 0
}

// span returns the number of sequences r covers.
func (r *Record) span() uint64 { return max(uint64(r.Count), 1) }

// Last returns the last sequence r covers.
func (r Record) Last() uint64 { return r.Seq + r.span() - 1 }
