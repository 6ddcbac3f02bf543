package journal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"github.com/tradeengine/engine/internal/faultfs"
)

func TestOptionsRange(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"segment too small", Options{SegmentSize: 2048}},
		{"segment not a page multiple", Options{SegmentSize: 4096 + 8}},
		{"segment too large", Options{SegmentSize: MaxSegmentSize + 4096}},
		{"unknown durability", Options{Durability: 7}},
		{"private map without a writer", Options{Durability: None, PrivateMap: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := Open(t.TempDir(), tt.opts); !errors.Is(err, ErrOptions) {
				t.Fatalf("Open: %v, want ErrOptions", err)
			}
		})
	}
	if _, err := ParseDurability("fast"); !errors.Is(err, ErrOptions) {
		t.Fatalf("ParseDurability: %v", err)
	}
}

func TestAppendRefusals(t *testing.T) {
	p := make([]byte, 64)
	tests := []struct {
		name   string
		append func(j *Journal) error
		want   error
	}{
		{"gap", func(j *Journal) error { return j.Append(1, 7, 0, p) }, ErrSequence},
		{"repeat", func(j *Journal) error { return j.Append(1, 5, 0, p) }, ErrSequence},
		{"type 0", func(j *Journal) error { return j.Append(0, 6, 0, p) }, ErrType},
		{"too large for a segment", func(j *Journal) error { return j.Append(1, 6, 0, make([]byte, 4001)) }, ErrTooLarge},
		{"batch with a gap inside", func(j *Journal) error {
			return j.AppendBatch([]Record{{Seq: 6, Type: 1, Payload: p}, {Seq: 8, Type: 1, Payload: p}})
		}, ErrSequence},
		{"batch with type 0 inside", func(j *Journal) error {
			return j.AppendBatch([]Record{{Seq: 6, Type: 1, Payload: p}, {Seq: 7, Payload: p}})
		}, ErrType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, _, err := Open(t.TempDir(), testOptions(Sync))
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			appendN(t, j, 5, 64)
			if err := tt.append(j); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			// Nothing was written: the next record is still 6.
			if j.LastSeq() != 5 {
				t.Fatalf("LastSeq %d after a refused append, want 5", j.LastSeq())
			}
			appendN(t, j, 1, 64)
			if _, last, n := readAll(t, j.Dir(), 0, func(r Record) { checkRecord(t, r, 64) }); last != 6 || n != 6 {
				t.Fatalf("read %d records up to %d", n, last)
			}
		})
	}
}

func TestClosed(t *testing.T) {
	j, _, err := Open(t.TempDir(), testOptions(None))
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"append": j.Append(1, 1, 0, nil),
		"batch":  j.AppendBatch([]Record{{Seq: 1, Type: 1}}),
		"commit": j.Commit(),
		"close":  j.Close(),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	if _, err := j.Retain(0, Retention{MaxSegments: 1}); !errors.Is(err, ErrClosed) {
		t.Errorf("retain after Close: %v", err)
	}
}

// TestRollBoundaries: which records fit where, in 4096-byte segments whose
// records start at 64.
func TestRollBoundaries(t *testing.T) {
	tests := []struct {
		name     string
		sizes    []int // payloads appended in order
		segments []uint64
		err      error // of the last append
	}{
		{"exactly full", []int{4000}, []uint64{1}, nil},
		{"exactly full, then one more", []int{4000, 0}, []uint64{1, 2}, nil},
		{"42 events fill a segment", repeat(64, 42), []uint64{1}, nil},
		{"the 43rd rolls", repeat(64, 43), []uint64{1, 43}, nil},
		{"one byte short of full", []int{64, 3904}, []uint64{1}, nil},
		{"one byte over full rolls", []int{64, 3905}, []uint64{1, 2}, nil},
		{"too large for any segment", []int{64, 4001}, []uint64{1}, ErrTooLarge},
		{"126 empty payloads fill a segment", repeat(0, 126), []uint64{1}, nil},
		{"the 127th rolls", repeat(0, 127), []uint64{1, 127}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			j, _, err := Open(dir, testOptions(None))
			if err != nil {
				t.Fatal(err)
			}
			var last error
			for _, n := range tt.sizes {
				seq := j.LastSeq() + 1
				last = j.Append(typeFor(seq), seq, tsFor(seq), payloadFor(seq, n))
			}
			if !errors.Is(last, tt.err) {
				t.Fatalf("last append: %v, want %v", last, tt.err)
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			rep, err := Verify(dir)
			if err != nil || !rep.Clean() {
				t.Fatalf("verify: %v\n%v", err, rep)
			}
			var firsts []uint64
			for _, s := range rep.Segments {
				firsts = append(firsts, s.First)
			}
			if fmt.Sprint(firsts) != fmt.Sprint(tt.segments) {
				t.Fatalf("segments %v, want %v", firsts, tt.segments)
			}
			i := 0
			readAll(t, dir, 0, func(r Record) { checkRecord(t, r, tt.sizes[i]); i++ })
		})
	}
	t.Run("MaxPayload", func(t *testing.T) {
		j, _, err := Open(t.TempDir(), Options{SegmentSize: 64 << 20, noBackground: true})
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		if err := j.Append(1, 1, 0, make([]byte, MaxPayload+1)); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("payload above MaxPayload: %v", err)
		}
		if err := j.Append(1, 1, 0, make([]byte, MaxPayload)); err != nil {
			t.Fatalf("payload of MaxPayload: %v", err)
		}
	})
}

func repeat(n, count int) []int {
	s := make([]int, count)
	for i := range s {
		s[i] = n
	}
	return s
}

// TestReopenContinue: close and reopen in every mode, many times, across
// rolls, with the background goroutines running; Batch and Sync with
// private maps too (Options.PrivateMap).
func TestReopenContinue(t *testing.T) {
	type run struct {
		mode    Durability
		private bool
	}
	for _, c := range []run{{None, false}, {Batch, false}, {Sync, false}, {Batch, true}, {Sync, true}} {
		name := c.mode.String()
		if c.private {
			name += "/private"
		}
		mode := c.mode
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for round := range 5 {
				j, rep, err := Open(dir, Options{SegmentSize: 8192, Durability: mode, VerifySealed: true, PrivateMap: c.private})
				if err != nil {
					t.Fatal(err)
				}
				if want := uint64(round * 70); rep.LastSeq != want || rep.Cut != nil {
					t.Fatalf("round %d: recovered %v, want last %d", round, rep, want)
				}
				appendN(t, j, 70, 64)
				if err := j.Close(); err != nil {
					t.Fatal(err)
				}
			}
			if _, last, n := readAll(t, dir, 0, func(r Record) { checkRecord(t, r, 64) }); last != 350 || n != 350 {
				t.Fatalf("read %d up to %d", n, last)
			}
		})
	}
}

func TestFirstSeq(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(None)
	o.FirstSeq = 1_000_000
	j, rep, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Created || j.LastSeq() != 999_999 || j.FirstSeq() != 1_000_000 {
		t.Fatalf("new journal at 1000000: %v, LastSeq %d", rep, j.LastSeq())
	}
	if err := j.Append(1, 1, 0, nil); !errors.Is(err, ErrSequence) {
		t.Fatalf("append 1 to a journal starting at 1000000: %v", err)
	}
	appendN(t, j, 100, 64)
	j.Close()
	// FirstSeq is ignored for an existing journal.
	o.FirstSeq = 5
	j, rep, err = Open(dir, o)
	if err != nil || rep.LastSeq != 1_000_099 || rep.FirstSeq != 1_000_000 {
		t.Fatalf("reopen: %v %v", err, rep)
	}
	j.Close()
}

// TestReaderFrom: readers start at any sequence, across segment
// boundaries, and refuse what retention removed.
func TestReaderFrom(t *testing.T) {
	dir := t.TempDir()
	j, _, err := Open(dir, testOptions(None))
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, j, 200, 64) // segments at 1, 43, 85, 127, 169
	tests := []struct {
		from        uint64
		first, last uint64
		n           int
	}{
		{0, 1, 200, 200},
		{1, 1, 200, 200},
		{42, 42, 200, 159},
		{43, 43, 200, 158},
		{44, 44, 200, 157},
		{168, 168, 200, 33},
		{169, 169, 200, 32},
		{200, 200, 200, 1},
		{201, 0, 0, 0}, // beyond the end: waits, no error
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("from=%d", tt.from), func(t *testing.T) {
			first, last, n := readAll(t, dir, tt.from, func(r Record) { checkRecord(t, r, 64) })
			if first != tt.first || last != tt.last || n != tt.n {
				t.Fatalf("read %d..%d (%d), want %d..%d (%d)", first, last, n, tt.first, tt.last, tt.n)
			}
		})
	}
	if _, err := j.Retain(100, Retention{MaxSegments: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := NewReader(dir, 50); !errors.Is(err, ErrNotFound) {
		t.Fatalf("reader from a retained sequence: %v", err)
	}
	if first, _, _ := readAll(t, dir, 0, nil); first != 85 {
		t.Fatalf("reader from 0 starts at %d, want the oldest kept, 85", first)
	}
	j.Close()
}

// TestReaderFollow: a follower in another goroutine reads everything a
// writer appends, in order, across many rolls, while it is appended.
func TestReaderFollow(t *testing.T) {
	for _, mode := range []Durability{None, Batch} {
		t.Run(mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			const n = 3000
			r, err := NewReader(dir, 0) // before the journal exists
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			done := make(chan error, 1)
			go func() {
				j, _, err := Open(dir, Options{SegmentSize: 4096, Durability: mode})
				if err != nil {
					done <- err
					return
				}
				p := make([]byte, 100)
				for seq := uint64(1); seq <= n; seq++ {
					fillPayload(p, seq)
					if err := j.Append(typeFor(seq), seq, tsFor(seq), p); err != nil {
						done <- err
						return
					}
					if seq%100 == 0 {
						time.Sleep(100 * time.Microsecond) // let the follower catch up with the tail
					}
				}
				done <- j.Close()
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			for want := uint64(1); want <= n; want++ {
				if !r.Follow(ctx, 50*time.Microsecond) {
					t.Fatalf("follow stopped before %d: %v %v", want, r.Err(), ctx.Err())
				}
				rec := r.Record()
				if rec.Seq != want {
					t.Fatalf("followed %d, want %d", rec.Seq, want)
				}
				checkRecord(t, rec, 100)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestReaderHalfWritten: a record whose bytes are not all there yet is the
// live tail (the reader waits) until a valid record appears after it,
// which makes it corruption.
func TestReaderHalfWritten(t *testing.T) {
	dir := t.TempDir()
	j, _, err := Open(dir, testOptions(None))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	appendN(t, j, 3, 64)
	r, err := NewReader(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for range 3 {
		if !r.Next() {
			t.Fatal(r.Err())
		}
	}
	// Write record 4's header and half its payload by hand, as a writer
	// caught mid-record would have.
	m := j.c.m
	off := j.c.off
	var frame [96]byte
	encodeFrame(frame[:], Version, j.id, 1, 1, 4, 4, payloadFor(4, 64))
	copy(m[off:], frame[:56])
	if r.Next() || r.Err() != nil {
		t.Fatalf("half-written record: Next true or error %v; want a wait", r.Err())
	}
	copy(m[off+56:], frame[56:])
	if !r.Next() || r.Record().Seq != 4 {
		t.Fatalf("completed record not read: %v", r.Err())
	}
	// Now a damaged record 5 with a valid record 6 after it.
	encodeFrame(frame[:], Version, j.id, 1, 1, 5, 5, payloadFor(5, 64))
	frame[40] ^= 1
	copy(m[off+96:], frame[:])
	encodeFrame(frame[:], Version, j.id, 1, 1, 6, 6, payloadFor(6, 64))
	copy(m[off+192:], frame[:])
	if r.Next() || !errors.Is(r.Err(), ErrCorrupt) {
		t.Fatalf("bad record before a good one: %v, want ErrCorrupt", r.Err())
	}
	j.abandon()
}

// TestAppendAllocs: the append path allocates nothing, in every mode.
// AllocsPerRun counts the whole process's allocations, so the measuring
// starts once the prefaulter has made the spare segment (with 1 MiB
// segments it is due at once), which allocates.
func TestAppendAllocs(t *testing.T) {
	for _, mode := range []Durability{None, Batch, Sync} {
		t.Run(mode.String(), func(t *testing.T) {
			j, _, err := Open(t.TempDir(), Options{SegmentSize: 1 << 20, Durability: mode})
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			deadline := time.Now().Add(10 * time.Second)
			for j.spare.Load() == nil {
				if time.Now().After(deadline) {
					t.Fatal("the prefaulter made no spare segment")
				}
				time.Sleep(100 * time.Microsecond)
			}
			p := make([]byte, 64)
			runs := 2000
			if mode == Sync {
				runs = 50
			}
			if a := testing.AllocsPerRun(runs, func() {
				seq := j.LastSeq() + 1
				if err := j.Append(1, seq, int64(seq), p); err != nil {
					t.Fatal(err)
				}
			}); a != 0 {
				t.Errorf("Append: %v allocations per call", a)
			}
			batch := make([]Record, 16)
			if a := testing.AllocsPerRun(runs/16, func() {
				for i := range batch {
					batch[i] = Record{Seq: j.LastSeq() + 1 + uint64(i), Type: 1, Payload: p}
				}
				if err := j.AppendBatch(batch); err != nil {
					t.Fatal(err)
				}
			}); a != 0 {
				t.Errorf("AppendBatch: %v allocations per call", a)
			}
		})
	}
}

// TestDurability: what DurableSeq and the counters say in each mode.
func TestDurability(t *testing.T) {
	t.Run("none", func(t *testing.T) {
		j, _, err := Open(t.TempDir(), testOptions(None))
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		appendN(t, j, 100, 64)
		if j.DurableSeq() != 100 || j.Stats().Msyncs != 0 {
			t.Fatalf("none: durable %d, %+v", j.DurableSeq(), j.Stats())
		}
		if err := j.Commit(); err != nil {
			t.Fatal(err)
		}
		if s := j.Stats(); s.Syncs != 1 || s.SyncedRecords != 100 || s.Rolls != 2 {
			t.Fatalf("none after commit: %+v", s)
		}
	})
	t.Run("sync", func(t *testing.T) {
		j, _, err := Open(t.TempDir(), testOptions(Sync))
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		for range 20 {
			appendN(t, j, 1, 64)
			if j.DurableSeq() != j.LastSeq() {
				t.Fatalf("sync: durable %d after appending %d", j.DurableSeq(), j.LastSeq())
			}
		}
		recs := []Record{{Seq: 21, Type: 1}, {Seq: 22, Type: 1}, {Seq: 23, Type: 1}}
		if err := j.AppendBatch(recs); err != nil {
			t.Fatal(err)
		}
		if s := j.Stats(); s.DurableSeq != 23 || s.Syncs != 21 || s.SyncedRecords != 23 {
			t.Fatalf("sync: one msync per append, one per batch: %+v", s)
		}
	})
	t.Run("batch", func(t *testing.T) {
		dir := t.TempDir()
		j, _, err := Open(dir, Options{SegmentSize: 1 << 20, Durability: Batch, BatchRecords: 64, BatchInterval: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		appendN(t, j, 1000, 64)
		waitDurable(t, j, 1000)
		s := j.Stats()
		if s.Syncs == 0 || s.SyncedRecords != 1000 || s.RecordsPerSync() < 1 {
			t.Fatalf("batch: %+v", s)
		}
		// The committer released the pages written past before msyncing
		// them: whole pages, short of the page being written.
		if end := j.c.off; s.Released == 0 || s.Released%4096 != 0 || int64(s.Released) > end {
			t.Fatalf("batch: released %d bytes of %d written", s.Released, end)
		}
		// A lone record is made durable within the interval, with no more
		// appends to wake the committer.
		appendN(t, j, 1, 64)
		waitDurable(t, j, 1001)
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		// Released pages lost nothing.
		if first, last, n := readAll(t, dir, 1, func(r Record) { checkRecord(t, r, 64) }); first != 1 || last != 1001 || n != 1001 {
			t.Fatalf("batch: read back %d records %d..%d, want 1001 from 1", n, first, last)
		}
	})
}

// waitDurable waits for the committer to make seq durable (it must within
// the batch interval; the generous deadline only keeps a bug from hanging).
func waitDurable(t *testing.T, j *Journal, seq uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for j.DurableSeq() < seq {
		if time.Now().After(deadline) {
			t.Fatalf("durable %d, never reached %d: %+v", j.DurableSeq(), seq, j.Stats())
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// TestStickyBatch: a failed msync in the committer sticks: DurableSeq stops,
// appends and commits fail from then on.
func TestStickyBatch(t *testing.T) {
	fs := faultfs.NewFaulty()
	o := Options{SegmentSize: 1 << 20, Durability: Batch, BatchRecords: 10, fs: fs}
	j, _, err := Open(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer j.abandon()
	appendN(t, j, 10, 64)
	waitDurable(t, j, 10)
	fs.Fail(faultfs.OpMsync, 1, 0)
	p := make([]byte, 64)
	deadline := time.Now().Add(10 * time.Second)
	for j.Err() == nil && time.Now().Before(deadline) {
		seq := j.LastSeq() + 1
		if err := j.Append(1, seq, 0, p); err != nil {
			break
		}
		time.Sleep(10 * time.Microsecond)
	}
	if !errors.Is(j.Err(), ErrSync) {
		t.Fatalf("sticky error: %v", j.Err())
	}
	if err := j.Append(1, j.LastSeq()+1, 0, p); !errors.Is(err, ErrSync) {
		t.Fatalf("append after a failed msync: %v", err)
	}
	if err := j.Commit(); !errors.Is(err, ErrSync) {
		t.Fatalf("commit after a failed msync: %v", err)
	}
	if d := j.DurableSeq(); d != 10 {
		t.Fatalf("durable %d after the failure, want 10", d)
	}
}

func TestRetain(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name     string
		keepFrom uint64
		policy   Retention
		age      map[uint64]time.Duration // segment -> age
		removed  []uint64
	}{
		{"by count", 1000, Retention{MaxSegments: 2}, nil, []uint64{1, 43, 85}},
		{"count stops at keepFrom", 83, Retention{MaxSegments: 2}, nil, []uint64{1}},
		{"keepFrom at the last record of the second", 84, Retention{MaxSegments: 2}, nil, []uint64{1, 43}},
		{"keepFrom at a segment's last record", 42, Retention{MaxSegments: 1}, nil, []uint64{1}},
		{"keepFrom before a segment's last record", 41, Retention{MaxSegments: 1}, nil, nil},
		{"never the active segment", 1000, Retention{MaxSegments: 0, MaxAge: time.Nanosecond, Now: now.Add(time.Hour)}, nil, []uint64{1, 43, 85, 127}},
		{"by age, oldest first", 1000, Retention{MaxAge: time.Hour, Now: now},
			map[uint64]time.Duration{1: 3 * time.Hour, 43: 2 * time.Hour, 85: 30 * time.Minute}, []uint64{1, 43}},
		{"age stops at the first young segment", 1000, Retention{MaxAge: time.Hour, Now: now},
			map[uint64]time.Duration{1: 30 * time.Minute, 43: 2 * time.Hour}, nil},
		{"zero policy keeps all", 1000, Retention{}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			j, _, err := Open(dir, testOptions(None))
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			appendN(t, j, 200, 64) // segments 1, 43, 85, 127, 169
			for seg, age := range tt.age {
				p := filepath.Join(dir, segmentName(seg))
				if err := os.Chtimes(p, now.Add(-age), now.Add(-age)); err != nil {
					t.Fatal(err)
				}
			}
			for seg := range []uint64{1, 43, 85, 127, 169} {
				if _, ok := tt.age[uint64(seg)]; !ok && tt.age != nil {
					p := filepath.Join(dir, segmentName(uint64(seg)))
					os.Chtimes(p, now, now)
				}
			}
			removed, err := j.Retain(tt.keepFrom, tt.policy)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(removed) != fmt.Sprint(tt.removed) && !(len(removed) == 0 && len(tt.removed) == 0) {
				t.Fatalf("removed %v, want %v", removed, tt.removed)
			}
			first := uint64(1)
			if len(removed) > 0 {
				first = j.FirstSeq()
			}
			if f, last, _ := readAll(t, dir, 0, nil); f != first || last != 200 {
				t.Fatalf("after retention the journal reads %d..%d, want %d..200", f, last, first)
			}
			appendN(t, j, 50, 64)
		})
	}
}

// TestForeignSegment: a segment of another journal with the right name and
// sequences is refused by Verify, recovery and readers (format v2).
func TestForeignSegment(t *testing.T) {
	mine, theirs := t.TempDir(), t.TempDir()
	for i, dir := range []string{mine, theirs} {
		o := testOptions(None)
		o.id = uint64(100 + i)
		j, _, err := Open(dir, o)
		if err != nil {
			t.Fatal(err)
		}
		appendN(t, j, 100, 64) // segments 1, 43, 85
		j.Close()
	}
	b, err := os.ReadFile(filepath.Join(theirs, segmentName(43)))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mine, segmentName(43)), b, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(mine)
	if !errors.Is(err, ErrCorrupt) || rep.Clean() {
		t.Fatalf("verify: %v\n%v", err, rep)
	}
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Segment != 43 || ce.Offset != 32 {
		t.Fatalf("verify error %v does not point at segment 43 offset 32", err)
	}
	if _, _, err := Open(mine, testOptions(None)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open: %v", err)
	}
	r, err := NewReader(mine, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for r.Next() {
		n++
	}
	if !errors.Is(r.Err(), ErrCorrupt) || n != 42 {
		t.Fatalf("reader read %d then %v", n, r.Err())
	}
}

// TestLeftovers: recovery removes what interrupted work left, and only that.
func TestLeftovers(t *testing.T) {
	dir := t.TempDir()
	j, _, err := Open(dir, testOptions(None))
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, j, 10, 64)
	j.Close()
	for _, name := range []string{spareName(1), spareName(2) + tmpExt, segmentName(11) + tmpExt, "notes.txt", SnapshotName(5) + tmpExt} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	j, rep, err := Open(dir, testOptions(None))
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	want := []string{segmentName(11) + tmpExt, spareName(1), spareName(2) + tmpExt}
	if fmt.Sprint(rep.Removed) != fmt.Sprint(want) {
		t.Fatalf("removed %v, want %v", rep.Removed, want)
	}
	for _, name := range []string{"notes.txt", SnapshotName(5) + tmpExt} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatalf("%s was not the journal's to remove: %v", name, err)
		}
	}
}

// TestLayout checks the field offsets and sizes the struct comments state.
func TestLayout(t *testing.T) {
	var c cursor
	var w writer
	var j Journal
	tests := []struct {
		name      string
		got, want uintptr
	}{
		{"cursor size", unsafe.Sizeof(c), 64},
		{"cursor.off", unsafe.Offsetof(c.off), 24},
		{"cursor.last", unsafe.Offsetof(c.last), 32},
		{"cursor.pfNext", unsafe.Offsetof(c.pfNext), 40},
		{"cursor.limit", unsafe.Offsetof(c.limit), 48},
		{"cursor.seg", unsafe.Offsetof(c.seg), 56},
		{"writer size", unsafe.Sizeof(w), 64},
		{"writer.mode", unsafe.Offsetof(w.mode), 4},
		{"writer.closed", unsafe.Offsetof(w.closed), 7},
		{"writer.maxPayload", unsafe.Offsetof(w.maxPayload), 8},
		{"writer.window", unsafe.Offsetof(w.window), 32},
		{"paddedU64 size", unsafe.Sizeof(paddedU64{}), 64},
		{"Journal.w", unsafe.Offsetof(j.w), 64},
		{"Journal.lastSeq", unsafe.Offsetof(j.lastSeq), 128},
		{"Journal.durable", unsafe.Offsetof(j.durable), 192},
		{"Journal.idle", unsafe.Offsetof(j.idle), 256},
		{"Journal.pfTarget", unsafe.Offsetof(j.pfTarget), 320},
		{"Journal.flushMu", unsafe.Offsetof(j.flushMu), 384},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

// TestNoneReleasesWritten: in None mode the prefaulter releases what the
// appender has written, in whole large folios (None mode uses large pages),
// and nothing is lost by it.
func TestNoneReleasesWritten(t *testing.T) {
	dir := t.TempDir()
	j, _, err := Open(dir, Options{SegmentSize: 16 << 20, PrefaultWindow: 1 << 20, Durability: None})
	if err != nil {
		t.Fatal(err)
	}
	const n = 60_000 // ~5.8 MB of 96-byte frames
	appendN(t, j, n, 64)
	deadline := time.Now().Add(10 * time.Second)
	for j.Stats().Released < 4<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("released %d bytes of %d written", j.Stats().Released, j.c.off)
		}
		appendN(t, j, 1, 64) // each quarter window wakes the prefaulter; keep it going
		time.Sleep(time.Millisecond)
	}
	if r := int64(j.Stats().Released); r%(2<<20) != 0 || r > j.c.off {
		t.Fatalf("released %d bytes: want whole 2 MiB folios, at most the %d written", r, j.c.off)
	}
	last := j.LastSeq()
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if first, got, cnt := readAll(t, dir, 1, func(r Record) { checkRecord(t, r, 64) }); first != 1 || got != last || uint64(cnt) != last {
		t.Fatalf("read back %d records %d..%d, want %d", cnt, first, got, last)
	}
}

// TestSpareDue: the spare is made once the active segment is prefaulted to
// within a window of its end, not before.
func TestSpareDue(t *testing.T) {
	j, _, err := Open(t.TempDir(), Options{SegmentSize: 8 << 20, PrefaultWindow: 1 << 20, noBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	s := j.c.seg
	for _, tc := range []struct {
		populated int64
		due       bool
	}{{0, false}, {2 << 20, false}, {7<<20 - 4096, false}, {7 << 20, true}, {8 << 20, true}} {
		s.populated = tc.populated
		if got := j.spareDue(); got != tc.due {
			t.Errorf("prefaulted to %d of %d, window %d: spare due %v, want %v", tc.populated, s.size, j.w.window, got, tc.due)
		}
	}
}
