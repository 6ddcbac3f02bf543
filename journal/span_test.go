package journal

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cespare/xxhash/v2"
)

// spanCount is the count of the record tests write at sequence seq: a mix
// of single records and records covering up to 9 sequences.
func spanCount(seq uint64) uint16 {
	if seq%4 == 0 {
		return 1
	}
	return uint16(1 + seq%9)
}

// appendSpans appends records with the counts spanCount gives, each with an
// n-byte payload, until the journal's last sequence reaches at least upTo;
// batch records go into each AppendBatch. It returns the records appended.
func appendSpans(t *testing.T, j *Journal, upTo uint64, n, batch int) []Record {
	t.Helper()
	var all []Record
	for j.LastSeq() < upTo {
		var recs []Record
		seq := j.LastSeq() + 1
		for range batch {
			r := Record{Seq: seq, TS: tsFor(seq), Type: typeFor(seq), Count: spanCount(seq), Payload: payloadFor(seq, n)}
			recs = append(recs, r)
			seq = r.Last() + 1
		}
		if err := j.AppendBatch(recs); err != nil {
			t.Fatalf("append batch at %d: %v", recs[0].Seq, err)
		}
		if j.LastSeq() != recs[len(recs)-1].Last() {
			t.Fatalf("LastSeq %d after a batch ending at %d", j.LastSeq(), recs[len(recs)-1].Last())
		}
		all = append(all, recs...)
	}
	return all
}

// TestSpanRecords: records that cover several sequences go through every
// part of the journal. Sequences run on across them and across segment
// rolls; recovery, Verify and the durable sequence count sequences; a reader
// asked for a sequence inside a record starts at that record; appends that
// do not start right after the last covered sequence are refused.
func TestSpanRecords(t *testing.T) {
	for _, mode := range []Durability{None, Batch, Sync} {
		t.Run(mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			o := Options{SegmentSize: 4096, Durability: mode}
			j, _, err := Open(dir, o)
			if err != nil {
				t.Fatal(err)
			}
			recs := appendSpans(t, j, 1500, 40, 3)
			last := recs[len(recs)-1].Last()
			if err := j.Commit(); err != nil {
				t.Fatal(err)
			}
			if j.DurableSeq() != last {
				t.Fatalf("durable %d after Commit, last %d", j.DurableSeq(), last)
			}
			// A record must start right after the last covered sequence.
			for _, bad := range []Record{
				{Seq: last, Type: 1, Count: 1},     // inside the last record
				{Seq: last + 2, Type: 1, Count: 1}, // a gap
			} {
				if err := j.AppendBatch([]Record{bad}); !errors.Is(err, ErrSequence) {
					t.Fatalf("append of %+v: %v, want ErrSequence", bad, err)
				}
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			if st := j.Stats(); mode == Batch && st.SyncedRecords != last {
				t.Fatalf("batch: %d sequences synced, want %d", st.SyncedRecords, last)
			}

			rep, err := Verify(dir)
			if err != nil || !rep.Clean() || rep.LastSeq != last || rep.Records != int64(len(recs)) {
				t.Fatalf("verify: %v: %d records up to %d, want %d up to %d\n%v", err, rep.Records, rep.LastSeq, len(recs), last, rep)
			}
			if len(rep.Segments) < 3 {
				t.Fatalf("%d segments, want rolls", len(rep.Segments))
			}
			// Every record read back whole, from the start and from inside
			// each record.
			i := 0
			readAll(t, dir, 0, func(r Record) {
				w := recs[i]
				if r.Seq != w.Seq || r.Count != w.Count {
					t.Fatalf("record %d: seq %d count %d, want %d %d", i, r.Seq, r.Count, w.Seq, w.Count)
				}
				checkRecord(t, r, 40)
				i++
			})
			for k, w := range recs {
				if k%7 != 0 {
					continue
				}
				for _, from := range []uint64{w.Seq, w.Last()} {
					first, end, n := readAll(t, dir, from, nil)
					if first != w.Seq || end != last || n != len(recs)-k {
						t.Fatalf("reader from %d: records %d..%d (%d), want %d..%d (%d)", from, first, end, n, w.Seq, last, len(recs)-k)
					}
				}
			}

			// Recovery finds the last covered sequence and continues.
			j, orep, err := Open(dir, o)
			if err != nil || orep.LastSeq != last || orep.Cut != nil {
				t.Fatalf("reopen: %v %v", err, orep)
			}
			more := appendSpans(t, j, last+20, 40, 1)
			if more[0].Seq != last+1 {
				t.Fatalf("after recovery the next record is %d, want %d", more[0].Seq, last+1)
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestSpanLargestSequence: a record may cover sequences up to the largest
// uint64, not past it.
func TestSpanLargestSequence(t *testing.T) {
	o := testOptions(None)
	o.FirstSeq = ^uint64(0) - 1
	j, _, err := Open(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.AppendBatch([]Record{{Seq: o.FirstSeq, Type: 1, Count: 3}}); !errors.Is(err, ErrSequence) {
		t.Fatalf("a record past the largest sequence: %v, want ErrSequence", err)
	}
	if err := j.AppendBatch([]Record{{Seq: o.FirstSeq, Type: 1, Count: 2}}); err != nil || j.LastSeq() != ^uint64(0) {
		t.Fatalf("a record up to the largest sequence: %v, last %d", err, j.LastSeq())
	}
}

// TestSpanTornTail: a torn record that covers several sequences is cut
// whole, and the journal continues at its first sequence.
func TestSpanTornTail(t *testing.T) {
	dir := t.TempDir()
	o := Options{SegmentSize: 1 << 16, Durability: Sync}
	j, _, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	recs := appendSpans(t, j, 50, 100, 1)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	lastRec := recs[len(recs)-1]
	if lastRec.Count < 2 {
		t.Fatalf("the last record covers %d sequences; the test wants several", lastRec.Count)
	}
	// Tear the last record: zero its checksum.
	path := filepath.Join(dir, segmentName(1))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	end := segmentHeaderSize
	for _, r := range recs {
		end += FrameSize(len(r.Payload))
	}
	binary.LittleEndian.PutUint64(b[end-8:], 0)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	j, rep, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if rep.LastSeq != lastRec.Seq-1 || rep.Cut == nil || rep.Cut.Kind != CutTorn {
		t.Fatalf("recovery of a torn span: %v, want the log to end at %d", rep, lastRec.Seq-1)
	}
	if err := j.AppendBatch([]Record{{Seq: lastRec.Seq, Type: 1, Count: 5, Payload: []byte("again")}}); err != nil {
		t.Fatal(err)
	}
	if j.LastSeq() != lastRec.Seq+4 {
		t.Fatalf("last %d, want %d", j.LastSeq(), lastRec.Seq+4)
	}
}

// TestDecodeCount: the count field is checked per version: zero in version
// 1 and 2 (reserved), at least 1 from version 3, never past the largest
// sequence.
func TestDecodeCount(t *testing.T) {
	frame := func(version uint8, count uint16, seq uint64) []byte {
		b := make([]byte, FrameSize(8))
		w0 := uint64(8) | 1<<32 | uint64(version)<<40 | uint64(count)<<48
		putHeader(b, w0, seq, 5)
		sum := xxhash.Sum64(b[:frameHeaderSize+8])
		binary.LittleEndian.PutUint64(b[frameHeaderSize+8:], sum)
		return b
	}
	for _, tt := range []struct {
		version uint8
		count   uint16
		seq     uint64
		want    reason
		span    uint16
	}{
		{2, 0, 7, frameOK, 1},
		{2, 1, 7, frameReserved, 0},
		{3, 1, 7, frameOK, 1},
		{3, 300, 7, frameOK, 300},
		{3, 0, 7, frameCount, 0},
		{3, 2, ^uint64(0), frameCount, 0},
		{3, 1, ^uint64(0), frameOK, 1},
	} {
		rec, _, why := decodeFrame(frame(tt.version, tt.count, tt.seq), tt.version, 0)
		if why != tt.want || why == frameOK && rec.Count != tt.span {
			t.Errorf("v%d count %d seq %d: %v count %d, want %v %d", tt.version, tt.count, tt.seq, why, rec.Count, tt.want, tt.span)
		}
	}
}
