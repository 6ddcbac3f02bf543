package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/ring"
	"github.com/tradeengine/engine/wire"
)

// sliceSource feeds events from a slice; bad[i] makes the i-th call return a
// decode error instead.
type sliceSource struct {
	evs   []event.In
	i     int
	calls int
	bad   map[int]bool
	onEv  func(n int) // called before handing out the n-th event (0-based)
}

func (s *sliceSource) Next(in *event.In) error {
	defer func() { s.calls++ }()
	if s.bad[s.calls] {
		return &wire.DecodeError{Line: int64(s.calls + 1), Record: []byte("garbage"), Err: errors.New("bad field")}
	}
	if s.i >= len(s.evs) {
		return io.EOF
	}
	if s.onEv != nil {
		s.onEv(s.i)
	}
	*in = s.evs[s.i]
	s.i++
	return nil
}

// recorder is a Sink that keeps every output event.
type recorder struct {
	outs    []event.Out
	failAt  int // fail the Write of this index (1-based); 0 never
	flushed bool
}

func (r *recorder) Write(o *event.Out) error {
	if r.failAt > 0 && len(r.outs)+1 == r.failAt {
		return errors.New("disk full")
	}
	r.outs = append(r.outs, *o)
	return nil
}

func (r *recorder) Flush() error { r.flushed = true; return nil }

// direct applies evs to fresh logic (the risk guard and the matcher, as cfg
// says) the way the pipeline does (sequence from 1, feed clock) and returns
// the outputs.
func direct(t *testing.T, cfg Config, evs []event.In) []event.Out {
	t.Helper()
	l, err := replay.NewLogic(replay.Config{Matcher: cfg.Matcher, Risk: cfg.Risk})
	if err != nil {
		t.Fatal(err)
	}
	var all []event.Out
	var last int64
	for i, e := range evs {
		e.Seq = uint64(i + 1)
		if e.TS < last {
			e.TS = last
		}
		last = e.TS
		all = l.Apply(&e, all)
	}
	return all
}

func digestOf(outs []event.Out) string {
	d := event.NewDigest()
	for i := range outs {
		d.Add(&outs[i])
	}
	return d.Hex()
}

func genFlow(t *testing.T, n int, seed uint64) []event.In {
	t.Helper()
	gc := gen.DefaultConfig()
	gc.Events = n
	gc.Seed = seed
	gc.Symbols = 4
	evs, err := gen.Generate(gc)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// testThreads is the threading mode the package's tests run in:
// PIPELINE_THREADS (auto, dedicated, shared or logic), auto by default;
// CI runs the package in each.
var testThreads = func() Threads {
	t, err := ParseThreads(os.Getenv("PIPELINE_THREADS"))
	if err != nil {
		return ThreadsAuto
	}
	return t
}()

func testConfig() Config {
	cfg := DefaultConfig()
	cfg.CPU = NoPin
	cfg.Threads = testThreads
	cfg.Matcher.InitialOrders = 1 << 12
	return cfg
}

// TestRunEqualsDirect proves the rings lose, duplicate and reorder nothing:
// the pipeline's output stream equals the matcher's applied directly, event
// for event, for tiny rings (many wraps) and for the defaults.
func TestRunEqualsDirect(t *testing.T) {
	evs := genFlow(t, 50_000, 7)
	tests := []struct {
		name            string
		inRing, outRing int
		batch           int
		wait            ring.WaitStrategy
		pinned          bool
	}{
		{"tiny rings", 4, 2, 3, ring.SpinYield(), false},
		{"batch of one", 8, 8, 1, ring.Park(), false},
		{"defaults", 1 << 16, 1 << 18, 256, ring.SpinYield(), false},
		{"pinned", 1 << 10, 1 << 10, 64, ring.SpinYield(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.InRing, cfg.OutRing, cfg.Batch, cfg.Wait = tt.inRing, tt.outRing, tt.batch, tt.wait
			if tt.pinned {
				cpus, err := ring.AllowedCPUs()
				if err != nil || len(cpus) == 0 {
					t.Skipf("no cpus to pin to: %v", err)
				}
				cfg.CPU = cpus[0]
			}
			want := direct(t, cfg, evs)
			rec := &recorder{}
			sum, err := Run(context.Background(), cfg, &sliceSource{evs: evs}, rec)
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.outs) != len(want) {
				t.Fatalf("got %d output events, want %d", len(rec.outs), len(want))
			}
			for i := range want {
				if rec.outs[i] != want[i] {
					t.Fatalf("output %d: got %+v, want %+v", i, rec.outs[i], want[i])
				}
			}
			if !rec.flushed {
				t.Error("sink was not flushed")
			}
			if sum.EventsIn != int64(len(evs)) || sum.FirstSeq != 1 || sum.LastSeq != uint64(len(evs)) {
				t.Errorf("events in %d seq %d..%d, want %d 1..%d", sum.EventsIn, sum.FirstSeq, sum.LastSeq, len(evs), len(evs))
			}
			if sum.OutputDigest != digestOf(want) {
				t.Errorf("digest %s, want %s", sum.OutputDigest, digestOf(want))
			}
			if sum.EventsOut != int64(len(want)) {
				t.Errorf("events out %d, want %d", sum.EventsOut, len(want))
			}
			var trades, qty int64
			for _, o := range want {
				if o.Kind == event.OutTrade {
					trades++
					qty += o.Qty
				}
			}
			if trades == 0 || sum.Trades != trades || sum.TradedQuantity != qty {
				t.Errorf("trades %d qty %d, want %d %d (and some)", sum.Trades, sum.TradedQuantity, trades, qty)
			}
		})
	}
}

func TestRunDeterministic(t *testing.T) {
	evs := genFlow(t, 20_000, 3)
	var digests []string
	for range 3 {
		sum, err := Run(context.Background(), testConfig(), &sliceSource{evs: evs}, nil)
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, sum.OutputDigest)
	}
	if digests[0] != digests[1] || digests[1] != digests[2] {
		t.Fatalf("digests differ between runs: %v", digests)
	}
	other, err := Run(context.Background(), testConfig(), &sliceSource{evs: genFlow(t, 20_000, 4)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if other.OutputDigest == digests[0] {
		t.Fatal("a different feed gave the same digest")
	}
}

// TestMassCancelLargerThanRing: one input whose answer is larger than the
// output ring must still come out whole and in order.
func TestMassCancelLargerThanRing(t *testing.T) {
	name, _ := event.PackName("AAPL")
	evs := []event.In{{Kind: event.KindSymbol, Symbol: 0, Aux: name}}
	for i := range 100 {
		evs = append(evs, event.In{Kind: event.KindNew, Symbol: 0, Account: 1, ID: uint64(i + 1),
			Side: event.Buy, Type: event.Limit, Price: int64(100 + i%7), Qty: 10})
	}
	evs = append(evs, event.In{Kind: event.KindMassCancel, Account: 1, Symbol: event.Any})
	cfg := testConfig()
	cfg.OutRing = 8
	want := direct(t, cfg, evs)
	rec := &recorder{}
	if _, err := Run(context.Background(), cfg, &sliceSource{evs: evs}, rec); err != nil {
		t.Fatal(err)
	}
	if digestOf(rec.outs) != digestOf(want) || len(rec.outs) != len(want) {
		t.Fatalf("got %d events, want %d", len(rec.outs), len(want))
	}
	last := rec.outs[len(rec.outs)-1]
	if last.Kind != event.OutMassCancelled || last.Qty != 100 {
		t.Fatalf("last event %+v, want masscancelled of 100", last)
	}
}

func TestMalformed(t *testing.T) {
	evs := genFlow(t, 1000, 5)
	bad := map[int]bool{3: true, 500: true, 1001: true}

	t.Run("dead letter", func(t *testing.T) {
		var dl bytes.Buffer
		cfg := testConfig()
		cfg.DeadLetter = &dl
		rec := &recorder{}
		sum, err := Run(context.Background(), cfg, &sliceSource{evs: evs, bad: bad}, rec)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Malformed != 3 || sum.EventsIn != int64(len(evs)) {
			t.Fatalf("malformed %d events %d, want 3 and %d", sum.Malformed, sum.EventsIn, len(evs))
		}
		lines := strings.Split(strings.TrimSpace(dl.String()), "\n")
		if len(lines) != 3 {
			t.Fatalf("dead letter has %d lines, want 3:\n%s", len(lines), dl.String())
		}
		for i, call := range []int{3, 500, 1001} {
			if want := fmt.Sprintf("line %d\tbad field\t\"garbage\"", call+1); lines[i] != want {
				t.Errorf("dead letter line %d = %q, want %q", i, lines[i], want)
			}
		}
		if got, want := digestOf(rec.outs), digestOf(direct(t, cfg, evs)); got != want {
			t.Error("malformed records changed the output of the good ones")
		}
	})

	t.Run("strict", func(t *testing.T) {
		cfg := testConfig()
		cfg.Strict = true
		cfg.Batch = 1
		sum, err := Run(context.Background(), cfg, &sliceSource{evs: evs, bad: bad}, &recorder{})
		if !errors.Is(err, ErrStrict) {
			t.Fatalf("err = %v, want ErrStrict", err)
		}
		if !strings.Contains(err.Error(), "line 4") {
			t.Errorf("error %q does not name line 4", err)
		}
		if sum.EventsIn != 3 || sum.Malformed != 1 {
			t.Errorf("events in %d malformed %d, want 3 and 1", sum.EventsIn, sum.Malformed)
		}
	})
}

// TestCancelDrains: a cancelled run stops within a batch of the cancel
// (ingest checks the context once per batch, whatever the scheduler does
// with the run's other goroutines), and every event that entered the ring
// is processed and reaches the sink.
func TestCancelDrains(t *testing.T) {
	evs := genFlow(t, 100_000, 9)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &sliceSource{evs: evs, onEv: func(n int) {
		if n == 20_000 {
			cancel()
		}
	}}
	cfg := testConfig()
	cfg.Batch = 16
	rec := &recorder{}
	sum, err := Run(ctx, cfg, src, rec)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// The cancel came while ingest filled the batch holding event 20000
	// (0-based): that batch is published, the next is not read. Sharing a
	// thread, ingest reads through a pump that reads a batch ahead: it
	// publishes what the pump had handed over when it saw the cancel.
	lo := int64(20_001)
	if cfg.Threads.Resolve() != ThreadsDedicated {
		lo = 20_000 - 2*int64(cfg.Batch)
	}
	if sum.EventsIn < lo || sum.EventsIn > 20_000+int64(cfg.Batch) {
		t.Fatalf("events in %d, want the batch of the cancel to be the last (%d to %d)", sum.EventsIn, lo, 20_000+cfg.Batch)
	}
	want := direct(t, cfg, evs[:sum.EventsIn])
	if len(rec.outs) != len(want) || digestOf(rec.outs) != digestOf(want) {
		t.Fatalf("after cancel got %d outputs, want %d (the answer to every event that entered)", len(rec.outs), len(want))
	}
}

func TestSinkErrorStops(t *testing.T) {
	evs := genFlow(t, 50_000, 2)
	rec := &recorder{failAt: 100}
	_, err := Run(context.Background(), testConfig(), &sliceSource{evs: evs}, rec)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the sink's error", err)
	}
}

func TestFeedClock(t *testing.T) {
	name, _ := event.PackName("X")
	evs := []event.In{
		{Kind: event.KindSymbol, Aux: name, TS: 100},
		{Kind: event.KindHalt, TS: 0},    // not given: 100
		{Kind: event.KindResume, TS: 90}, // backwards: clamped to 100
		{Kind: event.KindHalt, TS: 200},
	}
	rec := &recorder{}
	sum, err := Run(context.Background(), testConfig(), &sliceSource{evs: evs}, rec)
	if err != nil {
		t.Fatal(err)
	}
	wantTS := []int64{100, 100, 100, 200}
	if len(rec.outs) != len(wantTS) {
		t.Fatalf("got %d outputs, want %d", len(rec.outs), len(wantTS))
	}
	for i, o := range rec.outs {
		if o.TS != wantTS[i] || o.Seq != uint64(i+1) {
			t.Errorf("output %d: seq %d ts %d, want seq %d ts %d", i, o.Seq, o.TS, i+1, wantTS[i])
		}
	}
	if sum.TSClamped != 1 {
		t.Errorf("ts clamped %d, want 1", sum.TSClamped)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
	}{
		{"in ring not pow2", func(c *Config) { c.InRing = 1000 }},
		{"out ring too small", func(c *Config) { c.OutRing = 1 }},
		{"batch zero", func(c *Config) { c.Batch = 0 }},
		{"batch above ring", func(c *Config) { c.InRing = 4; c.Batch = 8 }},
		{"cpu", func(c *Config) { c.CPU = -5 }},
		{"bad pin", func(c *Config) { c.CPU = 100000 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			tt.mod(&cfg)
			if _, err := Run(context.Background(), cfg, &sliceSource{}, nil); err == nil {
				t.Fatal("Run accepted a bad configuration")
			}
		})
	}
}

// signalSink tells, through a channel, each time it receives an event.
type signalSink struct{ got chan event.Out }

func (s signalSink) Write(o *event.Out) error { s.got <- *o; return nil }
func (s signalSink) Flush() error             { return nil }

// TestLiveFeedNotHeldBack: an event from a live stream reaches the logic and
// the sink while the stream stays open, without waiting for a full batch:
// read by a pump (LiveFeed) in every threading mode, and read in ingest's
// cycle where ingest has a thread of its own (elsewhere a source that
// blocks must be declared live: a read would hold up the stages sharing
// ingest's thread).
func TestLiveFeedNotHeldBack(t *testing.T) {
	t.Run("pumped", func(t *testing.T) { testLiveFeedNotHeldBack(t, true) })
	t.Run("inline", func(t *testing.T) {
		if testThreads.Resolve() != ThreadsDedicated {
			t.Skipf("threads %s: a blocking source is read by a pump", testThreads.Resolve())
		}
		testLiveFeedNotHeldBack(t, false)
	})
}

func testLiveFeedNotHeldBack(t *testing.T, live bool) {
	pr, pw := io.Pipe()
	defer pw.Close()
	sink := signalSink{got: make(chan event.Out, 16)}
	cfg := testConfig()
	cfg.Batch = 256
	cfg.LiveFeed = live
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), cfg, wire.NewCSVDecoder(pr), sink)
		done <- err
	}()
	if _, err := io.WriteString(pw, "1,new,AAPL,1,1,buy,limit,100,10\n"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []event.OutKind{event.OutSymbol, event.OutAccepted, event.OutBook} {
		select {
		case o := <-sink.got:
			if o.Kind != want {
				t.Fatalf("got %v, want %v", o.Kind, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no %v while the feed is open: ingest is holding events back", want)
		}
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
