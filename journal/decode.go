package journal

import (
	"encoding/binary"

	"github.com/cespare/xxhash/v2"
)

// reason says why a frame did not decode. The scanners act on it without
// building errors on the hot path; [reason.String] names it in reports.
type reason uint8

const (
	frameOK        reason = iota // a valid record
	frameEnd                     // type 0: the end of the log (zeroed space)
	frameTruncated               // the frame would run past the end of the segment
	frameTooLong                 // length field above MaxPayload
	frameVersion                 // version byte is not the segment's version
	frameReserved                // reserved bytes are not zero (versions 1, 2)
	frameCount                   // count is zero, or runs past the largest sequence (version 3)
	frameChecksum                // checksum mismatch
	frameSequence                // a valid frame with the wrong sequence
)

var reasonNames = [...]string{
	frameOK:        "ok",
	frameEnd:       "end of log",
	frameTruncated: "frame runs past the end of the segment",
	frameTooLong:   "length above maximum",
	frameVersion:   "wrong format version",
	frameReserved:  "reserved bytes not zero",
	frameCount:     "count zero or past the largest sequence",
	frameChecksum:  "checksum mismatch",
	frameSequence:  "sequence out of order",
}

func (r reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "unknown"
}

// decodeFrame decodes the record at the start of b, the rest of a segment
// whose format version is version and checksum key is key (the journal id in
// v2 on, 0 in v1). On frameOK it returns the record, whose Payload aliases
// b, and the frame size; its Count is 1 in versions before 3. The length is
// checked against MaxPayload and against len(b) before anything is read
// through it.
func decodeFrame(b []byte, version uint8, key uint64) (Record, int, reason) {
	if len(b) < frameHeaderSize {
		if len(b) == 0 || allZero(b) {
			return Record{}, 0, frameEnd
		}
		return Record{}, 0, frameTruncated
	}
	w := binary.LittleEndian.Uint64(b)
	typ := uint8(w >> 32)
	if typ == 0 {
		return Record{}, 0, frameEnd
	}
	n := uint32(w)
	if n > MaxPayload {
		return Record{}, 0, frameTooLong
	}
	if uint8(w>>40) != version {
		return Record{}, 0, frameVersion
	}
	count := uint16(w >> 48)
	switch {
	case version < 3 && count != 0:
		return Record{}, 0, frameReserved
	case version < 3:
		count = 1
	case count == 0:
		return Record{}, 0, frameCount
	}
	padded := (int(n) + frameAlign - 1) &^ (frameAlign - 1)
	size := frameOverhead + padded
	if size > len(b) {
		return Record{}, 0, frameTruncated
	}
	body := frameHeaderSize + padded
	if xxhash.Sum64(b[:body])^key != binary.LittleEndian.Uint64(b[body:]) {
		return Record{}, 0, frameChecksum
	}
	seq := binary.LittleEndian.Uint64(b[8:])
	if seq+uint64(count-1) < seq {
		return Record{}, 0, frameCount
	}
	return Record{
		Type:    typ,
		Count:   count,
		Seq:     seq,
		TS:      int64(binary.LittleEndian.Uint64(b[16:])),
		Payload: b[frameHeaderSize : frameHeaderSize+int(n) : frameHeaderSize+int(n)],
	}, size, frameOK
}
