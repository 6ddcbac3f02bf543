package replay_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tradeengine/engine/admin"
	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/pipeline"
	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/wire"
)

// sliceSource is a pipeline source over a slice of events.
type sliceSource struct {
	evs []event.In
	i   int
}

func (s *sliceSource) Next(in *event.In) error {
	if s.i == len(s.evs) {
		return io.EOF
	}
	*in = s.evs[s.i]
	s.i++
	return nil
}

// genFlow returns n events of the generated flow over 4 symbols.
func genFlow(t testing.TB, n int, seed uint64) []event.In {
	t.Helper()
	gc := gen.DefaultConfig()
	gc.Events, gc.Seed, gc.Symbols = n, seed, 4
	evs, err := gen.Generate(gc)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// testConfig is the default run configuration, unpinned, small.
func testConfig() pipeline.Config {
	cfg := pipeline.DefaultConfig()
	cfg.CPU = pipeline.NoPin
	cfg.Matcher.InitialOrders = 1 << 12
	return cfg
}

// liveRun runs evs through a live engine journaling to dir and returns its
// outputs and summary.
func liveRun(t testing.TB, cfg pipeline.Config, dir string, evs []event.In) ([]event.Out, pipeline.Summary) {
	t.Helper()
	cfg.Journal = &pipeline.JournalConfig{Dir: dir, Options: journal.Options{Durability: journal.Batch}, KeepSnapshots: 2}
	rec := &recorder{}
	sum, err := pipeline.Run(context.Background(), cfg, &sliceSource{evs: evs}, rec)
	if err != nil {
		t.Fatal(err)
	}
	return rec.outs, sum
}

// recorder is a sink keeping every output.
type recorder struct{ outs []event.Out }

func (r *recorder) Write(o *event.Out) error { r.outs = append(r.outs, *o); return nil }
func (r *recorder) Flush() error             { return nil }

// TestEventReader: read from any sequence, inside a block record or at its
// start, the reader hands out exactly the events from there on, in order.
func TestEventReader(t *testing.T) {
	evs := genFlow(t, 5_000, 16)
	dir := t.TempDir()
	liveRun(t, testConfig(), dir, evs)
	want := readAll(t, dir)
	if len(want) != len(evs) {
		t.Fatalf("journal holds %d events, want %d", len(want), len(evs))
	}
	for _, from := range []uint64{1, 2, 200, 257, 4999, 5000} {
		er, err := replay.NewEventReader(dir, from)
		if err != nil {
			t.Fatal(err)
		}
		var got []event.In
		for in, ok := er.Next(); ok; in, ok = er.Next() {
			got = append(got, *in)
		}
		if err := er.Err(); err != nil {
			t.Fatalf("from %d: %v", from, err)
		}
		er.Close()
		if !slices.Equal(got, want[from-1:]) {
			t.Fatalf("from %d: %d events, want the %d from there", from, len(got), len(want)-int(from)+1)
		}
	}
}

// readAll reads every event of the journal in dir.
func readAll(t testing.TB, dir string) []event.In {
	t.Helper()
	er, err := replay.NewEventReader(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer er.Close()
	var all []event.In
	for in, ok := er.Next(); ok; in, ok = er.Next() {
		all = append(all, *in)
	}
	if err := er.Err(); err != nil {
		t.Fatal(err)
	}
	return all
}

// replayAll replays the journal in dir with o and returns every output and
// the session's result.
func replayAll(t testing.TB, dir string, o replay.Options) ([]event.Out, *replay.Session) {
	t.Helper()
	s, err := replay.Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var outs []event.Out
	for s.Next() {
		outs = append(outs, s.Outs()...)
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return outs, s
}

// TestReplayEqualsLive: a live run journaled with digest checkpoints, then
// replayed on its own from the start and from a snapshot, gives the live
// outputs and digest, and every checkpoint matches.
func TestReplayEqualsLive(t *testing.T) {
	evs := genFlow(t, 30_000, 21)
	dir := t.TempDir()
	cfg := testConfig()
	cfg.Journal = &pipeline.JournalConfig{Dir: dir, Options: journal.Options{Durability: journal.Batch}, DigestEvery: 1000, SnapshotEvery: 7000, KeepSnapshots: 10}
	rec := &recorder{}
	sum, err := pipeline.Run(context.Background(), cfg, &sliceSource{evs: evs}, rec)
	if err != nil {
		t.Fatal(err)
	}
	outs, s := replayAll(t, dir, replay.Options{FromStart: true})
	if !slices.Equal(outs, rec.outs) {
		t.Fatalf("replay: %d outputs, live %d, or they differ", len(outs), len(rec.outs))
	}
	res := s.Result()
	if s.OutputDigest() != sum.OutputDigest {
		t.Fatalf("replay digest %s, live %s", s.OutputDigest(), sum.OutputDigest)
	}
	t.Logf("live: %d digest checkpoints, %d skipped; replay compared %d", sum.Digests, sum.DigestsSkipped, res.Checkpoints)
	if res.Checkpoints < 10 || res.Checkpoints != int(sum.Digests) || res.Matched != res.Checkpoints || res.Divergence != nil {
		t.Fatalf("checkpoints %d, matched %d, divergence %+v", res.Checkpoints, res.Matched, res.Divergence)
	}
	_, s2 := replayAll(t, dir, replay.Options{})
	if s2.Snapshot == nil || !s2.Continuous {
		t.Fatalf("from a snapshot: snapshot %v, continuous %v", s2.Snapshot, s2.Continuous)
	}
	if s2.OutputDigest() != sum.OutputDigest {
		t.Fatalf("from the snapshot at %d: digest %s, live %s", s2.Snapshot.Seq, s2.OutputDigest(), sum.OutputDigest)
	}
}

// TestVerifyFindsAlteredFill: a replay whose logic fills one order
// differently (a test hook takes a lot off one new order that trades) fails
// verification at the first checkpoint after it, names the symbol whose book
// differs, and narrowing against the live output file names the altered
// input's sequence.
func TestVerifyFindsAlteredFill(t *testing.T) {
	evs := genFlow(t, 40_000, 22)
	dir := t.TempDir()
	outPath := filepath.Join(t.TempDir(), "live.csv")
	cfg := testConfig()
	cfg.Journal = &pipeline.JournalConfig{Dir: dir, Options: journal.Options{Durability: journal.Batch}, DigestEvery: 4000}
	cfg.Output = &pipeline.Output{Path: outPath, Open: func(w io.Writer, appending bool) (pipeline.Sink, error) {
		if appending {
			return wire.NewOutCSVAppend(w), nil
		}
		return wire.NewOutCSV(w), nil
	}}
	sum, err := pipeline.Run(context.Background(), cfg, &sliceSource{evs: evs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Digests < 4 {
		t.Fatalf("%d digest checkpoints, want several", sum.Digests)
	}
	// The input to alter: a new order past the middle whose outputs hold a
	// trade of more than one lot.
	s, err := replay.Open(dir, replay.Options{FromStart: true})
	if err != nil {
		t.Fatal(err)
	}
	var target event.In
	for s.Next() {
		in := s.In()
		if in.Seq < 20_000 || in.Kind != event.KindNew {
			continue
		}
		for _, o := range s.Outs() {
			if o.Kind == event.OutTrade && o.Qty > 1 && in.Qty > 1 {
				target = *in
			}
		}
		if target.Seq != 0 {
			break
		}
	}
	s.Close()
	if target.Seq == 0 {
		t.Fatal("no new order that trades more than a lot")
	}

	var o replay.Options
	o.FromStart = true
	replay.Alter(&o, func(in *event.In) {
		if in.Seq == target.Seq {
			in.Qty--
		}
	})
	_, vs := replayAll(t, dir, o)
	res := vs.Result()
	d := res.Divergence
	if d == nil {
		t.Fatalf("no divergence found (%d checkpoints, %d matched)", res.Checkpoints, res.Matched)
	}
	if d.After >= target.Seq || d.Seq < target.Seq {
		t.Fatalf("divergence between %d and %d, the altered input is %d", d.After, d.Seq, target.Seq)
	}
	if !d.State || !d.Output {
		t.Fatalf("divergence %+v: want the state and the outputs to differ", d)
	}
	if !slices.Contains(d.Books, target.Symbol) {
		t.Fatalf("books differing %v, want symbol %d among them", d.Books, target.Symbol)
	}
	f, err := os.Open(outPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	err = replay.Narrow(dir, o, d, f, func(w io.Writer) (replay.OutEncoder, error) { return wire.NewOutCSV(w), nil })
	if err != nil {
		t.Fatal(err)
	}
	if d.FirstSeq != target.Seq {
		t.Fatalf("narrowed to %d, the altered input is %d (live %q, replayed %q)", d.FirstSeq, target.Seq, d.Live, d.Replayed)
	}
	t.Logf("divergence in %d..%d, books %v accounts %v, first at %d:\nlive:     %q\nreplayed: %q", d.After+1, d.Seq, d.Books, d.Accounts, d.FirstSeq, d.Live, d.Replayed)

	// Unaltered, the same journal verifies.
	_, ok := replayAll(t, dir, replay.Options{FromStart: true})
	if r := ok.Result(); r.Divergence != nil || r.Matched != int(sum.Digests) {
		t.Fatalf("unaltered replay: %+v", r)
	}
}

// chanSource is a live feed: events arrive on a channel.
type chanSource struct{ ch chan event.In }

func (s *chanSource) Next(in *event.In) error {
	e, ok := <-s.ch
	if !ok {
		return io.EOF
	}
	*in = e
	return nil
}

func (s *chanSource) Buffered() int { return len(s.ch) }

// TestReplayWithOperatorCommands: a live run whose flow (every order type,
// the knight runaway tripping the guard) is interleaved with operator
// commands from the admin socket's Control (kill, clear, set limit, pause
// and resume) replays to the same outputs and digest; the replay hands out
// each command with who sent it and what they typed.
func TestReplayWithOperatorCommands(t *testing.T) {
	gc := gen.DefaultConfig()
	gc.Events, gc.Seed, gc.Symbols = 120_000, 23, 4
	gc.Scenario = gen.ScenarioKnight
	gc.Knight.Start = 3e8
	evs, err := gen.Generate(gc)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[event.OrdType]bool{}
	for _, e := range evs {
		if e.Kind == event.KindNew {
			kinds[e.Type] = true
		}
	}
	if len(kinds) < 4 {
		t.Fatalf("the flow has %d order types: %v", len(kinds), kinds)
	}
	dir := t.TempDir()
	cfg := testConfig()
	cfg.Journal = &pipeline.JournalConfig{Dir: dir, Options: journal.Options{Durability: journal.Batch}, DigestEvery: 10_000}
	ctl := pipeline.NewControl()
	cfg.Control, cfg.LiveFeed = ctl, true
	src := &chanSource{ch: make(chan event.In, 1024)}
	rec := &recorder{}
	done := make(chan struct{})
	var sum pipeline.Summary
	var runErr error
	go func() {
		defer close(done)
		sum, runErr = pipeline.Run(context.Background(), cfg, src, rec)
	}()
	cmds := []struct {
		at   int
		in   event.In
		text string
	}{
		{20_000, event.In{Kind: event.KindKill, Account: 3, Symbol: event.Any}, "kill account 3"},
		{30_000, event.In{Kind: event.KindClear, Account: 3, Symbol: event.Any}, "clear account 3"},
		{40_000, event.In{Kind: event.KindSetLimit, Account: 5, Symbol: event.Any, Arg: 1, Qty: 50}, "set limit max_order_qty account 5 50"},
		{60_000, event.In{Kind: event.KindPause, Account: event.Any, Symbol: event.Any}, "pause"},
		{60_000, event.In{Kind: event.KindUnpause, Account: event.Any, Symbol: event.Any}, "resume"},
	}
	next := 0
	for i, e := range evs {
		for next < len(cmds) && cmds[next].at == i {
			c := cmds[next]
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			if _, err := ctl.Submit(ctx, admin.Op{In: c.in, Peer: admin.Peer{UID: 1000 + uint32(next), GID: 100, PID: 4242}, Text: c.text}, nil); err != nil {
				t.Fatalf("%s: %v", c.text, err)
			}
			cancel()
			next++
		}
		src.ch <- e
	}
	close(src.ch)
	<-done
	if runErr != nil {
		t.Fatal(runErr)
	}
	if sum.Risk == nil || len(sum.Risk.Trips) < 2 {
		t.Fatalf("want the operator's kill and the guard's trip: %+v", sum.Risk)
	}

	s, err := replay.Open(dir, replay.Options{FromStart: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var outs []event.Out
	var seen []replay.Command
	for s.Next() {
		outs = append(outs, s.Outs()...)
		if c, ok := s.Command(); ok {
			seen = append(seen, c)
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(outs, rec.outs) || s.OutputDigest() != sum.OutputDigest {
		t.Fatalf("replay: %d outputs, digest %s; live %d, %s", len(outs), s.OutputDigest(), len(rec.outs), sum.OutputDigest)
	}
	if r := s.Result(); r.Divergence != nil || r.Checkpoints < 10 || r.Matched != r.Checkpoints {
		t.Fatalf("checkpoints: %+v", r)
	}
	if len(seen) != len(cmds) {
		t.Fatalf("replay saw %d commands, %d were sent", len(seen), len(cmds))
	}
	for i, c := range seen {
		if c.Text != cmds[i].text || c.UID != 1000+uint32(i) || c.In.Kind != cmds[i].in.Kind {
			t.Fatalf("command %d: %+v, sent %q by uid %d", i, c, cmds[i].text, 1000+i)
		}
	}
}

// TestReplayLOBSTERDay: the LOBSTER AMZN level-1 day run live with a
// journal replays to the same outputs and digest.
func TestReplayLOBSTERDay(t *testing.T) {
	base := "../../shared/data/lobster_amzn_2012-06-21_L1/AMZN_2012-06-21_34200000_57600000_"
	if _, err := os.Stat(base + "message_1.csv"); err != nil {
		t.Skipf("LOBSTER sample data absent: %v", err)
	}
	evs, _, err := wire.LoadLOBSTER(base+"message_1.csv", base+"orderbook_1.csv", wire.DefaultLOBSTERConfig("AMZN"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.Risk.TickMicros = 100 // LOBSTER prices are in $0.0001
	dir := t.TempDir()
	cfg.Journal = &pipeline.JournalConfig{Dir: dir, Options: journal.Options{Durability: journal.Batch}, DigestEvery: 20_000, SnapshotEvery: 50_000, KeepSnapshots: 5}
	rec := &recorder{}
	sum, err := pipeline.Run(context.Background(), cfg, &sliceSource{evs: evs}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Trades < 8000 {
		t.Fatalf("%d trades: the day did not run", sum.Trades)
	}
	outs, s := replayAll(t, dir, replay.Options{FromStart: true})
	if !slices.Equal(outs, rec.outs) || s.OutputDigest() != sum.OutputDigest {
		t.Fatalf("replay: %d outputs, digest %s; live %d, %s", len(outs), s.OutputDigest(), len(rec.outs), sum.OutputDigest)
	}
	if r := s.Result(); r.Divergence != nil || r.Checkpoints < 4 || r.Checkpoints != int(sum.Digests) || r.Matched != r.Checkpoints {
		t.Fatalf("checkpoints: %+v", r)
	}
}

// TestPointInTime: the book and an account's orders where a replay of the
// whole journal stops at S (from a snapshot and from the start) equal those
// of a live run stopped after S, read off its final snapshot; replays from
// the start and from a snapshot end in the same state.
func TestPointInTime(t *testing.T) {
	evs := genFlow(t, 40_000, 24)
	const S = 27_345
	full, part := t.TempDir(), t.TempDir()
	cfg := testConfig()
	cfg.Journal = &pipeline.JournalConfig{Dir: full, Options: journal.Options{Durability: journal.Batch}, SnapshotEvery: 10_000, KeepSnapshots: 10}
	if _, err := pipeline.Run(context.Background(), cfg, &sliceSource{evs: evs}, nil); err != nil {
		t.Fatal(err)
	}
	cfg.Journal = &pipeline.JournalConfig{Dir: part, Options: journal.Options{Durability: journal.Batch}, SnapshotEvery: 1 << 30, KeepSnapshots: 1}
	if _, err := pipeline.Run(context.Background(), cfg, &sliceSource{evs: evs[:S]}, nil); err != nil {
		t.Fatal(err)
	}
	// The live state after S: the stopped run's final snapshot.
	snap, _, err := journal.LoadLatestSnapshot(part, journal.SnapshotSelect{})
	if err != nil || snap.Seq != S {
		t.Fatalf("final snapshot of the stopped run: %v, %v", snap, err)
	}
	liveState := func() *replay.Logic {
		s, err := replay.Open(part, replay.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.Snapshot == nil || s.Snapshot.Seq != S || s.Next() {
			t.Fatalf("the stopped run's journal should open at its final snapshot %d", S)
		}
		return s.Logic()
	}()
	queries := []admin.Query{{Kind: admin.QueryBook, Symbol: "AAPL", Levels: 50}, {Kind: admin.QueryBook, Symbol: "MSFT", Levels: 50},
		{Kind: admin.QueryOrders, Account: 1}, {Kind: admin.QueryOrders, Account: 7}, {Kind: admin.QueryGuards}}
	want := make([]admin.Answer, len(queries))
	for i, q := range queries {
		if want[i], err = liveState.Answer(q); err != nil {
			t.Fatal(err)
		}
	}
	var digests []uint64
	for _, fromStart := range []bool{false, true} {
		s, err := replay.Open(full, replay.Options{Until: S, FromStart: fromStart})
		if err != nil {
			t.Fatal(err)
		}
		for s.Next() {
		}
		if s.Err() != nil || s.NextSeq() != S+1 {
			t.Fatalf("from start %v: stopped before %d, %v", fromStart, s.NextSeq(), s.Err())
		}
		if !fromStart && (s.Snapshot == nil || s.Snapshot.Seq != 20_000) {
			t.Fatalf("want the replay to start at the snapshot at 20000: %v", s.Snapshot)
		}
		for i, q := range queries {
			got, err := s.Logic().Answer(q)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want[i]) {
				t.Fatalf("from start %v: %+v at %d differs from the live run stopped there:\n%+v\n%+v", fromStart, q, S, got, want[i])
			}
		}
		var c replay.Checkpoint
		s.Logic().TakeDigest(&c, S, 0, nil)
		digests = append(digests, c.State)
		s.Close()
	}
	if digests[0] != digests[1] {
		t.Fatalf("state after %d: %x from the snapshot, %x from the start", S, digests[0], digests[1])
	}
}
