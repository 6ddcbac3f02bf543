package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/tradeengine/engine/wire"
	"github.com/tradeengine/engine/wire/itch"
)

// TestMain lets the test binary act as the engine binary: with
// ENGINE_TEST_MAIN=1 it runs main, so tests exercise stdin, exit codes and
// files exactly as a user would.
func TestMain(m *testing.M) {
	if os.Getenv("ENGINE_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

type result struct {
	stdout, stderr string
	code           int
}

func engine(t *testing.T, dir, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "ENGINE_TEST_MAIN=1")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

type summary struct {
	EventsIn       int64            `json:"events_in"`
	Malformed      int64            `json:"malformed"`
	OrdersAccepted int64            `json:"orders_accepted"`
	OrdersRejected map[string]int64 `json:"orders_rejected"`
	Trades         int64            `json:"trades"`
	TradedQuantity int64            `json:"traded_quantity"`
	Prints         int64            `json:"prints"`
	PrintedQty     int64            `json:"printed_quantity"`
	OutputDigest   string           `json:"output_digest"`
	ElapsedNS      int64            `json:"elapsed_ns"`
	EventsPerSec   float64          `json:"events_per_sec"`
}

func readSummary(t *testing.T, path string) summary {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("summary %s: %v\n%s", path, err, b)
	}
	return s
}

const handFeed = `# a hand-written feed
1000,new,AAPL,1,1,buy,limit,10000,100
1001,new,AAPL,2,2,sell,limit,10001,50
1002,new,AAPL,2,3,sell,limit,10000,30
1003,new,MSFT,3,4,buy,market,0,10
1004,cancel,1,1
1005,cancel,1,99
`

func TestRunHandWrittenFeed(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "feed.csv"), []byte(handFeed), 0o644)
	r := engine(t, dir, "", "run", "--cpu", "-1", "--feed", "feed.csv", "--out", "out.csv", "--summary", "sum.json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	s := readSummary(t, filepath.Join(dir, "sum.json"))
	// 2 symbol definitions + 6 lines; AAPL: order 3 sells 30 into order 1.
	if s.EventsIn != 8 || s.Trades != 1 || s.TradedQuantity != 30 || s.OrdersAccepted != 4 {
		t.Errorf("summary %+v, want 8 events in, 1 trade of 30, 4 accepted", s)
	}
	if s.OrdersRejected["unknown_order"] != 1 {
		t.Errorf("rejected %v, want unknown_order 1", s.OrdersRejected)
	}
	out, _ := os.ReadFile(filepath.Join(dir, "out.csv"))
	if !strings.Contains(string(out), "trade,AAPL,") {
		t.Errorf("output has no AAPL trade:\n%s", out)
	}
	if !strings.Contains(r.stdout, "trades           1 (quantity 30)") {
		t.Errorf("printed summary:\n%s", r.stdout)
	}
}

// TestSameFeedSameDigest: the embedded flow, the same flow written by gen as
// CSV and as native frames, read from a file and from stdin, all give one
// output digest.
func TestSameFeedSameDigest(t *testing.T) {
	dir := t.TempDir()
	const events = "30000"
	for _, f := range []string{"flow.csv", "flow.bin"} {
		if r := engine(t, dir, "", "gen", "--events", events, "--seed", "5", "--out", f); r.code != 0 {
			t.Fatalf("gen %s: exit %d: %s", f, r.code, r.stderr)
		}
	}
	csvFeed, _ := os.ReadFile(filepath.Join(dir, "flow.csv"))
	runs := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"embedded", "", []string{"--events", events, "--seed", "5"}},
		{"csv file", "", []string{"--feed", "flow.csv"}},
		{"native file", "", []string{"--feed", "flow.bin"}},
		{"csv stdin", string(csvFeed), []string{"--feed", "-"}},
		{"embedded again", "", []string{"--events", events, "--seed", "5"}},
	}
	var digest string
	for _, run := range runs {
		args := append([]string{"run", "--cpu", "-1", "--summary", "s.json"}, run.args...)
		r := engine(t, dir, run.stdin, args...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", run.name, r.code, r.stderr)
		}
		s := readSummary(t, filepath.Join(dir, "s.json"))
		if s.EventsIn != 30000 || s.Trades == 0 || s.ElapsedNS <= 0 || s.EventsPerSec <= 0 {
			t.Fatalf("%s: summary %+v", run.name, s)
		}
		if digest == "" {
			digest = s.OutputDigest
		} else if s.OutputDigest != digest {
			t.Errorf("%s: digest %s, want %s", run.name, s.OutputDigest, digest)
		}
	}
}

func TestRunTCPFeed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback: %v", err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Write([]byte(handFeed))
		c.Close()
	}()
	dir := t.TempDir()
	r := engine(t, dir, "", "run", "--cpu", "-1", "--feed", "tcp://"+ln.Addr().String(), "--summary", "s.json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if s := readSummary(t, filepath.Join(dir, "s.json")); s.EventsIn != 8 || s.Trades != 1 {
		t.Fatalf("summary %+v, want 8 events and 1 trade", s)
	}
}

func TestMalformedInput(t *testing.T) {
	feed := handFeed + "1006,new,AAPL,1,9,up,limit,1,1\n1007,frobnicate\n1008,new,AAPL,1,10,buy,limit,9999,5\n"
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "feed.csv"), []byte(feed), 0o644)

	r := engine(t, dir, "", "run", "--cpu", "-1", "--feed", "feed.csv", "--summary", "s.json")
	if r.code != 0 {
		t.Fatalf("default mode: exit %d, want 0: %s", r.code, r.stderr)
	}
	s := readSummary(t, filepath.Join(dir, "s.json"))
	if s.Malformed != 2 || s.EventsIn != 9 {
		t.Errorf("malformed %d events %d, want 2 and 9 (the good line after the bad ones still runs)", s.Malformed, s.EventsIn)
	}
	// Without --out or --journal no dead-letter file is written, in the
	// working directory or anywhere: the records go to stderr.
	if _, err := os.Stat(filepath.Join(dir, "dead-letter.log")); !os.IsNotExist(err) {
		t.Errorf("a run without --out, --journal or --dead-letter wrote dead-letter.log (stat err %v)", err)
	}
	if !strings.Contains(r.stderr, "malformed: line 8\t") || !strings.Contains(r.stderr, "malformed: line 9\t") ||
		!strings.Contains(r.stderr, "2 malformed feed records") {
		t.Errorf("stderr does not show the malformed records: %s", r.stderr)
	}

	// With --out FILE they go beside it; --dead-letter names the file.
	checkDL := func(name string) {
		t.Helper()
		dl, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(dl)), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "line 8\t") || !strings.HasPrefix(lines[1], "line 9\t") {
			t.Errorf("dead letter %s:\n%s", name, dl)
		}
	}
	r = engine(t, dir, "", "run", "--cpu", "-1", "--feed", "feed.csv", "--out", "o.csv", "--quiet")
	if r.code != 0 || !strings.Contains(r.stderr, "written to o.csv.dead-letter") {
		t.Fatalf("--out: exit %d: %s", r.code, r.stderr)
	}
	checkDL("o.csv.dead-letter")
	r = engine(t, dir, "", "run", "--cpu", "-1", "--feed", "feed.csv", "--dead-letter", "bad.log", "--quiet")
	if r.code != 0 {
		t.Fatalf("--dead-letter: exit %d: %s", r.code, r.stderr)
	}
	checkDL("bad.log")

	r = engine(t, dir, "", "run", "--cpu", "-1", "--strict", "--feed", "feed.csv")
	if r.code != 1 || !strings.Contains(r.stderr, "line 8") {
		t.Errorf("strict: exit %d stderr %q, want 1 naming line 8", r.code, r.stderr)
	}
}

func TestCleanRunLeavesNoDeadLetter(t *testing.T) {
	dir := t.TempDir()
	if r := engine(t, dir, "", "run", "--cpu", "-1", "--events", "1000", "--quiet"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "dead-letter.log")); !os.IsNotExist(err) {
		t.Errorf("a clean run created a dead-letter file (stat err %v)", err)
	}
}

func TestOutputFormats(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "feed.csv"), []byte(handFeed), 0o644)
	for _, out := range []string{"o.csv", "o.jsonl", "o.bin"} {
		if r := engine(t, dir, "", "run", "--cpu", "-1", "--feed", "feed.csv", "--out", out, "--quiet"); r.code != 0 {
			t.Fatalf("%s: exit %d: %s", out, r.code, r.stderr)
		}
	}
	j, _ := os.ReadFile(filepath.Join(dir, "o.jsonl"))
	lines := strings.Split(strings.TrimSpace(string(j)), "\n")
	for i, l := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("jsonl line %d %q: %v", i+1, l, err)
		}
	}
	c, _ := os.ReadFile(filepath.Join(dir, "o.csv"))
	if n := strings.Count(strings.TrimSpace(string(c)), "\n"); n != len(lines) {
		t.Errorf("csv has %d data lines, jsonl %d", n, len(lines))
	}
	b, _ := os.ReadFile(filepath.Join(dir, "o.bin"))
	if len(b) != 16+64*len(lines) {
		t.Errorf("native output is %d bytes, want %d", len(b), 16+64*len(lines))
	}
	// Output to stdout: the events go to stdout, the summary to stderr.
	r := engine(t, dir, "", "run", "--cpu", "-1", "--feed", "feed.csv", "--out", "-", "--out-format", "jsonl")
	if r.code != 0 || strings.Count(r.stdout, "\n") != len(lines) || !strings.Contains(r.stderr, "output digest") {
		t.Errorf("--out -: exit %d, %d stdout lines (want %d), stderr %q", r.code, strings.Count(r.stdout, "\n"), len(lines), r.stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, 2, "usage: engine"},
		{"unknown command", []string{"frob"}, 2, `unknown command "frob"`},
		{"bad flag", []string{"run", "--nope"}, 2, "flag provided but not defined"},
		{"bad clock", []string{"run", "--clock", "sundial"}, 2, "sundial"},
		{"bad format", []string{"run", "--feed", "x", "--format", "xml"}, 2, "want csv, native, lobster"},
		{"write-only feed format", []string{"run", "--feed", "x", "--format", "jsonl"}, 2, "does not read jsonl"},
		{"bad out format", []string{"run", "--out", "o", "--out-format", "lobster"}, 2, "want csv, jsonl, native"},
		{"gen --format", []string{"gen", "--format", "native"}, 2, "--out-format"},
		{"gen bad out format", []string{"gen", "--out-format", "lobster"}, 2, "want csv or native"},
		{"dump --format", []string{"journal", "dump", "--format", "jsonl", "j"}, 2, "--out-format"},
		{"dump bad out format", []string{"journal", "dump", "--out-format", "native", "j"}, 2, "want csv or jsonl"},
		{"audit --format", []string{"audit", "--journal", "j", "--format", "html"}, 2, "--out-format"},
		{"missing feed", []string{"run", "--cpu", "-1", "--feed", "/nonexistent/feed.csv"}, 1, "no such file"},
		{"bad cpu", []string{"run", "--cpu", "4096", "--events", "10"}, 1, "cpu 4096"},
		{"stray argument", []string{"gen", "extra"}, 2, "unexpected argument"},
		{"help", []string{"run", "-h"}, 0, "--feed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := engine(t, t.TempDir(), "", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr+r.stdout, tt.want) {
				t.Errorf("exit %d stderr %q; want exit %d containing %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
}

func TestRunLOBSTER(t *testing.T) {
	msgs, err := filepath.Abs("../../../shared/data/lobster_amzn_2012-06-21_L1/AMZN_2012-06-21_34200000_57600000_message_1.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(msgs); err != nil {
		t.Skipf("LOBSTER sample data absent: %v", err)
	}
	dir := t.TempDir()
	r := engine(t, dir, "", "run", "--cpu", "-1", "--format", "lobster", "--feed", msgs, "--summary", "s.json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	s := readSummary(t, filepath.Join(dir, "s.json"))
	// 27,845 new orders and 8,974 executions replayed as IOC takers, plus the
	// seeded book; every visible execution should trade. A real day trips no
	// risk guard: the only rejections are cancels of orders the level-1 file
	// never showed (unknown_order).
	if s.Malformed != 0 || s.OrdersAccepted < 27845+8974 || s.Trades < 8974 || len(s.OrdersRejected) != 1 {
		t.Fatalf("summary %+v", s)
	}
	// Hidden executions are on the output's trade tape: as many, and as
	// many shares, as the file has (read here independently).
	raw, err := os.ReadFile(msgs)
	if err != nil {
		t.Fatal(err)
	}
	var hidden, hiddenQty, visibleQty int64
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		f := strings.Split(line, ",")
		q, _ := strconv.ParseInt(f[3], 10, 64)
		switch f[1] {
		case "4":
			visibleQty += q
		case "5":
			hidden, hiddenQty = hidden+1, hiddenQty+q
		}
	}
	if s.Prints != hidden || s.PrintedQty != hiddenQty || hidden == 0 {
		t.Errorf("prints %d of %d shares, the file's hidden executions %d of %d", s.Prints, s.PrintedQty, hidden, hiddenQty)
	}
	// Without --format, the file's name says LOBSTER: the same run, the
	// guard's LOBSTER tick included (with cent ticks its dollar limits
	// would reject orders, and the digest would differ).
	r = engine(t, dir, "", "run", "--cpu", "-1", "--feed", msgs, "--summary", "auto.json")
	if r.code != 0 {
		t.Fatalf("auto: exit %d: %s", r.code, r.stderr)
	}
	if a := readSummary(t, filepath.Join(dir, "auto.json")); a.OutputDigest != s.OutputDigest || a.EventsIn != s.EventsIn {
		t.Errorf("auto: %+v, want the --format lobster run's %+v", a, s)
	}
	// Re-synchronised to the orderbook file, on a journal: the engine
	// trades exactly the file's visible volume (not re-synchronised, a
	// level-1 day trades about 1.5 times it), and a replay of the journal
	// gives the same output.
	book := strings.Replace(msgs, "_message_", "_orderbook_", 1)
	r = engine(t, dir, "", "run", "--cpu", "-1", "--feed", msgs, "--sync-book", book, "--journal", "js", "--summary", "sync.json")
	if r.code != 0 {
		t.Fatalf("sync: exit %d: %s", r.code, r.stderr)
	}
	sy := readSummary(t, filepath.Join(dir, "sync.json"))
	if sy.TradedQuantity != visibleQty || s.TradedQuantity == visibleQty {
		t.Errorf("traded %d re-synchronised, %d not; the file's visible executions %d", sy.TradedQuantity, s.TradedQuantity, visibleQty)
	}
	r = engine(t, dir, "", "replay", "--journal", "js", "--summary", "replayed.json")
	if r.code != 0 {
		t.Fatalf("replay: exit %d: %s", r.code, r.stderr)
	}
	if rp := readSummary(t, filepath.Join(dir, "replayed.json")); rp.OutputDigest != sy.OutputDigest {
		t.Errorf("replay digest %s, live %s", rp.OutputDigest, sy.OutputDigest)
	}
}

// TestJournalRunRestartVerifyDump: run on a journal, run again with the same
// feed (the journaled events are skipped, the sequence continues), verify
// the journal, dump part of it, and find a corruption.
func TestJournalRunRestartVerifyDump(t *testing.T) {
	dir := t.TempDir()
	if r := engine(t, dir, "", "gen", "--events", "20000", "--out", "flow.csv"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	flow, _ := os.ReadFile(filepath.Join(dir, "flow.csv"))
	lines := strings.Split(strings.TrimSpace(string(flow)), "\n")
	var head strings.Builder
	for _, l := range lines[:len(lines)/2] {
		head.WriteString(l + "\n")
	}
	os.WriteFile(filepath.Join(dir, "head.csv"), []byte(head.String()), 0o644)

	// The whole flow in one run, for reference.
	if r := engine(t, dir, "", "run", "--cpu", "-1", "--feed", "flow.csv", "--journal", "jall", "--summary", "all.json"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	all := readSummary(t, filepath.Join(dir, "all.json"))

	// Half, then the whole feed again on the same journal.
	r := engine(t, dir, "", "run", "--cpu", "-1", "--feed", "head.csv", "--journal", "j", "--durability", "sync",
		"--snapshot-every", "3000", "--summary", "s1.json")
	if r.code != 0 || !strings.Contains(r.stdout, "journal created") {
		t.Fatalf("first run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	s1 := readSummary(t, filepath.Join(dir, "s1.json"))
	r = engine(t, dir, "", "run", "--cpu", "-1", "--feed", "flow.csv", "--journal", "j", "--snapshot-every", "3000",
		"--out", "rest.csv", "--summary", "s2.json")
	if r.code != 0 {
		t.Fatalf("restart: exit %d: %s", r.code, r.stderr)
	}
	s2 := readSummary(t, filepath.Join(dir, "s2.json"))
	if want := fmt.Sprintf("resumed from %d (%d feed events already journaled, skipped)", s1.EventsIn+1, s1.EventsIn); !strings.Contains(r.stdout, want) {
		t.Errorf("restart does not say %q:\n%s", want, r.stdout)
	}
	if s1.EventsIn+s2.EventsIn != all.EventsIn || s1.Trades+s2.Trades != all.Trades {
		t.Errorf("split runs: %d+%d events, %d+%d trades; one run: %d events, %d trades",
			s1.EventsIn, s2.EventsIn, s1.Trades, s2.Trades, all.EventsIn, all.Trades)
	}
	// The summary's digest covers the journal's whole run: two summaries
	// show that a stopped and restarted run equals one uninterrupted run.
	if s2.OutputDigest != all.OutputDigest {
		t.Errorf("restarted run's output digest %s, one run's %s", s2.OutputDigest, all.OutputDigest)
	}
	rest, _ := os.ReadFile(filepath.Join(dir, "rest.csv"))
	if first := strings.SplitN(string(rest), "\n", 3)[1]; !strings.HasPrefix(first, fmt.Sprintf("%d,", s1.EventsIn+1)) {
		t.Errorf("restart output starts with %q, want sequence %d: outputs duplicated", first, s1.EventsIn+1)
	}

	r = engine(t, dir, "", "journal", "verify", "j")
	if r.code != 0 || !strings.Contains(r.stdout, "clean") {
		t.Fatalf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The dump is a CSV feed: the whole journal as a feed gives the run's
	// digest; a part of it starts with the symbols defined before it.
	r = engine(t, dir, "", "journal", "dump", "j")
	if r.code != 0 {
		t.Fatalf("dump: exit %d\n%s", r.code, r.stderr)
	}
	os.WriteFile(filepath.Join(dir, "dump.csv"), []byte(r.stdout), 0o644)
	if r := engine(t, dir, "", "run", "--cpu", "-1", "--feed", "dump.csv", "--summary", "dump.json"); r.code != 0 {
		t.Fatalf("run of the dump: exit %d\n%s", r.code, r.stderr)
	}
	if d := readSummary(t, filepath.Join(dir, "dump.json")); d.OutputDigest != all.OutputDigest || d.EventsIn != all.EventsIn || d.Malformed != 0 {
		t.Fatalf("the dump run as a feed: %d events, %d malformed, digest %s; the run: %d events, digest %s",
			d.EventsIn, d.Malformed, d.OutputDigest, all.EventsIn, all.OutputDigest)
	}
	r = engine(t, dir, "", "journal", "dump", "j", "--from", "10", "--to", "12")
	var dump []string
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if !strings.HasPrefix(l, "#") {
			dump = append(dump, l)
		}
	}
	flowEvents := strings.Split(strings.TrimSpace(string(flow)), "\n")
	var flowLines []string
	for _, l := range flowEvents {
		if !strings.HasPrefix(l, "#") {
			flowLines = append(flowLines, l)
		}
	}
	if r.code != 0 || len(dump) < 4 || !strings.HasSuffix(dump[0], ",symbol,AAPL") ||
		dump[len(dump)-3] != flowLines[9] || dump[len(dump)-1] != flowLines[11] {
		t.Fatalf("dump --from 10 --to 12: exit %d\n%s%s\nflow lines 10..12: %q", r.code, r.stdout, r.stderr, flowLines[9:12])
	}
	r = engine(t, dir, "", "journal", "dump", "--out-format", "jsonl", "j", "--to", "1")
	var first map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &first); err != nil || first["kind"] != "symbol" || first["symbol"] != "AAPL" {
		t.Fatalf("jsonl dump %q: %v", r.stdout, err)
	}

	// Corrupt a record in the middle: verify fails and names where.
	segs, _ := filepath.Glob(filepath.Join(dir, "j", "*.seg"))
	b, _ := os.ReadFile(segs[0])
	b[100_000] ^= 0x55
	os.WriteFile(segs[0], b, 0o644)
	r = engine(t, dir, "", "journal", "verify", "j")
	if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "offset") {
		t.Fatalf("verify of a corrupt journal: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = engine(t, dir, "", "run", "--cpu", "-1", "--feed", "flow.csv", "--journal", "j")
	if r.code != 1 || !strings.Contains(r.stderr, "corrupt") {
		t.Fatalf("run on a corrupt journal: exit %d: %s", r.code, r.stderr)
	}
}

type riskSummary struct {
	Risk struct {
		Rejections map[string]int64 `json:"rejections"`
		Trips      []struct {
			Account string `json:"account"`
			Reason  string `json:"reason"`
		} `json:"trips"`
		Runaway *struct {
			Killed     bool  `json:"Killed"`
			TimeToKill int64 `json:"TimeToKill"`
			Leaked     int64 `json:"Leaked"`
		} `json:"runaway"`
	} `json:"risk"`
}

func TestRiskFlags(t *testing.T) {
	dir := t.TempDir()
	readRisk := func(name string) riskSummary {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var s riskSummary
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		return s
	}

	// The knight scenario, written by gen and run from the file.
	r := engine(t, dir, "", "gen", "--scenario", "knight", "--knight-start", "2s", "--events", "600000", "--out", "knight.bin")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	i := strings.Index(r.stderr, "--runaway ")
	if i < 0 {
		t.Fatalf("gen does not say how to report the runaway: %s", r.stderr)
	}
	runaway := strings.Fields(r.stderr[i+len("--runaway "):])[0]
	r = engine(t, dir, "", "run", "--cpu", "-1", "--feed", "knight.bin", "--runaway", runaway, "--summary", "k.json")
	if r.code != 0 || !strings.Contains(r.stdout, "killed at seq") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	k := readRisk("k.json")
	if k.Risk.Runaway == nil || !k.Risk.Runaway.Killed || k.Risk.Runaway.TimeToKill > 100e6 || k.Risk.Runaway.Leaked >= 1000 {
		t.Fatalf("runaway %+v: want killed within 100 ms with fewer than 1000 executions leaked", k.Risk.Runaway)
	}

	// The same flow with the guard off: no trip, nothing stops it.
	r = engine(t, dir, "", "run", "--cpu", "-1", "--feed", "knight.bin", "--risk", "off", "--summary", "off.json")
	if r.code != 0 || strings.Contains(r.stdout, "risk ") {
		t.Fatalf("--risk off: exit %d\n%s", r.code, r.stdout)
	}
	if off := readRisk("off.json"); off.Risk.Trips != nil {
		t.Fatalf("--risk off still reports risk: %+v", off.Risk)
	}

	// A configuration file: a tight order size limit, and a broken file.
	os.WriteFile(filepath.Join(dir, "tight.conf"), []byte("# tiny orders only\n[defaults]\nmax_order_qty = 50\n"), 0o644)
	r = engine(t, dir, "", "run", "--cpu", "-1", "--events", "20000", "--risk", "tight.conf", "--summary", "tight.json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if n := readRisk("tight.json").Risk.Rejections["max_qty"]; n == 0 {
		t.Fatal("max_order_qty = 50 rejected nothing")
	}
	os.WriteFile(filepath.Join(dir, "bad.conf"), []byte("[defaults]\nmax_order_qty = lots\n"), 0o644)
	r = engine(t, dir, "", "run", "--cpu", "-1", "--events", "100", "--risk", "bad.conf")
	if r.code == 0 || !strings.Contains(r.stderr, "bad.conf:2") {
		t.Fatalf("bad config: exit %d stderr %q, want a refusal naming bad.conf:2", r.code, r.stderr)
	}
}

// inProcess runs mainErr in the test's process, in dir.
func inProcess(t *testing.T, dir string, args ...string) result {
	t.Helper()
	if dir != "" {
		t.Chdir(dir)
	}
	var out, errb bytes.Buffer
	code := mainErr(args, &out, &errb)
	return result{out.String(), errb.String(), code}
}

// TestFlagRules: a flag that needs another, a value that cannot be, and a
// negative number where a positive one is needed are usage errors (exit 2)
// that say which flag and why, in every subcommand, before anything runs.
func TestFlagRules(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"durability without journal", []string{"run", "--durability", "sync"}, "--durability needs --journal"},
		{"resume without journal", []string{"run", "--resume", "new"}, "--resume needs --journal"},
		{"snapshot-every without journal", []string{"run", "--snapshot-every", "100"}, "--snapshot-every needs --journal"},
		{"keep-snapshots without journal", []string{"run", "--keep-snapshots", "3"}, "--keep-snapshots needs --journal"},
		{"retain-segments without journal", []string{"run", "--retain-segments", "3"}, "--retain-segments needs --journal"},
		{"retain-age without journal", []string{"run", "--retain-age", "1h"}, "--retain-age needs --journal"},
		{"batch-records without journal", []string{"run", "--batch-records", "8"}, "--batch-records needs --journal"},
		{"batch-interval without journal", []string{"run", "--batch-interval", "1ms"}, "--batch-interval needs --journal"},
		{"segment-size without journal", []string{"run", "--segment-size", "1048576"}, "--segment-size needs --journal"},
		{"truncate-corrupt without journal", []string{"run", "--truncate-corrupt"}, "--truncate-corrupt needs --journal"},
		{"batch-records with sync", []string{"run", "--journal", "j", "--durability", "sync", "--batch-records", "8"}, "--batch-records needs --durability batch"},
		{"batch-interval with none", []string{"run", "--journal", "j", "--durability", "none", "--batch-interval", "1ms"}, "--batch-interval needs --durability batch"},
		{"unknown durability without journal", []string{"run", "--durability", "fast"}, `--durability "fast": want none, batch or sync`},
		{"unknown resume without journal", []string{"run", "--resume", "maybe"}, `--resume "maybe": want skip or new`},
		{"symbol without feed", []string{"run", "--symbol", "AMZN"}, "--symbol needs a lobster feed"},
		{"book with csv feed", []string{"run", "--feed", "f.csv", "--format", "csv", "--book", "b.csv"}, "--book needs a lobster feed"},
		{"sync book with csv feed", []string{"run", "--feed", "f.csv", "--format", "csv", "--sync-book", "b.csv"}, "--sync-book needs a lobster feed"},
		{"events with feed", []string{"run", "--feed", "f.csv", "--events", "10"}, "--events is for the embedded flow"},
		{"seed with feed", []string{"run", "--feed", "f.csv", "--seed", "3"}, "--seed is for the embedded flow"},
		{"scenario with feed", []string{"run", "--feed", "f.csv", "--scenario", "knight"}, "--scenario is for the embedded flow"},
		{"out-format without out", []string{"run", "--out-format", "jsonl"}, "--out-format needs --out"},
		{"unknown scenario", []string{"run", "--scenario", "queen"}, `--scenario "queen": want knight or knight-noparents`},
		{"run negative events", []string{"run", "--events", "-5"}, "--events -5: must be positive"},
		{"run zero events", []string{"run", "--events", "0"}, "--events 0: must be positive"},
		{"run negative seed", []string{"run", "--seed", "-1"}, "--seed -1: must not be negative"},
		{"run negative snapshot-every", []string{"run", "--journal", "j", "--snapshot-every", "-10"}, "--snapshot-every -10: must not be negative"},
		{"run negative batch-records", []string{"run", "--journal", "j", "--batch-records", "-1"}, "--batch-records -1: must be positive"},
		{"run negative retain-age", []string{"run", "--journal", "j", "--retain-age", "-1h"}, "--retain-age -1h0m0s: must not be negative"},
		{"run negative cpu", []string{"run", "--cpu", "-2"}, "--cpu -2: want a CPU number or -1"},
		{"gen negative events", []string{"gen", "--events", "-5"}, "--events -5: must be positive"},
		{"gen negative seed", []string{"gen", "--seed", "-5"}, "--seed -5: must not be negative"},
		{"gen negative symbols", []string{"gen", "--symbols", "-1"}, "--symbols -1: must be positive"},
		{"gen negative rate", []string{"gen", "--rate", "-100"}, "--rate -100: must be positive"},
		{"gen knight-start without knight", []string{"gen", "--knight-start", "1s"}, "--knight-start needs --scenario knight"},
		{"gen burst factor without burst", []string{"gen", "--open-burst-factor", "3"}, "--open-burst-factor needs --open-burst"},
		{"dump negative from", []string{"journal", "dump", "j", "--from", "-3"}, "--from -3: must not be negative"},
		{"dump negative to", []string{"journal", "dump", "--to", "-1", "j"}, "--to -1: must not be negative"},
		{"bench negative duration", []string{"bench", "ring", "--duration", "-1s"}, "--duration -1s: must be positive"},
		{"bench negative rate", []string{"bench", "e2e", "--rate", "100000,-5"}, "--rate -5: must be positive"},
		{"journal unknown subcommand", []string{"journal", "frob"}, `engine journal: unknown subcommand "frob"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			r := inProcess(t, dir, tt.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d stderr %q; want exit %d containing %q", r.code, r.stderr, exitUsage, tt.want)
			}
			if n := strings.Count(r.stderr, tt.want); n > 1 {
				t.Errorf("the error is printed %d times:\n%s", n, r.stderr)
			}
			if strings.Contains(r.stderr, "journal: journal:") || strings.Contains(r.stderr, "parse error") {
				t.Errorf("stacked or unhelpful message: %s", r.stderr)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("a refused command line created %v", ents)
			}
		})
	}
}

// TestHelp: --help of the binary and of every command and subcommand
// prints the usage to stdout and exits 0.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"help"},
		{"run", "--help"}, {"gen", "--help"}, {"bench", "--help"}, {"bench", "all", "-h"},
		{"journal", "--help"}, {"journal", "-h"},
		{"journal", "verify", "--help"}, {"journal", "dump", "--help"}, {"journal", "dump", "DIR", "-h"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := inProcess(t, t.TempDir(), args...)
			if r.code != 0 || !strings.Contains(r.stdout, "usage: engine") || r.stderr != "" {
				t.Errorf("exit %d stdout %q stderr %q; want exit 0 and the usage on stdout", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// TestOutputPathsCheckedFirst: an output path that cannot be written stops
// the run before it starts: nothing is read, journaled or written, the
// error is printed once, and no summary.
func TestOutputPathsCheckedFirst(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"summary in a missing directory", []string{"--summary", "/nonexistent/dir/x.json"}, "--summary /nonexistent/dir/x.json: directory /nonexistent/dir does not exist"},
		{"summary is a directory", []string{"--summary", "sub"}, "--summary sub: is a directory"},
		{"out in a missing directory", []string{"--out", "nodir/o.csv"}, "--out nodir/o.csv: directory nodir does not exist"},
		{"out is a directory", []string{"--out", "sub"}, "--out sub: is a directory"},
		{"dead-letter under a file", []string{"--dead-letter", "old.csv/dl.log"}, "--dead-letter old.csv/dl.log: old.csv is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.Mkdir(filepath.Join(dir, "sub"), 0o755)
			os.WriteFile(filepath.Join(dir, "old.csv"), []byte("keep me\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "feed.csv"), []byte(handFeed), 0o644)
			args := append([]string{"run", "--cpu", "-1", "--feed", "feed.csv", "--journal", "j"}, tt.args...)
			if !slices.Contains(tt.args, "--out") {
				args = append(args, "--out", "old.csv")
			}
			r := engine(t, dir, "", args...)
			if r.code == 0 || strings.Count(r.stderr, tt.want) != 1 || strings.Count(r.stderr, "\n") != 1 {
				t.Fatalf("exit %d stderr %q; want a failure printing once %q", r.code, r.stderr, tt.want)
			}
			if r.stdout != "" {
				t.Errorf("a run that never started printed %q", r.stdout)
			}
			if _, err := os.Stat(filepath.Join(dir, "j")); !os.IsNotExist(err) {
				t.Errorf("the journal was created: events were processed (stat err %v)", err)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "old.csv")); string(b) != "keep me\n" {
				t.Errorf("--out old.csv was truncated or written: %q", b)
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 3 {
				t.Errorf("the directory holds %v, want only sub, old.csv and feed.csv", ents)
			}
		})
	}
}

// TestStartFailureNoSummary: a run that fails before it starts prints its
// error once, with no stacked prefix, and neither prints nor writes an
// all-zero summary.
func TestStartFailureNoSummary(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notadir"), nil, 0o644)
	r := engine(t, dir, "", "run", "--cpu", "-1", "--events", "1000", "--journal", "notadir", "--summary", "s.json")
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "not a directory") {
		t.Fatalf("exit %d stderr %q; want exit 1 and one line of error", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "journal: journal:") {
		t.Errorf("stacked prefixes: %s", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("printed a summary of a run that never started:\n%s", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "s.json")); !os.IsNotExist(err) {
		t.Errorf("wrote a summary of a run that never started (stat err %v)", err)
	}
}

// TestKnightDefaults: the knight scenarios with their defaults run away and
// are stopped, from gen's feed as in run's embedded flow; without parent
// instructions the execution anomaly detector stops the router.
func TestKnightDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 3 million events twice")
	}
	dir := t.TempDir()
	// gen writes the flow that run embeds (TestSameFeedSameDigest): the
	// same number of events, reaching past the runaway.
	g := engine(t, dir, "", "gen", "--scenario", "knight", "--out", "/dev/null")
	if g.code != 0 {
		t.Fatalf("gen: exit %d: %s", g.code, g.stderr)
	}
	var wrote int64
	if _, err := fmt.Sscanf(g.stderr, "engine gen: wrote %d events", &wrote); err != nil {
		t.Fatalf("gen: %v: %s", err, g.stderr)
	}
	for _, tc := range []struct{ scenario, reason string }{{"knight", "out_vs_in"}, {"knight-noparents", "exec_anomaly"}} {
		t.Run(tc.scenario, func(t *testing.T) {
			r := engine(t, dir, "", "run", "--cpu", "-1", "--scenario", tc.scenario, "--summary", tc.scenario+".json")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if !strings.Contains(r.stdout, "by "+tc.reason) {
				t.Fatalf("the runaway was not stopped by %s:\n%s", tc.reason, r.stdout)
			}
			var s riskSummary
			b, _ := os.ReadFile(filepath.Join(dir, tc.scenario+".json"))
			if err := json.Unmarshal(b, &s); err != nil {
				t.Fatal(err)
			}
			if ra := s.Risk.Runaway; ra == nil || !ra.Killed || ra.TimeToKill > 100e6 || ra.Leaked >= 1000 {
				t.Fatalf("runaway %+v: want killed within 100 ms with fewer than 1000 executions leaked", ra)
			}
			if tc.scenario == "knight" && readSummary(t, filepath.Join(dir, "knight.json")).EventsIn != wrote {
				t.Errorf("gen --scenario knight wrote %d events, run --scenario knight ran another number", wrote)
			}
		})
	}
}

// TestStreamPaths: paths that are not regular files are streams. A named
// pipe as the feed is live (read by a pump, so that the stages sharing
// ingest's thread never wait in its read) and runs to the same summary as
// the file; /dev/null as the output, with a journal, is written as a
// stream (no sync, no checkpoint offset) instead of failing at the first
// checkpoint.
func TestStreamPaths(t *testing.T) {
	dir := t.TempDir()
	feed := filepath.Join(dir, "feed.csv")
	os.WriteFile(feed, []byte(handFeed), 0o644)
	fifo := filepath.Join(dir, "feed.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for spec, want := range map[string]bool{"": false, "-": true, "tcp://127.0.0.1:1": true, feed: false, fifo: true, "/dev/null": true} {
		if got := liveFeed(spec); got != want {
			t.Errorf("liveFeed(%q) = %v, want %v", spec, got, want)
		}
	}
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		f.WriteString(handFeed)
		f.Close()
	}()
	r := engine(t, dir, "", "run", "--cpu", "-1", "--threads", "shared", "--feed", "feed.fifo", "--format", "csv",
		"--journal", "j", "--out", "/dev/null", "--summary", "sum.json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	s := readSummary(t, filepath.Join(dir, "sum.json"))
	if s.EventsIn != 8 || s.Trades != 1 || s.TradedQuantity != 30 {
		t.Errorf("summary %+v, want 8 events in, 1 trade of 30", s)
	}
}

// TestFormatsByPath: one table (wire.Formats) decides every subcommand's
// formats from paths: gen writes native frames for a .feed or .bin path and
// CSV otherwise, engine run reads either back without --format, and writes
// JSON lines for a .jsonl output.
func TestFormatsByPath(t *testing.T) {
	dir := t.TempDir()
	var digests []string
	for _, name := range []string{"flow.feed", "flow.bin", "flow.csv", "flow"} {
		if r := engine(t, dir, "", "gen", "--events", "2000", "--out", name); r.code != 0 {
			t.Fatalf("gen %s: exit %d: %s", name, r.code, r.stderr)
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		native := bytes.HasPrefix(b, wire.FeedMagic[:])
		if want := strings.HasSuffix(name, ".feed") || strings.HasSuffix(name, ".bin"); native != want {
			t.Errorf("gen %s: native %v, want %v", name, native, want)
		}
		out := name + ".jsonl"
		if r := engine(t, dir, "", "run", "--cpu", "-1", "--feed", name, "--out", out, "--summary", name+".sum"); r.code != 0 {
			t.Fatalf("run %s: exit %d: %s", name, r.code, r.stderr)
		}
		digests = append(digests, readSummary(t, filepath.Join(dir, name+".sum")).OutputDigest)
		o, err := os.ReadFile(filepath.Join(dir, out))
		if err != nil || !bytes.HasPrefix(o, []byte("{")) {
			t.Errorf("%s: not JSON lines: %.40q, %v", out, o, err)
		}
	}
	if len(slices.Compact(slices.Clone(digests))) != 1 {
		t.Errorf("digests differ by the feed's format: %v", digests)
	}
}

// TestLobsterCompare: engine lobster compare on a LOBSTER pair reports in
// JSON, writes the engine's book row for row in LOBSTER's format (the first
// row, seeded from the file, equal to the file's), and refuses a command
// line it cannot run.
func TestLobsterCompare(t *testing.T) {
	matches, _ := filepath.Glob("../../../shared/data/lobster_amzn_2012-06-21_L5_first1000/*_message_*")
	if len(matches) == 0 {
		t.Skip("LOBSTER sample data absent")
	}
	msgs, err := filepath.Abs(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if r := engine(t, dir, "", "lobster", "compare", "--messages", msgs, "--sync"); r.code != 0 || !strings.Contains(r.stdout, "step agreements") || !strings.Contains(r.stdout, "top of book agrees  100.00%") {
		t.Errorf("--sync: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := engine(t, dir, "", "lobster", "compare", "--messages", msgs, "--out-format", "json", "--book-out", "book.csv")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep struct {
		Messages int64 `json:"messages"`
		Levels   int   `json:"levels"`
		TopAgree int64 `json:"top_agree"`
		Shares   struct {
			Top float64 `json:"top"`
		} `json:"shares"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, r.stdout)
	}
	if rep.Messages != 1000 || rep.Levels != 5 || rep.TopAgree == 0 || rep.Shares.Top != float64(rep.TopAgree)/1000 {
		t.Errorf("report %+v", rep)
	}
	got, err := os.ReadFile(filepath.Join(dir, "book.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(strings.Replace(msgs, "_message_", "_orderbook_", 1))
	if err != nil {
		t.Fatal(err)
	}
	gl, wl := strings.Split(strings.TrimSpace(string(got)), "\n"), strings.Split(strings.TrimSpace(string(want)), "\n")
	if len(gl) != 1000 || strings.TrimSpace(gl[0]) != strings.TrimSpace(wl[0]) {
		t.Errorf("book out: %d rows, first %q; want 1000, first %q", len(gl), gl[0], wl[0])
	}
	for _, bad := range [][]string{
		{"lobster", "compare"},
		{"lobster", "compare", "--messages", msgs, "--out-format", "xml"},
		{"lobster", "compare", "--messages", "plain.csv"},
		{"lobster", "frob"},
	} {
		if r := engine(t, dir, "", bad...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2: %s", bad, r.code, r.stderr)
		}
	}
}

// TestRunITCH: engine run reads NASDAQ ITCH 5.0 by the file's extension: a
// written day (an execution replayed by the engine's matching, a hidden
// trade on the tape) and the real sample's first 1,000 messages (a symbol
// for every stock of the directory).
func TestRunITCH(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	w := itch.NewWriter(&b)
	var aapl [8]byte
	copy(aapl[:], "AAPL    ")
	for _, m := range []itch.Message{
		{Type: itch.TypeStockDirectory, StockLocate: 1, Timestamp: 1, Stock: aapl},
		{Type: itch.TypeAddOrder, StockLocate: 1, Timestamp: 2, OrderRef: 1, Side: 'B', Shares: 100, Stock: aapl, Price: 1000000},
		{Type: itch.TypeAddOrder, StockLocate: 1, Timestamp: 3, OrderRef: 2, Side: 'S', Shares: 50, Stock: aapl, Price: 1010000},
		{Type: itch.TypeOrderExecuted, StockLocate: 1, Timestamp: 4, OrderRef: 1, ExecutedShares: 40, MatchNumber: 1},
		{Type: itch.TypeTrade, StockLocate: 1, Timestamp: 5, Side: 'S', Shares: 7, Stock: aapl, Price: 1005000, MatchNumber: 2},
	} {
		if err := w.Write(&m); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	os.WriteFile(filepath.Join(dir, "day.itch"), b.Bytes(), 0o644)
	r := engine(t, dir, "", "run", "--cpu", "-1", "--feed", "day.itch", "--summary", "s.json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	s := readSummary(t, filepath.Join(dir, "s.json"))
	if s.EventsIn != 5 || s.Trades != 1 || s.TradedQuantity != 40 || s.Prints != 1 || s.PrintedQty != 7 || s.Malformed != 0 {
		t.Errorf("summary %+v: want 5 events, 1 trade of 40, 1 print of 7", s)
	}
	sample, err := filepath.Abs("../../../shared/data/itch50_real_head1000/sample.itch")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sample); err != nil {
		t.Skipf("ITCH sample absent: %v", err)
	}
	r = engine(t, dir, "", "run", "--cpu", "-1", "--feed", sample, "--summary", "real.json")
	if r.code != 0 {
		t.Fatalf("sample: exit %d: %s", r.code, r.stderr)
	}
	if s := readSummary(t, filepath.Join(dir, "real.json")); s.EventsIn < 993 || s.Malformed != 0 {
		t.Errorf("sample: %+v, want at least the 993 stocks of the directory", s)
	}
}

// TestMarketData: engine run publishes its market data as ITCH beside its
// output: the file reads back completely, with one execution per trade of
// the summary; with a journal it is refused (a restart could not continue
// it), and --out FILE.itch writes the same stream.
func TestMarketData(t *testing.T) {
	dir := t.TempDir()
	r := engine(t, dir, "", "run", "--cpu", "-1", "--events", "20000", "--market-data", "md.itch", "--out", "out.csv", "--summary", "s.json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	s := readSummary(t, filepath.Join(dir, "s.json"))
	count := func(name string) map[byte]int64 {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		n := map[byte]int64{}
		rd := itch.NewReader(f)
		var m itch.Message
		for {
			err := rd.Next(&m)
			if err == io.EOF {
				return n
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			n[m.Type]++
		}
	}
	md := count("md.itch")
	if md[itch.TypeOrderExecuted] != s.Trades || md[itch.TypeAddOrder] == 0 || md[itch.TypeStockDirectory] == 0 {
		t.Errorf("market data %v, summary %d trades", md, s.Trades)
	}
	if r := engine(t, dir, "", "run", "--cpu", "-1", "--events", "20000", "--out", "out.itch"); r.code != 0 {
		t.Fatalf("--out out.itch: exit %d: %s", r.code, r.stderr)
	}
	if a, b := count("out.itch"), md; len(a) != len(b) || a[itch.TypeAddOrder] != b[itch.TypeAddOrder] || a[itch.TypeOrderExecuted] != b[itch.TypeOrderExecuted] {
		t.Errorf("--out out.itch %v, --market-data %v", a, b)
	}
	if r := engine(t, dir, "", "run", "--cpu", "-1", "--events", "100", "--market-data", "md2.itch", "--journal", "j"); r.code != 2 || !strings.Contains(r.stderr, "--market-data with --journal") {
		t.Errorf("with a journal: exit %d: %s", r.code, r.stderr)
	}
}
