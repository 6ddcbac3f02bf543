package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tradeengine/engine/matcher"
	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/replay/lobster"
	"github.com/tradeengine/engine/risk"
)

const compareSynopsis = "--messages FILE [--orderbook FILE] [--sync] [--levels N] [--symbol NAME] [--risk off|default|FILE] [--book-out FILE] [--out-format text|json]"

func cmdLobster(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"want a subcommand: compare " + compareSynopsis}
	}
	switch args[0] {
	case "compare":
		return lobsterCompare(args[1:], stdout)
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(stdout, "usage: engine lobster compare %s\n\n", compareSynopsis)
		fmt.Fprintln(stdout, "  compare  replay a LOBSTER message file through the engine and compare its book with the orderbook file after every message")
		fmt.Fprintln(stdout, "\nRun 'engine lobster compare -h' for its flags.")
		return flag.ErrHelp
	}
	return usageError{fmt.Sprintf("unknown subcommand %q: want compare", args[0])}
}

func lobsterCompare(args []string, stdout io.Writer) error {
	fs := newFlags("lobster compare", compareSynopsis)
	msgs := fs.String("messages", "", "the LOBSTER message file (required)")
	book := fs.String("orderbook", "", "the LOBSTER orderbook file (default: the one beside the message file)")
	levels := fs.Int("levels", 0, fmt.Sprintf("levels a side to compare (default 0: all the orderbook file has; at most %d)", lobster.MaxLevels))
	symbol := fs.String("symbol", "", "the symbol's name (default: the message file's name up to the first _)")
	riskFlag := fs.String("risk", "off", "risk guard: off (pure matching), default (the built-in limits at LOBSTER's $0.0001 tick), or a configuration FILE")
	bookOut := fs.String("book-out", "", "write the engine's book after every message to FILE, in LOBSTER's orderbook format")
	outFormat := fs.String("out-format", "text", "the report's format: text or json")
	diffs := fs.Int("diffs", lobster.DefaultDiffs, "how many rows that differ to list")
	sync := fs.Bool("sync", false, "re-synchronise the engine's book to the orderbook file's row before every message, so that each row measures one message applied (step agreement)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if *msgs == "" {
		return usageError{"--messages is required"}
	}
	if err := firstErr(nonNegative("levels", *levels), positive("diffs", *diffs)); err != nil {
		return err
	}
	if *outFormat != "text" && *outFormat != "json" {
		return usageError{fmt.Sprintf("--out-format %q: want text or json", *outFormat)}
	}
	if *book == "" {
		if cand := strings.Replace(*msgs, "_message_", "_orderbook_", 1); cand != *msgs {
			*book = cand
		} else {
			return usageError{"--orderbook is required when the message file is not named like LOBSTER's (*_message_*)"}
		}
	}
	if *symbol == "" {
		*symbol, _, _ = strings.Cut(filepath.Base(*msgs), "_")
	}
	cfg := replay.Config{Matcher: matcher.DefaultConfig()}
	switch *riskFlag {
	case "off":
	case "default":
		cfg.Risk = risk.DefaultConfig()
		cfg.Risk.TickMicros = 100 // LOBSTER prices are in $0.0001
	default:
		rc, err := loadRiskConfig(*riskFlag)
		if err != nil {
			return err
		}
		cfg.Risk = rc
	}
	if *bookOut != "" {
		if err := checkOutPath("book-out", *bookOut, false); err != nil {
			return err
		}
	}
	mf, err := os.Open(*msgs)
	if err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	defer mf.Close()
	bf, err := os.Open(*book)
	if err != nil {
		return fmt.Errorf("orderbook: %w", err)
	}
	defer bf.Close()
	opt := lobster.Options{Symbol: *symbol, Levels: *levels, Logic: &cfg, Diffs: *diffs}
	if *sync {
		sf, err := os.Open(*book)
		if err != nil {
			return fmt.Errorf("orderbook: %w", err)
		}
		defer sf.Close()
		opt.SyncBook = sf
	}
	var bw *bufio.Writer
	if *bookOut != "" {
		f, err := os.Create(*bookOut)
		if err != nil {
			return err
		}
		defer f.Close()
		bw = bufio.NewWriterSize(f, 1<<16)
		opt.BookOut = bw
	}
	rep, err := lobster.Compare(mf, bf, opt)
	if err != nil {
		return err
	}
	if bw != nil {
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("book out: %w", err)
		}
	}
	if *outFormat == "json" {
		return rep.WriteJSON(stdout)
	}
	return rep.WriteText(stdout)
}
