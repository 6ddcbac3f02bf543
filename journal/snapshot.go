package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/tradeengine/engine/internal/faultfs"
)

// The snapshot file format (drawn in doc.go).
const (
	// SnapshotVersion is the snapshot format version written. Part of the
	// format.
	SnapshotVersion = 1
	// snapshotMagic opens every snapshot file. Part of the format.
	snapshotMagic = "TESNAPSH"
	// snapshotHeaderSize is the size of a snapshot header. Part of the
	// format.
	snapshotHeaderSize = 40
	snapshotExt        = ".snap"
)

// Snapshot is a decoded snapshot: the state of the logic after the record
// with sequence Seq, as opaque bytes.
type Snapshot struct {
	Seq     uint64
	Payload []byte
	Path    string // the file it was loaded from
}

// SnapshotInfo names a snapshot file, not yet validated.
type SnapshotInfo struct {
	Seq  uint64 // from the name
	Path string
	Size int64
}

// SnapshotReport says what LoadLatestSnapshot looked at and why it skipped
// what it skipped.
type SnapshotReport struct {
	Loaded  uint64            // sequence of the snapshot loaded, 0 if none
	Skipped []SkippedSnapshot // newer snapshots that were not valid, newest first
}

// SkippedSnapshot is a snapshot file that failed validation.
type SkippedSnapshot struct {
	Path   string
	Reason string
}

func (r *SnapshotReport) String() string {
	var b strings.Builder
	for _, s := range r.Skipped {
		fmt.Fprintf(&b, "skipped: %s: %s\n", filepath.Base(s.Path), s.Reason)
	}
	if r.Loaded != 0 {
		fmt.Fprintf(&b, "loaded: snapshot %d\n", r.Loaded)
	} else {
		b.WriteString("loaded: none\n")
	}
	return b.String()
}

// snapshotName returns the file name of the snapshot valid at seq.
func snapshotName(seq uint64) string { return fmt.Sprintf("%020d%s", seq, snapshotExt) }

func parseSnapshotName(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, snapshotExt)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	seq, err := strconv.ParseUint(digits, 10, 64)
	return seq, err == nil
}

// encodeSnapshotHeader writes the header of a snapshot of payload valid at
// seq into b[:snapshotHeaderSize].
func encodeSnapshotHeader(b []byte, seq uint64, payload []byte) {
	b = b[:snapshotHeaderSize]
	clear(b)
	copy(b[0:8], snapshotMagic)
	binary.LittleEndian.PutUint16(b[8:], SnapshotVersion)
	binary.LittleEndian.PutUint16(b[10:], snapshotHeaderSize)
	binary.LittleEndian.PutUint64(b[16:], seq)
	binary.LittleEndian.PutUint64(b[24:], uint64(len(payload)))
	binary.LittleEndian.PutUint64(b[32:], snapshotSum(b[:32], payload))
}

// snapshotSum is the checksum of a snapshot: xxhash64 over the first 32
// header bytes and the payload.
func snapshotSum(head, payload []byte) uint64 {
	var d xxhash.Digest
	d.Reset()
	d.Write(head)
	d.Write(payload)
	return d.Sum64()
}

// decodeSnapshot decodes a whole snapshot file b. The payload length is
// checked against the bytes actually present before it is used, and the
// payload aliases b: decoding allocates nothing whatever b holds.
func decodeSnapshot(b []byte) (Snapshot, error) {
	if len(b) < snapshotHeaderSize {
		return Snapshot{}, corrupt("snapshot: %d bytes, shorter than its header", len(b))
	}
	if string(b[0:8]) != snapshotMagic {
		return Snapshot{}, corrupt("snapshot: bad magic %q", b[0:8])
	}
	if v := binary.LittleEndian.Uint16(b[8:]); v == 0 || v > SnapshotVersion {
		return Snapshot{}, fmt.Errorf("snapshot: version %d, this package reads 1 to %d: %w", v, SnapshotVersion, ErrVersion)
	}
	if n := binary.LittleEndian.Uint16(b[10:]); n != snapshotHeaderSize {
		return Snapshot{}, corrupt("snapshot: header size %d, want %d", n, snapshotHeaderSize)
	}
	if !allZero(b[12:16]) {
		return Snapshot{}, corrupt("snapshot: reserved bytes not zero")
	}
	n := binary.LittleEndian.Uint64(b[24:])
	if n != uint64(len(b)-snapshotHeaderSize) {
		return Snapshot{}, corrupt("snapshot: payload length %d, file holds %d", n, len(b)-snapshotHeaderSize)
	}
	payload := b[snapshotHeaderSize:]
	if want, got := snapshotSum(b[:32], payload), binary.LittleEndian.Uint64(b[32:]); want != got {
		return Snapshot{}, corrupt("snapshot: checksum %#016x, want %#016x", got, want)
	}
	return Snapshot{Seq: binary.LittleEndian.Uint64(b[16:]), Payload: payload}, nil
}

// WriteSnapshot writes payload, the state after the record with sequence
// seq, to dir crash-safely: to a temporary file, fsynced, renamed to its
// name, directory fsynced. It returns the file's path.
func WriteSnapshot(dir string, seq uint64, payload []byte) (string, error) {
	return writeSnapshot(faultfs.OS{}, dir, seq, payload)
}

func writeSnapshot(fs faultfs.FS, dir string, seq uint64, payload []byte) (string, error) {
	if err := fs.MkdirAll(dir); err != nil {
		return "", fmt.Errorf("journal: write snapshot %d: %w", seq, err)
	}
	final := filepath.Join(dir, snapshotName(seq))
	tmp := final + tmpExt
	_ = fs.Remove(tmp)
	f, err := fs.Create(tmp)
	if err != nil {
		return "", fmt.Errorf("journal: write snapshot %d: %w", seq, err)
	}
	var hb [snapshotHeaderSize]byte
	encodeSnapshotHeader(hb[:], seq, payload)
	err = writeFull(f, hb[:], 0)
	if err == nil {
		err = writeFull(f, payload, snapshotHeaderSize)
	}
	if err == nil {
		if err = f.Sync(); err != nil {
			err = fmt.Errorf("%w: %w", ErrSync, err)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fs.Rename(tmp, final)
	}
	if err != nil {
		_ = fs.Remove(tmp)
		return "", fmt.Errorf("journal: write snapshot %d: %w", seq, err)
	}
	if err := fs.SyncDir(dir); err != nil {
		return "", fmt.Errorf("journal: write snapshot %d: %w: %w", seq, ErrSync, err)
	}
	return final, nil
}

func writeFull(f faultfs.File, b []byte, off int64) error {
	n, err := f.WriteAt(b, off)
	if err == nil && n < len(b) {
		err = fmt.Errorf("short write: %d of %d bytes", n, len(b))
	}
	return err
}

// ListSnapshots returns the snapshot files in dir, oldest first, by name;
// they are not validated.
func ListSnapshots(dir string) ([]SnapshotInfo, error) { return listSnapshots(faultfs.OS{}, dir) }

func listSnapshots(fs faultfs.FS, dir string) ([]SnapshotInfo, error) {
	names, err := fs.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("journal: list snapshots: %w", err)
	}
	var infos []SnapshotInfo
	for _, name := range names {
		seq, ok := parseSnapshotName(name)
		if !ok {
			continue
		}
		path := filepath.Join(dir, name)
		fi, err := fs.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("journal: list snapshots: %w", err)
		}
		infos = append(infos, SnapshotInfo{Seq: seq, Path: path, Size: fi.Size})
	}
	sort.Slice(infos, func(a, b int) bool { return infos[a].Seq < infos[b].Seq })
	return infos, nil
}

// LoadLatestSnapshot returns the newest valid snapshot in dir. Snapshots
// that fail validation (header, length, checksum, a name that disagrees with
// the header) are skipped in favour of older ones and listed in the report:
// a corrupt snapshot is never trusted. With no valid snapshot it returns
// ErrNoSnapshot, and the report.
func LoadLatestSnapshot(dir string) (*Snapshot, *SnapshotReport, error) {
	return loadLatestSnapshot(faultfs.OS{}, dir)
}

func loadLatestSnapshot(fs faultfs.FS, dir string) (*Snapshot, *SnapshotReport, error) {
	rep := &SnapshotReport{}
	infos, err := listSnapshots(fs, dir)
	if err != nil {
		return nil, rep, err
	}
	for i := len(infos) - 1; i >= 0; i-- {
		s, err := readSnapshot(fs, infos[i])
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
				return nil, rep, err
			}
			rep.Skipped = append(rep.Skipped, SkippedSnapshot{Path: infos[i].Path, Reason: err.Error()})
			continue
		}
		rep.Loaded = s.Seq
		return s, rep, nil
	}
	return nil, rep, fmt.Errorf("journal: load snapshot from %s: %w", dir, ErrNoSnapshot)
}

// readSnapshot reads and validates one snapshot file.
func readSnapshot(fs faultfs.FS, info SnapshotInfo) (*Snapshot, error) {
	f, err := fs.Open(info.Path, false)
	if err != nil {
		return nil, fmt.Errorf("journal: read snapshot: %w", err)
	}
	defer f.Close()
	size, err := f.Size()
	if err != nil {
		return nil, fmt.Errorf("journal: read snapshot: %w", err)
	}
	b := make([]byte, size)
	if n, err := f.ReadAt(b, 0); n < len(b) {
		return nil, fmt.Errorf("journal: read snapshot %s: %w", filepath.Base(info.Path), err)
	}
	s, err := decodeSnapshot(b)
	var ce *CorruptError
	if errors.As(err, &ce) {
		ce.File = filepath.Base(info.Path)
		return nil, ce
	}
	if err != nil {
		return nil, fmt.Errorf("journal: %s: %w", filepath.Base(info.Path), err)
	}
	if s.Seq != info.Seq {
		return nil, &CorruptError{File: filepath.Base(info.Path), Reason: fmt.Sprintf("snapshot: header says sequence %d", s.Seq)}
	}
	s.Path = info.Path
	return &s, nil
}

// RetainSnapshots keeps the newest keep valid snapshots in dir (at least
// one) and deletes every snapshot file older than the oldest of them, and
// leftover temporary files. Corrupt snapshots newer than that are left for
// inspection. It returns the paths deleted.
func RetainSnapshots(dir string, keep int) ([]string, error) {
	return retainSnapshots(faultfs.OS{}, dir, keep)
}

func retainSnapshots(fs faultfs.FS, dir string, keep int) ([]string, error) {
	keep = max(keep, 1)
	infos, err := listSnapshots(fs, dir)
	if err != nil {
		return nil, err
	}
	cut := -1 // index of the oldest snapshot kept as valid
	valid := 0
	for i := len(infos) - 1; i >= 0 && valid < keep; i-- {
		if _, err := readSnapshot(fs, infos[i]); err == nil {
			valid++
			cut = i
		}
	}
	var removed []string
	if valid == keep {
		for _, info := range infos[:cut] {
			if err := fs.Remove(info.Path); err != nil {
				return removed, fmt.Errorf("journal: retain snapshots: %w", err)
			}
			removed = append(removed, info.Path)
		}
	}
	names, err := fs.ReadDir(dir)
	if err != nil {
		return removed, fmt.Errorf("journal: retain snapshots: %w", err)
	}
	for _, name := range names {
		if strings.HasSuffix(name, snapshotExt+tmpExt) {
			p := filepath.Join(dir, name)
			if err := fs.Remove(p); err != nil {
				return removed, fmt.Errorf("journal: retain snapshots: %w", err)
			}
			removed = append(removed, p)
		}
	}
	if len(removed) > 0 {
		if err := fs.SyncDir(dir); err != nil {
			return removed, fmt.Errorf("journal: retain snapshots: %w: %w", ErrSync, err)
		}
	}
	return removed, nil
}
