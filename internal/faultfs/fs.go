// Package faultfs is the file layer under the journal: the handful of file
// and memory-mapping operations it needs, behind an interface with two
// implementations.
//
//   - [OS] is the real thing: files, mmap(2) with MAP_SHARED, msync(2),
//     fsync(2), madvise(MADV_POPULATE_WRITE) to prefault.
//   - [Faulty] models a page cache in memory over real files that play the
//     disk, and injects the faults a journal must survive: failed or short
//     msync and fsync, short writes, and crashes that lose everything not
//     synced (or keep part of it, a torn write). Helpers damage sectors of
//     the "disk" with zeros or garbage.
//
// The journal's hot path never calls through this interface: it writes into
// the []byte a [File] mapped. Only syncing, prefaulting, creating and naming
// files do, so the interface costs nothing where it matters.
package faultfs

import (
	"errors"
	"time"
)

// ErrUnsupported is returned by [File.Populate] when the kernel cannot
// prefault a range for writing (MADV_POPULATE_WRITE needs Linux 5.14); the
// caller then touches the pages itself.
var ErrUnsupported = errors.New("faultfs: operation not supported")

// FS is the file system as the journal sees it. Names are paths.
type FS interface {
	// MkdirAll creates dir and its parents.
	MkdirAll(dir string) error
	// ReadDir returns the names of the entries of dir, sorted.
	ReadDir(dir string) ([]string, error)
	// Create creates name, which must not exist, for reading and writing.
	Create(name string) (File, error)
	// Open opens an existing file, for writing too if write is set.
	Open(name string, write bool) (File, error)
	// Rename renames oldname to newname, replacing it.
	Rename(oldname, newname string) error
	// Remove removes a file.
	Remove(name string) error
	// SyncDir makes the entries of dir (creations, renames, removals)
	// durable.
	SyncDir(dir string) error
	// Stat returns the size and modification time of name.
	Stat(name string) (Info, error)
}

// Info is what [FS.Stat] reports about a file.
type Info struct {
	Size    int64
	ModTime time.Time
}

// File is an open file.
type File interface {
	// Name returns the path the file was opened with.
	Name() string
	// ReadAt reads len(p) bytes at off (io.ReaderAt).
	ReadAt(p []byte, off int64) (int, error)
	// WriteAt writes p at off (io.WriterAt), into the page cache.
	WriteAt(p []byte, off int64) (int, error)
	// Size returns the current size of the file.
	Size() (int64, error)
	// Allocate extends the file to size bytes of zeros, reserving the
	// blocks where the file system can.
	Allocate(size int64) error
	// Sync makes the file's data durable (fdatasync).
	Sync() error
	// Map maps the first size bytes of the file, shared, read-only or
	// read-write. Writes into a writable mapping are writes to the file.
	Map(size int, writable bool) ([]byte, error)
	// MapPrivate maps the first size bytes of the file read-write and
	// private (copy on write): writes into it stay in the process, the
	// file unchanged, until WriteBack copies them out. Writeback of the
	// file never touches the process's page tables: no write-protect
	// fault and no TLB shootdown on the CPUs that write the mapping.
	MapPrivate(size int) ([]byte, error)
	// WriteBack makes bytes [off, off+n) of a private mapping m durable:
	// it writes them to the file at the same offset (pwrite) and
	// fdatasyncs it.
	WriteBack(m []byte, off, n int) error
	// Unmap releases a mapping returned by Map or MapPrivate.
	Unmap(m []byte) error
	// Msync makes bytes [off, off+n) of mapping m durable (msync MS_SYNC;
	// off is rounded down to a page).
	Msync(m []byte, off, n int) error
	// Populate prefaults bytes [off, off+n) of the writable mapping m so
	// that writing them takes no page fault. It never changes their
	// contents, so it may run while another goroutine writes nearby.
	Populate(m []byte, off, n int) error
	// Release unmaps the whole pages inside bytes [off, off+n) of mapping
	// m from the process (madvise MADV_DONTNEED) without touching the
	// file: the page cache keeps them, dirty ones still to be written, and
	// a later access maps them again. Writeback write-protects every page
	// still mapped writable, one TLB shootdown across the process's CPUs
	// per page; a released range costs one shootdown in all. A hint: an
	// error only means writeback will cost more.
	Release(m []byte, off, n int) error
	// AdviseHuge asks the kernel to back mapping m with large folios
	// (MADV_HUGEPAGE): populating pages costs less, but writeback, and so
	// an msync, works on whole folios. A hint; ErrUnsupported if refused.
	AdviseHuge(m []byte) error
	// Close closes the file. Mappings stay valid until unmapped.
	Close() error
}
