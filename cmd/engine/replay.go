package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tradeengine/engine/admin"
	"github.com/tradeengine/engine/internal/progress"
	"github.com/tradeengine/engine/pipeline"
	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/risk"
	"github.com/tradeengine/engine/wire"
)

// showList is a repeatable --show flag.
type showList []string

func (s *showList) String() string     { return strings.Join(*s, ",") }
func (s *showList) Set(v string) error { *s = append(*s, v); return nil }

// exitDiverged is replay --verify's exit status on a divergence.
const exitDiverged = 1

func cmdReplay(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("replay", "--journal DIR [--from-snapshot|--from-start] [--until SEQ|TIME] [--risk FILE] [--out PATH] [--summary FILE] [--verify] [--show book:SYMBOL|orders:ACCOUNT|guards|limits|pending]")
	dir := fs.String("journal", "", "the journal directory to replay (required)")
	fromStart := fs.Bool("from-start", false, "replay from the journal's first event (the default without --until)")
	fromSnap := fs.Bool("from-snapshot", false, "replay from the newest snapshot at or before the stop (the default with --until)")
	until := fs.String("until", "", "stop after sequence SEQ, or at event time TIME: HH:MM[:SS[.fff]] in the feed's time zone (--tz), NANOSECONDSns, or RFC 3339")
	tz := fs.String("tz", "UTC", "the feed's time zone, for a clock time in --until when event times are since the epoch")
	riskFlag := fs.String("risk", "", "what-if: replay under this risk configuration FILE (or off, default) instead of the journaled one, and report the differences")
	out := fs.String("out", "", "write the replay's output events to FILE (- for stdout)")
	outFormat := fs.String("out-format", "", "output format: "+strings.Join(wire.FormatNames(wire.StreamOutput, false), ", ")+" (default: from --out's extension, else csv)")
	summary := fs.String("summary", "", "write the replay's summary as JSON to FILE (the fields of engine run's)")
	verify := fs.Bool("verify", false, "exit 1 when the replay differs from the live run at any digest checkpoint, saying where")
	asJSON := fs.Bool("json", false, "--show and the what-if report as JSON")
	var shows showList
	fs.Var(&shows, "show", "show the state where the replay stops: book:SYMBOL, orders:ACCOUNT, guards, limits or pending (repeatable)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	set := given(fs)
	switch {
	case *dir == "":
		return usageError{"--journal is required"}
	case *fromStart && *fromSnap:
		return usageError{"--from-start and --from-snapshot exclude each other"}
	case *verify && set["risk"]:
		return usageError{"--verify compares with the live run: it cannot replay under another --risk"}
	}
	cmds, err := parseShows(shows)
	if err != nil {
		return err
	}
	for _, o := range []struct{ flag, path string }{{"out", *out}, {"summary", *summary}} {
		if o.path != "" && o.path != "-" {
			if err := checkOutPath(o.flag, o.path, o.flag == "summary"); err != nil {
				return err
			}
		}
	}
	o := replay.Options{FromStart: *fromStart || (!*fromSnap && *until == "")}
	var whatIf *risk.Config
	if set["risk"] {
		switch *riskFlag {
		case "off":
		case "default":
			whatIf = risk.DefaultConfig()
		default:
			if whatIf, err = loadRiskConfig(*riskFlag); err != nil {
				return err
			}
		}
		o.Risk, o.Override = whatIf, true
	}
	if *until != "" {
		loc, err := time.LoadLocation(*tz)
		if err != nil {
			return usageError{fmt.Sprintf("--tz %q: %v", *tz, err)}
		}
		first, err := firstEventTS(*dir)
		if err != nil {
			return err
		}
		if o.Until, o.UntilTS, err = replay.ParseUntil(*until, first, loc); err != nil {
			return usageError{err.Error()}
		}
	}
	sink, output, err := openOut(*out, *outFormat, stdout)
	if err != nil {
		return err
	}
	if output != nil {
		f, err := os.Create(output.Path)
		if err != nil {
			return fmt.Errorf("output: %w", err)
		}
		defer f.Close()
		if sink, err = output.Open(f, false); err != nil {
			return err
		}
	}

	s, err := replay.Open(*dir, o)
	if err != nil {
		return err
	}
	defer s.Close()
	total := int64(0)
	if s.Journal.LastSeq >= s.NextSeq() {
		total = int64(s.Journal.LastSeq - s.NextSeq() + 1)
	}
	bar := progress.New(stderr, total, "replay")
	tally := pipeline.NewTally(s.Logic().Guard() != nil)
	start := time.Now()
	for s.Next() {
		in, outs := s.In(), s.Outs()
		tally.Add(in, outs)
		if sink != nil {
			for i := range outs {
				if err := sink.Write(&outs[i]); err != nil {
					return fmt.Errorf("output: %w", err)
				}
			}
		}
		bar.Add(1)
	}
	stats := bar.Done()
	if err := s.Err(); err != nil {
		return err
	}
	if sink != nil {
		if err := sink.Flush(); err != nil {
			return fmt.Errorf("output: %w", err)
		}
	}
	sum := tally.Summary(s.OutputDigest(), time.Since(start))
	if *summary != "" {
		if err := writeFileAtomic(*summary, func(w io.Writer) error { return sum.WriteJSON(w) }); err != nil {
			return fmt.Errorf("summary: %w", err)
		}
	}
	res := s.Result()
	if d := res.Divergence; d != nil {
		narrow(s, o, d, stderr)
	}
	report := stdout
	if *out == "-" {
		report = stderr // stdout holds the events
	}
	if err := s.WriteText(report); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "replayed %v\n", stats)
	for _, c := range cmds {
		a, err := s.Logic().Answer(mustQuery(c))
		if err != nil {
			return fmt.Errorf("show %s: %w", c.Verb, err)
		}
		a.Seq = s.NextSeq() - 1
		if err := admin.RenderAnswer(report, c, a, *asJSON); err != nil {
			return err
		}
	}
	if o.Override {
		rep, err := replay.WhatIf(*dir, whatIf, replay.WhatIfOptions{Until: o.Until, UntilTS: o.UntilTS})
		if err != nil {
			return err
		}
		if *asJSON {
			err = rep.WriteJSON(report)
		} else {
			err = rep.WriteText(report)
		}
		if err != nil {
			return err
		}
	}
	if *verify && (res.Divergence != nil || s.VerifyErr != nil) {
		return exitCodeError{code: exitDiverged, err: errors.New("the replay differs from the live run (see above)")}
	}
	return nil
}

// narrow looks for the first divergent input in the live run's output file,
// when the journal says where it is and it is still there.
func narrow(s *replay.Session, o replay.Options, d *replay.Divergence, stderr io.Writer) {
	path, err := pipeline.OutputPath(s.Dir)
	if err != nil || path == "" {
		fmt.Fprintf(stderr, "engine replay: no live output file to narrow the divergence down with\n")
		return
	}
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(stderr, "engine replay: live output: %v\n", err)
		return
	}
	defer f.Close()
	_, output, err := openOut(path, "", io.Discard)
	if err != nil || output == nil {
		return
	}
	err = replay.Narrow(s.Dir, o, d, f, func(w io.Writer) (replay.OutEncoder, error) { return output.Open(w, false) })
	if err != nil {
		fmt.Fprintf(stderr, "engine replay: narrowing: %v\n", err)
	}
}

// parseShows parses the --show values into admin read commands.
func parseShows(shows []string) ([]admin.Command, error) {
	var cmds []admin.Command
	for _, v := range shows {
		line := strings.Replace(v, ":", " ", 1)
		c, err := admin.ParseCommand(line)
		if _, ok := admin.QueryOf(c); err != nil || !ok {
			return nil, usageError{fmt.Sprintf("--show %q: want book:SYMBOL, orders:ACCOUNT, guards, limits or pending", v)}
		}
		cmds = append(cmds, c)
	}
	return cmds, nil
}

func mustQuery(c admin.Command) admin.Query {
	q, _ := admin.QueryOf(c)
	return q
}

// firstEventTS returns the event time of the journal's first event.
func firstEventTS(dir string) (int64, error) {
	er, err := replay.NewEventReader(dir, 0)
	if err != nil {
		return 0, err
	}
	defer er.Close()
	in, ok := er.Next()
	if !ok {
		if err := er.Err(); err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("%s: the journal holds no events", dir)
	}
	return in.TS, nil
}
