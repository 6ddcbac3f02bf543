package bench

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tradeengine/engine/pipeline"
)

// TestSmoke runs every scenario for a fraction of a second, without the
// peers (they need `go run` and the module proxy; CI runs them on their
// own), and checks that every file the run writes is well formed and
// consistent with summary.json. It asserts no timing.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite briefly (about 10 s)")
	}
	cfg := SmokeConfig()
	cfg.Out = t.TempDir()
	cfg.TempDir = t.TempDir()
	cfg.Peers = false
	cfg.Command = "go test -run TestSmoke"
	cfg.BenchmarksMD = filepath.Join(t.TempDir(), "BENCHMARKS.md")
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	CheckOutput(t, cfg.Out, rep)

	// Every scenario measured something, and the tables say the peers
	// were not run rather than leaving their targets out.
	for _, sc := range Scenarios {
		if !slices.ContainsFunc(rep.Rows, func(r Row) bool { return r.Scenario == sc }) {
			t.Errorf("no row for scenario %s", sc)
		}
	}
	for _, k := range peerTargets() {
		i := slices.IndexFunc(rep.Rows, func(r Row) bool { return r.Peer == k.peer && r.Metric == k.metric })
		if i < 0 || rep.Rows[i].Met != "n/a" || !strings.Contains(rep.Rows[i].Note, "--peers=false") {
			t.Errorf("no placeholder row for the %s target against %s", k.metric, k.peer)
		}
	}
	wants := []string{"e2e-100K", "e2e-1M", "e2e-1M-beside-hiccup", "hiccup-e2e", "hiccup-beside-e2e-1M", "ring-rtt", "chan-rtt", "matcher-generated", "journal-sync-append", "killlat", "killlat-answer", "killlat-flow-1M"}
	for _, m := range []pipeline.Threads{pipeline.ThreadsShared, pipeline.ThreadsDedicated, pipeline.ThreadsLogic} {
		if m != pipeline.ThreadsAuto.Resolve() {
			wants = append(wants, "e2e-1M-"+m.String()) // the modes beside the machine's own
		}
	}
	for _, want := range wants {
		if !slices.ContainsFunc(rep.Latencies, func(l LatencyFile) bool { return l.Name == want }) {
			t.Errorf("no latency %s", want)
		}
	}
	md, err := os.ReadFile(cfg.BenchmarksMD)
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := linkPrefix(cfg.BenchmarksMD, cfg.Out)
	if !strings.Contains(string(md), "]("+rel+"e2e-1M.corrected.hgrm)") {
		t.Errorf("BENCHMARKS.md outside the output directory does not link into it (prefix %q)", rel)
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*Config)
	}{
		{"unknown scenario", func(c *Config) { c.Scenarios = []string{"disk"} }},
		{"no duration", func(c *Config) { c.Duration = 0 }},
		{"no output", func(c *Config) { c.Out = "" }},
		{"negative rate", func(c *Config) { c.Rates = []float64{-1} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := SmokeConfig()
			cfg.Out = t.TempDir()
			tc.mod(&cfg)
			if _, err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), ErrConfig.Error()) {
				t.Errorf("err = %v, want ErrConfig", err)
			}
		})
	}
}
