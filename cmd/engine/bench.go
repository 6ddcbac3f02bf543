package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/tradeengine/engine/bench"
	"github.com/tradeengine/engine/pipeline"
)

const benchSynopsis = `[hiccup|ring|matcher|journal|e2e|killlat|all] [--duration D] [--rate R[,R...]] [--out DIR] [--peers=false] [--smoke]

scenarios:
  hiccup    the machine's floor: a pinned thread spinning on the clock,
            every gap between two reads in a histogram (jHiccup's method)
  ring      ring throughput beside a buffered channel; round trips
  matcher   the matcher on the generated flow and the LOBSTER AMZN day
  journal   appends per durability mode, sync-append latency, recovery scan
  e2e       the whole engine at fixed offered rates (--rate), open loop
  killlat   operator kill/clear over the admin socket at 1M events/s, one
            every 3ms for --duration: write to first output at the sink;
            then the admin socket's and /metrics' cost in throughput, polled
            every 100ms (alternating unpaced runs with and without: 3 pairs
            of 350ms short, 9 pairs of 1s for all or killlat alone)
  all       every scenario, longer (the default is a short run of each)`

// cmdBench runs the benchmark suite: `engine bench` alone is the short run
// of every scenario, `engine bench all` the long one, a scenario name runs
// that scenario.
func cmdBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", benchSynopsis)
	duration := fs.Duration("duration", 0, "length of each measurement (default: 700ms short, 5s for all, 100ms smoke)")
	rates := fs.String("rate", "", "e2e offered rates in events/s, comma-separated (100000,1e6); max searches for the highest sustainable (default 100000,1000000,max)")
	out := fs.String("out", "bench-out", "output `directory`: summary.txt, summary.json, BENCHMARKS.md, .hgrm files, SVG plots (those of an earlier run are removed first)")
	peers := fs.Bool("peers", true, "also run the peer comparisons of bench/peers (needs the module beside the source and go on PATH)")
	peersDir := fs.String("peers-dir", "", "the peers module `directory` (default: found from the working directory)")
	smoke := fs.Bool("smoke", false, "prove the suite runs and writes well-formed files, in seconds; the figures mean nothing")
	data := fs.String("data", "", "`directory` of the LOBSTER AMZN day (default: ../shared/data/"+bench.LOBSTERDirName+" and similar)")
	tmp := fs.String("tmp", "", "`directory` for the temporary journals (default: the system's)")
	md := fs.String("write-benchmarks-md", "", "also write BENCHMARKS.md to `path` (links point into --out)")
	threads := fs.String("threads", "auto", "e2e: the engine's threading mode, auto (dedicated for now), dedicated, shared or logic; the 1M/s step runs the others beside it")
	jmap := fs.String("journal-map", "shared", "e2e: how the engine maps its journal's segments: shared (msynced) or private (written out by the committer; see engine run --journal-map); the 1M/s step runs shared threads with the other beside")
	cpu := fs.Int("cpu", bench.CPUDefault, "e2e: CPU to pin the logic (or the shared thread) to, -1 for none (default: engine run's)")

	command := strings.TrimSpace("engine bench " + strings.Join(args, " "))
	var scenario string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		scenario, args = args[0], args[1:]
	}
	if err := parseOnly(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		if scenario != "" || fs.NArg() > 1 {
			return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(fs.NArg()-1))}
		}
		scenario = fs.Arg(0)
	}

	if given(fs)["duration"] {
		if err := positive("duration", *duration); err != nil {
			return err
		}
	}

	cfg := bench.ShortConfig()
	switch {
	case *smoke:
		cfg = bench.SmokeConfig()
	case scenario == "all":
		cfg = bench.LongConfig()
	case scenario != "":
		cfg = bench.LongConfig()
		cfg.Mode = "long, " + scenario
	}
	if scenario != "" && scenario != "all" {
		cfg.Scenarios = []string{scenario}
	}
	if *duration > 0 {
		cfg.Duration = *duration
	}
	if *rates != "" {
		rs, err := parseRates(*rates)
		if err != nil {
			return usageError{err.Error()}
		}
		cfg.Rates = rs
	}
	cfg.Out, cfg.Peers, cfg.PeersDir, cfg.DataDir, cfg.TempDir, cfg.BenchmarksMD = *out, *peers, *peersDir, *data, *tmp, *md
	th, err := pipeline.ParseThreads(*threads)
	if err != nil {
		return usageError{fmt.Sprintf("--threads %q: want auto, dedicated, shared or logic", *threads)}
	}
	if *cpu < pipeline.NoPin && *cpu != bench.CPUDefault {
		return usageError{fmt.Sprintf("--cpu %d: want a CPU number or %d for none", *cpu, pipeline.NoPin)}
	}
	cfg.Threads, cfg.CPU = th, *cpu
	if cfg.PrivateMap, err = parseJournalMap(*jmap); err != nil {
		return err
	}
	cfg.Progress = stderr
	cfg.Command = command

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	rep, err := bench.Run(ctx, cfg)
	if rep != nil {
		fmt.Fprintln(stdout)
		if werr := rep.WriteTable(stdout); werr != nil && err == nil {
			err = werr
		}
		fmt.Fprintf(stdout, "\nwritten to %s in %.1fs\n", cfg.Out, time.Since(start).Seconds())
	}
	if err != nil {
		if errors.Is(err, bench.ErrConfig) {
			return usageError{err.Error()}
		}
		return err
	}
	if *smoke {
		// The smoke run is a test: its figures mean nothing, its files must
		// be well formed, and peers that were found must have run.
		if err := bench.VerifyOutput(cfg.Out); err != nil {
			return err
		}
		if rep.Peers.Dir != "" && !rep.Peers.Ran {
			return fmt.Errorf("bench: smoke: %s", rep.Peers.Reason)
		}
		fmt.Fprintf(stdout, "smoke: every file in %s is well formed\n", cfg.Out)
	}
	return nil
}

// parseRates reads "100000,1e6,max".
func parseRates(s string) ([]float64, error) {
	var rs []float64
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "max" {
			rs = append(rs, 0)
			continue
		}
		mult := 1.0
		switch {
		case strings.HasSuffix(f, "K"), strings.HasSuffix(f, "k"):
			mult, f = 1e3, f[:len(f)-1]
		case strings.HasSuffix(f, "M"):
			mult, f = 1e6, f[:len(f)-1]
		}
		r, err := strconv.ParseFloat(f, 64)
		if err == nil && r <= 0 {
			return nil, fmt.Errorf("--rate %s: must be positive", f)
		}
		if err != nil {
			return nil, fmt.Errorf("bad rate %q: want events per second (100000, 1e6, 250K, 2M) or max", f)
		}
		rs = append(rs, r*mult)
	}
	return rs, nil
}
