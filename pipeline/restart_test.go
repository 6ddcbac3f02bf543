package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/wire"
)

// csvOutput is an Output writing CSV to path.
func csvOutput(path string) *Output {
	return &Output{Path: path, Open: func(w io.Writer, appending bool) (Sink, error) {
		if appending {
			return wire.NewOutCSVAppend(w), nil
		}
		return wire.NewOutCSV(w), nil
	}}
}

// csvFeed decodes CSV feed lines.
func csvFeed(lines string) *wire.CSVDecoder {
	return wire.NewCSVDecoder(strings.NewReader(lines))
}

// TestRestartKeepsSymbolNumbers: a restart whose feed holds only new events
// (ResumeNew) and names MSFT before AAPL sends each order to its own book,
// as an uninterrupted run does, and its output names the symbols.
func TestRestartKeepsSymbolNumbers(t *testing.T) {
	first := "1,new,AAPL,1,1,buy,limit,100,10\n2,new,MSFT,2,2,sell,limit,300,10\n"
	rest := "3,new,MSFT,3,3,buy,limit,300,4\n4,new,AAPL,4,4,sell,limit,100,6\n"
	whole := filepath.Join(t.TempDir(), "whole.csv")
	cfg := testConfig()
	cfg.Output = csvOutput(whole)
	want, err := Run(context.Background(), cfg, csvFeed(first+rest), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want.Trades != 2 {
		t.Fatalf("uninterrupted run: %d trades, want 2", want.Trades)
	}

	dir := t.TempDir()
	out := filepath.Join(dir, "out.csv")
	cfg.Output = csvOutput(out)
	cfg.Journal = journalConfig(dir, journal.Batch)
	cfg.Journal.Resume = ResumeNew
	if _, err := Run(context.Background(), cfg, csvFeed(first), nil); err != nil {
		t.Fatal(err)
	}
	got, err := Run(context.Background(), cfg, csvFeed(rest), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Trades != 2 || got.OutputDigest != want.OutputDigest {
		t.Fatalf("restart: %d trades, digest %s; want 2 and %s (one uninterrupted run)", got.Trades, got.OutputDigest, want.OutputDigest)
	}
	a, _ := os.ReadFile(whole)
	b, _ := os.ReadFile(out)
	if !bytes.Equal(a, b) {
		t.Fatalf("output after the restart:\n%s\nwant:\n%s", b, a)
	}
	// The lines the restart wrote name their symbols, as the writer never
	// saw the symbol outputs of the first run.
	if !bytes.Contains(b, []byte("\n5,3,trade,MSFT,")) || !bytes.Contains(b, []byte("\n6,4,trade,AAPL,")) {
		t.Fatalf("output does not name the symbols after the restart:\n%s", b)
	}
}

// TestRestartClockContinues: the clamp that keeps event time from going
// back starts, after a restart, from the last journaled event's time: an
// event without a time, or with an earlier one, right after the restart
// gets the time an uninterrupted run gives it.
func TestRestartClockContinues(t *testing.T) {
	first := "1000,new,AAPL,1,1,buy,limit,100,10\n2000,new,AAPL,2,2,buy,limit,101,10\n"
	rest := "0,new,AAPL,3,3,sell,limit,99,30\n500,new,AAPL,4,4,buy,limit,98,10\n"
	cfg := testConfig()
	rec := &recorder{}
	want, err := Run(context.Background(), cfg, csvFeed(first+rest), rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range rec.outs {
		if o.Seq >= 3 && o.TS != 2000 {
			t.Fatalf("uninterrupted run: event %d at %d, want 2000", o.Seq, o.TS)
		}
	}
	for _, resume := range []Resume{ResumeNew, ResumeSkip} {
		dir := t.TempDir()
		cfg.Journal = journalConfig(dir, journal.Batch)
		cfg.Journal.Resume = resume
		if _, err := Run(context.Background(), cfg, csvFeed(first), nil); err != nil {
			t.Fatal(err)
		}
		feed := rest
		if resume == ResumeSkip {
			feed = first + rest
		}
		got, err := Run(context.Background(), cfg, csvFeed(feed), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.OutputDigest != want.OutputDigest {
			t.Errorf("resume %d: digest %s after the restart, want %s", resume, got.OutputDigest, want.OutputDigest)
		}
	}
}

// TestOutputCheckpointReEmits: outputs of journaled events that were not
// written when a run died are emitted by the restart, and outputs written
// after the checkpoint are not written twice. The crash is simulated by
// rolling the checkpoint back to an earlier one and leaving the file as
// the later run left it (TestOutputSurvivesKill kills a real process).
func TestOutputCheckpointReEmits(t *testing.T) {
	evs := genFlow(t, 30_000, 31)
	whole := filepath.Join(t.TempDir(), "whole.csv")
	cfg := testConfig()
	cfg.Output = csvOutput(whole)
	want, err := Run(context.Background(), cfg, &sliceSource{evs: evs}, nil)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	out := filepath.Join(dir, "out.csv")
	cfg.Output = csvOutput(out)
	cfg.Journal = journalConfig(dir, journal.Sync)
	if _, err := Run(context.Background(), cfg, &sliceSource{evs: evs[:10_000]}, nil); err != nil {
		t.Fatal(err)
	}
	early, err := os.ReadFile(filepath.Join(dir, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), cfg, &sliceSource{evs: evs[:20_000]}, nil); err != nil {
		t.Fatal(err)
	}
	// Die after writing outputs past the early checkpoint, half a line
	// included: the restart cuts them and emits them again.
	if err := os.WriteFile(filepath.Join(dir, CheckpointFile), early, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(out, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("20001,12345,acc")
	f.Close()
	got, err := Run(context.Background(), cfg, &sliceSource{evs: evs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := got.Recovery; r.OutputCheckpoint != 10_000 || r.ReEmitted != 10_000 || r.FeedSkipped != 20_000 {
		t.Fatalf("recovery %+v: want outputs re-emitted from the checkpoint at 10000 to 20000", r)
	}
	if got.OutputDigest != want.OutputDigest {
		t.Fatalf("output digest %s, want %s (one uninterrupted run)", got.OutputDigest, want.OutputDigest)
	}
	if since := digestOf(outsAfter(direct(t, testConfig(), evs), 10_000)); got.OutputDigestSinceRestart != since {
		t.Fatalf("digest since the restart %s, want %s (the outputs after the checkpoint)", got.OutputDigestSinceRestart, since)
	}
	a, _ := os.ReadFile(whole)
	b, _ := os.ReadFile(out)
	if !bytes.Equal(a, b) {
		t.Fatalf("output file of %d bytes differs from the uninterrupted run's %d", len(b), len(a))
	}
}

// TestCheckpointOfAnotherJournal: an output checkpoint copied from another
// journal is refused, not trusted.
func TestCheckpointOfAnotherJournal(t *testing.T) {
	evs := genFlow(t, 2_000, 32)
	a, b := t.TempDir(), t.TempDir()
	cfg := testConfig()
	for _, dir := range []string{a, b} {
		cfg.Journal = journalConfig(dir, journal.None)
		if _, err := Run(context.Background(), cfg, &sliceSource{evs: evs[:1000]}, nil); err != nil {
			t.Fatal(err)
		}
	}
	ck, err := os.ReadFile(filepath.Join(a, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(b, CheckpointFile), ck, 0o644)
	_, err = Run(context.Background(), cfg, &sliceSource{evs: evs}, nil)
	if err == nil || !strings.Contains(err.Error(), "output checkpoint of journal") {
		t.Fatalf("err = %v, want the checkpoint refused as another journal's", err)
	}
}

// TestSnapshotPastJournalEnd: a snapshot found beyond the journal's end (a
// None-mode journal that lost its tail) is skipped and reported like a
// corrupt one, and recovery falls back to an older one.
func TestSnapshotPastJournalEnd(t *testing.T) {
	evs := genFlow(t, 20_000, 33)
	dir := t.TempDir()
	cfg := testConfig()
	cfg.Journal = journalConfig(dir, journal.None)
	cfg.Journal.SnapshotEvery = 4_000
	cfg.Journal.KeepSnapshots = 10
	if _, err := Run(context.Background(), cfg, &sliceSource{evs: evs[:12_000]}, nil); err != nil {
		t.Fatal(err)
	}
	// A snapshot of the same journal, as if taken at 15000, which the
	// journal never reached.
	newest, _, err := journal.LoadLatestSnapshot(dir, journal.SnapshotSelect{})
	if err != nil {
		t.Fatal(err)
	}
	id := journalID(t, dir)
	if _, err := journal.WriteSnapshot(dir, id, 15_000, newest.Payload); err != nil {
		t.Fatal(err)
	}
	all := direct(t, testConfig(), evs)
	rec := &recorder{}
	sum, err := Run(context.Background(), cfg, &sliceSource{evs: evs}, rec)
	if err != nil {
		t.Fatal(err)
	}
	r := sum.Recovery
	if len(r.Skipped) != 1 || !strings.Contains(r.Skipped[0], "15000") {
		t.Errorf("skipped %v, want the snapshot at 15000 reported", r.Skipped)
	}
	if r.SnapshotSeq > 12_000 {
		t.Errorf("recovered from the snapshot at %d, past the journal's end", r.SnapshotSeq)
	}
	if got := digestOf(outsAfter(rec.outs, 12_000)); got != digestOf(outsAfter(all, 12_000)) {
		t.Fatal("the run after the fallback answered differently")
	}
}

// journalID returns the id of the journal in dir.
func journalID(t *testing.T, dir string) uint64 {
	t.Helper()
	rep, err := journal.Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	return rep.Segments[0].ID
}

// The crash child: TestOutputSurvivesKill runs the test binary again with
// these variables set, and TestCrashChild then runs the engine on them.
const (
	envCrashDir  = "PIPELINE_CRASH_DIR"
	envCrashMode = "PIPELINE_CRASH_DURABILITY"
	envCrashSeed = "PIPELINE_CRASH_SEED"
	crashEvents  = 400_000
)

// TestCrashChild is the child process of TestOutputSurvivesKill; it does
// nothing in a normal test run.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(envCrashDir)
	if dir == "" {
		t.Skip("the child of TestOutputSurvivesKill")
	}
	d, err := journal.ParseDurability(os.Getenv(envCrashMode))
	if err != nil {
		t.Fatal(err)
	}
	evs := genFlow(t, crashEvents, 41)
	cfg := testConfig()
	cfg.Output = csvOutput(filepath.Join(dir, "out.csv"))
	cfg.Journal = journalConfig(filepath.Join(dir, "journal"), d)
	cfg.Journal.SnapshotEvery = 50_000
	// Paced, so that the parent's kills land in every phase of a run:
	// recovery, re-emission, new events, the end.
	src := &sliceSource{evs: evs, onEv: func(n int) {
		if n%2000 == 0 {
			time.Sleep(time.Millisecond)
		}
	}}
	sum, err := Run(context.Background(), cfg, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(sum)
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOutputSurvivesKill kills a real engine process (SIGKILL) at random
// moments, restarts it on its journal each time with the same feed, and
// checks that the output file and the summary's digest at the end are those
// of one uninterrupted run: no output lost, none written twice. In Sync and
// Batch modes. The seed is logged; set PIPELINE_CRASH_SEED to rerun one.
func TestOutputSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(envCrashSeed); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s=%q: %v", envCrashSeed, s, err)
		}
	}
	t.Logf("seed %d (rerun with %s=%d)", seed, envCrashSeed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	evs := genFlow(t, crashEvents, 41)
	whole := filepath.Join(t.TempDir(), "whole.csv")
	cfg := testConfig()
	cfg.Output = csvOutput(whole)
	want, err := Run(context.Background(), cfg, &sliceSource{evs: evs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantBytes, _ := os.ReadFile(whole)

	for _, mode := range []string{"sync", "batch"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			kills := 0
			for attempt := 0; ; attempt++ {
				if attempt > 40 {
					t.Fatalf("no run finished in %d attempts", attempt)
				}
				cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), envCrashDir+"="+dir, envCrashMode+"="+mode)
				var stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stderr, &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				var err error
				if kills < 6 {
					select {
					case err = <-done:
					case <-time.After(time.Duration(20+rng.IntN(400)) * time.Millisecond):
						cmd.Process.Signal(syscall.SIGKILL)
						err = <-done
						kills++
					}
				} else {
					err = <-done
				}
				if err == nil {
					break
				}
				var ee *exec.ExitError
				if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() {
					t.Fatalf("child failed: %v\n%s", err, stderr.String())
				}
			}
			t.Logf("%d kills", kills)
			got, _ := os.ReadFile(filepath.Join(dir, "out.csv"))
			if !bytes.Equal(got, wantBytes) {
				t.Fatalf("output after %d kills: %d bytes, first difference at %d; want the %d bytes of one uninterrupted run",
					kills, len(got), firstDiff(got, wantBytes), len(wantBytes))
			}
			var sum Summary
			b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &sum); err != nil {
				t.Fatal(err)
			}
			if sum.OutputDigest != want.OutputDigest {
				t.Fatalf("summary digest %s after %d kills, want %s", sum.OutputDigest, kills, want.OutputDigest)
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestSnapshotsWaitForDurability: in Batch mode the logic runs ahead of the
// msyncs; a snapshot or an output checkpoint is written only once the
// journal is durable up to its sequence. With a committer that would not
// commit for an hour, the run still ends at once (the end commits), and
// every snapshot and the checkpoint stand for durable events only.
func TestSnapshotsWaitForDurability(t *testing.T) {
	evs := genFlow(t, 20_000, 34)
	dir := t.TempDir()
	cfg := testConfig()
	cfg.Journal = journalConfig(dir, journal.Batch)
	cfg.Journal.Options.BatchInterval = time.Hour
	cfg.Journal.Options.BatchRecords = 1 << 30
	cfg.Journal.SnapshotEvery = 5_000
	cfg.Journal.KeepSnapshots = 10
	sum, err := Run(context.Background(), cfg, &sliceSource{evs: evs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Snapshots == 0 || sum.Journal.DurableSeq != uint64(len(evs)) {
		t.Fatalf("%d snapshots, durable to %d; want snapshots and all %d durable", sum.Snapshots, sum.Journal.DurableSeq, len(evs))
	}
	ck, ok, err := readCheckpoint(dir)
	if err != nil || !ok || ck.seq != uint64(len(evs)) {
		t.Fatalf("checkpoint %+v %v %v, want one at %d", ck, ok, err, len(evs))
	}
}
