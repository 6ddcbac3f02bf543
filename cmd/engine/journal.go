package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/wire"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
)

// errUnclean is returned by `journal verify` when the journal has problems;
// the report says which.
var errUnclean = errors.New("journal is not clean")

const (
	verifySynopsis = "DIR"
	dumpSynopsis   = "DIR [--from SEQ] [--to SEQ] [--out-format csv|jsonl]"
)

func cmdJournal(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"want a subcommand: verify " + verifySynopsis + ", or dump " + dumpSynopsis}
	}
	switch args[0] {
	case "verify":
		return journalVerify(args[1:], stdout)
	case "dump":
		return journalDump(args[1:], stdout)
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(stdout, "usage: engine journal verify %s\n       engine journal dump %s\n\n", verifySynopsis, dumpSynopsis)
		fmt.Fprintln(stdout, "  verify  check every record of the journal in DIR; exit 1 when it is not clean")
		fmt.Fprintln(stdout, "  dump    print the journal's events as a CSV feed or JSON lines")
		fmt.Fprintln(stdout, "\nRun 'engine journal verify -h' or 'engine journal dump -h' for their flags.")
		return flag.ErrHelp
	}
	return usageError{fmt.Sprintf("unknown subcommand %q: want verify or dump", args[0])}
}

// dirArg parses flags that may come before or after the one directory
// argument.
func dirArg(fs *flag.FlagSet, args []string, stdout io.Writer) (string, error) {
	var dir string
	for {
		if err := parseOnly(fs, args, stdout); err != nil {
			return "", err
		}
		if fs.NArg() == 0 {
			break
		}
		if dir != "" {
			return "", usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
		}
		dir = fs.Arg(0)
		args = fs.Args()[1:]
	}
	if dir == "" {
		return "", usageError{"want a journal directory"}
	}
	return dir, nil
}

func journalVerify(args []string, stdout io.Writer) error {
	fs := newFlags("journal verify", verifySynopsis)
	dir, err := dirArg(fs, args, stdout)
	if err != nil {
		return err
	}
	rep, err := journal.Verify(dir)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, rep.String())
	if !rep.Clean() {
		return errUnclean
	}
	return nil
}

func journalDump(args []string, stdout io.Writer) error {
	fs := newFlags("journal dump", dumpSynopsis)
	from := newUint(fs, "from", 0, "first `sequence` to dump (default: the oldest kept)")
	to := newUint(fs, "to", 0, "last `sequence` to dump (default: the last)")
	format := fs.String("out-format", "csv", "csv (the CSV feed format: a dump is a feed engine run takes) or jsonl (input events as JSON lines)")
	inFormat := fs.String("format", "", "not for journal dump, which reads a journal: the format it writes is --out-format")
	dir, err := dirArg(fs, args, stdout)
	if err != nil {
		return err
	}
	if err := firstErr(from.check("from"), to.check("to")); err != nil {
		return err
	}
	if given(fs)["format"] {
		return usageError{fmt.Sprintf("--format %q: --format names the format of an input, and a dump reads a journal; the format it writes is --out-format", *inFormat)}
	}
	*format = strings.ToLower(*format)
	if *format != "csv" && *format != "jsonl" {
		return usageError{fmt.Sprintf("--out-format %q: want csv or jsonl", *format)}
	}
	rep, err := journal.Verify(dir)
	if err != nil {
		return err
	}
	last := rep.LastSeq
	if to.v != 0 && to.v < last {
		last = to.v
	}
	// Symbol names come from the definitions, which may precede --from.
	names, err := symbolNames(dir, rep.FirstSeq, last)
	if err != nil {
		return err
	}
	start := max(from.v, rep.FirstSeq)
	w := bufio.NewWriterSize(stdout, 1<<16)
	var enc *wire.CSVEncoder
	if *format == "csv" {
		// The CSV feed format: a dump is a feed. The symbols defined
		// before the first event dumped are defined first, in id order.
		enc = wire.NewCSVEncoder(w)
		if start > rep.FirstSeq {
			before, err := symbolNames(dir, rep.FirstSeq, start-1)
			if err != nil {
				return err
			}
			ids := make([]uint32, 0, len(before))
			for id := range before {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			for _, id := range ids {
				packed, err := event.PackName(before[id])
				if err != nil {
					return err
				}
				def := event.In{Kind: event.KindSymbol, Symbol: id, Aux: packed}
				if err := enc.Encode(&def); err != nil {
					return fmt.Errorf("symbols defined before sequence %d: %w", start, err)
				}
			}
		}
	}
	if start <= last {
		er, err := replay.NewEventReader(dir, start)
		if err != nil {
			return err
		}
		defer er.Close()
		var b []byte
		for seq := start; seq <= last; seq++ {
			in, ok := er.Next()
			if !ok {
				if errors.Is(er.Err(), replay.ErrRecord) {
					return er.Err()
				}
				return fmt.Errorf("journal ends before sequence %d: %v", seq, er.Err())
			}
			cmd, isCmd := er.LastCommand()
			if enc != nil {
				if isCmd {
					// Who did it, as a comment line before the event.
					if err := enc.Comment(fmt.Sprintf("seq %d: operator uid %d gid %d pid %d: %q", in.Seq, cmd.UID, cmd.GID, cmd.PID, cmd.Text)); err != nil {
						return err
					}
				}
				if err := enc.Encode(in); err != nil {
					return fmt.Errorf("sequence %d: %w", in.Seq, err)
				}
				continue
			}
			b = appendInJSON(b[:0], in, names)
			if isCmd {
				b = b[:len(b)-2]                  // the closing brace and the line feed
				text, _ := json.Marshal(cmd.Text) // a string always marshals
				b = fmt.Appendf(b, `,"operator":{"uid":%d,"gid":%d,"pid":%d,"text":%s}}`+"\n", cmd.UID, cmd.GID, cmd.PID, text)
			}
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
	}
	if enc != nil {
		if err := enc.Flush(); err != nil {
			return err
		}
	}
	return w.Flush()
}

// symbolNames reads the symbol definitions among records from..to.
func symbolNames(dir string, from, to uint64) (map[uint32]string, error) {
	names := map[uint32]string{}
	if from > to {
		return names, nil
	}
	rd, err := journal.NewReader(dir, from)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	var ins []event.In
	for seq := from; seq <= to && rd.Next(); {
		ins, err = replay.AppendEvents(ins[:0], rd.Record())
		if err != nil {
			// Not this command's to report: the dump that follows
			// decodes every record it prints and fails on a bad one.
			seq = rd.Record().Last() + 1
			continue
		}
		for i := range ins {
			in := &ins[i]
			if in.Seq > to {
				break
			}
			seq = in.Seq + 1
			if in.Kind != event.KindSymbol {
				continue
			}
			if n, ok := event.UnpackName(in.Aux); ok {
				names[in.Symbol] = n
			}
		}
	}
	return names, rd.Err()
}

// symbolText names the symbol of in, "" for the kinds that name none.
func symbolText(names map[uint32]string, in *event.In) string {
	id := in.Symbol
	switch {
	case in.Kind == event.KindCancel || in.Kind == event.KindReplace:
		return ""
	case id == event.Any:
		return "*"
	}
	if n, ok := names[id]; ok {
		return n
	}
	return strconv.FormatUint(uint64(id), 10)
}

func accountText(a uint32) string {
	if a == event.Any {
		return "*"
	}
	return strconv.FormatUint(uint64(a), 10)
}

func appendInJSON(b []byte, in *event.In, names map[uint32]string) []byte {
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, in.Seq, 10)
	b = append(b, `,"ts":`...)
	b = strconv.AppendInt(b, in.TS, 10)
	b = append(b, `,"kind":`...)
	b = strconv.AppendQuote(b, in.Kind.String())
	b = append(b, `,"symbol":`...)
	b = strconv.AppendQuote(b, symbolText(names, in))
	b = append(b, `,"account":`...)
	if in.Account == event.Any {
		b = append(b, `"*"`...)
	} else {
		b = strconv.AppendUint(b, uint64(in.Account), 10)
	}
	b = append(b, `,"id":`...)
	b = strconv.AppendUint(b, in.ID, 10)
	b = append(b, `,"side":`...)
	b = strconv.AppendQuote(b, in.Side.String())
	b = append(b, `,"type":`...)
	b = strconv.AppendQuote(b, in.Type.String())
	b = append(b, `,"price":`...)
	b = strconv.AppendInt(b, in.Price, 10)
	b = append(b, `,"qty":`...)
	b = strconv.AppendInt(b, in.Qty, 10)
	b = append(b, `,"stp":`...)
	b = strconv.AppendQuote(b, in.STP.String())
	b = append(b, `,"aux":`...)
	b = strconv.AppendUint(b, in.Aux, 10)
	b = append(b, `,"arg":`...)
	b = strconv.AppendUint(b, uint64(in.Arg), 10)
	return append(b, "}\n"...)
}
