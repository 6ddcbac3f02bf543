package faultfs

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// allocate reserves the blocks of a file with fallocate(2), falling back
// to ftruncate(2) on file systems that cannot.
func allocate(f *os.File, size int64) error {
	err := unix.Fallocate(int(f.Fd()), 0, 0, size)
	if err == nil {
		return nil
	}
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS) {
		return f.Truncate(size)
	}
	return &os.PathError{Op: "fallocate", Path: f.Name(), Err: err}
}

// populate prefaults b writable with MADV_POPULATE_WRITE, again when a
// signal interrupts it (the Go runtime preempts goroutines with signals).
func populate(b []byte) error {
	err := unix.Madvise(b, unix.MADV_POPULATE_WRITE)
	for i := 0; i < 10 && (errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN)); i++ {
		err = unix.Madvise(b, unix.MADV_POPULATE_WRITE)
	}
	if errors.Is(err, unix.EINVAL) {
		return ErrUnsupported
	}
	if err != nil {
		return &os.PathError{Op: "madvise", Path: "", Err: err}
	}
	return nil
}

// release is madvise(MADV_DONTNEED). On a shared file mapping it drops
// the page table entries only; the pages and their data stay in the page
// cache.
func release(b []byte) error {
	if err := unix.Madvise(b, unix.MADV_DONTNEED); err != nil {
		return &os.PathError{Op: "madvise", Path: "", Err: err}
	}
	return nil
}

// datasync is fdatasync(2): the data and the size, not the times.
func datasync(f *os.File) error {
	if err := unix.Fdatasync(int(f.Fd())); err != nil {
		return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
	}
	return nil
}

// adviseHuge is madvise(MADV_HUGEPAGE).
func adviseHuge(b []byte) error {
	if err := unix.Madvise(b, unix.MADV_HUGEPAGE); err != nil {
		return ErrUnsupported
	}
	return nil
}
