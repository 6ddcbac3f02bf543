package journal

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tradeengine/engine/internal/faultfs"
)

func TestSnapshotRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 39, 40, 41, 4096, 1 << 20} {
		t.Run(fmt.Sprintf("payload=%d", n), func(t *testing.T) {
			dir := t.TempDir()
			payload := payloadFor(uint64(n), n)
			path, err := WriteSnapshot(dir, 12345, payload)
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Base(path) != "00000000000000012345.snap" {
				t.Fatalf("named %s", path)
			}
			s, rep, err := LoadLatestSnapshot(dir)
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
		{"flipped checksum", func(p string) error { return faultfs.Flip(p, 32, 0x80) }},
		{"flipped sequence", func(p string) error { return faultfs.Flip(p, 16, 0x01) }},
		{"flipped length", func(p string) error { return faultfs.Flip(p, 24, 0x01) }},
		{"bad magic", func(p string) error { return faultfs.Flip(p, 0, 0x20) }},
		{"newer version", func(p string) error { return faultfs.Flip(p, 8, 0x02) }},
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
			return os.Rename(p, filepath.Join(filepath.Dir(p), snapshotName(300)))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			old := payloadFor(100, 1000)
			if _, err := WriteSnapshot(dir, 100, old); err != nil {
				t.Fatal(err)
			}
			path, err := WriteSnapshot(dir, 200, payloadFor(200, 1000))
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.damage(path); err != nil {
				t.Fatal(err)
			}
			s, rep, err := LoadLatestSnapshot(dir)
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
	if _, _, err := LoadLatestSnapshot(dir); !errors.Is(err, ErrNoSnapshot) {
		t.Fatalf("empty directory: %v", err)
	}
	path, err := WriteSnapshot(dir, 7, []byte("state"))
	if err != nil {
		t.Fatal(err)
	}
	if err := faultfs.Flip(path, 42, 1); err != nil {
		t.Fatal(err)
	}
	s, rep, err := LoadLatestSnapshot(dir)
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
			if _, err := writeSnapshot(fs, dir, 1, old); err != nil {
				t.Fatal(err)
			}
			fs.Fail(tt.op, tt.nth, tt.short)
			if _, err := writeSnapshot(fs, dir, 2, payloadFor(2, 3000)); !errors.Is(err, faultfs.ErrInjected) {
				t.Fatalf("write over a fault: %v", err)
			}
			for _, crashed := range []bool{false, true} {
				if crashed {
					fs.Crash()
				}
				s, rep, err := loadLatestSnapshot(fs, dir)
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
		if _, err := WriteSnapshot(dir, seq, payloadFor(seq, 100)); err != nil {
			t.Fatal(err)
		}
	}
	// 50 is corrupt: the two newest valid ones are 40 and 30.
	if err := faultfs.Flip(filepath.Join(dir, snapshotName(50)), 60, 1); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, snapshotName(60)+tmpExt), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	removed, err := RetainSnapshots(dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range removed {
		names = append(names, filepath.Base(p))
	}
	want := []string{snapshotName(10), snapshotName(20), snapshotName(60) + tmpExt}
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
	if s, _, err := LoadLatestSnapshot(dir); err != nil || s.Seq != 40 {
		t.Fatalf("load after retention: %v %v", err, s)
	}
	// Fewer valid snapshots than asked to keep: nothing is removed.
	if removed, err := RetainSnapshots(dir, 5); err != nil || len(removed) != 0 {
		t.Fatalf("keep 5 of 2 valid: removed %v, %v", removed, err)
	}
}
