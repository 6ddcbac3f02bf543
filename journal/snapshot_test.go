package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tradeengine/engine/internal/faultfs"
)

func TestSnapshotRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 39, 40, 41, 4096, 1 << 20} {
		t.Run(fmt.Sprintf("payload=%d", n), func(t *testing.T) {
			dir := t.TempDir()
			payload := payloadFor(uint64(n), n)
			path, err := WriteSnapshot(dir, snapID, 12345, payload)
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Base(path) != "00000000000000012345.snap" {
				t.Fatalf("named %s", path)
			}
			s, rep, err := LoadLatestSnapshot(dir, SnapshotSelect{ID: snapID})
			if err != nil || s.Seq != 12345 || !bytes.Equal(s.Payload, payload) || len(rep.Skipped) != 0 {
				t.Fatalf("load: %v %+v %v", err, rep, s)
			}
		})
	}
}

// TestSnapshotSkipsCorrupt: every way a snapshot can be damaged makes
// LoadLatestSnapshot fall back to the older one, and report why.
func TestSnapshotSkipsCorrupt(t *testing.T) {
	tests := []struct {
		name   string
		damage func(path string) error
	}{
		{"flipped payload byte", func(p string) error { return faultfs.Flip(p, snapshotHeaderSize+10, 0x01) }},
		{"flipped checksum", func(p string) error { return faultfs.Flip(p, 40, 0x80) }},
		{"flipped journal id", func(p string) error { return faultfs.Flip(p, 32, 0x01) }},
		{"flipped sequence", func(p string) error { return faultfs.Flip(p, 16, 0x01) }},
		{"flipped length", func(p string) error { return faultfs.Flip(p, 24, 0x01) }},
		{"bad magic", func(p string) error { return faultfs.Flip(p, 0, 0x20) }},
		{"newer version", func(p string) error { return faultfs.Flip(p, 8, 0x04) }},
		{"older version", func(p string) error { return faultfs.Flip(p, 8, 0x03) }},
		{"truncated", func(p string) error { return os.Truncate(p, snapshotHeaderSize+50) }},
		{"shorter than a header", func(p string) error { return os.Truncate(p, 20) }},
		{"empty", func(p string) error { return os.Truncate(p, 0) }},
		{"trailing bytes", func(p string) error {
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.Write([]byte{0})
			return err
		}},
		{"zeroed sector", func(p string) error { return faultfs.Zero(p, 0, 512) }},
		{"garbage sector", func(p string) error { return faultfs.Garbage(p, 512, 512, 9) }},
		{"renamed to another sequence", func(p string) error {
			return os.Rename(p, filepath.Join(filepath.Dir(p), SnapshotName(300)))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			old := payloadFor(100, 1000)
			if _, err := WriteSnapshot(dir, snapID, 100, old); err != nil {
				t.Fatal(err)
			}
			path, err := WriteSnapshot(dir, snapID, 200, payloadFor(200, 1000))
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.damage(path); err != nil {
				t.Fatal(err)
			}
			s, rep, err := LoadLatestSnapshot(dir, SnapshotSelect{ID: snapID})
			if err != nil {
				t.Fatal(err)
			}
			if s.Seq != 100 || !bytes.Equal(s.Payload, old) {
				t.Fatalf("loaded %d, want the older valid snapshot 100", s.Seq)
			}
			if len(rep.Skipped) != 1 || rep.Loaded != 100 {
				t.Fatalf("report %v", rep)
			}
		})
	}
}

func TestSnapshotNone(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := LoadLatestSnapshot(dir, SnapshotSelect{ID: snapID}); !errors.Is(err, ErrNoSnapshot) {
		t.Fatalf("empty directory: %v", err)
	}
	path, err := WriteSnapshot(dir, snapID, 7, []byte("state"))
	if err != nil {
		t.Fatal(err)
	}
	if err := faultfs.Flip(path, 42, 1); err != nil {
		t.Fatal(err)
	}
	s, rep, err := LoadLatestSnapshot(dir, SnapshotSelect{ID: snapID})
	if !errors.Is(err, ErrNoSnapshot) || s != nil || len(rep.Skipped) != 1 {
		t.Fatalf("only a corrupt snapshot: %v %v %v", err, s, rep)
	}
	if !errors.Is(err, ErrNoSnapshot) || rep.String() == "" {
		t.Fatal(rep)
	}
}

// TestSnapshotWriteFaults: a snapshot write that fails (short write, failed
// fsync, failed rename) leaves no snapshot file behind, and the previous
// snapshot still loads, before and after a crash.
func TestSnapshotWriteFaults(t *testing.T) {
	tests := []struct {
		name  string
		op    faultfs.Op
		nth   int
		short int
	}{
		{"short write of the header", faultfs.OpWrite, 1, 10},
		{"short write of the payload", faultfs.OpWrite, 2, 500},
		{"failed fsync", faultfs.OpSync, 1, 0},
		{"short fsync", faultfs.OpSync, 1, 100},
		{"failed rename", faultfs.OpRename, 1, 0},
		{"failed create", faultfs.OpCreate, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, dir := faultfs.NewFaulty(), t.TempDir()
			old := payloadFor(1, 3000)
			if _, err := writeSnapshot(fs, dir, snapID, 1, old); err != nil {
				t.Fatal(err)
			}
			fs.Fail(tt.op, tt.nth, tt.short)
			if _, err := writeSnapshot(fs, dir, snapID, 2, payloadFor(2, 3000)); !errors.Is(err, faultfs.ErrInjected) {
				t.Fatalf("write over a fault: %v", err)
			}
			for _, crashed := range []bool{false, true} {
				if crashed {
					fs.Crash()
				}
				s, rep, err := loadLatestSnapshot(fs, dir, SnapshotSelect{ID: snapID})
				if err != nil || s.Seq != 1 || !bytes.Equal(s.Payload, old) || len(rep.Skipped) != 0 {
					t.Fatalf("crashed %v: load %v %v %v", crashed, err, s, rep)
				}
			}
		})
	}
}

func TestRetainSnapshots(t *testing.T) {
	dir := t.TempDir()
	for _, seq := range []uint64{10, 20, 30, 40, 50} {
		if _, err := WriteSnapshot(dir, snapID, seq, payloadFor(seq, 100)); err != nil {
			t.Fatal(err)
		}
	}
	// 50 is corrupt: the two newest valid ones are 40 and 30.
	if err := faultfs.Flip(filepath.Join(dir, SnapshotName(50)), 60, 1); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, SnapshotName(60)+tmpExt), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	removed, oldest, err := RetainSnapshots(dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	if oldest != 30 {
		t.Fatalf("oldest kept %d, want 30 (40 and 30 are kept, 50 is corrupt)", oldest)
	}
	var names []string
	for _, p := range removed {
		names = append(names, filepath.Base(p))
	}
	want := []string{SnapshotName(10), SnapshotName(20), SnapshotName(60) + tmpExt}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Fatalf("removed %v, want %v", names, want)
	}
	infos, err := ListSnapshots(dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []uint64
	for _, i := range infos {
		left = append(left, i.Seq)
	}
	if fmt.Sprint(left) != "[30 40 50]" {
		t.Fatalf("left %v", left)
	}
	if s, _, err := LoadLatestSnapshot(dir, SnapshotSelect{ID: snapID}); err != nil || s.Seq != 40 {
		t.Fatalf("load after retention: %v %v", err, s)
	}
	// Fewer valid snapshots than asked to keep: nothing is removed, and
	// the oldest valid one is the oldest kept.
	if removed, oldest, err := RetainSnapshots(dir, 5); err != nil || len(removed) != 0 || oldest != 30 {
		t.Fatalf("keep 5 of 2 valid: removed %v, oldest kept %d, %v", removed, oldest, err)
	}
	if removed, oldest, err := RetainSnapshots(t.TempDir(), 2); err != nil || len(removed) != 0 || oldest != 0 {
		t.Fatalf("no snapshot: removed %v, oldest kept %d, %v", removed, oldest, err)
	}
}

// TestRetainKeepsFallbacks: retention driven by RetainSnapshots' oldest
// kept snapshot leaves every kept snapshot the records it needs. Before,
// the journal was retained from the newest snapshot, and an older kept
// snapshot, the fallback if the newest is damaged, could not be replayed
// from.
func TestRetainKeepsFallbacks(t *testing.T) {
	dir := t.TempDir()
	j, _, err := Open(dir, testOptions(None))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var oldest uint64
	for range 6 {
		appendN(t, j, 60, 64) // a bit over one 4096-byte segment
		if _, err := WriteSnapshot(dir, j.ID(), j.LastSeq(), payloadFor(j.LastSeq(), 10)); err != nil {
			t.Fatal(err)
		}
		if _, oldest, err = RetainSnapshots(dir, 3); err != nil {
			t.Fatal(err)
		}
		if _, err := j.Retain(oldest, Retention{MaxSegments: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if oldest != 4*60 {
		t.Fatalf("oldest kept %d, want %d", oldest, 4*60)
	}
	if j.FirstSeq() > oldest+1 {
		t.Fatalf("the journal starts at %d: the snapshot at %d cannot be replayed from", j.FirstSeq(), oldest)
	}
	infos, err := ListSnapshots(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		first, _, _ := readAll(t, dir, info.Seq+1, nil)
		if first > info.Seq+1 {
			t.Fatalf("snapshot %d: the journal resumes at %d", info.Seq, first)
		}
	}
}

// snapID is the journal id the snapshot tests write.
const snapID = 0x5eed_0000_0000_0001

// TestSnapshotSelect: LoadLatestSnapshot skips snapshots of another
// journal and snapshots after MaxSeq, says why, and falls back to older
// ones; with none usable, the error gives the newest reason.
func TestSnapshotSelect(t *testing.T) {
	const other = 0x0dd0_0000_0000_0002
	tests := []struct {
		name    string
		writes  []struct{ id, seq uint64 }
		sel     SnapshotSelect
		loaded  uint64 // 0: ErrNoSnapshot
		skipped []SkipKind
		reason  string // in the newest skip's reason
	}{
		{"any journal", []struct{ id, seq uint64 }{{snapID, 10}, {other, 20}}, SnapshotSelect{}, 20, nil, ""},
		{"foreign newest", []struct{ id, seq uint64 }{{snapID, 10}, {other, 20}}, SnapshotSelect{ID: snapID}, 10, []SkipKind{SkipForeign},
			"snapshot of journal 0x0dd0000000000002, this journal is 0x5eed000000000001"},
		{"only foreign", []struct{ id, seq uint64 }{{other, 10}, {other, 20}}, SnapshotSelect{ID: snapID}, 0, []SkipKind{SkipForeign, SkipForeign},
			"snapshot of journal 0x0dd0000000000002, this journal is 0x5eed000000000001"},
		{"no id fits any", []struct{ id, seq uint64 }{{snapID, 10}, {0, 20}}, SnapshotSelect{ID: snapID}, 20, nil, ""},
		{"beyond the journal", []struct{ id, seq uint64 }{{snapID, 10}, {snapID, 20}, {snapID, 30}}, SnapshotSelect{ID: snapID, MaxSeq: 25}, 20, []SkipKind{SkipAfter},
			"at sequence 30, after sequence 25"},
		{"at MaxSeq", []struct{ id, seq uint64 }{{snapID, 10}, {snapID, 20}}, SnapshotSelect{ID: snapID, MaxSeq: 20}, 20, nil, ""},
		{"all beyond", []struct{ id, seq uint64 }{{snapID, 10}, {snapID, 20}}, SnapshotSelect{ID: snapID, MaxSeq: 5}, 0, []SkipKind{SkipAfter, SkipAfter},
			"at sequence 20, after sequence 5"},
		{"beyond, then foreign", []struct{ id, seq uint64 }{{snapID, 10}, {other, 20}, {snapID, 30}}, SnapshotSelect{ID: snapID, MaxSeq: 25}, 10, []SkipKind{SkipAfter, SkipForeign},
			"at sequence 30, after sequence 25"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, w := range tt.writes {
				if _, err := WriteSnapshot(dir, w.id, w.seq, payloadFor(w.seq, 100)); err != nil {
					t.Fatal(err)
				}
			}
			s, rep, err := LoadLatestSnapshot(dir, tt.sel)
			if tt.loaded == 0 {
				if !errors.Is(err, ErrNoSnapshot) || s != nil || rep.Loaded != 0 {
					t.Fatalf("loaded %v, %v; want ErrNoSnapshot", s, err)
				}
				if !strings.Contains(err.Error(), tt.reason) {
					t.Fatalf("error %q does not say %q", err, tt.reason)
				}
			} else if err != nil || s.Seq != tt.loaded || rep.Loaded != tt.loaded || !bytes.Equal(s.Payload, payloadFor(tt.loaded, 100)) {
				t.Fatalf("loaded %v, %v; want %d", s, err, tt.loaded)
			}
			var kinds []SkipKind
			for _, sk := range rep.Skipped {
				kinds = append(kinds, sk.Kind)
			}
			if fmt.Sprint(kinds) != fmt.Sprint(tt.skipped) {
				t.Fatalf("skipped %v, want %v\n%v", kinds, tt.skipped, rep)
			}
			if len(rep.Skipped) > 0 && rep.Skipped[0].Reason != tt.reason {
				t.Fatalf("reason %q, want %q", rep.Skipped[0].Reason, tt.reason)
			}
		})
	}
}

// TestSnapshotIDKeysChecksum: the id is covered by the checksum, and keys
// it: a snapshot whose id is changed, with its checksum recomputed as
// plain xxhash64 (the version 1 rule), is corrupt, not foreign.
func TestSnapshotIDKeysChecksum(t *testing.T) {
	dir := t.TempDir()
	path, err := WriteSnapshot(dir, snapID, 10, []byte("state"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := decodeSnapshot(b); err != nil || s.ID != snapID || s.Version != SnapshotVersion {
		t.Fatalf("decode: %v %+v", err, s)
	}
	binary.LittleEndian.PutUint64(b[32:], 0)
	binary.LittleEndian.PutUint64(b[40:], snapshotSum(b[:40], b[snapshotHeaderSize:], 0))
	if _, err := decodeSnapshot(b); err != nil {
		t.Fatalf("id 0 with its checksum: %v", err) // a snapshot tied to no journal
	}
	binary.LittleEndian.PutUint64(b[32:], 0x1234)
	if _, err := decodeSnapshot(b); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("an id changed under an unkeyed checksum: %v", err)
	}
}

// TestSnapshotV1 reads the golden version 1 snapshot (testdata/v2, written
// before snapshots carried an id): it loads for any journal, and its bytes
// are the version 1 layout.
func TestSnapshotV1(t *testing.T) {
	path := filepath.Join("testdata", "v2", SnapshotName(goldenSnapshotSeq))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if v := binary.LittleEndian.Uint16(b[8:]); v != 1 || len(b) != snapshotHeaderSizeV1+len(goldenSnapshotPayload) {
		t.Fatalf("golden v1 snapshot: version %d, %d bytes", v, len(b))
	}
	for _, id := range []uint64{0, snapID, goldenID} {
		s, rep, err := LoadLatestSnapshot(filepath.Dir(path), SnapshotSelect{ID: id})
		if err != nil || s.Version != 1 || s.ID != 0 || s.Seq != goldenSnapshotSeq || !bytes.Equal(s.Payload, goldenSnapshotPayload) || len(rep.Skipped) != 0 {
			t.Fatalf("journal %#x: %v %+v %v", id, err, s, rep)
		}
	}
	// Re-encoded as version 1 it gives the same bytes.
	out := make([]byte, snapshotHeaderSize)
	if n := encodeSnapshotHeader(out, 1, 0, goldenSnapshotSeq, goldenSnapshotPayload); !bytes.Equal(out[:n], b[:snapshotHeaderSizeV1]) {
		t.Fatal("the version 1 header re-encodes differently")
	}
}
