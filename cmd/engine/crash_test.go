package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tradeengine/engine/pipeline"
)

// The crash test's knobs: ENGINE_CRASH_SEED reruns one set of kill points,
// ENGINE_CRASH_KILLS=N asks for N kills per mode instead of crashKills (a
// long mode).
const (
	envCrashSeed  = "ENGINE_CRASH_SEED"
	envCrashKills = "ENGINE_CRASH_KILLS"
	// crashKills is how many kills must land mid-feed in each mode.
	crashKills = 20
	// crashEvents is the feed's size: a knight flow whose router runs away
	// at crashKnightStart of event time and is stopped by a guard trip
	// about a second of event time later. One run of it takes about 0.5 s
	// in sync mode and 0.3 s in batch mode on 2 vCPUs, and writes 37 MB of
	// output.
	crashEvents      = "300000"
	crashKnightStart = "500ms"
	// crashSnapshotEvery makes a restart recover from a snapshot, past the
	// first one, and from the start of the journal before it.
	crashSnapshotEvery = "60000"
	// crashEarly is the share of restarts killed as soon as their output
	// file changes: during recovery (the file cut back to its checkpoint)
	// or re-emission, before any new event.
	crashEarly = 0.25
	// crashLong is the share of the other restarts let run up to 4 times
	// further than the even spread: long enough to move their output
	// checkpoint, which a restart killed quickly never does.
	crashLong = 0.3
	// crashAttemptTimeout bounds one engine process, killed or not.
	crashAttemptTimeout = 2 * time.Minute
	// crashMaxCycles bounds the fresh journals one mode may need.
	crashMaxCycles = 10
)

// TestCrashResume kills a real `engine run` process (SIGKILL) at random
// moments mid-feed, in sync and batch durability (and batch with a
// private journal map), restarts it each time
// on the same journal with the same feed and output file, and checks that
// the output file at the end is byte for byte that of one uninterrupted
// run (nothing lost, nothing written twice), that the final summary's
// digest is that run's, that every summary a run left is valid JSON, and
// that the journal verifies clean.
//
// A kill is aimed by watching the output file, not by a timer: most
// restarts are killed once the file has passed a random size beyond where
// the last one left it, so that each makes progress through the feed;
// some as soon as the file changes (the restart is cutting it back to its
// checkpoint or re-emitting). A kill counts if the process died of it with
// the output short of the uninterrupted run's. A run that finished first
// ends the cycle, which is checked like the last, and a new cycle starts
// on a fresh journal until enough kills have landed.
func TestCrashResume(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts engine processes for several seconds")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(envCrashSeed); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s=%q: %v", envCrashSeed, s, err)
		}
	}
	kills := crashKills
	if s := os.Getenv(envCrashKills); s != "" {
		var err error
		if kills, err = strconv.Atoi(s); err != nil || kills <= 0 {
			t.Fatalf("%s=%q: want a positive number", envCrashKills, s)
		}
	}
	t.Logf("seed %d (rerun with %s=%d), %d kills per mode", seed, envCrashSeed, seed, kills)

	dir := t.TempDir()
	feed := filepath.Join(dir, "flow.csv")
	if r := engine(t, dir, "", "gen", "--scenario", "knight", "--knight-start", crashKnightStart,
		"--events", crashEvents, "--out", feed); r.code != 0 {
		t.Fatalf("gen: exit %d: %s", r.code, r.stderr)
	}

	// batch-private: the journal mapped privately (--journal-map private),
	// where a kill loses the appends the committer has not written out.
	for i, mode := range []string{"sync", "batch", "batch-private"} {
		t.Run(mode, func(t *testing.T) {
			m := &crashMode{feed: feed, mode: mode, rng: rand.New(rand.NewPCG(seed, uint64(i)))}
			m.reference(t, t.TempDir())
			var landed []crashKill
			for len(landed) < kills {
				if m.cycles == crashMaxCycles {
					t.Fatalf("%d cycles landed only %d kills, want %d", m.cycles, len(landed), kills)
				}
				landed = append(landed, m.cycle(t, t.TempDir(), kills-len(landed))...)
			}
			early, pts := 0, make([]string, len(landed))
			for i, k := range landed {
				pts[i] = fmt.Sprintf("%.0f%%", 100*float64(k.size)/float64(m.wantSize))
				if k.early {
					early++
					pts[i] += "e"
				}
			}
			t.Logf("%d kills landed mid-feed in %d cycles (%d aimed at recovery and re-emission: e), leaving the output at %s of its size",
				len(landed), m.cycles, early, strings.Join(pts, " "))
		})
	}
}

// crashMode is one durability mode's runs: the uninterrupted reference and
// the cycles of killed ones.
type crashMode struct {
	feed, mode string
	rng        *rand.Rand
	want       summary // the uninterrupted run's summary
	wantOut    string  // and its output file
	wantSize   int64
	cycles     int
}

// crashKill is where a kill landed.
type crashKill struct {
	early bool  // aimed at recovery and re-emission
	size  int64 // the output file's size after the kill
}

// args returns the command line of a run on the journal in directory j.
func (m *crashMode) args(j, out, sum string) []string {
	d, private := strings.CutSuffix(m.mode, "-private")
	args := []string{"run", "--cpu", "-1", "--feed", m.feed, "--journal", j, "--durability", d,
		"--snapshot-every", crashSnapshotEvery, "--out", out, "--summary", sum, "--quiet"}
	if private {
		args = append(args, "--journal-map", "private")
	}
	return args
}

// reference runs the feed once, uninterrupted, in dir.
func (m *crashMode) reference(t *testing.T, dir string) {
	r := engine(t, dir, "", m.args("j", "out.csv", "sum.json")...)
	if r.code != 0 {
		t.Fatalf("uninterrupted run: exit %d: %s", r.code, r.stderr)
	}
	m.want = readSummary(t, filepath.Join(dir, "sum.json"))
	var rs riskSummary
	if b, err := os.ReadFile(filepath.Join(dir, "sum.json")); err != nil || json.Unmarshal(b, &rs) != nil {
		t.Fatalf("summary: %v", err)
	}
	if len(rs.Risk.Trips) == 0 || m.want.Trades == 0 {
		t.Fatalf("the flow trips no guard or trades nothing (%d trips, %d trades): it tests too little",
			len(rs.Risk.Trips), m.want.Trades)
	}
	m.wantOut = filepath.Join(dir, "out.csv")
	if m.wantSize = fileSize(m.wantOut); m.wantSize <= 0 {
		t.Fatalf("uninterrupted run wrote no output file")
	}
	t.Logf("uninterrupted: %d events, %d trades, %d guard trips, %d output bytes, digest %s",
		m.want.EventsIn, m.want.Trades, len(rs.Risk.Trips), m.wantSize, m.want.OutputDigest)
}

// cycle starts the engine on a fresh journal in dir and kills and restarts
// it until the given number of kills have landed, then lets it finish and
// checks the result against the reference. It returns the kills that
// landed mid-feed: fewer when a run finished before its kill.
func (m *crashMode) cycle(t *testing.T, dir string, kills int) []crashKill {
	m.cycles++
	j, out, sum := filepath.Join(dir, "j"), filepath.Join(dir, "out.csv"), filepath.Join(dir, "sum.json")
	// Growth targets stay below limit: a kill aimed near the end could
	// lose the race with a run finishing between two looks at the file.
	limit := m.wantSize * 9 / 10
	var landed []crashKill
	var trace strings.Builder // what each attempt did, shown on failure
	defer func() {
		if t.Failed() {
			t.Logf("cycle %d in %s:\n%s", m.cycles, dir, trace.String())
		}
	}()
	for attempt := 1; ; attempt++ {
		if attempt > 4*kills+20 {
			t.Fatalf("cycle %d: no run finished in %d attempts", m.cycles, attempt)
		}
		prev := fileSize(out)
		var fire func(size int64) bool // whether to kill at this output size
		aim := "none"
		switch left := kills - len(landed); {
		case left == 0:
			// Enough kills: this run finishes.
		case len(landed) > 0 && m.rng.Float64() < crashEarly:
			aim = "change"
			fire = func(size int64) bool { return size != prev }
		default:
			// Spread the kills left over what is left below limit.
			from := max(prev, 0)
			step := 2 * (limit - from) / int64(left+1)
			if m.rng.Float64() < crashLong {
				step = min(4*step, limit-from)
			}
			target := from + 1 + m.rng.Int64N(max(step, 1))
			aim = strconv.FormatInt(target, 10)
			fire = func(size int64) bool { return size >= target }
		}

		cmd := exec.Command(os.Args[0], m.args(j, out, sum)...)
		cmd.Env = append(os.Environ(), "ENGINE_TEST_MAIN=1")
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stderr, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		err := killWhen(t, cmd, func() bool { return fire != nil && fire(fileSize(out)) })
		if _, serr := os.Stat(sum); serr == nil {
			readSummary(t, sum) // whatever a run left behind is valid JSON
		}
		if err == nil {
			fmt.Fprintf(&trace, "attempt %d: output %d, aimed at %s: finished; checkpoint %s\n", attempt, prev, aim, crashCheckpoint(j))
			break // finished, before a kill or before this one landed
		}
		var ee *exec.ExitError
		if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() {
			t.Fatalf("cycle %d attempt %d: %v\n%s", m.cycles, attempt, err, stderr.String())
		}
		size := fileSize(out)
		fmt.Fprintf(&trace, "attempt %d: output %d, aimed at %s: killed at %d; checkpoint %s\n", attempt, prev, aim, size, crashCheckpoint(j))
		if size < m.wantSize {
			landed = append(landed, crashKill{early: aim == "change", size: size})
		}
	}

	if got := readSummary(t, sum); got.OutputDigest != m.want.OutputDigest {
		t.Errorf("cycle %d: digest %s after %d kills, want %s (one uninterrupted run)",
			m.cycles, got.OutputDigest, len(landed), m.want.OutputDigest)
	}
	if a, b := fileSum(t, m.wantOut), fileSum(t, out); a != b {
		line, x, y := firstLineDiff(t, m.wantOut, out)
		t.Errorf("cycle %d: output file after %d kills: %s, want the uninterrupted run's %s; first difference at line %d: %q, want %q",
			m.cycles, len(landed), b, a, line, y, x)
	}
	if r := engine(t, dir, "", "journal", "verify", j); r.code != 0 || !strings.Contains(r.stdout, "clean") {
		t.Errorf("cycle %d: journal verify: exit %d\n%s%s", m.cycles, r.code, r.stdout, r.stderr)
	}
	if t.Failed() {
		t.FailNow()
	}
	return landed
}

// killWhen waits for the started cmd, asking fire every millisecond while
// it runs, and kills it (SIGKILL) once fire says so. It returns the
// process's end: nil if it finished first, even when the kill followed.
func killWhen(t *testing.T, cmd *exec.Cmd, fire func() bool) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	timeout := time.NewTimer(crashAttemptTimeout)
	defer timeout.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-timeout.C:
			cmd.Process.Kill()
			<-done
			t.Fatalf("engine still running after %v", crashAttemptTimeout)
		case <-tick.C:
			if fire() {
				cmd.Process.Signal(syscall.SIGKILL)
				return <-done
			}
		}
	}
}

// fileSize returns the size of the file at path, -1 when there is none.
func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return st.Size()
}

// crashCheckpoint describes the output checkpoint in journal directory j,
// for the trace: its sequence and offset (see pipeline.CheckpointFile for
// the format).
func crashCheckpoint(j string) string {
	b, err := os.ReadFile(filepath.Join(j, pipeline.CheckpointFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "none"
	case err != nil:
		return err.Error()
	case len(b) < 40:
		return fmt.Sprintf("%d bytes", len(b))
	}
	return fmt.Sprintf("seq %d offset %d", binary.LittleEndian.Uint64(b[24:]), binary.LittleEndian.Uint64(b[32:]))
}
