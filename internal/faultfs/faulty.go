package faultfs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// ErrInjected is wrapped by every error a [Faulty] file system injects.
var ErrInjected = errors.New("faultfs: injected fault")

// Op names an operation a fault can be armed on.
type Op uint8

// The operations of [Faulty.Fail].
const (
	OpMsync   Op = iota + 1 // File.Msync
	OpSync                  // File.Sync
	OpSyncDir               // FS.SyncDir
	OpWrite                 // File.WriteAt
	OpCreate                // FS.Create
	OpRename                // FS.Rename
)

var opNames = [...]string{OpMsync: "msync", OpSync: "fsync", OpSyncDir: "fsync dir", OpWrite: "write", OpCreate: "create", OpRename: "rename"}

func (o Op) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// Faulty is a file system for tests that keeps a page cache in memory over
// real files playing the disk. Writes (through WriteAt or a mapping) change
// only the cache; Msync and Sync copy cache ranges to the disk. A crash
// drops the cache: what survives is what was synced, and whatever part of
// the rest the crash keeps ([Faulty.CrashTorn], [Faulty.CrashProcess]).
// Faults armed with [Faulty.Fail] make a chosen call fail, after doing part
// of its work if asked (a short write, a short msync).
//
// Mappings are the cache itself, so a reader sees a writer's stores at once,
// as with MAP_SHARED. Directory operations reach the disk at once.
type Faulty struct {
	mu     sync.Mutex
	cache  map[string]*cached
	faults []fault
	calls  map[Op]int
}

type cached struct {
	name  string // the file's current path on the disk: handles follow renames
	data  []byte // the file's page cache, len = file size
	stale bool   // dropped by a crash or a removal: the handle's writes go nowhere
}

type fault struct {
	op    Op
	nth   int // calls of op to let pass before this one fires
	short int // bytes the failing call still persists or writes
}

// NewFaulty returns a fault-injecting file system with no faults armed.
func NewFaulty() *Faulty {
	return &Faulty{cache: map[string]*cached{}, calls: map[Op]int{}}
}

// Fail arms a fault: the nth next call of op (1 = the very next) fails with
// an error wrapping [ErrInjected]. Before failing, an msync or fsync still
// persists its first short bytes and a write still writes its first short
// bytes (short <= 0: nothing), which is how short writes are made.
func (f *Faulty) Fail(op Op, nth, short int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if nth < 1 {
		nth = 1
	}
	f.faults = append(f.faults, fault{op: op, nth: nth - 1, short: short})
}

// Calls returns how many times op has been called.
func (f *Faulty) Calls(op Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// check counts a call of op and reports whether a fault fires for it (and
// how many bytes the call still does). Called with f.mu held.
func (f *Faulty) check(op Op) (fire bool, short int) {
	f.calls[op]++
	for i := 0; i < len(f.faults); i++ {
		ft := &f.faults[i]
		if ft.op != op {
			continue
		}
		if ft.nth > 0 {
			ft.nth--
			continue
		}
		short = ft.short
		f.faults = append(f.faults[:i], f.faults[i+1:]...)
		return true, short
	}
	return false, 0
}

func injected(op Op, name string) error {
	return fmt.Errorf("faultfs: %s %s: %w", op, filepath.Base(name), ErrInjected)
}

// Crash simulates a power loss: the page cache is dropped and every open
// file and mapping goes stale. Only what was synced survives.
func (f *Faulty) Crash() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropLocked()
}

// CrashProcess simulates the death of the process, not of the machine: the
// page cache survives, so everything written reaches the disk, and then
// every open file goes stale.
func (f *Faulty) CrashProcess() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, c := range f.cache {
		if err := writeDisk(name, c.data, 0); err != nil {
			return err
		}
	}
	f.dropLocked()
	return nil
}

// CrashTorn simulates a power loss during which the first upTo bytes of
// name's page cache reached the disk (a torn write); the rest of the cache,
// of every file, is lost.
func (f *Faulty) CrashTorn(name string, upTo int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.cache[name]
	if !ok {
		return fmt.Errorf("faultfs: crash torn: %s is not cached", name)
	}
	if upTo > int64(len(c.data)) {
		upTo = int64(len(c.data))
	}
	if err := writeDisk(name, c.data[:upTo], 0); err != nil {
		return err
	}
	f.dropLocked()
	return nil
}

func (f *Faulty) dropLocked() {
	for name, c := range f.cache {
		c.stale = true
		delete(f.cache, name)
	}
}

// load returns the cache of name, reading it from the disk if needed.
// Called with f.mu held.
func (f *Faulty) load(name string) (*cached, error) {
	if c, ok := f.cache[name]; ok {
		return c, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	c := &cached{name: name, data: data}
	f.cache[name] = c
	return c, nil
}

// MkdirAll creates dir on the disk.
func (f *Faulty) MkdirAll(dir string) error { return os.MkdirAll(dir, 0o755) }

// ReadDir lists dir on the disk, sorted.
func (f *Faulty) ReadDir(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	sort.Strings(names)
	return names, nil
}

// Create creates an empty file.
func (f *Faulty) Create(name string) (File, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fire, _ := f.check(OpCreate); fire {
		return nil, injected(OpCreate, name)
	}
	fd, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	fd.Close()
	c := &cached{name: name}
	f.cache[name] = c
	return &faultyFile{fs: f, name: name, c: c}, nil
}

// Open opens an existing file through the cache.
func (f *Faulty) Open(name string, write bool) (File, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.load(name)
	if err != nil {
		return nil, err
	}
	return &faultyFile{fs: f, name: name, c: c}, nil
}

// Rename renames on the disk and moves the cache with the file.
func (f *Faulty) Rename(oldname, newname string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fire, _ := f.check(OpRename); fire {
		return injected(OpRename, oldname)
	}
	if err := os.Rename(oldname, newname); err != nil {
		return err
	}
	if old, ok := f.cache[newname]; ok {
		old.stale = true
	}
	if c, ok := f.cache[oldname]; ok {
		c.name = newname
		f.cache[newname] = c
		delete(f.cache, oldname)
	} else {
		delete(f.cache, newname)
	}
	return nil
}

// Remove removes on the disk and drops the cache.
func (f *Faulty) Remove(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.Remove(name); err != nil {
		return err
	}
	if c, ok := f.cache[name]; ok {
		c.stale = true
		delete(f.cache, name)
	}
	return nil
}

// SyncDir only counts the call and fires armed faults: directory
// operations reach the disk at once in this model.
func (f *Faulty) SyncDir(dir string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fire, _ := f.check(OpSyncDir); fire {
		return injected(OpSyncDir, dir)
	}
	return nil
}

// Stat reports the cached size if the file is cached, the disk's otherwise.
func (f *Faulty) Stat(name string) (Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fi, err := os.Stat(name)
	if err != nil {
		return Info{}, err
	}
	info := Info{Size: fi.Size(), ModTime: fi.ModTime()}
	if c, ok := f.cache[name]; ok {
		info.Size = int64(len(c.data))
	}
	return info, nil
}

type faultyFile struct {
	fs   *Faulty
	name string // the name it was opened with
	c    *cached
}

var errStale = errors.New("faultfs: file handle outlived a crash")

func (h *faultyFile) Name() string { return h.name }

func (h *faultyFile) ReadAt(p []byte, off int64) (int, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if off >= int64(len(h.c.data)) {
		return 0, io.EOF
	}
	n := copy(p, h.c.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (h *faultyFile) WriteAt(p []byte, off int64) (int, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.c.stale {
		return 0, errStale
	}
	fire, short := h.fs.check(OpWrite)
	if fire {
		p = p[:max(0, min(short, len(p)))]
	}
	if end := off + int64(len(p)); end > int64(len(h.c.data)) {
		h.c.data = append(h.c.data, make([]byte, end-int64(len(h.c.data)))...)
	}
	n := copy(h.c.data[off:], p)
	if fire {
		return n, injected(OpWrite, h.c.name)
	}
	return n, nil
}

func (h *faultyFile) Size() (int64, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	return int64(len(h.c.data)), nil
}

// Allocate grows the cache and the disk file (the size is metadata, and in
// this model metadata reaches the disk at once).
func (h *faultyFile) Allocate(size int64) error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.c.stale {
		return errStale
	}
	if size > int64(len(h.c.data)) {
		h.c.data = append(h.c.data, make([]byte, size-int64(len(h.c.data)))...)
	}
	return os.Truncate(h.c.name, size)
}

// Sync copies the whole cache to the disk.
func (h *faultyFile) Sync() error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.c.stale {
		return errStale
	}
	fire, short := h.fs.check(OpSync)
	data := h.c.data
	if fire {
		data = data[:max(0, min(short, len(data)))]
	}
	if err := writeDisk(h.c.name, data, 0); err != nil {
		return err
	}
	if fire {
		return injected(OpSync, h.c.name)
	}
	return nil
}

// Map returns the cache itself: every mapping of a file shares its bytes.
func (h *faultyFile) Map(size int, writable bool) ([]byte, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.c.stale {
		return nil, errStale
	}
	if size > len(h.c.data) {
		return nil, fmt.Errorf("faultfs: map %d bytes of %s, which has %d", size, h.name, len(h.c.data))
	}
	return h.c.data[:size:size], nil
}

func (h *faultyFile) Unmap(m []byte) error { return nil }

// MapPrivate returns a copy of the cache: writes into it reach the file
// only through WriteBack.
func (h *faultyFile) MapPrivate(size int) ([]byte, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.c.stale {
		return nil, errStale
	}
	if size > len(h.c.data) {
		return nil, fmt.Errorf("faultfs: map %d bytes of %s, which has %d", size, h.name, len(h.c.data))
	}
	return append([]byte(nil), h.c.data[:size]...), nil
}

// WriteBack copies [off, off+n) of m into the cache and to the disk, as
// far as an injected fault lets it (counted as an msync).
func (h *faultyFile) WriteBack(m []byte, off, n int) error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.c.stale {
		return errStale
	}
	if off < 0 || n < 0 || off+n > len(m) || off+n > len(h.c.data) {
		return fmt.Errorf("faultfs: range [%d, %d) outside mapping of %d bytes", off, off+n, len(m))
	}
	fire, short := h.fs.check(OpMsync)
	if fire {
		n = max(0, min(short, n))
	}
	copy(h.c.data[off:off+n], m[off:off+n])
	if err := writeDisk(h.c.name, h.c.data[off:off+n], int64(off)); err != nil {
		return err
	}
	if fire {
		return injected(OpMsync, h.c.name)
	}
	return nil
}

// Msync copies [off, off+n) of the cache, rounded down to a page at the
// start, to the disk.
func (h *faultyFile) Msync(m []byte, off, n int) error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if h.c.stale {
		return errStale
	}
	start, end, err := pageRange(m, off, n)
	if err != nil {
		return err
	}
	fire, short := h.fs.check(OpMsync)
	if fire {
		end = start + max(0, min(short, end-start))
	}
	if err := writeDisk(h.c.name, h.c.data[start:end], int64(start)); err != nil {
		return err
	}
	if fire {
		return injected(OpMsync, h.c.name)
	}
	return nil
}

func (h *faultyFile) Populate(m []byte, off, n int) error { return nil }

// Release does nothing: the mapping is the test's cache, not the kernel's.
func (h *faultyFile) Release(m []byte, off, n int) error { return nil }

func (h *faultyFile) AdviseHuge(m []byte) error { return nil }

func (h *faultyFile) Close() error { return nil }

// writeDisk writes b at off in the disk file name.
func writeDisk(name string, b []byte, off int64) error {
	fd, err := os.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = fd.WriteAt(b, off)
	if cerr := fd.Close(); err == nil {
		err = cerr
	}
	return err
}
