package faultfs

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/sys/unix"
)

// OS is the real file system: plain files, mmap(2), msync(2), fsync(2).
type OS struct{}

var pageSize = os.Getpagesize()

// MkdirAll creates dir and its parents with mode 0755.
func (OS) MkdirAll(dir string) error { return os.MkdirAll(dir, 0o755) }

// ReadDir returns the sorted names in dir.
func (OS) ReadDir(dir string) ([]string, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// Create creates name exclusively, mode 0644.
func (OS) Create(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	return &osFile{f: f}, nil
}

// Open opens an existing file.
func (OS) Open(name string, write bool) (File, error) {
	flag := os.O_RDONLY
	if write {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(name, flag, 0)
	if err != nil {
		return nil, err
	}
	return &osFile{f: f}, nil
}

// Rename is os.Rename.
func (OS) Rename(oldname, newname string) error { return os.Rename(oldname, newname) }

// Remove is os.Remove.
func (OS) Remove(name string) error { return os.Remove(name) }

// SyncDir opens dir and fsyncs it.
func (OS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Stat returns the size and modification time of name.
func (OS) Stat(name string) (Info, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return Info{}, err
	}
	return Info{Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

type osFile struct{ f *os.File }

func (o *osFile) Name() string                             { return o.f.Name() }
func (o *osFile) ReadAt(p []byte, off int64) (int, error)  { return o.f.ReadAt(p, off) }
func (o *osFile) WriteAt(p []byte, off int64) (int, error) { return o.f.WriteAt(p, off) }
func (o *osFile) Close() error                             { return o.f.Close() }

func (o *osFile) Size() (int64, error) {
	fi, err := o.f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func (o *osFile) Allocate(size int64) error { return allocate(o.f, size) }

func (o *osFile) Sync() error { return datasync(o.f) }

func (o *osFile) Map(size int, writable bool) ([]byte, error) {
	prot := unix.PROT_READ
	if writable {
		prot |= unix.PROT_WRITE
	}
	m, err := unix.Mmap(int(o.f.Fd()), 0, size, prot, unix.MAP_SHARED)
	if err != nil {
		return nil, &os.PathError{Op: "mmap", Path: o.f.Name(), Err: err}
	}
	return m, nil
}

func (o *osFile) MapPrivate(size int) ([]byte, error) {
	m, err := unix.Mmap(int(o.f.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return nil, &os.PathError{Op: "mmap", Path: o.f.Name(), Err: err}
	}
	return m, nil
}

func (o *osFile) WriteBack(m []byte, off, n int) error {
	if off < 0 || n < 0 || off+n > len(m) {
		return fmt.Errorf("faultfs: range [%d, %d) outside mapping of %d bytes", off, off+n, len(m))
	}
	if n > 0 {
		if _, err := o.f.WriteAt(m[off:off+n], int64(off)); err != nil {
			return err
		}
	}
	return datasync(o.f)
}

func (o *osFile) Unmap(m []byte) error {
	if err := unix.Munmap(m); err != nil {
		return &os.PathError{Op: "munmap", Path: o.f.Name(), Err: err}
	}
	return nil
}

func (o *osFile) Msync(m []byte, off, n int) error {
	start, end, err := pageRange(m, off, n)
	if err != nil || start == end {
		return err
	}
	if err := unix.Msync(m[start:end], unix.MS_SYNC); err != nil {
		return &os.PathError{Op: "msync", Path: o.f.Name(), Err: err}
	}
	return nil
}

func (o *osFile) AdviseHuge(m []byte) error { return adviseHuge(m) }

func (o *osFile) Populate(m []byte, off, n int) error {
	start, end, err := pageRange(m, off, n)
	if err != nil || start == end {
		return err
	}
	return populate(m[start:end])
}

func (o *osFile) Release(m []byte, off, n int) error {
	if off < 0 || n < 0 || off+n > len(m) {
		return fmt.Errorf("faultfs: range [%d, %d) outside mapping of %d bytes", off, off+n, len(m))
	}
	start := (off + pageSize - 1) &^ (pageSize - 1)
	end := (off + n) &^ (pageSize - 1)
	if start >= end {
		return nil
	}
	return release(m[start:end])
}

// pageRange rounds [off, off+n) of m out to whole pages (the mapping starts
// on a page boundary).
func pageRange(m []byte, off, n int) (start, end int, err error) {
	if off < 0 || n < 0 || off+n > len(m) {
		return 0, 0, fmt.Errorf("faultfs: range [%d, %d) outside mapping of %d bytes", off, off+n, len(m))
	}
	start = off &^ (pageSize - 1)
	end = off + n
	return start, end, nil
}

// WriteFileSynced writes name in dir crash-safely: through a temporary
// file, fsync, rename and a directory fsync, so that the file is either the
// old one or the whole new one.
func WriteFileSynced(dir, name string, b []byte) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return OS{}.SyncDir(dir)
}
