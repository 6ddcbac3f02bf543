package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite the golden journal of the current format version under testdata/v<Version>/")

// goldenRecords are the records of the golden journal of format version v:
// every padding case (payloads of 0 to 9 bytes, 63 to 65), event
// encodings, sequences 1 to goldenLast: enough to fill two 4096-byte
// segments and start a third (one, and start a second, from version 3 on,
// whose records are fewer). From version 3 on, the record at every
// sequence ending in 3 covers three sequences, and the one at 117 covers
// the last four.
func goldenRecords(v int) []Record {
	sizes := []int{0, 1, 7, 8, 9, 63, 64, 65, 100}
	var recs []Record
	for seq := uint64(1); seq <= goldenLast; {
		r := Record{Seq: seq, TS: tsFor(seq), Type: typeFor(seq), Count: 1}
		if seq%2 == 0 {
			r.Payload = goldenEvent(seq)
		} else {
			r.Payload = goldenPayload(seq, sizes[int(seq/2)%len(sizes)])
		}
		if v >= 3 && seq%10 == 3 {
			r.Count = 3
		}
		if v >= 3 && seq == goldenLast-3 {
			r.Count = 4
		}
		recs = append(recs, r)
		seq += uint64(r.Count)
	}
	return recs
}

// goldenPayload is the payload of golden record seq. Frozen: the golden
// files hold its bytes, so it must never change.
func goldenPayload(seq uint64, n int) []byte {
	b := make([]byte, n)
	x := seq*0x9e3779b97f4a7c15 + uint64(n)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

// goldenEvent is the canonical encoding of an event.In (event/encode.go,
// version 1) of a new order for seq, written out here so that the golden
// bytes do not depend on another package's code. Frozen like goldenPayload.
func goldenEvent(seq uint64) []byte {
	b := make([]byte, 64)
	b[0], b[1], b[2] = 1, 1, byte(1+seq%2) // kind new, version 1, side
	binary.LittleEndian.PutUint32(b[8:], uint32(seq%7))
	binary.LittleEndian.PutUint32(b[12:], 42)
	binary.LittleEndian.PutUint64(b[16:], seq)
	binary.LittleEndian.PutUint64(b[24:], seq*1000)
	binary.LittleEndian.PutUint64(b[32:], seq)
	binary.LittleEndian.PutUint64(b[40:], 10_000+seq%50)
	binary.LittleEndian.PutUint64(b[48:], 1+seq%9)
	return b
}

// goldenID is the journal id of the golden journal (v2).
const goldenID = 0x0123456789abcdef

// goldenLast is the sequence of the last golden record.
const goldenLast = 120

// goldenSnapshot is the snapshot stored beside the golden journal.
const goldenSnapshotSeq = 50

var goldenSnapshotPayload = []byte("logic state after record 50")

// writeGolden writes the golden journal of the current version into dir.
func writeGolden(t *testing.T, dir string) {
	o := testOptions(None)
	o.id = goldenID
	j, _, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	recs := goldenRecords(Version)
	if err := j.AppendBatch(recs[:10]); err != nil {
		t.Fatal(err)
	}
	for i, r := range recs[10:] {
		var err error
		if r.Count == 1 {
			err = j.Append(r.Type, r.Seq, r.TS, r.Payload)
		} else {
			err = j.AppendBatch(recs[10+i : 11+i])
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteSnapshot(dir, j.ID(), goldenSnapshotSeq, goldenSnapshotPayload); err != nil {
		t.Fatal(err)
	}
}

// TestGoldenCurrent pins the bytes the current version writes: the journal
// written now must equal testdata/v<Version>/ byte for byte. Regenerate
// with -update-golden, only on purpose.
func TestGoldenCurrent(t *testing.T) {
	dir := t.TempDir()
	writeGolden(t, dir)
	golden := filepath.Join("testdata", fmt.Sprintf("v%d", Version))
	if *updateGolden {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(golden, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(golden, LockFile)); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %s", golden)
	}
	got := dirFiles(t, dir)
	want := dirFiles(t, golden)
	if len(got) != len(want) {
		t.Fatalf("wrote %d files, golden has %d: %v vs %v", len(got), len(want), keys(got), keys(want))
	}
	for name, b := range want {
		g, ok := got[name]
		if !ok {
			t.Fatalf("golden file %s not written", name)
		}
		if !bytes.Equal(g, b) {
			i := 0
			for i < len(g) && i < len(b) && g[i] == b[i] {
				i++
			}
			t.Fatalf("%s differs from the golden file at byte %d (format change? then a new Version)", name, i)
		}
	}
}

// TestGoldenRead opens every golden journal, of every version, with the
// current code: Verify finds it clean, readers read the golden records,
// the snapshot loads, and recovery opens it and appends after it.
func TestGoldenRead(t *testing.T) {
	for v := 1; v <= Version; v++ {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			golden := filepath.Join("testdata", fmt.Sprintf("v%d", v))
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(golden)); err != nil {
				t.Fatal(err)
			}
			rep, err := Verify(dir)
			if err != nil || !rep.Clean() {
				t.Fatalf("verify: %v\n%v", err, rep)
			}
			for _, s := range rep.Segments {
				if int(s.Version) != v {
					t.Fatalf("segment %d has version %d, want %d", s.First, s.Version, v)
				}
			}
			recs := goldenRecords(v)
			i := 0
			_, last, n := readAll(t, dir, 0, func(r Record) {
				w := recs[i]
				if r.Seq != w.Seq || r.Count != w.Count || r.TS != w.TS || r.Type != w.Type || !bytes.Equal(r.Payload, w.Payload) {
					t.Fatalf("record %d differs from the golden record", w.Seq)
				}
				i++
			})
			if n != len(recs) || last != goldenLast {
				t.Fatalf("read %d records up to %d, want %d", n, last, len(recs))
			}
			// The golden snapshots of v1 and v2 are of snapshot format
			// version 1 (no id: accepted for any journal), that of v3 of
			// version 2, tied to the golden journal.
			snap, _, err := LoadLatestSnapshot(dir, SnapshotSelect{ID: goldenID, MaxSeq: goldenLast})
			if err != nil || snap.Seq != goldenSnapshotSeq || !bytes.Equal(snap.Payload, goldenSnapshotPayload) {
				t.Fatalf("snapshot: %v %+v", err, snap)
			}
			wantV, wantID := uint16(SnapshotVersion), uint64(goldenID)
			if v < 3 {
				wantV, wantID = 1, 0
			}
			if snap.Version != wantV || snap.ID != wantID {
				t.Fatalf("snapshot version %d id %#x, want %d %#x", snap.Version, snap.ID, wantV, wantID)
			}
			if snap, _, err := LoadLatestSnapshot(dir, SnapshotSelect{ID: goldenID + 1}); v < 3 && (err != nil || snap.Version != 1) {
				t.Fatalf("a version 1 snapshot for any journal: %v", err)
			} else if v >= 3 && !errors.Is(err, ErrNoSnapshot) {
				t.Fatalf("the golden snapshot for another journal: %v", err)
			}

			j, orep, err := Open(dir, Options{SegmentSize: 4096, VerifySealed: true})
			if err != nil {
				t.Fatal(err)
			}
			if orep.LastSeq != goldenLast || orep.Cut != nil {
				t.Fatalf("recovery of a clean journal: %v", orep)
			}
			if want := uint16(0); v < Version {
				want = uint16(v)
				if orep.UpgradedFrom != want {
					t.Fatalf("upgraded from %d, want %d", orep.UpgradedFrom, want)
				}
			}
			appendN(t, j, 50, 64)
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			rep, err = Verify(dir)
			if err != nil || !rep.Clean() || rep.LastSeq != goldenLast+50 {
				t.Fatalf("verify after appending: %v\n%v", err, rep)
			}
			last = 0
			readAll(t, dir, goldenLast-5, func(r Record) {
				if r.Seq > goldenLast {
					checkRecord(t, r, 64)
				}
				last = r.Seq
			})
			if last != goldenLast+50 {
				t.Fatalf("read up to %d, want %d", last, goldenLast+50)
			}
		})
	}
}

func dirFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range ents {
		if e.Name() == LockFile {
			continue // holds the writer's pid: not part of the format's bytes
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// TestGoldenEvent checks that the golden event payload is what the event
// package encodes today: the journal's golden files hold real events.
func TestGoldenEvent(t *testing.T) {
	for seq := uint64(1); seq <= 20; seq++ {
		if !bytes.Equal(goldenEvent(seq), eventPayload(seq)) {
			t.Fatalf("event %d: the golden encoding differs from event.In.Encode", seq)
		}
	}
}
