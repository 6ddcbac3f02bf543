package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// dirSums returns the content sum of every file in dir, by name.
func dirSums(t *testing.T, dir string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]string{}
	for _, e := range ents {
		if !e.IsDir() && e.Type().IsRegular() {
			sums[e.Name()] = fileSum(t, filepath.Join(dir, e.Name()))
		}
	}
	return sums
}

// TestReplayAndAudit: a day run live with a journal (the knight scenario:
// guard trips), then from the binary: a replay from the start and one from a
// snapshot give the live summary's figures and digest and match every digest
// checkpoint; a replay stopped at a sequence shows the book there; a what-if
// under a tighter configuration reports trips; the audit's totals equal the
// live summary's; and nothing of it writes to the journal.
func TestReplayAndAudit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the engine several times")
	}
	dir := t.TempDir()
	if r := engine(t, dir, "", "gen", "--scenario", "knight", "--knight-start", "500ms", "--events", "200000", "--out", "flow.csv"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := engine(t, dir, "", "run", "--cpu", "-1", "--feed", "flow.csv", "--journal", "j", "--snapshot-every", "50000",
		"--digest-every", "20000", "--out", "live.csv", "--summary", "live.json")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	live := readSummary(t, filepath.Join(dir, "live.json"))
	var lr riskSummary
	b, _ := os.ReadFile(filepath.Join(dir, "live.json"))
	json.Unmarshal(b, &lr)
	if len(lr.Risk.Trips) == 0 {
		t.Fatal("the live run tripped no guard: the test proves less than it says")
	}
	var ck struct {
		Digests int `json:"digest_checkpoints"`
	}
	json.Unmarshal(b, &ck)
	if ck.Digests < 10 {
		t.Fatalf("%d digest checkpoints, want at least the 10 of 200000 events every 20000", ck.Digests)
	}
	matched := fmt.Sprintf("checkpoints: %d of %d compared matched", ck.Digests, ck.Digests)
	before := dirSums(t, filepath.Join(dir, "j"))

	for _, tc := range []struct {
		name string
		args []string
	}{
		{"from the start", []string{"--verify"}},
		{"from a snapshot", []string{"--verify", "--from-snapshot"}},
	} {
		args := append([]string{"replay", "--journal", "j", "--summary", "replay.json"}, tc.args...)
		r := engine(t, dir, "", args...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", tc.name, r.code, r.stdout, r.stderr)
		}
		got := readSummary(t, filepath.Join(dir, "replay.json"))
		if got.OutputDigest != live.OutputDigest {
			t.Fatalf("%s: digest %s, live %s", tc.name, got.OutputDigest, live.OutputDigest)
		}
		if !strings.Contains(r.stdout, "compared matched") || strings.Contains(r.stdout, "DIVERGENCE") {
			t.Fatalf("%s: %s", tc.name, r.stdout)
		}
		if tc.name == "from the start" {
			got.ElapsedNS, got.EventsPerSec, live.ElapsedNS, live.EventsPerSec = 0, 0, 0, 0
			if !reflect.DeepEqual(got, live) {
				t.Fatalf("replay summary %+v\nlive summary   %+v", got, live)
			}
			if !strings.Contains(r.stdout, matched) {
				t.Fatalf("want every checkpoint compared (%s): %s", matched, r.stdout)
			}
		}
	}

	r = engine(t, dir, "", "replay", "--journal", "j", "--until", "100000", "--show", "book:AAPL", "--show", "guards")
	if r.code != 0 || !strings.Contains(r.stdout, "book AAPL (id 0) at seq 100000") || !strings.Contains(r.stdout, "guards at seq 100000") {
		t.Fatalf("point in time: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// What-if: the account ceilings a hundred times lower.
	def, err := os.ReadFile("../../risk/testdata/default.conf")
	if err != nil {
		t.Fatal(err)
	}
	tight := strings.Replace(string(def), "max_execs = 100000, 500000, 2000000", "max_execs = 1000, 5000, 20000", 1)
	if tight == string(def) {
		t.Fatal("default.conf no longer has the account ceilings this test lowers")
	}
	os.WriteFile(filepath.Join(dir, "tight.conf"), []byte(tight), 0o644)
	r = engine(t, dir, "", "replay", "--journal", "j", "--risk", "tight.conf", "--summary", "whatif.json")
	if r.code != 0 {
		t.Fatalf("what-if: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var wr riskSummary
	b, _ = os.ReadFile(filepath.Join(dir, "whatif.json"))
	json.Unmarshal(b, &wr)
	if len(wr.Risk.Trips) <= len(lr.Risk.Trips) {
		t.Fatalf("what-if trips %d, live %d: a tighter ceiling should trip more\n%s", len(wr.Risk.Trips), len(lr.Risk.Trips), r.stdout)
	}
	if r := engine(t, dir, "", "replay", "--journal", "j", "--risk", "tight.conf", "--verify"); r.code != 2 {
		t.Fatalf("--verify with --risk: exit %d, want a usage error", r.code)
	}

	// The audit's totals are the live summary's.
	r = engine(t, dir, "", "audit", "--journal", "j", "--out-format", "json", "--out", "audit.json")
	if r.code != 0 {
		t.Fatalf("audit: exit %d\n%s", r.code, r.stderr)
	}
	var rep struct {
		Totals struct {
			Inputs         int64            `json:"inputs"`
			OrdersAccepted int64            `json:"orders_accepted"`
			OrdersRejected map[string]int64 `json:"orders_rejected"`
			Trades         int64            `json:"trades"`
			TradedQuantity int64            `json:"traded_quantity"`
		} `json:"totals"`
		Integrity struct {
			Checkpoints int `json:"checkpoints"`
			Matched     int `json:"checkpoints_matched"`
		} `json:"integrity"`
	}
	b, _ = os.ReadFile(filepath.Join(dir, "audit.json"))
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("audit json: %v", err)
	}
	tot := rep.Totals
	if tot.Inputs != live.EventsIn || tot.OrdersAccepted != live.OrdersAccepted || tot.Trades != live.Trades ||
		tot.TradedQuantity != live.TradedQuantity || !reflect.DeepEqual(tot.OrdersRejected, live.OrdersRejected) {
		t.Fatalf("audit totals %+v, live summary %+v", tot, live)
	}
	if rep.Integrity.Checkpoints != ck.Digests || rep.Integrity.Matched != ck.Digests {
		t.Fatalf("audit integrity %+v, want %d of %d checkpoints", rep.Integrity, ck.Digests, ck.Digests)
	}
	for _, f := range []string{"text", "csv", "html"} {
		if r := engine(t, dir, "", "audit", "--journal", "j", "--out-format", f, "--out", "audit."+f); r.code != 0 {
			t.Fatalf("audit --out-format %s: exit %d\n%s", f, r.code, r.stderr)
		}
	}
	if r := engine(t, dir, "", "audit", "--journal", "j", "--out-format", "pdf"); r.code != 2 {
		t.Fatalf("audit --out-format pdf: exit %d, want a usage error", r.code)
	}

	if after := dirSums(t, filepath.Join(dir, "j")); !reflect.DeepEqual(before, after) {
		t.Fatalf("the journal changed under replays and audits:\nbefore %v\nafter  %v", before, after)
	}

	// A damaged digest log is reported, not trusted.
	p := filepath.Join(dir, "j", "digests.log")
	b, _ = os.ReadFile(p)
	b[40] ^= 1
	os.WriteFile(p, b, 0o644)
	if r := engine(t, dir, "", "replay", "--journal", "j", "--verify"); r.code == 0 || !strings.Contains(r.stderr, "digest") {
		t.Fatalf("damaged digests.log: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
