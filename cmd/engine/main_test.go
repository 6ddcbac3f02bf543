package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
	dl, err := os.ReadFile(filepath.Join(dir, "dead-letter.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(dl)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "line 8\t") || !strings.HasPrefix(lines[1], "line 9\t") {
		t.Errorf("dead letter:\n%s", dl)
	}
	if !strings.Contains(r.stderr, "2 malformed feed records") {
		t.Errorf("stderr does not report the malformed records: %s", r.stderr)
	}

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
		{"bad format", []string{"run", "--feed", "x", "--format", "xml"}, 2, "xml"},
		{"missing feed", []string{"run", "--cpu", "-1", "--feed", "/nonexistent/feed.csv"}, 1, "no such file"},
		{"bad cpu", []string{"run", "--cpu", "4096", "--events", "10"}, 1, "cpu 4096"},
		{"stray argument", []string{"gen", "extra"}, 2, "unexpected argument"},
		{"help", []string{"run", "-h"}, 0, "--feed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := engine(t, t.TempDir(), "", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
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
	rest, _ := os.ReadFile(filepath.Join(dir, "rest.csv"))
	if first := strings.SplitN(string(rest), "\n", 3)[1]; !strings.HasPrefix(first, fmt.Sprintf("%d,", s1.EventsIn+1)) {
		t.Errorf("restart output starts with %q, want sequence %d: outputs duplicated", first, s1.EventsIn+1)
	}

	r = engine(t, dir, "", "journal", "verify", "j")
	if r.code != 0 || !strings.Contains(r.stdout, "clean") {
		t.Fatalf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = engine(t, dir, "", "journal", "dump", "j", "--from", "10", "--to", "12")
	dump := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(dump) != 4 || !strings.HasPrefix(dump[1], "10,") || !strings.HasPrefix(dump[3], "12,") {
		t.Fatalf("dump: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = engine(t, dir, "", "journal", "dump", "--format", "jsonl", "j", "--to", "1")
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
