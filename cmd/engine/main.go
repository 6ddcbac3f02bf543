// Command engine runs the trading event engine and its tools.
//
//	engine run     [flags]         run a feed through the engine (default: a generated flow)
//	engine gen     [flags]         write a synthetic order flow
//	engine journal verify DIR      check every record of a journal
//	engine journal dump DIR        print a journal's events as a CSV feed or JSON lines
//	engine lobster compare [flags] compare the engine's book with a LOBSTER orderbook file, message by message
//	engine bench   [scenario]      run the benchmark suite: latency histograms, throughput, peers
//	engine ctl     [COMMAND...]    talk to a running engine's admin socket; ctl top is its live view
//
// Run `engine <command> -h` for a command's flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// exitUsage is the exit status for a command line that cannot be run.
const exitUsage = 2

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "run a feed through the engine (default: an embedded generated flow)", cmdRun},
		{"gen", "write a synthetic, seeded order flow as CSV or native frames", cmdGen},
		{"journal", "verify or dump a journal: journal verify DIR, journal dump DIR", cmdJournal},
		{"replay", "replay a journal: verify it against the live run, stop at a moment, try another risk setting", cmdReplay},
		{"lobster", "measure how closely the engine reproduces a LOBSTER day: lobster compare --messages M --orderbook B", cmdLobster},
		{"audit", "report on a journaled day per account and symbol: text, json, csv or html with charts", cmdAudit},
		{"bench", "run the benchmark suite: latency histograms, throughput, peers side by side", cmdBench},
		{"ctl", "talk to a running engine's admin socket: ctl status, ctl kill account 7, ctl top", cmdCtl},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: engine <command> [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'engine <command> -h' for the flags of a command.")
}

// usageError is an error in the command line, reported with exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	os.Exit(mainErr(os.Args[1:], os.Stdout, os.Stderr))
}

func mainErr(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], stdout, stderr)
		var ue usageError
		var ec exitCodeError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ec):
			fmt.Fprintln(stderr, errorLine(c.name, err))
			return ec.code
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "%s\nRun 'engine %s -h' for usage.\n", errorLine(c.name, err), c.name)
			return exitUsage
		default:
			fmt.Fprintln(stderr, errorLine(c.name, err))
			return 1
		}
	}
	fmt.Fprintf(stderr, "engine: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

// errorLine is the one line that reports err from command name: "engine
// NAME: err", or "engine err" when err already names the command ("journal:
// list DIR: ..."), so no prefix appears twice.
func errorLine(name string, err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, name+": ") {
		return "engine " + msg
	}
	return "engine " + name + ": " + msg
}
