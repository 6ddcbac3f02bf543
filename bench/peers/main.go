// Command peers measures the engine's ring and journal beside the
// libraries a user would otherwise pick, in the same process and the same
// run, with the harness of the engine's bench package, and writes the
// comparisons as rows of the suite's summary schema into OUT/peers.json
// (with a .hgrm pair per peer latency), then prints the table. `engine
// bench` runs it and merges its rows; it lives in its own module so that
// the engine's go.mod needs none of these libraries.
//
//	go run . [--duration D] [--out DIR] [--scenarios ring,journal] [--smoke]
//
// Each row's ratio is ours over theirs.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tradeengine/engine/bench"
	"github.com/tradeengine/engine/journal"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "peers: %v\n", err)
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	duration   time.Duration
	out        string
	scenarios  []string
	journalCap int64
	segSize    int64
	tmp        string
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("peers", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var scen string
	smoke := fs.Bool("smoke", false, "run every comparison very briefly (CI: proves it works, measures nothing)")
	fs.DurationVar(&o.duration, "duration", 700*time.Millisecond, "length of each measurement")
	fs.StringVar(&o.out, "out", "bench-out", "output `directory`")
	fs.StringVar(&scen, "scenarios", "ring,journal", "comma-separated scenarios: ring, journal")
	fs.Int64Var(&o.journalCap, "journal-cap", 512<<20, "most `bytes` one journal measurement writes")
	fs.Int64Var(&o.segSize, "segment-size", 0, "the engine journal's segment size in `bytes` (0: its default)")
	fs.StringVar(&o.tmp, "tmp", "", "`directory` for the temporary logs (default: the system's)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *smoke {
		o.duration, o.journalCap, o.segSize = 100*time.Millisecond, 32<<20, 8<<20
	}
	for s := range strings.SplitSeq(scen, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if !slices.Contains(bench.PeerScenarios, s) {
			return fmt.Errorf("unknown scenario %q (want %s)", s, strings.Join(bench.PeerScenarios, ", "))
		}
		o.scenarios = append(o.scenarios, s)
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	rep := &bench.Report{
		Command:   "peers " + strings.Join(args, " "),
		Mode:      "peers",
		Scenarios: o.scenarios,
		Duration:  o.duration.String(),
		Started:   time.Now().UTC().Truncate(time.Second),
		Machine:   bench.DescribeMachine(time.Now().UTC()),
	}
	rep.Clock = bench.MeasureClockCost(bench.SystemClock(), 1_000_000)
	progress := func(format string, args ...any) {
		fmt.Fprintf(stderr, "peers: "+format+"\n", args...)
	}
	for _, s := range o.scenarios {
		var err error
		switch s {
		case "ring":
			err = ringPeers(rep, o, progress)
		case "journal":
			err = journalPeers(rep, o, progress)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	rep.Peers = bench.PeersStatus{Ran: true}
	f, err := os.Create(filepath.Join(o.out, bench.PeersJSON))
	if err != nil {
		return err
	}
	if err := rep.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return rep.WriteTable(stdout)
}

// row returns a comparison row: ours beside theirs, from the peers module.
func row(scenario, metric string, ours, theirs float64, unit, peer, note string) bench.Row {
	r := bench.NewRow(scenario, metric, ours, unit).Compare(peer, theirs)
	r.Source = "peers"
	r.Note = note
	return r
}

func ringPeers(rep *bench.Report, o options, progress func(string, ...any)) error {
	d := o.duration
	progress("ring: ours, unbatched")
	ours, pinned, err := bench.RingThroughput(d, 1)
	if err != nil {
		return err
	}
	if !pinned {
		rep.Note("ring: fewer than two CPUs could be pinned: the pairs ran unpinned")
	}
	note := fmt.Sprintf("ours %.2f ns/event", ours.NSPerEvent())
	progress("ring: buffered channel")
	ch, _, err := bench.ChanThroughput(d)
	if err != nil {
		return err
	}
	rep.Add(row("ring", "unbatched events/s", ours.PerSec(), ch.PerSec(), "events/s", bench.PeerChan, note))
	for _, p := range []struct {
		name string
		fn   func(time.Duration) (bench.Throughput, error)
	}{{peerXsyncSPSC, XsyncSPSC}, {peerXsyncMPMC, XsyncMPMC}, {peerWorkiva, Workiva}} {
		progress("ring: %s", p.name)
		t, err := p.fn(d)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		rep.Add(row("ring", "unbatched events/s", ours.PerSec(), t.PerSec(), "events/s", p.name,
			fmt.Sprintf("%s, theirs %.2f ns/event", note, t.NSPerEvent())))
	}

	progress("ring: round trip, ours")
	ourLat, _, err := bench.RingRoundTrip(d)
	if err != nil {
		return err
	}
	progress("ring: round trip, %s", peerXsyncSPSC)
	lat, err := XsyncSPSCRoundTrip(d)
	if err != nil {
		return fmt.Errorf("%s: %w", peerXsyncSPSC, err)
	}
	lf, err := bench.WriteLatency(o.out, lat)
	if err != nil {
		return err
	}
	rep.Latencies = append(rep.Latencies, lf)
	r := bench.RoundTripP50Row(ourLat, lat)
	r.Source = "peers"
	rep.Add(r)
	rep.Add(row("ring", "round trip p99.99 (corrected)", float64(ourLat.Corrected.ValueAtQuantile(99.99)),
		float64(lat.Corrected.ValueAtQuantile(99.99)), "ns", peerXsyncSPSC, ""))
	return nil
}

func journalPeers(rep *bench.Report, o options, progress func(string, ...any)) error {
	d, capBytes := o.duration, o.journalCap
	temp := func(name string, fn func(dir string) error) error {
		dir, err := os.MkdirTemp(o.tmp, "engine-bench-peers-"+name+"-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		return fn(dir)
	}
	var ours, oursSync bench.Throughput
	var oursLat *bench.Latency
	progress("journal: ours, none")
	if err := temp("journal", func(dir string) (err error) {
		ours, _, err = bench.JournalAppends(dir, journal.Options{Durability: journal.None, SegmentSize: o.segSize}, d, capBytes, nil)
		return err
	}); err != nil {
		return err
	}
	note := fmt.Sprintf("ours %.1f ns/append", ours.NSPerEvent())
	theirs := []struct {
		name string
		fn   func(dir string) (bench.Throughput, error)
	}{
		{peerTidwallNoSync, func(dir string) (bench.Throughput, error) { return Tidwall(dir, false, d, capBytes, nil) }},
		{peerPebble, func(dir string) (bench.Throughput, error) { return Pebble(dir, false, d, capBytes, nil) }},
		{peerBufio, func(dir string) (bench.Throughput, error) { return bench.FileAppends(dir, d, capBytes) }},
	}
	for _, p := range theirs {
		progress("journal: %s", p.name)
		var t bench.Throughput
		if err := temp("peer", func(dir string) (err error) { t, err = p.fn(dir); return err }); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		rep.Add(row("journal", "none appends/s", ours.PerSec(), t.PerSec(), "appends/s", p.name,
			fmt.Sprintf("%s, theirs %.1f ns/append", note, t.NSPerEvent())))
	}

	progress("journal: ours, sync")
	oursLat = bench.NewLatency("journal", "peer-ours-sync-append", "journal Append in sync mode (peers run)", bench.MethodClosedLoop)
	if err := temp("journal", func(dir string) (err error) {
		oursSync, _, err = bench.JournalAppends(dir, journal.Options{Durability: journal.Sync, SegmentSize: o.segSize}, d, capBytes, oursLat)
		return err
	}); err != nil {
		return err
	}
	for _, p := range []struct {
		name, file string
		fn         func(dir string, lat *bench.Latency) (bench.Throughput, error)
	}{
		{peerTidwallSync, "peer-tidwall-sync-append", func(dir string, lat *bench.Latency) (bench.Throughput, error) {
			return Tidwall(dir, true, d, capBytes, lat)
		}},
		{peerPebbleSync, "peer-pebble-sync-append", func(dir string, lat *bench.Latency) (bench.Throughput, error) {
			return Pebble(dir, true, d, capBytes, lat)
		}},
	} {
		progress("journal: %s", p.name)
		lat := bench.NewLatency("journal", p.file, p.name+": one durable 64-byte append", bench.MethodClosedLoop)
		lat.Peer = p.name
		var t bench.Throughput
		if err := temp("peer", func(dir string) (err error) { t, err = p.fn(dir, lat); return err }); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		lf, err := bench.WriteLatency(o.out, lat)
		if err != nil {
			return err
		}
		rep.Latencies = append(rep.Latencies, lf)
		rep.Add(row("journal", "sync appends/s", oursSync.PerSec(), t.PerSec(), "appends/s", p.name, ""))
		rep.Add(row("journal", "sync append p50", float64(oursLat.Corrected.ValueAtQuantile(50)),
			float64(lat.Corrected.ValueAtQuantile(50)), "ns", p.name, ""))
	}
	return nil
}
