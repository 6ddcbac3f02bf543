package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/wire"
)

// The soak test runs only when asked: ENGINE_SOAK=1 go test -run TestSoak
// -v -timeout 60m ./cmd/engine/ (ENGINE_SOAK_EVENTS sets the day's size,
// 50M by default; ENGINE_SOAK_SEED the kill times).
const (
	envSoak       = "ENGINE_SOAK"
	envSoakEvents = "ENGINE_SOAK_EVENTS"
	envSoakSeed   = "ENGINE_SOAK_SEED"
	soakKills     = 20
	// soakRSSBound is the resident memory no engine process of the soak may
	// exceed: the matcher's preallocated pool and index (1<<20 orders),
	// the rings, the journal's mapped segments and prefault window, and
	// the guard's tables, with headroom.
	soakRSSBound = 2 << 30
)

// writeSoakFeed writes a generated day of n events as CSV to path, with
// adversarial bursts every 5,000 events: 20 new orders whose ids are
// multiples of 2^32 (they collide in an unkeyed power-of-two table), 20
// cancels from distinct accounts nobody has seen, 20 mass cancels of the
// same (malformed: a scope names a known account), and a malformed line.
func writeSoakFeed(t *testing.T, path string, n int) (malformed int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	enc := wire.NewCSVEncoder(bw)
	gc := gen.DefaultConfig()
	gc.Events, gc.Seed = n, 7
	g, err := gen.New(gc)
	if err != nil {
		t.Fatal(err)
	}
	var in event.In
	stranger := uint32(5_000_000)
	collide := uint64(1)
	for i := 0; g.Next(&in); i++ {
		if err := enc.Encode(&in); err != nil {
			t.Fatal(err)
		}
		if i%5000 != 4999 || in.TS == 0 {
			continue
		}
		ts := in.TS
		if err := enc.Flush(); err != nil {
			t.Fatal(err)
		}
		for k := range 20 {
			// Far from the book, so they rest; the burst account is one
			// of the generator's.
			fmt.Fprintf(bw, "%d,new,%s,1,%d,buy,limit,1,1\n", ts, g.Names()[k%len(g.Names())], collide<<32)
			collide++
			fmt.Fprintf(bw, "%d,cancel,%d,%d\n", ts, stranger, 1+k)
			fmt.Fprintf(bw, "%d,masscancel,%d,*\n", ts, stranger)
			stranger++
		}
		fmt.Fprintf(bw, "%d,this is not a record\n", ts)
		malformed += 1 + 20 // the mass cancels name accounts no order named: malformed too

	}
	if err := enc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	return malformed
}

// peakRSS polls the resident memory of pid until done closes and returns
// the largest seen, in bytes.
func peakRSS(pid int, done <-chan struct{}) int64 {
	var peak int64
	for {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
					kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
					peak = max(peak, kb<<10)
				}
			}
		}
		select {
		case <-done:
			return peak
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestSoak: a generated day of ENGINE_SOAK_EVENTS events with adversarial
// bursts through `engine run` with a journal, snapshots and an output
// file, killed (SIGKILL) and restarted 20 times at random moments: every
// restart continues, the final summary's digest and output file equal the
// uninterrupted run's, and no process's resident memory passes
// soakRSSBound.
func TestSoak(t *testing.T) {
	if os.Getenv(envSoak) != "1" {
		t.Skipf("long: set %s=1", envSoak)
	}
	n := 50_000_000
	if s := os.Getenv(envSoakEvents); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			t.Fatalf("%s=%q: want a positive number", envSoakEvents, s)
		}
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(envSoakSeed); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s=%q: %v", envSoakSeed, s, err)
		}
	}
	t.Logf("seed %d (rerun with %s=%d)", seed, envSoakSeed, seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	dir := t.TempDir()
	feed := filepath.Join(dir, "day.csv")
	bad := writeSoakFeed(t, feed, n)

	start := time.Now()
	r := engine(t, dir, "", "run", "--cpu", "-1", "--feed", "day.csv", "--summary", "whole.json", "--out", "whole.csv",
		"--dead-letter", "whole.dead")
	if r.code != 0 {
		t.Fatalf("uninterrupted run: exit %d: %s", r.code, r.stderr)
	}
	whole := readSummary(t, filepath.Join(dir, "whole.json"))
	took := time.Since(start)
	t.Logf("uninterrupted: %d events, %d malformed, %d trades, digest %s, %v", whole.EventsIn, whole.Malformed, whole.Trades, whole.OutputDigest, took)
	if whole.Malformed != int64(bad) {
		t.Fatalf("uninterrupted run counted %d malformed lines, the feed has %d", whole.Malformed, bad)
	}

	var peak int64
	kills := 0
	for attempt := 0; ; attempt++ {
		if attempt > 3*soakKills {
			t.Fatalf("no run finished in %d attempts", attempt)
		}
		cmd := exec.Command(os.Args[0], "run", "--cpu", "-1", "--feed", "day.csv", "--journal", "j",
			"--snapshot-every", "2000000", "--summary", "s.json", "--out", "out.csv", "--dead-letter", "dead", "--quiet")
		cmd.Env = append(os.Environ(), "ENGINE_TEST_MAIN=1")
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waited := make(chan error, 1)
		done := make(chan struct{})
		rss := make(chan int64, 1)
		go func() { rss <- peakRSS(cmd.Process.Pid, done) }()
		go func() { err := cmd.Wait(); close(done); waited <- err }()
		var err error
		if kills < soakKills {
			select {
			case err = <-waited:
			// Short enough that 20 kills land before the day is done,
			// in every phase: start-up, recovery, re-emission, new events.
			case <-time.After(100*time.Millisecond + time.Duration(rng.Int64N(int64(took)/soakKills))):
				cmd.Process.Signal(syscall.SIGKILL)
				err = <-waited
				kills++
			}
		} else {
			err = <-waited
		}
		peak = max(peak, <-rss)
		if err == nil {
			break
		}
		if ee, ok := err.(*exec.ExitError); !ok || !ee.Sys().(syscall.WaitStatus).Signaled() {
			t.Fatalf("attempt %d: %v\n%s", attempt, err, stderr.String())
		}
	}
	if kills < soakKills {
		t.Errorf("only %d kills landed before the day was done, want %d", kills, soakKills)
	}
	got := readSummary(t, filepath.Join(dir, "s.json"))
	t.Logf("%d kills; final digest %s; peak resident memory %d MiB (bound %d MiB)", kills, got.OutputDigest, peak>>20, soakRSSBound>>20)
	if got.OutputDigest != whole.OutputDigest {
		t.Fatalf("digest after %d kills %s, want %s", kills, got.OutputDigest, whole.OutputDigest)
	}
	if a, b := fileSum(t, filepath.Join(dir, "whole.csv")), fileSum(t, filepath.Join(dir, "out.csv")); a != b {
		line, x, y := firstLineDiff(t, filepath.Join(dir, "whole.csv"), filepath.Join(dir, "out.csv"))
		t.Fatalf("output file after %d kills: %s, want the uninterrupted run's %s; first difference at line %d: %q, want %q", kills, b, a, line, y, x)
	}
	if peak > soakRSSBound {
		t.Fatalf("peak resident memory %d MiB, bound %d MiB", peak>>20, soakRSSBound>>20)
	}
}

// fileSum returns the size and xxhash of a file, read as a stream.
func fileSum(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := xxhash.New()
	n, err := io.Copy(h, f)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d bytes, xxhash %016x", n, h.Sum64())
}

// firstLineDiff returns the first line at which two files differ.
func firstLineDiff(t *testing.T, a, b string) (int, string, string) {
	fa, err := os.Open(a)
	if err != nil {
		t.Fatal(err)
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	sa, sb := bufio.NewScanner(fa), bufio.NewScanner(fb)
	for n := 1; ; n++ {
		oka, okb := sa.Scan(), sb.Scan()
		if !oka || !okb || sa.Text() != sb.Text() {
			return n, sa.Text(), sb.Text()
		}
	}
}
