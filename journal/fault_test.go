package journal

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/tradeengine/engine/internal/faultfs"
)

// The fault tests run every fault on an empty segment (the fault strikes
// the first record of a segment, or the segment's creation) and on a
// non-empty one (records precede it), then crash, recover through the same
// fault-injecting file system, and check exactly what survived: the
// sequences, the bytes of every record, the recovery report.

// faultPayload is a 64-byte payload with no zero byte, so that how far a
// torn write reached is visible to the byte.
func faultPayload(seq uint64) []byte {
	p := make([]byte, 64)
	for i := range p {
		p[i] = 0x80 | byte(seq+uint64(i))
	}
	return p
}

// recStart is the offset of the i-th record (0-based) of a segment of
// 64-byte payloads.
func recStart(i int) int64 { return segmentHeaderSize + int64(i)*96 }

// faultJournal opens a journal in dir through fs and appends n records.
func faultJournal(t *testing.T, fs *faultfs.Faulty, dir string, mode Durability, n int) *Journal {
	t.Helper()
	o := testOptions(mode)
	o.fs = fs
	j, _, err := Open(dir, o)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	for range n {
		seq := j.LastSeq() + 1
		if err := j.Append(1, seq, int64(seq), faultPayload(seq)); err != nil {
			t.Fatalf("append %d: %v", seq, err)
		}
	}
	return j
}

// recoverFault reopens dir through fs after a crash and returns the journal
// (nil if Open failed), the report and the error.
func recoverFault(t *testing.T, fs *faultfs.Faulty, dir string, truncate bool) (*Journal, *RecoveryReport, error) {
	t.Helper()
	o := testOptions(Sync)
	o.fs = fs
	o.TruncateCorrupt = truncate
	o.VerifySealed = true
	return Open(dir, o)
}

// checkSurvivors checks that the journal in dir holds exactly the records
// 1..last, each with the payload written, and that it takes appends after
// them.
func checkSurvivors(t *testing.T, fs *faultfs.Faulty, dir string, j *Journal, last uint64) {
	t.Helper()
	if j.LastSeq() != last || j.DurableSeq() != last {
		t.Fatalf("after recovery LastSeq %d DurableSeq %d, want %d", j.LastSeq(), j.DurableSeq(), last)
	}
	for range 3 {
		seq := j.LastSeq() + 1
		if err := j.Append(1, seq, int64(seq), faultPayload(seq)); err != nil {
			t.Fatalf("append %d after recovery: %v", seq, err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := newReader(fs, dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := uint64(1)
	for r.Next() {
		rec := r.Record()
		if rec.Seq != want || string(rec.Payload) != string(faultPayload(rec.Seq)) || rec.TS != int64(rec.Seq) {
			t.Fatalf("record %d (want %d) does not hold what was written", rec.Seq, want)
		}
		want++
	}
	if r.Err() != nil || want != last+4 {
		t.Fatalf("read up to %d, want %d: %v", want-1, last+3, r.Err())
	}
	rep, err := verify(fs, dir)
	if err != nil || !rep.Clean() {
		t.Fatalf("verify after recovery: %v\n%v", err, rep)
	}
}

func wantCut(t *testing.T, rep *RecoveryReport, want *Cut) {
	t.Helper()
	if want == nil {
		if rep.Cut != nil {
			t.Fatalf("recovery cut %v, want nothing cut", rep.Cut)
		}
		return
	}
	if rep.Cut == nil {
		t.Fatalf("recovery cut nothing, want %v", want)
	}
	got := *rep.Cut
	got.Reason = ""
	w := *want
	w.Reason = ""
	if got != w {
		t.Fatalf("recovery cut\n  %v\nwant\n  %v", rep.Cut, want)
	}
}

func seg1(dir string) string { return filepath.Join(dir, segmentName(1)) }

// faultCases are the faults, each a function of the number of records the
// segment holds before the fault strikes.
var faultCases = []struct {
	name string
	run  func(t *testing.T, fs *faultfs.Faulty, dir string, pre int)
}{
	{"short-write", func(t *testing.T, fs *faultfs.Faulty, dir string, pre int) {
		// The msync of the next record persists its header and 40 of its
		// 64 payload bytes, then fails.
		j := faultJournal(t, fs, dir, Sync, pre)
		fs.Fail(faultfs.OpMsync, 1, int(recStart(pre))+24+40)
		seq := uint64(pre + 1)
		if err := j.Append(1, seq, int64(seq), faultPayload(seq)); !errors.Is(err, ErrSync) {
			t.Fatalf("append over a short msync: %v, want ErrSync", err)
		}
		if err := j.Append(1, seq, int64(seq), faultPayload(seq)); !errors.Is(err, ErrSync) {
			t.Fatalf("append after a failed msync: %v, want the sticky ErrSync", err)
		}
		if err := j.Commit(); !errors.Is(err, ErrSync) || j.DurableSeq() != uint64(pre) {
			t.Fatalf("commit after a failed msync: %v, durable %d", err, j.DurableSeq())
		}
		j.abandon()
		fs.Crash()
		j, rep, err := recoverFault(t, fs, dir, false)
		if err != nil {
			t.Fatal(err)
		}
		wantCut(t, rep, &Cut{Kind: CutTorn, Segment: 1, Offset: recStart(pre), Records: 1, Bytes: 64})
		checkSurvivors(t, fs, dir, j, uint64(pre))
	}},
	{"failed-msync", func(t *testing.T, fs *faultfs.Faulty, dir string, pre int) {
		j := faultJournal(t, fs, dir, Sync, pre)
		fs.Fail(faultfs.OpMsync, 1, 0)
		seq := uint64(pre + 1)
		if err := j.Append(1, seq, int64(seq), faultPayload(seq)); !errors.Is(err, ErrSync) || !errors.Is(err, faultfs.ErrInjected) {
			t.Fatalf("append over a failed msync: %v", err)
		}
		if j.Err() == nil || j.DurableSeq() != uint64(pre) {
			t.Fatalf("sticky error %v, durable %d, want %d", j.Err(), j.DurableSeq(), pre)
		}
		j.abandon()
		fs.Crash()
		j, rep, err := recoverFault(t, fs, dir, false)
		if err != nil {
			t.Fatal(err)
		}
		wantCut(t, rep, nil)
		checkSurvivors(t, fs, dir, j, uint64(pre))
	}},
	{"failed-fsync", func(t *testing.T, fs *faultfs.Faulty, dir string, pre int) {
		// Batch mode: the records of a sealed segment are made durable by
		// the fsync of the segment, after a roll. Fill segment 1 (42
		// records, none synced yet), roll, then Commit: the fsync fails.
		o := testOptions(Batch)
		o.fs = fs
		o.BatchRecords = 1 << 30
		o.BatchInterval = 1 << 40
		j, _, err := Open(dir, o)
		if err != nil {
			t.Fatal(err)
		}
		for range 42 + pre {
			seq := j.LastSeq() + 1
			if err := j.Append(1, seq, int64(seq), faultPayload(seq)); err != nil {
				t.Fatal(err)
			}
		}
		if pre == 0 {
			// Roll into an empty segment by appending its first record.
			if err := j.Append(1, 43, 43, faultPayload(43)); err != nil {
				t.Fatal(err)
			}
		}
		fs.Fail(faultfs.OpSync, 1, 0)
		if err := j.Commit(); !errors.Is(err, ErrSync) || j.DurableSeq() != 0 {
			t.Fatalf("commit over a failed fsync: %v, durable %d", err, j.DurableSeq())
		}
		j.abandon()
		fs.Crash()
		// Nothing was ever made durable: segment 1 keeps its header, the
		// segment rolled into was named but its header never synced.
		j, rep, err := recoverFault(t, fs, dir, false)
		if err != nil {
			t.Fatal(err)
		}
		wantCut(t, rep, nil)
		if len(rep.Removed) != 1 || rep.Removed[0] != segmentName(43) {
			t.Fatalf("removed %v, want the unused %s", rep.Removed, segmentName(43))
		}
		checkSurvivors(t, fs, dir, j, 0)
	}},
	{"failed-fsync-dir", func(t *testing.T, fs *faultfs.Faulty, dir string, pre int) {
		// Sync mode, segment 1 full: the next append rolls, and the sync
		// that covers it must first make the new name durable. That fsync
		// fails. With pre > 0 the failure is the spare's creation instead,
		// after pre records of segment 43.
		j := faultJournal(t, fs, dir, Sync, 42+pre)
		if pre > 0 {
			// Fill segment 43 so that the next append needs a new spare.
			for j.LastSeq() < 84 {
				seq := j.LastSeq() + 1
				if err := j.Append(1, seq, int64(seq), faultPayload(seq)); err != nil {
					t.Fatal(err)
				}
			}
		}
		seq := j.LastSeq() + 1
		fs.Fail(faultfs.OpSyncDir, 1, 0)
		if err := j.Append(1, seq, int64(seq), faultPayload(seq)); !errors.Is(err, ErrSync) {
			t.Fatalf("append over a failed directory fsync: %v", err)
		}
		if j.DurableSeq() != seq-1 {
			t.Fatalf("durable %d, want %d", j.DurableSeq(), seq-1)
		}
		j.abandon()
		fs.Crash()
		j, _, err := recoverFault(t, fs, dir, false)
		if err != nil {
			t.Fatal(err)
		}
		checkSurvivors(t, fs, dir, j, seq-1)
	}},
	{"zeroed-sector", func(t *testing.T, fs *faultfs.Faulty, dir string, pre int) {
		if pre == 0 {
			// The header sector of the only segment, still empty, reads as
			// zeros: the segment was never used. It is removed and created
			// again at the sequence its name carries.
			j := faultJournal(t, fs, dir, Sync, 0)
			j.abandon()
			fs.Crash()
			if err := faultfs.Zero(seg1(dir), 0, 512); err != nil {
				t.Fatal(err)
			}
			j, rep, err := recoverFault(t, fs, dir, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Removed) != 1 || rep.Removed[0] != segmentName(1) || rep.Cut != nil {
				t.Fatalf("report %v", rep)
			}
			checkSurvivors(t, fs, dir, j, 0)
			return
		}
		// Sector 512..1024 of a segment of 12 durable records reads as
		// zeros: record 5 (448..544) is damaged, 6..10 are gone, 11 and
		// 12 are intact after them. That is corruption, not a torn tail.
		j := faultJournal(t, fs, dir, Sync, 12)
		j.abandon()
		fs.Crash()
		if err := faultfs.Zero(seg1(dir), 512, 512); err != nil {
			t.Fatal(err)
		}
		corruptThenTruncate(t, fs, dir, 4, &Cut{Kind: CutCorrupt, Segment: 1, Offset: recStart(4), Records: 3, Bytes: recStart(12) - recStart(4), Through: 12})
	}},
	{"garbage-sector", func(t *testing.T, fs *faultfs.Faulty, dir string, pre int) {
		if pre == 0 {
			// The header of the only segment is scrambled: corruption at
			// offset 0. With TruncateCorrupt the segment is cut whole.
			j := faultJournal(t, fs, dir, Sync, 0)
			j.abandon()
			fs.Crash()
			if err := faultfs.Garbage(seg1(dir), 0, 512, 7); err != nil {
				t.Fatal(err)
			}
			corruptThenTruncate(t, fs, dir, 0, &Cut{Kind: CutCorrupt, Segment: 1, Offset: 0, Records: 0, Bytes: 512})
			return
		}
		j := faultJournal(t, fs, dir, Sync, 12)
		j.abandon()
		fs.Crash()
		if err := faultfs.Garbage(seg1(dir), 512, 512, 7); err != nil {
			t.Fatal(err)
		}
		corruptThenTruncate(t, fs, dir, 4, &Cut{Kind: CutCorrupt, Segment: 1, Offset: recStart(4), Records: 3, Bytes: recStart(12) - recStart(4), Through: 12})
	}},
	{"torn-last-record", func(t *testing.T, fs *faultfs.Faulty, dir string, pre int) {
		// None mode, nothing synced: the power fails while the page cache
		// is being written back, after 50 bytes of the last record.
		j := faultJournal(t, fs, dir, None, pre+1)
		j.abandon()
		if err := fs.CrashTorn(seg1(dir), recStart(pre)+50); err != nil {
			t.Fatal(err)
		}
		j, rep, err := recoverFault(t, fs, dir, false)
		if err != nil {
			t.Fatal(err)
		}
		// 50 bytes reached the disk; the scan works in 8-byte words.
		wantCut(t, rep, &Cut{Kind: CutTorn, Segment: 1, Offset: recStart(pre), Records: 1, Bytes: 56})
		checkSurvivors(t, fs, dir, j, uint64(pre))
	}},
}

// corruptThenTruncate checks that recovery of a corrupt dir fails with
// ErrCorrupt naming the segment and offset, then that TruncateCorrupt cuts
// exactly cut and keeps records 1..keep.
func corruptThenTruncate(t *testing.T, fs *faultfs.Faulty, dir string, keep uint64, cut *Cut) {
	t.Helper()
	_, rep, err := recoverFault(t, fs, dir, false)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("recovery of a corrupt segment: %v, want ErrCorrupt\n%v", err, rep)
	}
	if want := fmt.Sprintf("segment %d offset %d", cut.Segment, cut.Offset); !contains(err.Error(), want) {
		t.Fatalf("error %q does not say %q", err, want)
	}
	if vrep, verr := verify(fs, dir); !errors.Is(verr, ErrCorrupt) || vrep.Clean() {
		t.Fatalf("verify of a corrupt journal: %v\n%v", verr, vrep)
	}
	j, rep, err := recoverFault(t, fs, dir, true)
	if err != nil {
		t.Fatalf("recovery with TruncateCorrupt: %v", err)
	}
	wantCut(t, rep, cut)
	checkSurvivors(t, fs, dir, j, keep)
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestFaults(t *testing.T) {
	for _, fc := range faultCases {
		for _, pre := range []int{0, 5} {
			state := "empty"
			if pre > 0 {
				state = "non-empty"
			}
			t.Run(fc.name+"/"+state, func(t *testing.T) {
				fc.run(t, faultfs.NewFaulty(), t.TempDir(), pre)
			})
		}
	}
}

// TestFaultFirstSegment: the creation of the first segment fails (its
// fsync); Open fails, leaves no segment behind, and the next Open works.
func TestFaultFirstSegment(t *testing.T) {
	for _, op := range []faultfs.Op{faultfs.OpSync, faultfs.OpSyncDir, faultfs.OpRename, faultfs.OpCreate} {
		t.Run(op.String(), func(t *testing.T) {
			fs, dir := faultfs.NewFaulty(), t.TempDir()
			fs.Fail(op, 1, 0)
			o := testOptions(Sync)
			o.fs = fs
			if _, _, err := Open(dir, o); !errors.Is(err, faultfs.ErrInjected) {
				t.Fatalf("open over a failed %v: %v", op, err)
			}
			fs.Crash()
			j, rep, err := Open(dir, o)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Created && op != faultfs.OpSyncDir {
				t.Fatalf("second open did not create the journal: %v", rep)
			}
			checkSurvivors(t, fs, dir, j, 0)
		})
	}
}
