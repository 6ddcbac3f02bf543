package bench

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// PeersModule is the module path of the nested peers module (bench/peers).
const PeersModule = "github.com/tradeengine/engine/bench/peers"

// PeerScenarios are the scenarios the peers module compares.
var PeerScenarios = []string{"ring", "journal"}

// FindPeersDir returns the peers module directory: dir when it is not ""
// and holds it, else bench/peers under the working directory, peers under
// it (run from bench/), the working directory itself, or the peers
// directory beside this package's source. It returns "" and the places it
// looked when none holds the module.
func FindPeersDir(dir string) (string, []string) {
	var dirs []string
	if dir != "" {
		dirs = []string{dir}
	} else {
		dirs = []string{filepath.Join("bench", "peers"), "peers", "."}
		if _, file, _, ok := runtime.Caller(0); ok {
			dirs = append(dirs, filepath.Join(filepath.Dir(file), "peers"))
		}
	}
	var looked []string
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module "+PeersModule+"\n")) {
			abs, err := filepath.Abs(d)
			if err == nil {
				return abs, nil
			}
		}
		looked = append(looked, filepath.Clean(d))
	}
	return "", looked
}

// runPeers runs the peers module with `go run`, with this run's duration,
// output directory and scenarios, and merges its rows and latencies into
// the report. When the peers cannot run, the table says so and why.
func (s *suite) runPeers(ctx context.Context) {
	var scen []string
	for _, sc := range s.cfg.Scenarios {
		if slices.Contains(PeerScenarios, sc) {
			scen = append(scen, sc)
		}
	}
	if len(scen) == 0 {
		s.rep.Peers = PeersStatus{Reason: "no scenario of this run has peers (they compare ring and journal)"}
		return
	}
	st := PeersStatus{}
	defer func() {
		s.rep.Peers = st
		if !st.Ran {
			s.peerPlaceholders(scen, st.Reason)
		}
	}()
	if !s.cfg.Peers {
		st.Reason = "--peers=false"
		return
	}
	dir, looked := FindPeersDir(s.cfg.PeersDir)
	if dir == "" {
		st.Reason = "peers module not found (looked in " + strings.Join(looked, ", ") + ")"
		return
	}
	st.Dir = dir
	goBin, err := exec.LookPath("go")
	if err != nil {
		st.Reason = "the go command is not on PATH"
		return
	}
	out, err := filepath.Abs(s.cfg.Out)
	if err != nil {
		st.Reason = err.Error()
		return
	}
	os.Remove(filepath.Join(out, PeersJSON))
	args := []string{"run", ".", "--duration", s.cfg.Duration.String(), "--out", out,
		"--scenarios", strings.Join(scen, ","), "--journal-cap", fmt.Sprint(s.cfg.JournalCap)}
	if s.cfg.SegmentSize > 0 {
		args = append(args, "--segment-size", fmt.Sprint(s.cfg.SegmentSize))
	}
	if s.cfg.TempDir != "" {
		args = append(args, "--tmp", s.cfg.TempDir)
	}
	s.progress("peers: go %s (in %s)", strings.Join(args, " "), dir)
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stdout = &stderr // the peers' own table; the merged one is printed at the end
	cmd.Stderr = &stderr
	if s.cfg.Progress != nil {
		cmd.Stderr = s.cfg.Progress
	}
	if err := cmd.Run(); err != nil {
		st.Reason = fmt.Sprintf("peers run failed: %v: %s", err, lastLines(stderr.String(), 5))
		return
	}
	f, err := os.Open(filepath.Join(out, PeersJSON))
	if err != nil {
		st.Reason = "peers run wrote no results: " + err.Error()
		return
	}
	defer f.Close()
	prep, err := ReadReport(f)
	if err != nil {
		st.Reason = "peers results unreadable: " + err.Error()
		return
	}
	st.Ran = true
	for _, r := range prep.Rows {
		r.Source = "peers"
		r.evaluate()
		s.rep.Rows = append(s.rep.Rows, r)
	}
	s.rep.Latencies = append(s.rep.Latencies, prep.Latencies...)
	for _, n := range prep.Notes {
		s.rep.Note("peers: %s", n)
	}
	// Sort the merged rows so that each scenario's rows stay together.
	order := func(sc string) int {
		if i := slices.Index(Scenarios, sc); i >= 0 {
			return i + 1
		}
		return 0
	}
	slices.SortStableFunc(s.rep.Rows, func(a, b Row) int { return order(a.Scenario) - order(b.Scenario) })
	slices.SortStableFunc(s.rep.Latencies, func(a, b LatencyFile) int { return order(a.Scenario) - order(b.Scenario) })
}

// peerPlaceholders adds a row for each target that needs a peer, saying it
// was not measured and why.
func (s *suite) peerPlaceholders(scen []string, reason string) {
	for _, k := range peerTargets() {
		if !slices.Contains(scen, k.scenario) {
			continue
		}
		r := NewRow(k.scenario, k.metric, math.NaN(), "")
		for _, have := range s.rep.Rows {
			if have.Scenario == k.scenario && have.Metric == k.metric {
				r.Value, r.Unit = have.Value, have.Unit
				break
			}
		}
		r = r.Compare(k.peer, 0)
		r.Note = "peer not measured: " + reason
		s.rep.Rows = append(s.rep.Rows, r)
	}
	slices.SortStableFunc(s.rep.Rows, func(a, b Row) int {
		return slices.Index(Scenarios, a.Scenario) - slices.Index(Scenarios, b.Scenario)
	})
}

// lastLines returns the last n lines of s, joined by " | ".
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
