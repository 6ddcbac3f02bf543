package journal

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tradeengine/engine/internal/faultfs"
)

// TestLockSecondWriter: while a journal is open, a second Open of its
// directory in the same process (a separate open file description, so the
// flock conflicts) fails at once with ErrLocked naming this process, and
// changes nothing in the directory: before the lock, it removed the first
// writer's spare segment as a leftover. After Close, Open succeeds.
func TestLockSecondWriter(t *testing.T) {
	dir := t.TempDir()
	j, _, err := Open(dir, testOptions(Sync))
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, j, 10, 64)
	sp, err := j.makeSpare()
	if err != nil {
		t.Fatal(err)
	}
	j.spare.Store(sp)
	before := dirNames(t, dir)

	j2, _, err := Open(dir, testOptions(Sync))
	if !errors.Is(err, ErrLocked) {
		if j2 != nil {
			j2.Close()
		}
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() || le.Dir != dir {
		t.Fatalf("second Open: %#v", err)
	}
	if want := fmt.Sprintf("journal %s is in use by pid %d", dir, os.Getpid()); err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
	if after := dirNames(t, dir); !slices.Equal(before, after) {
		t.Fatalf("the refused Open changed the directory: %v, then %v", before, after)
	}
	// The first writer goes on: its spare is still there to roll into.
	appendN(t, j, 200, 64)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	j, rep, err := Open(dir, testOptions(Sync))
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	if rep.LastSeq != 210 {
		t.Fatalf("reopened at %d, want 210", rep.LastSeq)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestLockReleasedOnError: an Open that fails after taking the lock (here
// recovery finding corruption) releases it, so the next Open fails for the
// same reason, not ErrLocked; so does a Close that fails.
func TestLockReleasedOnError(t *testing.T) {
	dir := t.TempDir()
	j, _, err := Open(dir, testOptions(None))
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, j, 20, 64)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	// Damage the second record's payload: valid records follow, so it is
	// corruption.
	if err := faultfs.Flip(filepath.Join(dir, segmentName(1)), segmentHeaderSize+int64(FrameSize(64))+frameHeaderSize+3, 1); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, _, err := Open(dir, testOptions(None)); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Open %d of a corrupt journal: %v, want ErrCorrupt", i, err)
		}
	}
	o := testOptions(None)
	o.TruncateCorrupt = true
	j, _, err = Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()

	// A failed sync makes Close fail; the lock goes all the same.
	fs := faultfs.NewFaulty()
	o = testOptions(None)
	o.fs = fs
	j, _, err = Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, j, 5, 64)
	fs.Fail(faultfs.OpMsync, 1, 0)
	if err := j.Close(); !errors.Is(err, ErrSync) {
		t.Fatalf("Close over a failed msync: %v", err)
	}
	if j, _, err = Open(dir, testOptions(None)); err != nil {
		t.Fatalf("Open after a failed Close: %v", err)
	}
	j.Close()
}

// TestLockReaders: while a writer holds the lock, a reader follows the
// journal, Verify checks it and snapshots load and are written: none of
// them takes the lock.
func TestLockReaders(t *testing.T) {
	dir := t.TempDir()
	j, _, err := Open(dir, testOptions(Sync))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	appendN(t, j, 50, 64)
	r, err := NewReader(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for want := uint64(1); want <= 50; want++ {
		if !r.Next() || r.Record().Seq != want {
			t.Fatalf("reader stopped before %d: %v", want, r.Err())
		}
	}
	appendN(t, j, 50, 64)
	for want := uint64(51); want <= 100; want++ {
		if !r.Next() || r.Record().Seq != want {
			t.Fatalf("reader stopped before %d: %v", want, r.Err())
		}
	}
	rep, err := Verify(dir)
	if err != nil || rep.LastSeq != 100 {
		t.Fatalf("verify of a live journal: %v\n%v", err, rep)
	}
	if _, err := WriteSnapshot(dir, j.ID(), 100, []byte("state")); err != nil {
		t.Fatal(err)
	}
	if s, _, err := LoadLatestSnapshot(dir, SnapshotSelect{ID: j.ID()}); err != nil || s.Seq != 100 {
		t.Fatalf("load a snapshot of a live journal: %v %v", err, s)
	}
	if _, _, err := RetainSnapshots(dir, 1); err != nil {
		t.Fatal(err)
	}
	appendN(t, j, 1, 64)
}

// TestLockConcurrentCreate: two Opens of one new directory at the same
// moment. Before the lock both failed (each removed the other's temporary
// segment file as a leftover); now exactly one wins, the other gets
// ErrLocked, and the winner's journal works.
func TestLockConcurrentCreate(t *testing.T) {
	rounds := 100
	if testing.Short() {
		rounds = 10
	}
	base := t.TempDir()
	for round := range rounds {
		dir := filepath.Join(base, fmt.Sprint(round), "journal")
		var (
			start sync.WaitGroup
			done  sync.WaitGroup
			js    [2]*Journal
			errs  [2]error
		)
		start.Add(1)
		for i := range 2 {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				js[i], _, errs[i] = Open(dir, Options{SegmentSize: 8192, noBackground: true})
			}()
		}
		start.Done()
		done.Wait()
		won := 0
		for i := range 2 {
			switch {
			case errs[i] == nil:
				won++
			case !errors.Is(errs[i], ErrLocked):
				t.Fatalf("round %d: Open %d: %v", round, i, errs[i])
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d Opens succeeded, want 1 (errors %v)", round, won, errs)
		}
		j := js[0]
		if j == nil {
			j = js[1]
		}
		appendN(t, j, 100, 64) // several segments
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		if rep, err := Verify(dir); err != nil || !rep.Clean() || rep.LastSeq != 100 {
			t.Fatalf("round %d: verify: %v\n%v", round, err, rep)
		}
	}
}

// TestCreateSyncsParent: Open on a missing directory fsyncs the parent of
// every directory it creates; on an existing one, no more than before.
func TestCreateSyncsParent(t *testing.T) {
	count := func(dir string) int {
		fs := faultfs.NewFaulty()
		o := testOptions(None)
		o.fs = fs
		j, _, err := Open(dir, o)
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		return fs.Calls(faultfs.OpSyncDir)
	}
	base := t.TempDir()
	existing := count(t.TempDir())
	if n := count(filepath.Join(base, "j")); n != existing+1 {
		t.Fatalf("new directory: %d directory fsyncs, an existing one takes %d", n, existing)
	}
	if n := count(filepath.Join(base, "a", "b", "j")); n != existing+3 {
		t.Fatalf("three new directories: %d directory fsyncs, an existing one takes %d", n, existing)
	}
	// A failed fsync of the parent fails Open, and releases nothing it
	// did not take: the next Open succeeds.
	fs := faultfs.NewFaulty()
	o := testOptions(None)
	o.fs = fs
	fs.Fail(faultfs.OpSyncDir, 1, 0)
	dir := filepath.Join(base, "failed")
	if _, _, err := Open(dir, o); !errors.Is(err, ErrSync) || !errors.Is(err, faultfs.ErrInjected) {
		t.Fatalf("Open over a failed parent fsync: %v", err)
	}
	j, _, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
}

// TestLockOtherProcess: a journal held by another process is refused with
// that process's pid; once the process dies (SIGKILL: no Close) the kernel
// drops its lock and Open recovers the journal.
func TestLockOtherProcess(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=hold", childDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "open" {
		t.Fatalf("child: %q %v", sc.Text(), sc.Err())
	}
	_, _, err = Open(dir, testOptions(None))
	var le *LockedError
	if !errors.As(err, &le) || le.PID != cmd.Process.Pid {
		t.Fatalf("Open of a journal another process holds: %v, want pid %d", err, cmd.Process.Pid)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("is in use by pid %d", cmd.Process.Pid)) {
		t.Fatalf("error %q", err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	j, rep, err := Open(dir, testOptions(None))
	if err != nil {
		t.Fatalf("Open after the holder died: %v", err)
	}
	defer j.Close()
	if rep.LastSeq != holdRecords {
		t.Fatalf("recovered up to %d, want %d", rep.LastSeq, holdRecords)
	}
}

// holdRecords is what the lock test's child appends before it waits.
const holdRecords = 30

// runHold is the lock test's child: open the journal, append, say "open",
// and wait to be killed.
func runHold(dir string) int {
	j, _, err := Open(dir, testOptions(None))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: open:", err)
		return 3
	}
	p := make([]byte, 64)
	for seq := uint64(1); seq <= holdRecords; seq++ {
		fillPayload(p, seq)
		if err := j.Append(typeFor(seq), seq, tsFor(seq), p); err != nil {
			fmt.Fprintln(os.Stderr, "child: append:", err)
			return 3
		}
	}
	if _, err := os.Stdout.Write([]byte("open\n")); err != nil {
		return 3
	}
	time.Sleep(time.Hour) // a sleeping goroutine, so the runtime sees no deadlock
	return 0
}

// dirNames returns the names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}
