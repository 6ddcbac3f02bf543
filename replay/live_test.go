package replay_test

import (
	"context"
	"io"
	"slices"
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/pipeline"
	"github.com/tradeengine/engine/replay"
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
