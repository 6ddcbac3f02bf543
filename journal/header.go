package journal

import (
	"encoding/binary"
	"fmt"

	"github.com/cespare/xxhash/v2"
)

// segmentHeader is the decoded header at offset 0 of a segment file (the
// layout is drawn in doc.go).
type segmentHeader struct {
	FirstSeq uint64 // sequence of the segment's first record
	Size     int64  // size of the segment file in bytes
	ID       uint64 // v2: the journal's identity, never 0; 0 in v1
	Version  uint16 // format version of the header and of every record
}

// encode writes h into b[:segmentHeaderSize].
func (h *segmentHeader) encode(b []byte) {
	b = b[:segmentHeaderSize]
	clear(b)
	copy(b[0:8], segmentMagic)
	binary.LittleEndian.PutUint16(b[8:], h.Version)
	binary.LittleEndian.PutUint16(b[10:], segmentHeaderSize)
	binary.LittleEndian.PutUint64(b[16:], h.FirstSeq)
	binary.LittleEndian.PutUint64(b[24:], uint64(h.Size))
	if h.Version >= 2 {
		binary.LittleEndian.PutUint64(b[32:], h.ID)
	}
	binary.LittleEndian.PutUint64(b[56:], xxhash.Sum64(b[:56]))
}

// decodeSegmentHeader reads a segment header of any version from b, each
// field at the width it was written, and checks it: magic, checksum,
// version, header size, reserved bytes, journal id (v2), sequence and size
// ranges.
func decodeSegmentHeader(b []byte) (segmentHeader, error) {
	var h segmentHeader
	if len(b) < segmentHeaderSize {
		return h, corrupt("segment header: %d bytes, want %d", len(b), segmentHeaderSize)
	}
	b = b[:segmentHeaderSize]
	if string(b[0:8]) != segmentMagic {
		return h, corrupt("segment header: bad magic %q", b[0:8])
	}
	if want, got := xxhash.Sum64(b[:56]), binary.LittleEndian.Uint64(b[56:]); want != got {
		return h, corrupt("segment header: checksum %#016x, want %#016x", got, want)
	}
	h.Version = binary.LittleEndian.Uint16(b[8:])
	if h.Version == 0 || h.Version > Version {
		return h, fmt.Errorf("segment header: version %d, this package reads 1 to %d: %w", h.Version, Version, ErrVersion)
	}
	if n := binary.LittleEndian.Uint16(b[10:]); n != segmentHeaderSize {
		return h, corrupt("segment header: header size %d, want %d", n, segmentHeaderSize)
	}
	reserved := 32 // v1: bytes 32..56 reserved
	if h.Version >= 2 {
		reserved = 40
		if h.ID = binary.LittleEndian.Uint64(b[32:]); h.ID == 0 {
			return h, corrupt("segment header: journal id 0")
		}
	}
	if !allZero(b[12:16]) || !allZero(b[reserved:56]) {
		return h, corrupt("segment header: reserved bytes not zero")
	}
	h.FirstSeq = binary.LittleEndian.Uint64(b[16:])
	if h.FirstSeq == 0 {
		return h, corrupt("segment header: first sequence 0")
	}
	size := binary.LittleEndian.Uint64(b[24:])
	if size < MinSegmentSize || size > MaxSegmentSize || size%frameAlign != 0 {
		return h, corrupt("segment header: segment size %d out of range", size)
	}
	h.Size = int64(size)
	return h, nil
}

// allZero reports whether every byte of b is zero.
func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
