package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/wire"
)

// genFormats are the feed formats gen writes: those of wire's table it
// has an encoder for.
func genFormats() []string {
	var names []string
	for _, n := range wire.FormatNames(wire.StreamFeed, false) {
		if n != "jsonl" { // journal dump's, with the journal's symbol names
			names = append(names, n)
		}
	}
	return names
}

func cmdGen(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("gen", "[--out FILE|-] [--out-format csv|native] [--events N] [--symbols N] [--accounts N] [--seed S] [--rate R] [--scenario NAME]")
	def := gen.DefaultConfig()
	out := fs.String("out", "-", "file to write, - for stdout")
	format := fs.String("out-format", "", "the feed format to write: "+strings.Join(genFormats(), " or ")+" (default: from --out's extension, else csv)")
	inFormat := fs.String("format", "", "not for gen, which reads no input: the format it writes is --out-format")
	events := fs.Int("events", 1_000_000, "number of events, symbol definitions included (default with --scenario knight: enough for 5 s of runaway)")
	symbols := fs.Int("symbols", def.Symbols, "number of symbols")
	accounts := fs.Int("accounts", def.Accounts, "number of accounts")
	seed := newUint(fs, "seed", def.Seed, "random seed, a non-negative `integer`: the same flags give the same flow")
	rate := fs.Float64("rate", def.Rate, "mean events per second of event time")
	scenario := fs.String("scenario", "", "mix in a scenario: "+scenarioHelp)
	knightStart := fs.Duration("knight-start", time.Duration(gen.DefaultKnight().Start), "knight: event time after the start at which the router runs away")
	knightRate := fs.Float64("knight-rate", gen.DefaultKnight().Rate, "knight: the runaway's child orders per second")
	openBurst := fs.Duration("open-burst", 0, "an opening burst this long at --open-burst-factor times the rate (0: none)")
	openFactor := fs.Float64("open-burst-factor", 4, "rate multiple of the opening burst")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	set := given(fs)
	if set["format"] {
		return usageError{fmt.Sprintf("--format %q: --format names the format of an input, and gen reads none; the feed format gen writes is --out-format", *inFormat)}
	}
	if err := firstErr(
		positive("events", *events),
		positive("symbols", *symbols),
		positive("accounts", *accounts),
		seed.check("seed"),
		positive("rate", *rate),
		nonNegative("knight-start", *knightStart),
		positive("knight-rate", *knightRate),
		nonNegative("open-burst", *openBurst),
		positive("open-burst-factor", *openFactor),
		needs(set, strings.HasPrefix(*scenario, "knight"), "--scenario knight", "knight-start", "knight-rate"),
		needs(set, *openBurst > 0, "--open-burst", "open-burst-factor"),
	); err != nil {
		return err
	}
	if *out != "-" {
		if err := checkOutPath("out", *out, false); err != nil {
			return err
		}
	}
	cfg := def
	cfg.Events, cfg.Symbols, cfg.Accounts, cfg.Seed, cfg.Rate = *events, *symbols, *accounts, seed.v, *rate
	if *openBurst > 0 {
		cfg.OpenBurst, cfg.OpenBurstFactor = openBurst.Nanoseconds(), *openFactor
	}
	if err := setScenario(&cfg, *scenario); err != nil {
		return err
	}
	if cfg.Scenario == gen.ScenarioKnight {
		cfg.Knight.Start, cfg.Knight.Rate = knightStart.Nanoseconds(), *knightRate
	}
	sizeKnight(&cfg, set["events"])
	g, err := gen.New(cfg)
	if err != nil {
		return usageError{err.Error()}
	}
	if *format == "" {
		*format = "csv"
		if f, ok := wire.FormatOfPath(wire.StreamFeed, *out); ok && *out != "-" && slices.Contains(genFormats(), f.Name) {
			*format = f.Name
		}
	}
	if !slices.Contains(genFormats(), *format) {
		return usageError{fmt.Sprintf("--out-format %q: want %s", *format, strings.Join(genFormats(), " or "))}
	}

	var w io.Writer = stdout
	var f *os.File
	if *out != "-" {
		if f, err = os.Create(*out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	enc, err := wire.NewFeedEncoder(*format, bw)
	if err != nil {
		return err
	}
	var in event.In
	n := 0
	for g.Next(&in) {
		if err := enc.Encode(&in); err != nil {
			return fmt.Errorf("event %d: %w", n+1, err)
		}
		n++
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "engine gen: wrote %d events to %s (%s)\n", n, *out, *format)
	}
	if cfg.Scenario == gen.ScenarioKnight {
		fmt.Fprintf(stderr, "engine gen: the router is account %d and runs away at event time %d: engine run --runaway %d@%d reports how it was stopped\n",
			gen.KnightAccount(&cfg), cfg.StartTS+cfg.Knight.Start, gen.KnightAccount(&cfg), cfg.StartTS+cfg.Knight.Start)
	}
	return nil
}
