package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/wire"
)

// feedEncoder is what gen writes through: wire's CSV and native encoders.
type feedEncoder interface {
	Encode(in *event.In) error
	Flush() error
}

func cmdGen(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("gen", "[--out FILE|-] [--format csv|native] [--events N] [--symbols N] [--accounts N] [--seed S] [--rate R]", stderr)
	def := gen.DefaultConfig()
	out := fs.String("out", "-", "file to write, - for stdout")
	format := fs.String("format", "", "csv or native (default: native for .bin/.feed, else csv)")
	events := fs.Int("events", 1_000_000, "number of events, symbol definitions included")
	symbols := fs.Int("symbols", def.Symbols, "number of symbols")
	accounts := fs.Int("accounts", def.Accounts, "number of accounts")
	seed := fs.Uint64("seed", def.Seed, "random seed: the same flags give the same flow")
	rate := fs.Float64("rate", def.Rate, "mean events per second of event time")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg := def
	cfg.Events, cfg.Symbols, cfg.Accounts, cfg.Seed, cfg.Rate = *events, *symbols, *accounts, *seed, *rate
	g, err := gen.New(cfg)
	if err != nil {
		return usageError{err.Error()}
	}
	if *format == "" {
		switch strings.ToLower(filepath.Ext(*out)) {
		case ".bin", ".feed", ".native":
			*format = "native"
		default:
			*format = "csv"
		}
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
	var enc feedEncoder
	switch *format {
	case "csv":
		enc = wire.NewCSVEncoder(bw)
	case "native":
		if enc, err = wire.NewNativeEncoder(bw); err != nil {
			return err
		}
	default:
		return usageError{fmt.Sprintf("--format %q: want csv or native", *format)}
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
	return nil
}
