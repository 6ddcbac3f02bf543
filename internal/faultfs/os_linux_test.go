package faultfs

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestOSRelease: released pages leave the process's mapping (its resident
// size falls by exactly the whole pages inside the range) and lose nothing:
// the mapping, the file and an msync after the release all see the data.
func TestOSRelease(t *testing.T) {
	const size = 64 << 10
	f, m := mapNewOS(t, size)
	for i := range m {
		m[i] = byte(i*7 + 1)
	}
	want := bytes.Clone(m)
	before := mappedKB(t, m)
	if before != size/1024 {
		t.Fatalf("resident %d kB of a written %d kB mapping", before, size/1024)
	}
	// [pageSize+100, 5*pageSize+100) holds pages 2, 3 and 4 whole.
	if err := f.Release(m, pageSize+100, 4*pageSize); err != nil {
		t.Fatal(err)
	}
	if got, wantKB := mappedKB(t, m), before-3*pageSize/1024; got != wantKB {
		t.Fatalf("resident %d kB after releasing 3 pages of %d kB, want %d", got, before, wantKB)
	}
	if err := f.Msync(m, 0, size); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, size)
	if _, err := f.ReadAt(got, 0); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("file after release differs (%v)", err)
	}
	if !bytes.Equal(m, want) {
		t.Fatal("mapping after release differs")
	}
	if err := f.Release(m, size-10, 20); err == nil {
		t.Fatal("release past the mapping's end")
	}
	if err := f.Release(m, 10, 100); err != nil {
		t.Fatalf("release of no whole page: %v", err)
	}
}

// mappedKB returns the resident size of the mapping that starts at m[0],
// from /proc/self/smaps.
func mappedKB(t *testing.T, m []byte) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	defer f.Close()
	start := fmt.Sprintf("%x-", uintptr(unsafe.Pointer(&m[0])))
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		// A mapping's header starts with its address range; its fields'
		// lines start with a name and a colon.
		if first, _, _ := strings.Cut(line, " "); strings.Contains(first, "-") && !strings.HasSuffix(first, ":") {
			in = strings.HasPrefix(line, start)
			continue
		}
		if in && strings.HasPrefix(line, "Rss:") {
			kb, err := strconv.Atoi(strings.Fields(line)[1])
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	t.Fatalf("mapping %s not in smaps (%v)", start, sc.Err())
	return 0
}
