package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tradeengine/engine/admin"
	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/pipeline"
	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/ring"
	"github.com/tradeengine/engine/risk"
	"github.com/tradeengine/engine/wire"
	"golang.org/x/sys/unix"
)

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", "[--feed FILE|-|tcp://HOST:PORT] [--out FILE|-] [--summary FILE] [flags]")
	def := pipeline.DefaultConfig()
	feed := fs.String("feed", "", "feed to run: a file, - for stdin, or tcp://HOST:PORT; empty runs the embedded generated flow")
	format := fs.String("format", "auto", "feed format: auto (a native feed by its magic, else by the path's name (.itch, *_message_*.csv for lobster), else csv), "+strings.Join(wire.FormatNames(wire.StreamFeed, true), ", "))
	symbol := fs.String("symbol", "", "lobster feed: the symbol's name (default: the file name's prefix)")
	book := fs.String("book", "", "lobster feed: the orderbook file whose first row seeds the book (default: the one beside the message file)")
	marketData := fs.String("market-data", "", "publish the engine's market data to FILE or tcp://HOST:PORT (a connection made to it), in --md-format (not with --journal: a restart could not continue the stream)")
	mdFormat := fs.String("md-format", "itch", "market data format: itch (NASDAQ TotalView-ITCH 5.0, BinaryFILE framing) or another output format")
	syncBook := fs.String("sync-book", "", "lobster feed: re-synchronise the book to this orderbook file's row before every message (sync input events, journaled like the rest)")
	out := fs.String("out", "", "write output events to FILE (- for stdout); empty writes none")
	outFormat := fs.String("out-format", "", "output format: "+strings.Join(wire.FormatNames(wire.StreamOutput, false), ", ")+" (default: from --out's extension, else csv)")
	summary := fs.String("summary", "", "write the run summary as JSON to FILE")
	strict := fs.Bool("strict", false, "stop with a non-zero exit at the first malformed feed record")
	deadLetter := fs.String("dead-letter", "", "file that receives malformed feed records, created on the first one (default: OUT.dead-letter beside --out FILE, else JOURNAL/dead-letter.log with --journal, else none: they are counted and the first "+strconv.Itoa(deadLetterShown)+" printed to stderr)")
	clock := fs.String("clock", "feed", "event time: feed (the feed's timestamps) or wall (stamped at ingest)")
	cpu := fs.Int("cpu", def.CPU, fmt.Sprintf("CPU to pin the logic (or the shared thread) to, -1 for none (default: the last CPU on machines with at least %d, else none)", pipeline.PinMinCPUs))
	threads := fs.String("threads", "auto", "how the stages share threads: auto (dedicated for now: see pipeline.Threads.Resolve), dedicated (a thread each), shared (one thread), logic (the logic alone, ingest and sink sharing a second)")
	wait := fs.String("wait", "yield", "how idle stages wait: spin, yield or park")
	events := fs.Int("events", 2_000_000, "embedded flow: number of events (default with --scenario knight: enough for 5 s of runaway)")
	seed := newUint(fs, "seed", 1, "embedded flow: random seed, a non-negative `integer`")
	quiet := fs.Bool("quiet", false, "do not print the summary")
	riskFlag := fs.String("risk", "default", "risk guard: default (the built-in limits, see risk/testdata/default.conf), off, or a configuration FILE")
	runaway := fs.String("runaway", "", "ACCOUNT[@TS]: report how the risk guard stopped this account, running away from event time TS (default 0)")
	scenario := fs.String("scenario", "", "embedded flow scenario: "+scenarioHelp)
	jdir := fs.String("journal", "", "journal every event to DIR before acting on it; an existing journal is recovered and continued")
	durability := fs.String("durability", "batch", "journal durability: none (page cache), batch (group commit) or sync (msync before the logic acts)")
	batchRecords := fs.Int("batch-records", 1024, "batch durability: msync after this many events are waiting")
	batchInterval := fs.Duration("batch-interval", 200*time.Microsecond, "batch durability: msync at least this often")
	jmap := fs.String("journal-map", "shared", "how the journal's segments are mapped, with durability batch or sync: shared (the committer msyncs the pages the engine appends to; the death of the process loses nothing) or private (the engine appends to its own copy-on-write pages and the committer writes them out, so writeback never stalls the appending thread; the death of the process can lose the last group, as the machine's can)")
	segmentSize := fs.Int64("segment-size", 64<<20, "journal segment size in bytes")
	snapshotEvery := newUint(fs, "snapshot-every", 0, "write a snapshot of the logic state every `N` events and at the end (0: none; SIGUSR1 asks for one)")
	digestEvery := newUint(fs, "digest-every", replay.DefaultDigestEvery, "record a digest checkpoint of the logic state and the outputs every `N` events and at every snapshot, for engine replay --verify (0: none)")
	keepSnapshots := fs.Int("keep-snapshots", 2, "snapshots to keep")
	retainSegments := fs.Int("retain-segments", 0, "keep at most N journal segments (never one the newest snapshot needs; 0: keep all)")
	retainAge := fs.Duration("retain-age", 0, "delete journal segments older than this (never one the newest snapshot needs; 0: keep all)")
	configChange := fs.Bool("config-change", false, "on an existing journal, run under this configuration even where it differs from the one in force in the journal (the change is journaled; without it such a restart is refused)")
	resume := fs.String("resume", "skip", "on an existing journal, the feed: skip (starts at the journal's first event; journaled events are checked and skipped) or new (holds only new events)")
	truncateCorrupt := fs.Bool("truncate-corrupt", false, "recover a journal whose newest segment is corrupt by cutting it at the corruption (reported)")
	adminPath := fs.String("admin", "", "open the admin socket (engine ctl) at `PATH`, mode 0600; roles from the [admin] section of --risk FILE (default: JOURNAL/"+adminSocketName+" with --journal, else none; none turns it off)")
	metrics := fs.String("metrics", "", "serve Prometheus metrics at http://`ADDR`/metrics (e.g. 127.0.0.1:9464)")
	logFormat := fs.String("log-format", "text", "structured log on stderr (start, stop, operator commands, trips): text or json")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}

	// Flags that need another, values that cannot be: all before anything
	// is opened.
	set := given(fs)
	d, err := journal.ParseDurability(*durability)
	if err != nil {
		return usageError{fmt.Sprintf("--durability %q: want none, batch or sync", *durability)}
	}
	rs, err := pipeline.ParseResume(*resume)
	if err != nil {
		return usageError{fmt.Sprintf("--resume %q: want skip or new", *resume)}
	}
	if err := firstErr(
		needs(set, *jdir != "", "--journal", "durability", "resume", "snapshot-every", "digest-every", "keep-snapshots",
			"retain-segments", "retain-age", "batch-records", "batch-interval", "segment-size", "truncate-corrupt", "config-change", "journal-map"),
		needs(set, d != journal.None, "--durability batch or sync", "journal-map"),
		needs(set, d == journal.Batch, "--durability batch", "batch-records", "batch-interval"),
		needs(set, *feed != "" && (*format == "auto" || *format == "lobster"), "a lobster feed (--feed FILE --format lobster)", "symbol", "book", "sync-book"),
		needs(set, *out != "", "--out", "out-format"),
		needs(set, *marketData != "", "--market-data", "md-format"),
		needs(set, *feed != "", "--feed", "format"),
		excludes(set, *feed != "", "is for the embedded flow; a feed carries its own events", "events", "seed", "scenario"),
		positive("events", *events),
		seed.check("seed"),
		snapshotEvery.check("snapshot-every"),
		digestEvery.check("digest-every"),
		positive("batch-records", *batchRecords),
		positive("batch-interval", *batchInterval),
		positive("segment-size", *segmentSize),
		positive("keep-snapshots", *keepSnapshots),
		nonNegative("retain-segments", *retainSegments),
		nonNegative("retain-age", *retainAge),
	); err != nil {
		return err
	}
	log, err := newLogger(*logFormat, stderr)
	if err != nil {
		return err
	}
	if *cpu < pipeline.NoPin {
		return usageError{fmt.Sprintf("--cpu %d: want a CPU number or %d for none", *cpu, pipeline.NoPin)}
	}

	// Every output path is checked before the run starts.
	dlPath := deadLetterPath(*deadLetter, *out, *jdir)
	for _, o := range []struct {
		flag, path string
		byRename   bool
	}{{"out", *out, false}, {"summary", *summary, true}, {"dead-letter", *deadLetter, false}, {"market-data", strings.TrimPrefix(*marketData, "tcp://"), false}} {
		if o.path == "" || o.path == "-" {
			continue
		}
		if err := checkOutPath(o.flag, o.path, o.byRename); err != nil {
			return err
		}
	}

	private, err := parseJournalMap(*jmap)
	if err != nil {
		return err
	}
	cfg := def
	cfg.CPU = *cpu
	if cfg.Threads, err = pipeline.ParseThreads(*threads); err != nil {
		return usageError{fmt.Sprintf("--threads %q: want auto, dedicated, shared or logic", *threads)}
	}
	cfg.Strict = *strict
	if cfg.Clock, err = pipeline.ParseClock(*clock); err != nil {
		return usageError{err.Error()}
	}
	if cfg.Wait, err = parseWait(*wait); err != nil {
		return err
	}
	if isTerminal(os.Stderr) {
		cfg.Progress = os.Stderr
	}
	if *jdir != "" {
		cfg.Journal = &pipeline.JournalConfig{
			Dir: *jdir,
			Options: journal.Options{
				Durability: d, SegmentSize: *segmentSize, TruncateCorrupt: *truncateCorrupt, PrivateMap: private,
			},
			SnapshotEvery:     snapshotEvery.v,
			DigestEvery:       int64(min(digestEvery.v, 1<<62)),
			KeepSnapshots:     *keepSnapshots,
			Retention:         journal.Retention{MaxSegments: *retainSegments, MaxAge: *retainAge},
			Resume:            rs,
			AllowConfigChange: *configChange,
		}
		if digestEvery.v == 0 {
			cfg.Journal.DigestEvery = -1 // none
		}
		if set["batch-records"] {
			cfg.Journal.Options.BatchRecords = *batchRecords
		}
		if set["batch-interval"] {
			cfg.Journal.Options.BatchInterval = *batchInterval
		}
		if snapshotEvery.v > 0 {
			req := make(chan struct{}, 1)
			usr1 := make(chan os.Signal, 1)
			signal.Notify(usr1, syscall.SIGUSR1)
			defer signal.Stop(usr1)
			go func() {
				for range usr1 {
					select {
					case req <- struct{}{}:
					default:
					}
				}
			}()
			cfg.SnapshotRequests = req
		}
	}
	switch *riskFlag {
	case "off":
		cfg.Risk = nil
	case "default":
		if tenthOfACent(*format, *feed) {
			// LOBSTER and ITCH prices are in units of $0.0001: the
			// default limits in dollars need that tick to mean what
			// they say.
			cfg.Risk.TickMicros = 100
		}
	default:
		rc, err := loadRiskConfig(*riskFlag)
		if err != nil {
			return err
		}
		cfg.Risk = rc
	}
	if *runaway != "" {
		ra, err := parseRunaway(*runaway)
		if err != nil {
			return usageError{err.Error()}
		}
		cfg.Runaway = &ra
	}
	dl := newDeadLetter(dlPath, stderr)
	defer dl.Close()
	cfg.DeadLetter = dl

	gc := gen.DefaultConfig()
	gc.Events, gc.Seed = *events, seed.v
	if err := setScenario(&gc, *scenario); err != nil {
		return err
	}
	sizeKnight(&gc, set["events"])
	if gc.Scenario == gen.ScenarioKnight && cfg.Runaway == nil {
		cfg.Runaway = &pipeline.Runaway{Account: gen.KnightAccount(&gc), Start: gc.StartTS + gc.Knight.Start}
	}
	// The admin socket and the metrics come up before the feed is opened
	// (a TCP feed may take a while to connect).
	cfg.LiveFeed = liveFeed(*feed)
	cfg.Log = log
	sock := *adminPath
	if sock == "" && *jdir != "" {
		sock = filepath.Join(*jdir, adminSocketName)
	}
	if sock == "none" {
		sock = ""
	}
	var ctl *pipeline.Control
	if sock != "" || *metrics != "" {
		ctl = pipeline.NewControl()
		cfg.Control = ctl
	}
	if sock != "" {
		var roles *admin.Roles
		if *riskFlag != "off" && *riskFlag != "default" {
			if roles, err = loadRoles(*riskFlag); err != nil {
				return err
			}
		}
		srv, err := admin.Listen(admin.ServerConfig{Path: sock, Roles: roles, Log: log}, ctl)
		if err != nil {
			return err
		}
		defer srv.Close()
	}
	if *metrics != "" {
		ms, err := admin.ServeMetrics(*metrics, admin.EngineSource(ctl), log)
		if err != nil {
			return err
		}
		defer ms.Close()
	}

	src, closeFeed, err := openFeed(*feed, *format, *symbol, *book, *syncBook, gc)
	if err != nil {
		return err
	}
	defer closeFeed()

	sink, output, err := openOut(*out, *outFormat, stdout)
	if err != nil {
		return err
	}
	if *marketData != "" {
		md, closeMD, err := openMarketData(*marketData, *mdFormat, *jdir != "")
		if err != nil {
			return err
		}
		defer closeMD()
		switch {
		case output != nil:
			open := output.Open
			output.Open = func(w io.Writer, appending bool) (pipeline.Sink, error) {
				s, err := open(w, appending)
				if err != nil {
					return nil, err
				}
				return pipeline.Tee(s, md), nil
			}
		case sink != nil:
			sink = pipeline.Tee(sink, md)
		default:
			sink = md
		}
	}
	cfg.Output = output

	// The first SIGINT or SIGTERM stops the run cleanly: the feed is no
	// longer read, the rings drain, the journal is synced, a last
	// snapshot written; a second one exits at once.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var signalled atomic.Bool
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		s, ok := <-sigs
		if !ok {
			return
		}
		signalled.Store(true)
		log.Info("stopping", "signal", s.String())
		cancel()
		if s, ok = <-sigs; ok {
			log.Error("second signal: exiting at once", "signal", s.String())
			os.Exit(130)
		}
	}()
	log.Info("engine started", "feed", feedName(*feed), "journal", *jdir, "admin", sock, "metrics", *metrics,
		"durability", *durability, "risk", *riskFlag)
	sum, runErr := pipeline.Run(ctx, cfg, src, sink)
	if runErr != nil && signalled.Load() && errors.Is(runErr, context.Canceled) {
		runErr = nil // stopped as asked: what was taken is processed
	}
	stopAttrs := []any{"events_in", sum.EventsIn, "events_out", sum.EventsOut, "output_digest", sum.OutputDigest}
	if runErr != nil {
		log.Error("engine stopped", append(stopAttrs, "error", runErr.Error())...)
	} else {
		log.Info("engine stopped", stopAttrs...)
	}
	if err := dl.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil && sum.EventsIn == 0 {
		// The run failed before it started (pipeline.Run returns a zero
		// summary then): the error says it all, an all-zero summary
		// would only hide it.
		return runErr
	}
	if sum.Malformed > 0 {
		fmt.Fprintf(stderr, "engine run: %d malformed feed records %s\n", sum.Malformed, dl.where())
	}
	if !*quiet {
		w := stdout
		if *out == "-" {
			w = stderr
		}
		fmt.Fprint(w, sum.String())
	}
	if *summary != "" {
		if err := writeFileAtomic(*summary, func(w io.Writer) error { return sum.WriteJSON(w) }); err != nil && runErr == nil {
			runErr = err
		}
	}
	return runErr
}

// deadLetterPath is where malformed records go: the --dead-letter FILE,
// else OUT.dead-letter beside an output file, else dead-letter.log in the
// journal's directory, else nowhere ("").
func deadLetterPath(flagPath, out, jdir string) string {
	switch {
	case flagPath != "":
		return flagPath
	case out != "" && out != "-":
		return out + ".dead-letter"
	case jdir != "":
		return filepath.Join(jdir, "dead-letter.log")
	}
	return ""
}

func parseWait(s string) (ring.WaitStrategy, error) {
	switch s {
	case "spin":
		return ring.BusySpin(), nil
	case "yield":
		return ring.SpinYield(), nil
	case "park":
		return ring.Park(), nil
	}
	return nil, usageError{fmt.Sprintf("--wait %q: want spin, yield or park", s)}
}

// loadRiskConfig reads a risk configuration file.
func loadRiskConfig(path string) (*risk.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("risk config: %w", err)
	}
	defer f.Close()
	return risk.ParseConfig(f, path)
}

// loadRoles reads the [admin] section of a risk configuration file.
func loadRoles(path string) (*admin.Roles, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("risk config: %w", err)
	}
	defer f.Close()
	return admin.ParseRoles(f, path)
}

// newLogger returns the structured log on w in format text or json.
func newLogger(format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, usageError{fmt.Sprintf("--log-format %q: want text or json", format)}
}

// feedName names the feed for the log.
func feedName(spec string) string {
	switch spec {
	case "":
		return "embedded"
	case "-":
		return "stdin"
	}
	return spec
}

// parseRunaway parses ACCOUNT[@TS].
func parseRunaway(s string) (pipeline.Runaway, error) {
	acct, ts, hasTS := strings.Cut(s, "@")
	a, err := strconv.ParseUint(acct, 10, 32)
	if err != nil || a == uint64(event.Any) {
		return pipeline.Runaway{}, fmt.Errorf("--runaway %q: want ACCOUNT[@TS]", s)
	}
	ra := pipeline.Runaway{Account: uint32(a)}
	if hasTS {
		if ra.Start, err = strconv.ParseInt(ts, 10, 64); err != nil {
			return pipeline.Runaway{}, fmt.Errorf("--runaway %q: bad event time %q", s, ts)
		}
	}
	return ra, nil
}

// scenarioHelp lists the scenarios for the flags' help.
const scenarioHelp = "knight (a router account runs away at 10,000 orders/s after 10 s; its stopping is reported) or knight-noparents (the same router without parent instructions, which only the execution anomaly detector can stop)"

// knightTail is how long a knight flow of the default size goes on after
// the runaway begins: long enough to see it stopped (within 100 ms).
const knightTail = 5e9

// setScenario mixes a named scenario into a generator configuration.
func setScenario(gc *gen.Config, name string) error {
	switch name {
	case "":
	case "knight", "knight-noparents":
		gc.Scenario = gen.ScenarioKnight
		gc.Knight = gen.DefaultKnight()
		gc.Knight.NoParents = name == "knight-noparents"
	default:
		return usageError{fmt.Sprintf("--scenario %q: want knight or knight-noparents", name)}
	}
	return nil
}

// sizeKnight gives a knight flow whose --events was not given enough
// events to run knightTail past the runaway's start.
func sizeKnight(gc *gen.Config, eventsGiven bool) {
	if gc.Scenario == gen.ScenarioKnight && !eventsGiven {
		gc.Events = max(gc.Events, gc.EventsThrough(gc.Knight.Start+knightTail))
	}
}

// genSource adapts the generator to pipeline.Source.
type genSource struct{ g *gen.Generator }

func (s genSource) Next(in *event.In) error {
	if !s.g.Next(in) {
		return io.EOF
	}
	return nil
}

// openFeed opens the feed named by spec in the given format.
// tenthOfACent says whether the feed's prices are in $0.0001 (a LOBSTER
// message file or an ITCH stream): named so by --format, or by its file name
// when --format is auto (wire.FeedFormat's rule, but for the magic of a
// native feed, which neither has).
func tenthOfACent(format, feed string) bool {
	f := wire.FormatUnknown
	if !strings.EqualFold(format, "auto") {
		f, _ = wire.ParseFormat(format)
	} else if spec, ok := wire.FormatOfPath(wire.StreamFeed, feed); ok && feed != "-" {
		f = spec.Feed
	}
	return f == wire.FormatLOBSTER || f == wire.FormatITCH
}

// liveFeed says whether a feed may block for long in a read: stdin, a TCP
// connection, or a path that is not a regular file (a named pipe, a
// device). Those are read on a goroutine of their own (pipeline.Config's
// LiveFeed); a file or the embedded flow is read in ingest's cycle.
func liveFeed(spec string) bool {
	switch {
	case spec == "":
		return false
	case spec == "-", strings.HasPrefix(spec, "tcp://"):
		return true
	}
	st, err := os.Stat(spec)
	return err == nil && !st.Mode().IsRegular()
}

func openFeed(spec, format, symbol, book, syncBook string, gc gen.Config) (pipeline.Source, func(), error) {
	nop := func() {}
	if spec == "" {
		g, err := gen.New(gc)
		if err != nil {
			return nil, nop, usageError{err.Error()}
		}
		return genSource{g}, nop, nil
	}
	if format != "auto" {
		if _, err := wire.LookupFormat(wire.StreamFeed, format, true); err != nil {
			return nil, nop, usageError{"--format: " + err.Error()}
		}
	}
	var rc io.ReadCloser
	switch {
	case spec == "-":
		rc = io.NopCloser(os.Stdin)
	case strings.HasPrefix(spec, "tcp://"):
		conn, err := net.Dial("tcp", strings.TrimPrefix(spec, "tcp://"))
		if err != nil {
			return nil, nop, fmt.Errorf("feed: %w", err)
		}
		rc = conn
	default:
		f, err := os.Open(spec)
		if err != nil {
			return nil, nop, fmt.Errorf("feed: %w", err)
		}
		rc = f
	}
	closer := func() { rc.Close() }
	br := bufio.NewReaderSize(rc, 1<<20)
	fmtWanted, err := wire.FeedFormat(format, spec, br)
	if err != nil {
		closer()
		return nil, nop, fmt.Errorf("feed %s: %w", spec, err)
	}
	if fmtWanted != wire.FormatLOBSTER && (symbol != "" || book != "" || syncBook != "") {
		closer()
		flag := "--symbol"
		switch {
		case book != "":
			flag = "--book"
		case syncBook != "":
			flag = "--sync-book"
		}
		return nil, nop, usageError{fmt.Sprintf("%s needs a lobster feed: %s is %v", flag, spec, fmtWanted)}
	}
	var opt wire.FeedOptions
	if fmtWanted == wire.FormatLOBSTER {
		if symbol == "" {
			symbol, _, _ = strings.Cut(filepath.Base(spec), "_")
		}
		if _, err := event.PackName(symbol); err != nil {
			closer()
			return nil, nop, usageError{fmt.Sprintf("--symbol: %v", err)}
		}
		opt.LOBSTER = wire.DefaultLOBSTERConfig(symbol)
		if book == "" {
			// The orderbook file beside the message file, if there is one.
			if cand := strings.Replace(spec, "_message_", "_orderbook_", 1); cand != spec {
				if _, err := os.Stat(cand); err == nil {
					book = cand
				}
			}
		}
		if book != "" {
			bf, err := os.Open(book)
			if err != nil {
				closer()
				return nil, nop, fmt.Errorf("lobster book: %w", err)
			}
			defer bf.Close()
			opt.Book = bf
		}
		if syncBook != "" {
			sf, err := os.Open(syncBook)
			if err != nil {
				closer()
				return nil, nop, fmt.Errorf("lobster sync book: %w", err)
			}
			feedCloser := closer
			closer = func() { feedCloser(); sf.Close() }
			opt.SyncBook = sf
		}
	}
	d, err := wire.OpenFeed(fmtWanted, br, opt)
	if err != nil {
		closer()
		if book != "" && fmtWanted == wire.FormatLOBSTER {
			return nil, nop, fmt.Errorf("feed %s (book %s): %w", spec, book, err)
		}
		return nil, nop, fmt.Errorf("feed %s: %w", spec, err)
	}
	return d, closer, nil
}

// openOut returns where the outputs go: a sink on stdout for "-", or the
// pipeline's Output for a file, which a run on a journal continues across
// restarts (the pipeline opens it: afresh, or truncated at its checkpoint
// and appended to).
func openOut(path, format string, stdout io.Writer) (pipeline.Sink, *pipeline.Output, error) {
	if path == "" {
		return nil, nil, nil
	}
	if format == "" {
		format = "csv"
		if f, ok := wire.FormatOfPath(wire.StreamOutput, path); ok && path != "-" {
			format = f.Name
		}
	}
	if _, err := wire.LookupFormat(wire.StreamOutput, format, false); err != nil {
		return nil, nil, usageError{"--out-format: " + err.Error()}
	}
	open := func(w io.Writer, appending bool) (pipeline.Sink, error) {
		s, err := wire.NewOutWriter(format, w, appending)
		if err != nil {
			return nil, fmt.Errorf("output: %w", err)
		}
		return s, nil
	}
	if path == "-" {
		s, err := open(stdout, false)
		return s, nil, err
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		// A device or a pipe (/dev/null, /dev/stdout, a FIFO) is a
		// stream, like -: it cannot be synced, truncated at a checkpoint
		// or continued after a restart. It stays open until the process
		// ends.
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("output: %w", err)
		}
		s, err := open(f, false)
		return s, nil, err
	}
	return nil, &pipeline.Output{Path: path, Open: open}, nil
}

// deadLetterShown is how many malformed records a run without a
// dead-letter file prints to stderr.
const deadLetterShown = 10

// deadLetter receives the malformed records, one line per Write: into its
// file, created on the first one so that a clean run leaves no empty file
// behind, or, without a file, the first deadLetterShown to stderr.
type deadLetter struct {
	path   string
	f      *os.File
	w      *bufio.Writer
	stderr io.Writer
	n      int
}

func newDeadLetter(path string, stderr io.Writer) *deadLetter {
	return &deadLetter{path: path, stderr: stderr}
}

func (l *deadLetter) Write(p []byte) (int, error) {
	l.n++
	if l.path == "" {
		if l.n <= deadLetterShown {
			fmt.Fprintf(l.stderr, "engine run: malformed: %s", p)
		}
		return len(p), nil
	}
	if l.f == nil {
		f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return 0, err
		}
		l.f, l.w = f, bufio.NewWriter(f)
	}
	return l.w.Write(p)
}

// where says where the malformed records went.
func (l *deadLetter) where() string {
	switch {
	case l.path != "":
		return "written to " + l.path
	case l.n > deadLetterShown:
		return fmt.Sprintf("(the first %d printed above; --dead-letter FILE keeps them all)", deadLetterShown)
	}
	return "(printed above)"
}

func (l *deadLetter) Close() error {
	if l.f == nil {
		return nil
	}
	err := l.w.Flush()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// writeFileAtomic writes a file through a temporary name and a rename, so a
// reader never sees half of it.
func writeFileAtomic(path string, fill func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(tmp)
	err = fill(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// parseJournalMap parses --journal-map: shared or private (true).
func parseJournalMap(s string) (bool, error) {
	switch s {
	case "shared":
		return false, nil
	case "private":
		return true, nil
	}
	return false, usageError{fmt.Sprintf("--journal-map %q: want shared or private", s)}
}

// openMarketData opens the market-data stream: a file created afresh, or a
// TCP connection to tcp://HOST:PORT, written in format (an output format of
// wire's table; itch for TotalView-ITCH). It is refused with a journal: its
// messages refer to orders an earlier run published, which a restart
// could not continue.
func openMarketData(spec, format string, journaled bool) (pipeline.Sink, func(), error) {
	if journaled {
		return nil, nil, usageError{"--market-data with --journal: a restart could not continue the market data stream; run without a journal, or replay the journal with --out FILE.itch"}
	}
	if _, err := wire.LookupFormat(wire.StreamOutput, format, false); err != nil {
		return nil, nil, usageError{"--md-format: " + err.Error()}
	}
	var w io.WriteCloser
	if addr, ok := strings.CutPrefix(spec, "tcp://"); ok {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("market data: %w", err)
		}
		w = c
	} else {
		f, err := os.Create(spec)
		if err != nil {
			return nil, nil, fmt.Errorf("market data: %w", err)
		}
		w = f
	}
	s, err := wire.NewOutWriter(format, w, false)
	if err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("market data: %w", err)
	}
	return s, func() { w.Close() }, nil
}
