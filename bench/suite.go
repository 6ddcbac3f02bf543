package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/tradeengine/engine/pipeline"
)

// Scenarios are the scenario names, in the order a run takes them.
var Scenarios = []string{"hiccup", "ring", "matcher", "journal", "e2e", "killlat"}

// ErrConfig is wrapped by Run for a configuration it cannot run.
var ErrConfig = errors.New("bench: bad config")

// Config says what a run measures and where it writes. Start from
// ShortConfig, LongConfig or SmokeConfig.
type Config struct {
	// Mode names the preset the config came from: short, long or smoke.
	Mode string
	// Command is the command line, for the record.
	Command string
	// Scenarios to run, a subset of Scenarios; empty runs them all.
	Scenarios []string
	// Threads is the engine's threading mode in the e2e scenario
	// (pipeline.ThreadsAuto: the machine's default); the 1M/s step also
	// runs the other modes beside it, and the search for the highest
	// sustainable rate runs in each.
	Threads pipeline.Threads
	// CPU pins the e2e engine's logic (or shared thread); CPUDefault keeps
	// pipeline.DefaultConfig's choice.
	CPU int
	// PrivateMap maps the e2e journals privately (E2EOptions.PrivateMap);
	// the 1M/s step runs shared mode with the other map beside.
	PrivateMap bool
	// Duration is the length of each measurement (one ring batch size,
	// one journal mode, one e2e rate, ...).
	Duration time.Duration
	// Rates are the e2e offered rates in events per second; a 0 asks for
	// the search for the highest sustainable rate (see SustainableRule).
	Rates []float64
	// Out is the output directory, created if needed.
	Out string
	// Peers runs the peer comparisons of the nested peers module (with
	// `go run`) when the module and the go command are found.
	Peers bool
	// PeersDir is the peers module; "" looks for it (see FindPeersDir).
	PeersDir string
	// DataDir holds the LOBSTER AMZN day; "" looks for it (see FindLOBSTER).
	DataDir string
	// TempDir is where the journals go; "" is os.TempDir().
	TempDir string
	// JournalCap is the most bytes one journal throughput measurement
	// writes; it stops early when it gets there.
	JournalCap int64
	// RecoveryBytes is the size of the journal the recovery scan reads.
	RecoveryBytes int64
	// SegmentSize is the journals' segment size; 0 is the journal's
	// default.
	SegmentSize int64
	// MatcherEvents is the length of the generated matcher flow.
	MatcherEvents int
	// E2EMaxEvents caps the e2e flow held in memory; a longer run cycles
	// through it. The killlat scenario sends from the same flow.
	E2EMaxEvents int
	// AdminRounds is the number of pairs of runs (admin socket off, on)
	// the killlat scenario's admin cost takes the median of.
	AdminRounds int
	// AdminRun is the length of each of those runs; 0 is Duration.
	AdminRun time.Duration
	// Progress receives a line as each measurement starts; nil discards.
	Progress io.Writer
	// BenchmarksMD, when not "", is another path BENCHMARKS.md is written
	// to (the repository root), besides the output directory.
	BenchmarksMD string
}

// ShortConfig is what `engine bench` runs with no arguments: every
// scenario, briefly, in about a minute on a 2-core machine.
func ShortConfig() Config {
	return Config{
		Mode:          "short",
		CPU:           CPUDefault,
		Duration:      700 * time.Millisecond,
		Rates:         []float64{100_000, 1_000_000, 0},
		Out:           "bench-out",
		Peers:         true,
		JournalCap:    512 << 20,
		RecoveryBytes: 256 << 20,
		MatcherEvents: 1 << 20,
		E2EMaxEvents:  4 << 20,
		AdminRounds:   3,
		AdminRun:      350 * time.Millisecond,
	}
}

// LongConfig is `engine bench all`: longer measurements and a journal of
// more than 1 GB for the recovery scan (when the disk has room).
func LongConfig() Config {
	c := ShortConfig()
	c.Mode = "long"
	c.Duration = 5 * time.Second
	c.JournalCap = 2 << 30
	c.RecoveryBytes = 1536 << 20
	c.MatcherEvents = 2 << 20
	c.E2EMaxEvents = 8 << 20
	c.AdminRounds = 9
	c.AdminRun = time.Second
	return c
}

// SmokeConfig proves that everything runs and writes well-formed files,
// in seconds; its figures mean nothing.
func SmokeConfig() Config {
	c := ShortConfig()
	c.Mode = "smoke"
	c.Duration = 100 * time.Millisecond
	c.Rates = []float64{100_000, 1_000_000}
	c.JournalCap = 32 << 20
	c.RecoveryBytes = 16 << 20
	c.SegmentSize = 8 << 20
	c.MatcherEvents = 50_000
	c.E2EMaxEvents = 200_000
	c.AdminRounds = 1
	c.AdminRun = 0
	return c
}

// suite is one run in progress.
type suite struct {
	cfg      Config
	rep      *Report
	start    time.Time
	unpinned bool      // some pair ran unpinned (noted once)
	pool     *FlowPool // the e2e flow, generated once for e2e and killlat
}

// Run runs the configured scenarios, the peer comparisons, and writes the
// output directory: summary.txt, summary.json, BENCHMARKS.md, a .hgrm pair
// per latency and an SVG plot per scenario with latencies. It returns the
// report also when a scenario failed, with the error.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if len(cfg.Scenarios) == 0 {
		cfg.Scenarios = Scenarios
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, fmt.Errorf("bench: output directory: %w", err)
	}
	if err := clearOutput(cfg.Out); err != nil {
		return nil, err
	}
	s := &suite{cfg: cfg, start: time.Now()}
	s.rep = &Report{
		Command:   cfg.Command,
		Mode:      cfg.Mode,
		Scenarios: cfg.Scenarios,
		Duration:  cfg.Duration.String(),
		Started:   s.start.UTC().Truncate(time.Second),
		Machine:   DescribeMachine(s.start.UTC()),
	}
	s.progress("calibrating the clock")
	s.rep.Clock = MeasureClockCost(SystemClock(), 2_000_000)
	s.rep.Add(NewRow("clock", "timestamp ("+s.rep.Clock.Source+")", s.rep.Clock.NS, "ns").Compare("time.Now", s.rep.Clock.TimeNowNS))

	var runErr error
	for _, name := range Scenarios {
		if !slices.Contains(cfg.Scenarios, name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			runErr = fmt.Errorf("bench: stopped: %w", err)
			break
		}
		var err error
		switch name {
		case "hiccup":
			err = s.runHiccup(ctx)
		case "ring":
			err = s.runRing()
		case "matcher":
			err = s.runMatcher()
		case "journal":
			err = s.runJournal()
			// Let the kernel write back what the journal scenario left
			// dirty now, not in the middle of the next scenario.
			syscall.Sync()
		case "e2e":
			err = s.runE2E(ctx)
		case "killlat":
			err = s.runKillLat(ctx)
		}
		if err != nil {
			runErr = fmt.Errorf("bench: %s: %w", name, err)
			s.rep.Note("scenario %s failed: %v", name, err)
			break
		}
	}
	if runErr == nil {
		s.runPeers(ctx)
	} else {
		s.rep.Peers = PeersStatus{Reason: "a scenario failed before the peers ran"}
	}
	s.rep.Elapsed = time.Since(s.start).Round(100 * time.Millisecond).String()
	s.rep.LoadAvg = LoadAverage()
	if err := s.finish(); err != nil {
		return s.rep, errors.Join(runErr, err)
	}
	return s.rep, runErr
}

func (c *Config) check() error {
	for _, n := range c.Scenarios {
		if !slices.Contains(Scenarios, n) {
			return fmt.Errorf("%w: unknown scenario %q (want %s)", ErrConfig, n, strings.Join(Scenarios, ", "))
		}
	}
	switch {
	case c.Duration <= 0:
		return fmt.Errorf("%w: duration %v", ErrConfig, c.Duration)
	case c.Out == "":
		return fmt.Errorf("%w: no output directory", ErrConfig)
	case c.MatcherEvents < 1000:
		return fmt.Errorf("%w: matcher flow of %d events", ErrConfig, c.MatcherEvents)
	case c.E2EMaxEvents < 1000:
		return fmt.Errorf("%w: e2e flow of %d events", ErrConfig, c.E2EMaxEvents)
	case c.AdminRounds < 1 || c.AdminRun < 0:
		return fmt.Errorf("%w: admin cost of %d rounds of %v", ErrConfig, c.AdminRounds, c.AdminRun)
	case c.JournalCap < 1<<20 || c.RecoveryBytes < 1<<20:
		return fmt.Errorf("%w: journal sizes below 1 MiB", ErrConfig)
	}
	for _, r := range c.Rates {
		if r < 0 || r > 1e9 {
			return fmt.Errorf("%w: e2e rate %g", ErrConfig, r)
		}
	}
	return nil
}

// flowPool returns the e2e flow pool, made on first use.
func (s *suite) flowPool() (*FlowPool, error) {
	if s.pool == nil {
		p, err := NewFlowPool(s.cfg.E2EMaxEvents)
		if err != nil {
			return nil, err
		}
		s.pool = p
	}
	return s.pool, nil
}

// progress writes one line saying what the run is doing now.
func (s *suite) progress(format string, args ...any) {
	if s.cfg.Progress == nil {
		return
	}
	fmt.Fprintf(s.cfg.Progress, "bench [%5.1fs] %s\n", time.Since(s.start).Seconds(), fmt.Sprintf(format, args...))
}

// notePinned notes, once, that a pair of goroutines could not be pinned.
func (s *suite) notePinned(pinned bool) {
	if pinned || s.unpinned {
		return
	}
	s.unpinned = true
	s.rep.Note("fewer than two CPUs could be pinned: cross-core pairs ran unpinned")
}

// addLatency writes l's .hgrm files into the output directory and adds it
// to the report.
func (s *suite) addLatency(l *Latency) error {
	lf, err := WriteLatency(s.cfg.Out, l)
	if err != nil {
		return err
	}
	s.rep.Latencies = append(s.rep.Latencies, lf)
	return nil
}

// WriteLatency writes l's corrected and raw histograms into dir as
// NAME.corrected.hgrm and NAME.raw.hgrm and returns their description.
func WriteLatency(dir string, l *Latency) (LatencyFile, error) {
	lf := LatencyFile{
		Scenario: l.Scenario, Name: l.Name, Title: l.Title, Method: l.Method, Peer: l.Peer,
		Unit:      HgrmUnit,
		Corrected: l.Name + ".corrected.hgrm", Raw: l.Name + ".raw.hgrm",
		CorrectedL: LadderOf(l.Corrected), RawL: LadderOf(l.Raw),
		IntervalNS: l.Interval, Clamped: l.Clamped, Samples: l.Raw.TotalCount(),
	}
	if err := writeFile(filepath.Join(dir, lf.Corrected), func(w io.Writer) error {
		return WriteHgrm(w, l.Corrected, l.Title, "corrected ("+l.Method+")")
	}); err != nil {
		return lf, err
	}
	if err := writeFile(filepath.Join(dir, lf.Raw), func(w io.Writer) error {
		return WriteHgrm(w, l.Raw, l.Title, "raw")
	}); err != nil {
		return lf, err
	}
	return lf, nil
}

// writeFile creates path and writes it with fn.
func writeFile(path string, fn func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if err := fn(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}

// clearOutput removes what an earlier run wrote into dir (and nothing
// else), so that no stale .hgrm file or plot is mistaken for this run's.
func clearOutput(dir string) error {
	for _, pattern := range []string{"*.hgrm", "latency-*.svg", SummaryText, SummaryJSON, MarkdownMD, PeersJSON} {
		files, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		for _, f := range files {
			if err := os.Remove(f); err != nil {
				return fmt.Errorf("bench: clearing the output directory: %w", err)
			}
		}
	}
	return nil
}
