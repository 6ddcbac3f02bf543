package replay_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

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
