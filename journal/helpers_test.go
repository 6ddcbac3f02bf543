package journal

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/tradeengine/engine/event"
)

// payloadFor returns the deterministic payload of n bytes that tests write
// for sequence seq, so that any reader can check a record's content.
func payloadFor(seq uint64, n int) []byte {
	b := make([]byte, n)
	fillPayload(b, seq)
	return b
}

func fillPayload(b []byte, seq uint64) {
	x := seq*0x9e3779b97f4a7c15 + uint64(len(b))
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		binary.LittleEndian.PutUint64(b[i:], x)
	}
	for ; i < len(b); i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
}

// eventPayload is the canonical encoding of an order event for seq: what
// the engine journals.
func eventPayload(seq uint64) []byte {
	e := event.In{Kind: event.KindNew, Side: event.Side(1 + seq%2), Symbol: uint32(seq % 7), Account: 42,
		Seq: seq, TS: int64(seq) * 1000, ID: seq, Price: 10_000 + int64(seq%50), Qty: int64(1 + seq%9)}
	b := make([]byte, event.Size)
	e.Encode(b)
	return b
}

// checkRecord fails t unless rec is the record tests write for its sequence
// with an n-byte payload.
func checkRecord(t testing.TB, rec Record, n int) {
	t.Helper()
	if len(rec.Payload) != n || !bytes.Equal(rec.Payload, payloadFor(rec.Seq, n)) {
		t.Fatalf("record %d: payload of %d bytes does not match what was written (%d bytes)", rec.Seq, len(rec.Payload), n)
	}
	if rec.TS != tsFor(rec.Seq) || rec.Type != typeFor(rec.Seq) {
		t.Fatalf("record %d: type %d ts %d, want %d %d", rec.Seq, rec.Type, rec.TS, typeFor(rec.Seq), tsFor(rec.Seq))
	}
}

func tsFor(seq uint64) int64   { return 1_700_000_000_000_000_000 + int64(seq)*1000 }
func typeFor(seq uint64) uint8 { return uint8(1 + seq%3) }

// appendN appends n records of size bytes after the journal's last one.
func appendN(t testing.TB, j *Journal, n, size int) {
	t.Helper()
	p := make([]byte, size)
	for range n {
		seq := j.LastSeq() + 1
		fillPayload(p, seq)
		if err := j.Append(typeFor(seq), seq, tsFor(seq), p); err != nil {
			t.Fatalf("append %d: %v", seq, err)
		}
	}
}

// readAll reads every record of dir from seq from, checking each with
// check, and returns the sequences read.
func readAll(t testing.TB, dir string, from uint64, check func(Record)) (first, last uint64, n int) {
	t.Helper()
	r, err := NewReader(dir, from)
	if err != nil {
		t.Fatalf("reader: %v", err)
	}
	defer r.Close()
	for r.Next() {
		rec := r.Record()
		if n == 0 {
			first = rec.Seq
		} else if rec.Seq != last+1 {
			t.Fatalf("reader: sequence %d after %d", rec.Seq, last)
		}
		last = rec.Last()
		n++
		if check != nil {
			check(rec)
		}
	}
	if r.Err() != nil {
		t.Fatalf("reader: %v", r.Err())
	}
	return first, last, n
}

// testOptions are small segments and no background goroutines, for tests
// that count files and faults deterministically.
func testOptions(mode Durability) Options {
	return Options{SegmentSize: 4096, Durability: mode, noBackground: true}
}
