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
	// format. Version 1 is still read.
	SnapshotVersion = 2
	// SnapshotExt ends the name of every snapshot file; the name before it
	// is the snapshot's sequence in 20 digits ([SnapshotName]). Part of the
	// format.
	SnapshotExt = ".snap"
	// snapshotMagic opens every snapshot file. Part of the format.
	snapshotMagic = "TESNAPSH"
	// snapshotHeaderSize is the size of a version 2 snapshot header. Part
	// of the format.
	snapshotHeaderSize = 48
	// snapshotHeaderSizeV1 is the size of a version 1 snapshot header,
	// which has no journal id. Part of the format.
	snapshotHeaderSizeV1 = 40
)

// Snapshot is a decoded snapshot: the state of the logic after the record
// with sequence Seq, as opaque bytes.
type Snapshot struct {
	Seq     uint64
	ID      uint64 // the id of the journal it was written for; 0 for a version 1 snapshot or one written with id 0
	Version uint16 // its format version
	Payload []byte
	Path    string // the file it was loaded from
}

// SnapshotInfo names a snapshot file, not yet validated.
type SnapshotInfo struct {
	Seq  uint64 // from the name
	Path string
	Size int64
}

// SnapshotSelect says which snapshots [LoadLatestSnapshot] may return.
type SnapshotSelect struct {
	// ID is the id of the journal the snapshot must belong to
	// ([Journal.ID]); 0 accepts any. A snapshot with no id (version 1, or
	// written with id 0) is accepted for any journal.
	ID uint64
	// MaxSeq is the last sequence a snapshot may be at; 0 sets no limit.
	// Pass the journal's last sequence (a snapshot beyond it describes
	// records the journal does not have), or an earlier point the caller
	// must restart from.
	MaxSeq uint64
}

// SkipKind says why a snapshot was skipped.
type SkipKind uint8

// The reasons a snapshot is skipped.
const (
	SkipCorrupt SkipKind = iota + 1 // it fails its checks (ErrCorrupt)
	SkipVersion                     // a format version this package does not read (ErrVersion)
	SkipForeign                     // written for another journal than SnapshotSelect.ID
	SkipAfter                       // at a sequence after SnapshotSelect.MaxSeq
)

var skipNames = [...]string{SkipCorrupt: "corrupt", SkipVersion: "version", SkipForeign: "foreign", SkipAfter: "after"}

func (k SkipKind) String() string {
	if int(k) < len(skipNames) && skipNames[k] != "" {
		return skipNames[k]
	}
	return fmt.Sprintf("skip(%d)", uint8(k))
}

// SnapshotReport says what LoadLatestSnapshot looked at and why it skipped
// what it skipped.
type SnapshotReport struct {
	Loaded  uint64            // sequence of the snapshot loaded, 0 if none
	Skipped []SkippedSnapshot // newer snapshots that were not usable, newest first
}

// SkippedSnapshot is a snapshot file that was not used.
type SkippedSnapshot struct {
	Path   string
	Kind   SkipKind
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

// SnapshotName returns the file name of the snapshot valid at seq: seq in
// 20 digits, and [SnapshotExt].
func SnapshotName(seq uint64) string { return fmt.Sprintf("%020d%s", seq, SnapshotExt) }

func parseSnapshotName(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, SnapshotExt)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	seq, err := strconv.ParseUint(digits, 10, 64)
	return seq, err == nil
}

// snapshotHeaderLen returns the header size of snapshot format version v.
func snapshotHeaderLen(v uint16) int {
	if v == 1 {
		return snapshotHeaderSizeV1
	}
	return snapshotHeaderSize
}

// encodeSnapshotHeader writes the header of a snapshot of payload valid at
// seq into b[:snapshotHeaderLen(v)], in format version v (the id is written
// from version 2 on). It returns the header's length.
func encodeSnapshotHeader(b []byte, v uint16, id, seq uint64, payload []byte) int {
	n := snapshotHeaderLen(v)
	b = b[:n]
	clear(b)
	copy(b[0:8], snapshotMagic)
	binary.LittleEndian.PutUint16(b[8:], v)
	binary.LittleEndian.PutUint16(b[10:], uint16(n))
	binary.LittleEndian.PutUint64(b[16:], seq)
	binary.LittleEndian.PutUint64(b[24:], uint64(len(payload)))
	if v >= 2 {
		binary.LittleEndian.PutUint64(b[32:], id)
	}
	binary.LittleEndian.PutUint64(b[n-8:], snapshotSum(b[:n-8], payload, id))
	return n
}

// snapshotSum is the checksum of a snapshot: xxhash64 over the header up
// to the checksum and the payload, XOR the journal id (version 2; the id
// is 0 in version 1, which leaves the plain xxhash64).
func snapshotSum(head, payload []byte, id uint64) uint64 {
	var d xxhash.Digest
	d.Reset()
	d.Write(head)
	d.Write(payload)
	return d.Sum64() ^ id
}

// decodeSnapshot decodes a whole snapshot file b, of either version. The
// payload length is checked against the bytes actually present before it
// is used, and the payload aliases b: decoding allocates nothing whatever b
// holds.
func decodeSnapshot(b []byte) (Snapshot, error) {
	if len(b) < snapshotHeaderSizeV1 {
		return Snapshot{}, corrupt("snapshot: %d bytes, shorter than its header", len(b))
	}
	if string(b[0:8]) != snapshotMagic {
		return Snapshot{}, corrupt("snapshot: bad magic %q", b[0:8])
	}
	v := binary.LittleEndian.Uint16(b[8:])
	if v == 0 || v > SnapshotVersion {
		return Snapshot{}, fmt.Errorf("snapshot: version %d, this package reads 1 to %d: %w", v, SnapshotVersion, ErrVersion)
	}
	hn := snapshotHeaderLen(v)
	if n := binary.LittleEndian.Uint16(b[10:]); int(n) != hn {
		return Snapshot{}, corrupt("snapshot: header size %d, want %d", n, hn)
	}
	if len(b) < hn {
		return Snapshot{}, corrupt("snapshot: %d bytes, shorter than its header", len(b))
	}
	if !allZero(b[12:16]) {
		return Snapshot{}, corrupt("snapshot: reserved bytes not zero")
	}
	n := binary.LittleEndian.Uint64(b[24:])
	if n != uint64(len(b)-hn) {
		return Snapshot{}, corrupt("snapshot: payload length %d, file holds %d", n, len(b)-hn)
	}
	var id uint64
	if v >= 2 {
		id = binary.LittleEndian.Uint64(b[32:])
	}
	payload := b[hn:]
	if want, got := snapshotSum(b[:hn-8], payload, id), binary.LittleEndian.Uint64(b[hn-8:]); want != got {
		return Snapshot{}, corrupt("snapshot: checksum %#016x, want %#016x", got, want)
	}
	return Snapshot{Seq: binary.LittleEndian.Uint64(b[16:]), ID: id, Version: v, Payload: payload}, nil
}

// WriteSnapshot writes payload, the state after the record with sequence
// seq of the journal whose id is id ([Journal.ID]), to dir crash-safely:
// to a temporary file, fsynced, renamed to its name, directory fsynced. The
// id is written in the header and keys the checksum, so that
// [LoadLatestSnapshot] refuses the snapshot for another journal; id 0
// writes a snapshot tied to no journal. Write a snapshot only once the
// journal is durable up to seq. It returns the file's path.
func WriteSnapshot(dir string, id, seq uint64, payload []byte) (string, error) {
	return writeSnapshot(faultfs.OS{}, dir, id, seq, payload)
}

func writeSnapshot(fs faultfs.FS, dir string, id, seq uint64, payload []byte) (string, error) {
	if err := fs.MkdirAll(dir); err != nil {
		return "", fmt.Errorf("journal: write snapshot %d: %w", seq, err)
	}
	final := filepath.Join(dir, SnapshotName(seq))
	tmp := final + tmpExt
	_ = fs.Remove(tmp)
	f, err := fs.Create(tmp)
	if err != nil {
		return "", fmt.Errorf("journal: write snapshot %d: %w", seq, err)
	}
	var hb [snapshotHeaderSize]byte
	hn := encodeSnapshotHeader(hb[:], SnapshotVersion, id, seq, payload)
	err = writeFull(f, hb[:hn], 0)
	if err == nil {
		err = writeFull(f, payload, int64(hn))
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

// LoadLatestSnapshot returns the newest usable snapshot in dir. Snapshots
// that fail validation (header, length, checksum, a name that disagrees
// with the header), that belong to another journal than sel.ID, or that
// are at a sequence after sel.MaxSeq are skipped in favour of older ones
// and listed in the report: a corrupt or foreign snapshot is never
// trusted. With no usable snapshot it returns ErrNoSnapshot, wrapped with
// the newest skip's reason when there is one ("snapshot of journal 0x...,
// this journal is 0x..."), and the report.
func LoadLatestSnapshot(dir string, sel SnapshotSelect) (*Snapshot, *SnapshotReport, error) {
	return loadLatestSnapshot(faultfs.OS{}, dir, sel)
}

func loadLatestSnapshot(fs faultfs.FS, dir string, sel SnapshotSelect) (*Snapshot, *SnapshotReport, error) {
	rep := &SnapshotReport{}
	infos, err := listSnapshots(fs, dir)
	if err != nil {
		return nil, rep, err
	}
	skip := func(info SnapshotInfo, kind SkipKind, reason string) {
		rep.Skipped = append(rep.Skipped, SkippedSnapshot{Path: info.Path, Kind: kind, Reason: reason})
	}
	for i := len(infos) - 1; i >= 0; i-- {
		info := infos[i]
		if sel.MaxSeq != 0 && info.Seq > sel.MaxSeq {
			skip(info, SkipAfter, fmt.Sprintf("at sequence %d, after sequence %d", info.Seq, sel.MaxSeq))
			continue
		}
		s, err := readSnapshot(fs, info)
		switch {
		case errors.Is(err, ErrCorrupt):
			skip(info, SkipCorrupt, err.Error())
			continue
		case errors.Is(err, ErrVersion):
			skip(info, SkipVersion, err.Error())
			continue
		case err != nil:
			return nil, rep, err
		}
		if sel.ID != 0 && s.ID != 0 && s.ID != sel.ID {
			skip(info, SkipForeign, fmt.Sprintf("snapshot of journal %#016x, this journal is %#016x", s.ID, sel.ID))
			continue
		}
		rep.Loaded = s.Seq
		return s, rep, nil
	}
	if len(rep.Skipped) > 0 {
		s := rep.Skipped[0]
		return nil, rep, fmt.Errorf("journal: load snapshot from %s: %w: %d skipped, newest %s: %s", dir, ErrNoSnapshot, len(rep.Skipped), filepath.Base(s.Path), s.Reason)
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
// inspection. It returns the paths deleted and oldestKept, the sequence of
// the oldest valid snapshot kept (0 if there is none): pass it to
// [Journal.Retain], so that the journal keeps the records every kept
// snapshot needs, not only the newest one.
func RetainSnapshots(dir string, keep int) (removed []string, oldestKept uint64, err error) {
	return retainSnapshots(faultfs.OS{}, dir, keep)
}

func retainSnapshots(fs faultfs.FS, dir string, keep int) ([]string, uint64, error) {
	keep = max(keep, 1)
	infos, err := listSnapshots(fs, dir)
	if err != nil {
		return nil, 0, err
	}
	cut := -1 // index of the oldest snapshot kept as valid
	valid := 0
	for i := len(infos) - 1; i >= 0 && valid < keep; i-- {
		if _, err := readSnapshot(fs, infos[i]); err == nil {
			valid++
			cut = i
		}
	}
	var oldest uint64
	if cut >= 0 {
		oldest = infos[cut].Seq
	}
	var removed []string
	if valid == keep {
		for _, info := range infos[:cut] {
			if err := fs.Remove(info.Path); err != nil {
				return removed, oldest, fmt.Errorf("journal: retain snapshots: %w", err)
			}
			removed = append(removed, info.Path)
		}
	}
	names, err := fs.ReadDir(dir)
	if err != nil {
		return removed, oldest, fmt.Errorf("journal: retain snapshots: %w", err)
	}
	for _, name := range names {
		if strings.HasSuffix(name, SnapshotExt+tmpExt) {
			p := filepath.Join(dir, name)
			if err := fs.Remove(p); err != nil {
				return removed, oldest, fmt.Errorf("journal: retain snapshots: %w", err)
			}
			removed = append(removed, p)
		}
	}
	if len(removed) > 0 {
		if err := fs.SyncDir(dir); err != nil {
			return removed, oldest, fmt.Errorf("journal: retain snapshots: %w: %w", ErrSync, err)
		}
	}
	return removed, oldest, nil
}
