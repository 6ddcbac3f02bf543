package bench

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestRowTargets(t *testing.T) {
	for _, tc := range []struct {
		name      string
		row       Row
		wantMet   string
		hasTarget bool
	}{
		{"no target", NewRow("ring", "batch=16 events/s", 1e8, "events/s"), "", false},
		{"value met", NewRow("ring", "batch=256 events/s", 2.5e8, "events/s"), "yes", true},
		{"value missed", NewRow("ring", "batch=256 events/s", 1.5e8, "events/s"), "no", true},
		{"below bound met", NewRow("e2e", "1M/s p50", 499, "ns"), "yes", true},
		{"below bound missed at the bound", NewRow("e2e", "1M/s p50", 500, "ns"), "no", true},
		{"equality", NewRow("matcher", "lobster-amzn allocs/order", 0, "allocs/order"), "yes", true},
		{"not measured", NewRow("matcher", "lobster-amzn orders/s", math.NaN(), "orders/s"), "n/a", true},
		{"ratio met", NewRow("ring", "unbatched events/s", 1e8, "events/s").Compare(PeerChan, 1e7), "yes", true},
		{"ratio missed", NewRow("ring", "unbatched events/s", 5e7, "events/s").Compare(PeerChan, 1e7), "no", true},
		{"ratio without the peer's figure", NewRow("ring", "unbatched events/s", 5e7, "events/s").Compare("xsync.SPSCQueue", 0), "n/a", true},
		{"ratio target, other peer", NewRow("ring", "unbatched events/s", 5e7, "events/s").Compare("xsync.MPMCQueue", 1e7), "", false},
		{"ratio target before compare", NewRow("ring", "unbatched events/s", 5e7, "events/s"), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.row.Met != tc.wantMet {
				t.Errorf("met %q, want %q", tc.row.Met, tc.wantMet)
			}
			if (tc.row.Target != nil) != tc.hasTarget {
				t.Errorf("target %v, want one: %v", tc.row.Target, tc.hasTarget)
			}
		})
	}
}

func TestCompareRatio(t *testing.T) {
	r := NewRow("journal", "none appends/s", 5e7, "appends/s").Compare("tidwall/wal NoSync", 5e5)
	if r.Ratio != 100 || r.Met != "yes" {
		t.Errorf("ratio %g met %q", r.Ratio, r.Met)
	}
	if got := r.Target.text(r.Unit); got != ">= 50x" {
		t.Errorf("target text %q", got)
	}
}

func TestReportJSONRoundTrip(t *testing.T) {
	rep := &Report{Mode: "short", Scenarios: Scenarios}
	rep.Add(NewRow("matcher", "lobster-amzn orders/s", math.NaN(), "orders/s"),
		NewRow("ring", "batch=256 events/s", 2.5e8, "events/s"))
	rep.Note("a note with %d", 1)
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(buf.Bytes()) {
		t.Fatal("invalid JSON")
	}
	if !strings.Contains(buf.String(), `"value": null`) {
		t.Errorf("NaN not written as null:\n%s", buf.String())
	}
	got, err := ReadReport(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rows) != 2 || !math.IsNaN(got.Rows[0].Value) || got.Rows[1].Value != 2.5e8 || got.Rows[1].Met != "yes" {
		t.Errorf("rows %+v", got.Rows)
	}
	if len(got.Notes) != 1 || got.Notes[0] != "a note with 1" {
		t.Errorf("notes %q", got.Notes)
	}
}

func TestWriteTable(t *testing.T) {
	rep := &Report{Peers: PeersStatus{Reason: "--peers=false"}}
	rep.Add(NewRow("ring", "round trip p50", 215, "ns").Compare(PeerChan, 430))
	rep.Latencies = []LatencyFile{{Name: "ring-rtt", CorrectedL: Ladder{Count: 10, P50: 215, Max: 9000}}}
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"scenario", "measured", "target", "met", "ratio", "215 ns", "< 300 ns", "yes", "0.50x",
		"peers: not run: --peers=false", "ring-rtt", "corrected", "9 µs"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		unit string
		want string
	}{
		{2.031e8, "events/s", "203.1M events/s"},
		{12_500, "orders/s", "12.5K orders/s"},
		{215, "ns", "215 ns"},
		{1_500_000, "ns", "1.5 ms"},
		{1597.83, "MB/s", "1597.8 MB/s"},
		{0, "allocs/order", "0 allocs/order"},
		{3, "count", "3"},
		{math.NaN(), "ns", "-"},
	} {
		if got := FormatValue(tc.v, tc.unit); got != tc.want {
			t.Errorf("FormatValue(%g, %q) = %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
}

func TestWriteMarkdown(t *testing.T) {
	rep := &Report{Command: "engine bench all", Mode: "long", Peers: PeersStatus{Ran: true}}
	rep.Add(NewRow("e2e", "1M/s p99", 5000, "ns"))
	rep.Latencies = []LatencyFile{{Scenario: "e2e", Name: "e2e-1M", Corrected: "e2e-1M.corrected.hgrm", Raw: "e2e-1M.raw.hgrm"}}
	rep.Plots = []PlotFile{{Scenario: "e2e", File: PlotName("e2e")}}
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, rep, "bench-out/"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"# Benchmarks", "`engine bench all`", "## Machine", "| e2e | 1M/s p99 | 5 µs | < 2 µs | **no** |",
		"(bench-out/e2e-1M.corrected.hgrm)", "(bench-out/e2e-1M.raw.hgrm)", "![e2e latency](bench-out/latency-e2e.svg)", "## Method"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}

func TestLinkPrefix(t *testing.T) {
	for _, tc := range []struct{ md, dir, want string }{
		{"BENCHMARKS.md", "bench-out", "bench-out/"},
		{"out/BENCHMARKS.md", "out", ""},
		{"docs/BENCHMARKS.md", "bench-out", "../bench-out/"},
	} {
		got, err := linkPrefix(tc.md, tc.dir)
		if err != nil || got != tc.want {
			t.Errorf("linkPrefix(%q, %q) = %q, %v; want %q", tc.md, tc.dir, got, err, tc.want)
		}
	}
}
