package journal

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// The test binary doubles as the writer process of the crash and follower
// tests: with childEnv set, TestMain runs the child instead of the tests.
const (
	childEnv    = "JOURNAL_TEST_CHILD"
	childDirEnv = "JOURNAL_TEST_DIR"
	// crashSeedEnv passes TestCrashRealProcess the seed of a run to repeat.
	crashSeedEnv = "JOURNAL_CRASH_SEED"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runChild(mode, os.Getenv(childDirEnv)))
	}
	os.Exit(m.Run())
}

// crashPayload is the payload the crash child writes for seq: 1 to 6000
// bytes, so that records span pages, and every 16th 200 KB, so that copying
// a batch takes long enough for kills to land inside it.
func crashPayload(seq uint64) []byte {
	if seq%16 == 0 {
		return payloadFor(seq, 200_000+int(seq%1000))
	}
	return payloadFor(seq, 1+int(seq*7919%6000))
}

// crashOptions are the child's options: Sync mode, and 1 MiB segments so
// that rolls happen every few batches; the segments mapped privately
// (Options.PrivateMap) when private.
func crashOptions(private bool) Options {
	return Options{SegmentSize: 1 << 20, Durability: Sync, PrivateMap: private}
}

// runChild is the child process. "crash": open (recovering) the journal and
// append forever in Sync mode, writing "w" to stdout before each append and
// the last acknowledged sequence after it (records covering 1 to 9
// sequences). "append": append followRecords records in None
// mode, pausing now and then, and close.
func runChild(mode, dir string) int {
	switch mode {
	case "crash", "crash-private":
		j, _, err := Open(dir, crashOptions(mode == "crash-private"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "child: open:", err)
			return 3
		}
		// Single appends and batches of up to 64 records (one msync each):
		// a batch spends long enough copying for kills to land inside it.
		// Records cover 1 to 9 sequences (spanCount).
		var line []byte
		var batch []Record
		for n := uint64(0); ; n++ {
			batch = batch[:0]
			size := 1 + int(n*2654435761%64)
			if n%2 == 0 {
				size = 1
			}
			seq := j.LastSeq() + 1
			for range size {
				r := Record{Seq: seq, TS: tsFor(seq), Type: typeFor(seq), Count: spanCount(seq), Payload: crashPayload(seq)}
				batch = append(batch, r)
				seq = r.Last() + 1
			}
			if _, err := os.Stdout.Write([]byte("w\n")); err != nil {
				return 3
			}
			if err := j.AppendBatch(batch); err != nil {
				fmt.Fprintln(os.Stderr, "child: append:", err)
				return 3
			}
			line = strconv.AppendUint(line[:0], j.LastSeq(), 10)
			line = append(line, '\n')
			if _, err := os.Stdout.Write(line); err != nil {
				return 3
			}
		}
	case "append":
		j, _, err := Open(dir, Options{SegmentSize: 8192})
		if err != nil {
			fmt.Fprintln(os.Stderr, "child: open:", err)
			return 3
		}
		p := make([]byte, 100)
		for seq := uint64(1); seq <= followRecords; seq++ {
			fillPayload(p, seq)
			if err := j.Append(typeFor(seq), seq, tsFor(seq), p); err != nil {
				fmt.Fprintln(os.Stderr, "child: append:", err)
				return 3
			}
			if seq%200 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		if err := j.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "child: close:", err)
			return 3
		}
		return 0
	case "hold":
		return runHold(dir)
	}
	fmt.Fprintln(os.Stderr, "child: unknown mode", mode)
	return 2
}

func startChild(t *testing.T, mode, dir string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, childDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(out)
}

// TestCrashRealProcess is the crash checker: a child process appends in
// Sync mode and reports every acknowledged sequence; it is SIGKILLed at a
// random moment, 60 times. After each kill every acknowledged record must
// be there, intact, in a contiguous run, and nothing may fail its checksum
// except a torn tail. Odd rounds recover in the parent (Open); even rounds
// only look (Verify and a reader), leaving the torn tail to the next
// child's recovery. The child continues in the same directory each round.
//
// The test logs its random seed ("seed N"). To rerun with the same choices
// (which write each kill lands after, how long the others wait):
//
//	JOURNAL_CRASH_SEED=N go test ./journal -run TestCrashRealProcess -v
//
// The seed fixes the test's choices, not the scheduler: a kill lands at the
// same point of the child's output, not at the same instruction, so a rare
// failure may take a few reruns with its seed (-count=10).
func TestCrashRealProcess(t *testing.T) {
	t.Run("shared", func(t *testing.T) { crashRealProcess(t, "crash", 60) })
	// A private map: what Sync acknowledged was written out of the
	// process's own pages before the acknowledgement, and a roll hands the
	// file the spare's header and the sealed segment's tail.
	t.Run("private", func(t *testing.T) { crashRealProcess(t, "crash-private", 30) })
}

func crashRealProcess(t *testing.T, child string, rounds int) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(crashSeedEnv); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s=%q: %v", crashSeedEnv, s, err)
		}
	}
	t.Logf("seed %d (rerun with %s=%d)", seed, crashSeedEnv, seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	dir := t.TempDir()
	var acked uint64 // highest sequence any child acknowledged
	torn := 0        // kills that left a torn tail
	start := time.Now()
	for round := range rounds {
		cmd, acks := startChild(t, child, dir)
		var last atomic.Uint64
		// Half the rounds kill the child as soon as it announces its k-th
		// write, to land inside the copy; the others at a random time.
		killAt := -1
		if round%4 < 2 {
			killAt = 1 + rng.IntN(10)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			writes := 0
			for acks.Scan() {
				if acks.Text() == "w" {
					if writes++; writes == killAt {
						cmd.Process.Kill()
					}
					continue
				}
				seq, err := strconv.ParseUint(acks.Text(), 10, 64)
				if err != nil {
					t.Errorf("child wrote %q", acks.Text())
					return
				}
				last.Store(seq)
			}
		}()
		if killAt < 0 {
			// Let it append for a while (it opens first), then kill it. The
			// deadline only bounds a child that never gets going.
			deadline := time.Now().Add(10 * time.Second)
			for last.Load() <= acked && time.Now().Before(deadline) {
				time.Sleep(200 * time.Microsecond)
			}
			time.Sleep(time.Duration(rng.IntN(20_000)) * time.Microsecond)
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
		}
		<-done
		if err := cmd.Wait(); err == nil || cmd.ProcessState.ExitCode() != -1 {
			t.Fatalf("round %d: child did not die by the kill: %v", round, err)
		}
		if a := last.Load(); a > acked {
			acked = a
		}
		if acked == 0 && killAt < 0 {
			t.Fatalf("round %d: the child acknowledged nothing", round)
		}

		var lastSeq uint64
		if round%2 == 0 {
			rep, err := Verify(dir)
			if err != nil {
				t.Fatalf("round %d: verify after a kill: %v\n%v", round, err, rep)
			}
			lastSeq = rep.LastSeq
			if s := rep.Segments[len(rep.Segments)-1]; s.Torn != nil {
				torn++
			}
		} else {
			o := crashOptions(false) // recovery in None mode: shared (a private map needs a writer)
			o.Durability, o.VerifySealed = None, true
			j, rep, err := Open(dir, o)
			if err != nil {
				t.Fatalf("round %d: recovery after a kill: %v\n%v", round, err, rep)
			}
			if rep.Cut != nil {
				if rep.Cut.Kind != CutTorn {
					t.Fatalf("round %d: recovery cut %v", round, rep.Cut)
				}
				torn++
			}
			lastSeq = j.LastSeq()
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if lastSeq < acked {
			t.Fatalf("round %d: acknowledged %d, the journal ends at %d", round, acked, lastSeq)
		}
		// Every record intact, sequences contiguous (readAll checks each
		// record starts right after the one before) from 1 to lastSeq.
		first, readLast, n := readAll(t, dir, 0, func(r Record) {
			checkRecord(t, r, len(crashPayload(r.Seq)))
			if r.Count != spanCount(r.Seq) {
				t.Fatalf("round %d: record %d covers %d sequences, was written with %d", round, r.Seq, r.Count, spanCount(r.Seq))
			}
		})
		// A kill before the first acknowledgement may leave no record at
		// all (first and readLast are then 0).
		if (n > 0 && first != 1) || readLast != lastSeq {
			t.Fatalf("round %d: read %d records %d..%d, want 1..%d", round, n, first, readLast, lastSeq)
		}
	}
	t.Logf("%d kills in %v: sequences up to %d acknowledged, %d kills left a torn tail", rounds, time.Since(start).Round(time.Millisecond), acked, torn)
}

// followRecords is what the follower test's child appends.
const followRecords = 4000

// TestFollowerOtherProcess: a reader follows a journal another process
// creates and appends to, across segments, seeing every record in order.
func TestFollowerOtherProcess(t *testing.T) {
	dir := t.TempDir()
	r, err := NewReader(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd, _ := startChild(t, "append", dir)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for want := uint64(1); want <= followRecords; want++ {
		if !r.Follow(ctx, 100*time.Microsecond) {
			t.Fatalf("follow stopped before %d: %v %v", want, r.Err(), ctx.Err())
		}
		if rec := r.Record(); rec.Seq != want {
			t.Fatalf("followed %d, want %d", rec.Seq, want)
		} else {
			checkRecord(t, rec, 100)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	// Nothing more: the follower waits without error.
	short, cancelShort := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancelShort()
	if r.Follow(short, time.Millisecond) || r.Err() != nil || !errors.Is(short.Err(), context.DeadlineExceeded) {
		t.Fatalf("follow past the end: %v", r.Err())
	}
}
