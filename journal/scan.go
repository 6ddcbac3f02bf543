package journal

import "unsafe"

// scan is what a pass over the records of one segment found. Every scanner
// (recovery, Verify, the readers) reads a segment through scanSegment, so
// they agree on where a log ends and on what is a torn tail.
type scan struct {
	end     int64  // offset just past the last good record
	next    uint64 // sequence the next record must carry (the last one's Last()+1)
	records int64  // good records from the first one to end
	stop    reason // why the scan stopped at end (frameEnd: a clean end marker)

	// The tail, from end to the end of the segment.
	tailEnd   int64  // just past the last non-zero 8-byte word at or after end; == end if the tail is all zeros
	goodAfter int64  // valid frames found after end (any sequence): evidence of writes past the stop
	firstGood int64  // offset of the first of them, -1 if none
	maxAfter  uint64 // the highest sequence they cover
}

// clean reports whether the segment ends with an end marker followed by
// nothing but zeros.
func (s *scan) clean() bool { return s.stop == frameEnd && s.tailEnd == s.end }

// corrupt reports whether a valid record lies after the point where the
// scan stopped: the stop is damage in the middle of the log, not a torn
// tail.
func (s *scan) corrupt() bool { return s.goodAfter > 0 }

// scanSegment decodes the records of segment m (header included, at its
// full mapped size), whose format version is version, checksum key key, and
// whose first record must carry sequence first. It stops at the first frame that is not a valid
// record with the next sequence, then looks at the rest of the segment: how
// far non-zero bytes reach and whether any valid frame lies beyond the stop.
func scanSegment(m []byte, version uint8, key uint64, first uint64) scan {
	s := scan{end: segmentHeaderSize, next: first, firstGood: -1}
	off := int(segmentHeaderSize)
	for {
		rec, size, why := decodeFrame(m[off:], version, key)
		if why == frameOK && rec.Seq != s.next {
			why = frameSequence
		}
		if why != frameOK {
			s.stop = why
			break
		}
		off += size
		s.next = rec.Last() + 1
		s.records++
	}
	s.end = int64(off)
	s.tailEnd = int64(lastNonZero(m, off))
	if s.tailEnd == s.end {
		return s
	}
	// Look for valid frames past the stop. A frame that failed only on its
	// sequence is itself one; otherwise the search starts a word later.
	from := off + frameAlign
	if s.stop == frameSequence {
		from = off
	}
	s.goodAfter, s.firstGood, s.maxAfter = countFrames(m, from, int(s.tailEnd), version, key)
	return s
}

// countFrames counts the valid frames (checksum, length, version; any
// sequence) at 8-byte aligned offsets in m[from:to], skipping zero words and
// stepping over each frame found. It returns the count, the offset of the
// first (-1 if none) and the highest sequence they cover.
func countFrames(m []byte, from, to int, version uint8, key uint64) (n int64, first int64, maxSeq uint64) {
	first = -1
	for off := from; off < to; {
		off = nextNonZero(m, off, to)
		if off >= to {
			break
		}
		rec, size, why := decodeFrame(m[off:], version, key)
		if why != frameOK {
			off += frameAlign
			continue
		}
		if first < 0 {
			first = int64(off)
		}
		n++
		maxSeq = max(maxSeq, rec.Last())
		off += size
	}
	return n, first, maxSeq
}

// words views the 8-byte aligned span m[from:to] as uint64s. Mappings and the
// buffers the scanners use start 8-byte aligned, and from, to are multiples
// of 8.
func words(m []byte, from, to int) []uint64 {
	if to <= from {
		return nil
	}
	return unsafe.Slice((*uint64)(unsafe.Pointer(&m[from])), (to-from)/8)
}

// nextNonZero returns the offset of the first non-zero 8-byte word in
// m[from:to], or to.
func nextNonZero(m []byte, from, to int) int {
	w := words(m, from, to)
	i := 0
	for ; i+8 <= len(w); i += 8 {
		if w[i]|w[i+1]|w[i+2]|w[i+3]|w[i+4]|w[i+5]|w[i+6]|w[i+7] != 0 {
			break
		}
	}
	for ; i < len(w); i++ {
		if w[i] != 0 {
			return from + 8*i
		}
	}
	return to
}

// lastNonZero returns the offset just past the last non-zero 8-byte word in
// m[from:], or from if there is none.
func lastNonZero(m []byte, from int) int {
	if r := max(from, len(m)&^7); r < len(m) && !allZero(m[r:]) {
		return len(m)
	}
	w := words(m, from, len(m)&^7)
	i := len(w)
	for ; i >= 8; i -= 8 {
		if w[i-1]|w[i-2]|w[i-3]|w[i-4]|w[i-5]|w[i-6]|w[i-7]|w[i-8] != 0 {
			break
		}
	}
	for ; i > 0; i-- {
		if w[i-1] != 0 {
			return from + 8*i
		}
	}
	return from
}
