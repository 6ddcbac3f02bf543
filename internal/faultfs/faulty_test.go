package faultfs

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// newMapped creates a 8192-byte file through fs and maps it.
func newMapped(t *testing.T, fs *Faulty) (string, File, []byte) {
	t.Helper()
	name := filepath.Join(t.TempDir(), "f")
	f, err := fs.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Allocate(8192); err != nil {
		t.Fatal(err)
	}
	m, err := f.Map(8192, true)
	if err != nil {
		t.Fatal(err)
	}
	return name, f, m
}

func disk(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFaultyCache: writes reach only the cache; msync and fsync copy it to
// the disk; a crash drops what was not copied.
func TestFaultyCache(t *testing.T) {
	tests := []struct {
		name  string
		sync  func(f File, m []byte) error
		crash func(fs *Faulty, name string) error
		want  func(m []byte) []byte // expected disk bytes after the crash
	}{
		{"crash loses unsynced",
			func(File, []byte) error { return nil },
			func(fs *Faulty, _ string) error { fs.Crash(); return nil },
			func([]byte) []byte { return make([]byte, 8192) }},
		{"msync of a range survives",
			func(f File, m []byte) error { return f.Msync(m, 4100, 10) },
			func(fs *Faulty, _ string) error { fs.Crash(); return nil },
			func(m []byte) []byte { // page-aligned start: bytes 4096..4110
				b := make([]byte, 8192)
				copy(b[4096:4110], m[4096:4110])
				return b
			}},
		{"fsync survives",
			func(f File, _ []byte) error { return f.Sync() },
			func(fs *Faulty, _ string) error { fs.Crash(); return nil },
			func(m []byte) []byte { return bytes.Clone(m) }},
		{"process crash keeps the cache",
			func(File, []byte) error { return nil },
			func(fs *Faulty, _ string) error { return fs.CrashProcess() },
			func(m []byte) []byte { return bytes.Clone(m) }},
		{"torn crash keeps a prefix",
			func(File, []byte) error { return nil },
			func(fs *Faulty, name string) error { return fs.CrashTorn(name, 5000) },
			func(m []byte) []byte {
				b := make([]byte, 8192)
				copy(b, m[:5000])
				return b
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := NewFaulty()
			name, f, m := newMapped(t, fs)
			for i := range m {
				m[i] = byte(i%251 + 1)
			}
			if got := disk(t, name); !bytes.Equal(got, make([]byte, 8192)) {
				t.Fatal("a write through the mapping reached the disk without a sync")
			}
			if err := tt.sync(f, m); err != nil {
				t.Fatal(err)
			}
			want := tt.want(m)
			if err := tt.crash(fs, name); err != nil {
				t.Fatal(err)
			}
			if got := disk(t, name); !bytes.Equal(got, want) {
				t.Fatal("disk after the crash is not what was synced")
			}
			// After the crash the file reads from the disk, and the old
			// handle is stale.
			g, err := fs.Open(name, false)
			if err != nil {
				t.Fatal(err)
			}
			b := make([]byte, 8192)
			if _, err := g.ReadAt(b, 0); err != nil || !bytes.Equal(b, want) {
				t.Fatalf("read after the crash: %v", err)
			}
			if err := f.Sync(); err == nil {
				t.Fatal("a handle from before the crash still syncs")
			}
		})
	}
}

// TestFaultyFail: an armed fault fires on the nth call of its operation,
// once, after doing the short part of its work.
func TestFaultyFail(t *testing.T) {
	fs := NewFaulty()
	name, f, m := newMapped(t, fs)
	copy(m, bytes.Repeat([]byte{0xAB}, 8192))
	fs.Fail(OpMsync, 2, 100)
	if err := f.Msync(m, 0, 10); err != nil {
		t.Fatalf("first msync: %v", err)
	}
	if err := f.Msync(m, 0, 8192); !errors.Is(err, ErrInjected) {
		t.Fatalf("second msync: %v, want the injected fault", err)
	}
	got := disk(t, name)
	if !bytes.Equal(got[:100], bytes.Repeat([]byte{0xAB}, 100)) || !bytes.Equal(got[100:], make([]byte, 8192-100)) {
		t.Fatal("a short msync did not persist exactly its first 100 bytes")
	}
	if err := f.Msync(m, 0, 8192); err != nil {
		t.Fatalf("third msync: %v (a fault fires once)", err)
	}
	if fs.Calls(OpMsync) != 3 {
		t.Fatalf("counted %d msyncs", fs.Calls(OpMsync))
	}

	fs.Fail(OpWrite, 1, 3)
	if n, err := f.WriteAt([]byte("abcdef"), 0); n != 3 || !errors.Is(err, ErrInjected) {
		t.Fatalf("short write: %d, %v", n, err)
	}
	for _, op := range []Op{OpSync, OpSyncDir, OpCreate, OpRename} {
		fs.Fail(op, 1, 0)
	}
	if err := f.Sync(); !errors.Is(err, ErrInjected) {
		t.Fatalf("sync: %v", err)
	}
	if err := fs.SyncDir(filepath.Dir(name)); !errors.Is(err, ErrInjected) {
		t.Fatalf("sync dir: %v", err)
	}
	if _, err := fs.Create(name + "2"); !errors.Is(err, ErrInjected) {
		t.Fatalf("create: %v", err)
	}
	if err := fs.Rename(name, name+"3"); !errors.Is(err, ErrInjected) {
		t.Fatalf("rename: %v", err)
	}
}

// TestFaultyRename: a handle follows its file through renames, as a file
// descriptor does.
func TestFaultyRename(t *testing.T) {
	fs := NewFaulty()
	name, f, m := newMapped(t, fs)
	m[0] = 7
	moved := name + ".moved"
	if err := fs.Rename(name, moved); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if b := disk(t, moved); b[0] != 7 {
		t.Fatal("sync after rename did not reach the renamed file")
	}
	if info, err := fs.Stat(moved); err != nil || info.Size != 8192 {
		t.Fatalf("stat: %v %v", info, err)
	}
}

func TestDamage(t *testing.T) {
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, bytes.Repeat([]byte{1}, 2048), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Zero(name, 512, 512); err != nil {
		t.Fatal(err)
	}
	if err := Garbage(name, 1024, 512, 42); err != nil {
		t.Fatal(err)
	}
	if err := Flip(name, 0, 0x80); err != nil {
		t.Fatal(err)
	}
	b := disk(t, name)
	if b[0] != 0x81 || !bytes.Equal(b[1:512], bytes.Repeat([]byte{1}, 511)) || !bytes.Equal(b[512:1024], make([]byte, 512)) {
		t.Fatal("zero or flip damaged the wrong bytes")
	}
	if bytes.Equal(b[1024:1536], bytes.Repeat([]byte{1}, 512)) || !bytes.Equal(b[1536:], bytes.Repeat([]byte{1}, 512)) {
		t.Fatal("garbage damaged the wrong bytes")
	}
	if err := Zero(name, 2000, 100); err == nil {
		t.Fatal("damage past the end of the file")
	}
}

// mapNewOS creates a file of size zero bytes on the real file system and
// maps it writable; both are released when the test ends.
func mapNewOS(t *testing.T, size int) (File, []byte) {
	t.Helper()
	var fs OS
	f, err := fs.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if err := f.Allocate(int64(size)); err != nil {
		t.Fatal(err)
	}
	m, err := f.Map(size, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Unmap(m) })
	return f, m
}

// TestOSPopulate: the real file system maps, populates and msyncs.
func TestOSPopulate(t *testing.T) {
	f, m := mapNewOS(t, 1<<20)
	if err := f.Populate(m, 0, 1<<20); err != nil && !errors.Is(err, ErrUnsupported) {
		t.Fatal(err)
	}
	if !bytes.Equal(m[:4096], make([]byte, 4096)) {
		t.Fatal("populate changed the contents")
	}
	copy(m[5000:], "hello")
	if err := f.Msync(m, 5000, 5); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 5)
	if _, err := f.ReadAt(b, 5000); err != nil || string(b) != "hello" {
		t.Fatalf("read back %q, %v", b, err)
	}
}
