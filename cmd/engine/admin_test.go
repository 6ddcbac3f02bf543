package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tradeengine/engine/admin"
)

// liveEngine is `engine run` in a child process whose feed is a pipe the
// test writes.
type liveEngine struct {
	cmd      *exec.Cmd
	feed     io.WriteCloser
	out, err bytes.Buffer
}

func startEngine(t *testing.T, dir string, args ...string) *liveEngine {
	t.Helper()
	e := &liveEngine{cmd: exec.Command(os.Args[0], append([]string{"run", "--feed", "-"}, args...)...)}
	e.cmd.Env = append(os.Environ(), "ENGINE_TEST_MAIN=1")
	e.cmd.Dir = dir
	e.cmd.Stdout, e.cmd.Stderr = &e.out, &e.err
	var err error
	if e.feed, err = e.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if e.cmd.ProcessState == nil {
			e.cmd.Process.Kill()
			e.cmd.Wait()
		}
	})
	return e
}

// wait waits for the child and returns its exit code.
func (e *liveEngine) wait(t *testing.T) int {
	t.Helper()
	err := e.cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0
}

// dialWhenUp connects to the admin socket once the engine has opened it.
func dialWhenUp(t *testing.T, path string) *admin.Client {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := admin.Dial(path)
		if err == nil {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("admin socket %s never came up: %v", path, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitApplied waits until the engine has applied seq.
func waitApplied(t *testing.T, c *admin.Client, seq uint64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := c.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.AppliedSeq >= seq {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("engine applied %d, waited for %d", st.AppliedSeq, seq)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// genFeed writes a generated CSV feed of n events and returns its lines.
func genFeed(t *testing.T, dir string, n int) []string {
	t.Helper()
	path := filepath.Join(dir, "feed.csv")
	if r := engine(t, dir, "", "gen", "--events", strconv.Itoa(n), "--out", path); r.code != 0 {
		t.Fatalf("gen: %s", r.stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if len(lines) != n {
		t.Fatalf("gen wrote %d event lines, want %d", len(lines), n)
	}
	return lines
}

// TestSIGTERMMidFeed: SIGTERM in the middle of a live feed with a journal
// exits 0 with the summary, the journal verifies clean, and a restart on
// the whole feed continues with nothing lost or duplicated: its digest of
// the whole journaled run is that of one uninterrupted run.
func TestSIGTERMMidFeed(t *testing.T) {
	dir := t.TempDir()
	lines := genFeed(t, dir, 6000)
	feed := filepath.Join(dir, "feed.csv")
	jdir := filepath.Join(dir, "j")
	e := startEngine(t, dir, "--journal", jdir, "--snapshot-every", "1000", "--summary", "first.json", "--out", "first.csv")
	c := dialWhenUp(t, filepath.Join(jdir, adminSocketName))
	if _, err := io.WriteString(e.feed, strings.Join(lines[:2500], "")); err != nil {
		t.Fatal(err)
	}
	waitApplied(t, c, 2500)
	c.Close()
	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := e.wait(t); code != 0 {
		t.Fatalf("SIGTERM: exit %d\n%s", code, e.err.String())
	}
	e.feed.Close()
	first := readSummary(t, filepath.Join(dir, "first.json"))
	if first.EventsIn != 2500 {
		t.Fatalf("first run took %d events, want 2500", first.EventsIn)
	}
	if !strings.Contains(e.err.String(), "stopping") {
		t.Errorf("no log of the stop:\n%s", e.err.String())
	}
	if r := engine(t, dir, "", "journal", "verify", jdir); r.code != 0 {
		t.Fatalf("journal verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The restart takes the whole feed: the journaled part is skipped.
	r := engine(t, dir, "", "run", "--feed", feed, "--journal", jdir, "--summary", "second.json", "--out", "first.csv", "--admin", "none")
	if r.code != 0 {
		t.Fatalf("restart: exit %d\n%s", r.code, r.stderr)
	}
	second := readSummary(t, filepath.Join(dir, "second.json"))
	if second.EventsIn != 3500 {
		t.Fatalf("restart took %d events, want 3500", second.EventsIn)
	}
	r = engine(t, dir, "", "run", "--feed", feed, "--summary", "whole.json", "--out", "whole.csv")
	if r.code != 0 {
		t.Fatalf("uninterrupted run: exit %d\n%s", r.code, r.stderr)
	}
	if whole := readSummary(t, filepath.Join(dir, "whole.json")); whole.OutputDigest != second.OutputDigest {
		t.Fatalf("digest across the SIGTERM %s, uninterrupted %s", second.OutputDigest, whole.OutputDigest)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "first.csv"))
	b, _ := os.ReadFile(filepath.Join(dir, "whole.csv"))
	if !bytes.Equal(a, b) {
		t.Fatalf("output file across the SIGTERM (%d bytes) differs from the uninterrupted run's (%d bytes)", len(a), len(b))
	}
}

// TestCtl: engine ctl sends one command and prints the answer: exit 0 for
// an answer, 1 for an error answer, 2 when it cannot connect; a kill over
// the socket says its sequence and the orders it cancelled, and the
// following orders of the account are rejected as killed.
func TestCtl(t *testing.T) {
	dir := t.TempDir()
	lines := genFeed(t, dir, 3000)
	jdir := filepath.Join(dir, "j")
	e := startEngine(t, dir, "--journal", jdir, "--summary", "s.json", "--out", "o.csv")
	c := dialWhenUp(t, filepath.Join(jdir, adminSocketName))
	defer c.Close()
	io.WriteString(e.feed, strings.Join(lines[:2000], ""))
	waitApplied(t, c, 2000)

	r := engine(t, dir, "", "ctl", "--journal", jdir, "kill", "account", "1", "cancel", "fat", "finger")
	if r.code != 0 || !strings.Contains(r.stdout, "seq 2001") || !strings.Contains(r.stdout, "cancelled") {
		t.Fatalf("ctl kill: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = engine(t, dir, "", "ctl", "--socket", filepath.Join(jdir, adminSocketName), "json", "status")
	if r.code != 0 || !strings.HasPrefix(r.stdout, `{"status":`) || !strings.Contains(r.stdout, `"trips":1`) {
		t.Fatalf("ctl json status: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r = engine(t, dir, "", "ctl", "--journal", jdir, "book", "NO_SUCH"); r.code != 1 || !strings.HasPrefix(r.stdout, "error:") {
		t.Fatalf("ctl book of an unknown symbol: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r = engine(t, dir, "", "ctl", "--socket", filepath.Join(dir, "nothing.sock"), "status"); r.code != 2 {
		t.Fatalf("ctl without an engine: exit %d, want 2\n%s", r.code, r.stderr)
	}
	if r = engine(t, dir, "", "ctl", "--journal", jdir, "top", "--once", "--interval", "50ms"); r.code != 0 || !strings.Contains(r.stdout, "kill") {
		t.Fatalf("ctl top --once: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	io.WriteString(e.feed, strings.Join(lines[2000:], ""))
	e.feed.Close()
	if code := e.wait(t); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, e.err.String())
	}
	s := readSummary(t, filepath.Join(dir, "s.json"))
	if s.EventsIn != 3001 || s.OrdersRejected["killed"] == 0 {
		t.Fatalf("summary: %d events in, rejections %v", s.EventsIn, s.OrdersRejected)
	}
	out, _ := os.ReadFile(filepath.Join(dir, "o.csv"))
	if !strings.Contains(string(out), ",kill,") {
		t.Fatal("the output has no kill event")
	}
	// The journal says who killed the account, and how.
	uid := os.Getuid()
	r = engine(t, dir, "", "journal", "dump", "--from", "2001", "--to", "2001", jdir)
	want := fmt.Sprintf("# seq 2001: operator uid %d gid %d pid ", uid, os.Getgid())
	if r.code != 0 || !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, `"kill account 1 cancel fat finger"`+"\n") ||
		!strings.Contains(r.stdout, ",kill,1,*,cancel\n") {
		t.Fatalf("journal dump of the kill: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = engine(t, dir, "", "journal", "dump", "--out-format", "jsonl", "--from", "2001", "--to", "2001", jdir)
	var rec struct {
		Kind     string `json:"kind"`
		Operator struct {
			UID  int    `json:"uid"`
			Text string `json:"text"`
		} `json:"operator"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rec); err != nil || rec.Kind != "kill" || rec.Operator.UID != uid || rec.Operator.Text != "kill account 1 cancel fat finger" {
		t.Fatalf("jsonl dump of the kill: %v\n%s", err, r.stdout)
	}
}

// TestStuckAndFloodingClients: a client that sends commands and never reads
// the answers, and one that asks for stats and guards as fast as it can,
// change nothing in what the engine does: its event count and output digest
// are those of a run without them.
func TestStuckAndFloodingClients(t *testing.T) {
	dir := t.TempDir()
	lines := genFeed(t, dir, 20000)
	feed := filepath.Join(dir, "feed.csv")
	sock := filepath.Join(dir, "admin", "engine.sock")
	e := startEngine(t, dir, "--admin", sock, "--summary", "busy.json")
	flood := dialWhenUp(t, sock)
	defer flood.Close()
	// The stuck client: commands whose answers it never reads.
	go func() {
		nc, err := net.Dial("unix", sock)
		if err != nil {
			return
		}
		defer nc.Close()
		for range 5000 {
			if _, err := io.WriteString(nc, "guards\n"); err != nil {
				return
			}
		}
		<-time.After(30 * time.Second)
	}()
	done := make(chan struct{})
	floods := 0
	go func() {
		defer close(done)
		for {
			if _, _, err := flood.Do("stats"); err != nil {
				return
			}
			if _, _, err := flood.Do("guards"); err != nil {
				return
			}
			floods++
		}
	}()
	for i := 0; i < len(lines); i += 1000 {
		io.WriteString(e.feed, strings.Join(lines[i:i+1000], ""))
	}
	e.feed.Close()
	if code := e.wait(t); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, e.err.String())
	}
	<-done
	if floods == 0 {
		t.Fatal("the flooding client got no answer during the run")
	}
	busy := readSummary(t, filepath.Join(dir, "busy.json"))
	if r := engine(t, dir, "", "run", "--feed", feed, "--summary", "quiet.json"); r.code != 0 {
		t.Fatalf("quiet run: %s", r.stderr)
	}
	quiet := readSummary(t, filepath.Join(dir, "quiet.json"))
	if busy.EventsIn != quiet.EventsIn || busy.OutputDigest != quiet.OutputDigest {
		t.Fatalf("with clients: %d events, digest %s; without: %d, %s", busy.EventsIn, busy.OutputDigest, quiet.EventsIn, quiet.OutputDigest)
	}
}

// TestMetricsEndpoint: engine run --metrics serves the live counters in
// the Prometheus text format, which promtool accepts (skipped without
// promtool), with the events the engine has taken.
func TestMetricsEndpoint(t *testing.T) {
	dir := t.TempDir()
	lines := genFeed(t, dir, 2000)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	sock := filepath.Join(dir, "engine.sock")
	e := startEngine(t, dir, "--admin", sock, "--metrics", addr)
	c := dialWhenUp(t, sock)
	defer c.Close()
	io.WriteString(e.feed, strings.Join(lines, ""))
	waitApplied(t, c, 2000)
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d, %v", resp.StatusCode, err)
	}
	if !strings.Contains(string(body), "engine_events_applied_total 2000\n") {
		t.Fatalf("/metrics does not count the 2000 events applied:\n%s", body)
	}
	e.feed.Close()
	if code := e.wait(t); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, e.err.String())
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian package prometheus)")
	}
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = bytes.NewReader(body)
	if out, err := check.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}
