package journal

import (
	"encoding/binary"

	"github.com/cespare/xxhash/v2"
)

// encodeFrame writes one record into b, which must hold at least
// FrameSize(len(payload)) bytes, and returns the frame size. version is the
// segment's format version and key the checksum key: the journal id from
// v2, 0 in v1. count is the number of sequences the record covers, at
// least 1; versions before 3 have no count field (it is reserved, zero) and
// take only 1. The padding is written as zeros so the bytes of a record are
// fully determined by its fields. The caller has checked typ, count, the
// payload length and the room.
func encodeFrame(b []byte, version uint8, key uint64, typ uint8, count uint16, seq uint64, ts int64, payload []byte) int {
	n := len(payload)
	w0 := uint64(uint32(n)) | uint64(typ)<<32 | uint64(version)<<40
	if version >= 3 {
		w0 |= uint64(count) << 48
	}
	if n == 64 {
		// A canonical 64-byte event: a fixed-size copy the compiler inlines
		// instead of a call to memmove, and the checksum computed from
		// registers and the caller's payload.
		b = b[:frameOverhead+64]
		p := (*[64]byte)(payload)
		putHeader(b, w0, seq, ts)
		*(*[64]byte)(b[frameHeaderSize:]) = *p
		binary.LittleEndian.PutUint64(b[frameHeaderSize+64:], sumEvent(w0, seq, uint64(ts), p)^key)
		return frameOverhead + 64
	}
	padded := (n + frameAlign - 1) &^ (frameAlign - 1)
	size := frameOverhead + padded
	b = b[:size]
	putHeader(b, w0, seq, ts)
	body := b[frameHeaderSize : frameHeaderSize+padded]
	copy(body, payload)
	clear(body[n:])
	binary.LittleEndian.PutUint64(b[frameHeaderSize+padded:], xxhash.Sum64(b[:frameHeaderSize+padded])^key)
	return size
}

// putHeader writes a frame's three header words: w0 (length, type,
// version), the sequence and the timestamp.
func putHeader(b []byte, w0, seq uint64, ts int64) {
	_ = b[frameHeaderSize-1]
	binary.LittleEndian.PutUint64(b[0:], w0)
	binary.LittleEndian.PutUint64(b[8:], seq)
	binary.LittleEndian.PutUint64(b[16:], uint64(ts))
}
