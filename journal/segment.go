package journal

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/tradeengine/engine/internal/faultfs"
)

// File names in a journal directory.
const (
	segmentExt = ".seg"   // a segment: 20 decimal digits of its first sequence + ".seg"
	tmpExt     = ".tmp"   // a file being created; removed by recovery
	spareExt   = ".spare" // a pre-created next segment, header still zero: a number + ".spare"
)

// spareName returns the name of the n-th spare made by a journal. Each
// spare has its own name, so that a spare being created never takes the
// name of one a roll is about to rename.
func spareName(n uint64) string { return fmt.Sprintf("%d%s", n, spareExt) }

// segmentName returns the file name of the segment whose first record is
// first, zero-padded so that names sort by sequence.
func segmentName(first uint64) string { return fmt.Sprintf("%020d%s", first, segmentExt) }

// parseSegmentName returns the first sequence a segment file name carries.
func parseSegmentName(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, segmentExt)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	first, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || first == 0 {
		return 0, false
	}
	return first, true
}

// segRef names one segment file of a directory.
type segRef struct {
	first uint64 // from the name
	path  string
}

// listDir returns the segments of dir in sequence order, and the leftovers
// of interrupted work that recovery removes (temporary files and the spare).
func listDir(fs faultfs.FS, dir string) (segs []segRef, leftovers []string, err error) {
	names, err := fs.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: list %s: %w", dir, err)
	}
	for _, name := range names {
		if first, ok := parseSegmentName(name); ok {
			segs = append(segs, segRef{first: first, path: filepath.Join(dir, name)})
			continue
		}
		if strings.HasSuffix(name, spareExt) || strings.HasSuffix(name, spareExt+tmpExt) || strings.HasSuffix(name, segmentExt+tmpExt) {
			leftovers = append(leftovers, filepath.Join(dir, name))
		}
	}
	return segs, leftovers, nil
}

// segment is one open segment file.
type segment struct {
	f       faultfs.File
	m       []byte // the mapping; nil once unmapped
	path    string
	first   uint64 // sequence of its first record; 0 for a spare not yet used
	size    int64
	id      uint64 // the journal id (v2), the checksum key of its records; 0 in v1
	version uint8

	written atomic.Int64 // Batch mode: the write offset, published by the appender

	// Guarded by Journal.syncMu.
	synced    int64 // [0, synced) is durable
	pins      int   // syncers msyncing its mapping now
	dirSynced bool  // its name is durable in the directory

	// Owned by whoever prefaults the segment.
	populated int64 // [0, populated) is prefaulted

	// [0, released) is unmapped from the process (see releaseBehind);
	// stored by the syncers (flushMu) in Batch and Sync mode, by the
	// prefaulter in None mode.
	released atomic.Int64
}

// createFile creates final crash-safely: it writes the file under a
// temporary name, allocates size bytes, writes header at offset 0 if given,
// fsyncs, renames to final and fsyncs the directory. A crash leaves either
// no file named final or a complete one. The returned file is open
// read-write.
func createFile(fs faultfs.FS, final string, size int64, header []byte) (faultfs.File, error) {
	tmp := final + tmpExt
	_ = fs.Remove(tmp) // a leftover of an earlier attempt
	f, err := fs.Create(tmp)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (faultfs.File, error) {
		f.Close()
		_ = fs.Remove(tmp)
		return nil, err
	}
	if err := f.Allocate(size); err != nil {
		return fail(err)
	}
	if header != nil {
		if _, err := f.WriteAt(header, 0); err != nil {
			return fail(err)
		}
	}
	if err := f.Sync(); err != nil {
		return fail(fmt.Errorf("%w: %w", ErrSync, err))
	}
	if err := fs.Rename(tmp, final); err != nil {
		return fail(err)
	}
	if err := fs.SyncDir(filepath.Dir(final)); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %w", ErrSync, err)
	}
	return f, nil
}

// openSegment opens the segment file path, checks its header against its
// name and its size, and maps it.
func openSegment(fs faultfs.FS, ref segRef, writable bool) (*segment, error) {
	f, err := fs.Open(ref.path, writable)
	if err != nil {
		return nil, fmt.Errorf("journal: open segment %d: %w", ref.first, err)
	}
	s, err := mapSegment(f, ref, writable)
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func mapSegment(f faultfs.File, ref segRef, writable bool) (*segment, error) {
	var hb [segmentHeaderSize]byte
	if _, err := f.ReadAt(hb[:], 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("journal: segment %d: read header: %w", ref.first, err)
	}
	h, err := decodeSegmentHeader(hb[:])
	if err != nil {
		return nil, placeHeaderErr(err, ref.first)
	}
	if h.FirstSeq != ref.first {
		return nil, corruptAt(ref.first, 0, "header says first sequence %d", h.FirstSeq)
	}
	size, err := f.Size()
	if err != nil {
		return nil, fmt.Errorf("journal: segment %d: %w", ref.first, err)
	}
	if size != h.Size {
		return nil, corruptAt(ref.first, 0, "file is %d bytes, header says %d", size, h.Size)
	}
	m, err := f.Map(int(h.Size), writable)
	if err != nil {
		return nil, fmt.Errorf("journal: segment %d: %w", ref.first, err)
	}
	return &segment{f: f, m: m, path: ref.path, first: h.FirstSeq, size: h.Size, id: h.ID, version: uint8(h.Version)}, nil
}

// close unmaps and closes the segment.
func (s *segment) close() error {
	var err error
	if s.m != nil {
		err = s.f.Unmap(s.m)
		s.m = nil
	}
	if s.f != nil {
		if cerr := s.f.Close(); err == nil {
			err = cerr
		}
		s.f = nil
	}
	return err
}

// placeHeaderErr names segment first in an error of decodeSegmentHeader.
func placeHeaderErr(err error, first uint64) error {
	var ce *CorruptError
	if errors.As(err, &ce) {
		ce.Segment = first
		return ce
	}
	return fmt.Errorf("journal: segment %d offset 0: %w", first, err)
}
