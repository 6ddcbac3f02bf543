package bench

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tradeengine/engine/event"
)

// TestKillSink feeds the sink the outputs of a flow with two commands in it
// and checks that it notes each command once and hands the flow's outputs
// on with contiguous sequence numbers.
func TestKillSink(t *testing.T) {
	clk := SystemClock()
	src := NewPacedSource(clk, smallFlow, 4, 1e8, 0, nil)
	for range 4 {
		if err := src.Next(new(event.In)); err != nil {
			t.Fatal(err)
		}
	}
	lat := NewLatency("killlat", "t", "t", MethodIntended)
	k := newKillSink(clk, NewLatencySink(clk, src, 1, lat), 42, 4)
	outs := []event.Out{
		{Seq: 1, Kind: event.OutAccepted, Account: 42},
		{Seq: 1, Kind: event.OutBook},
		{Seq: 2, Kind: event.OutKill, Reason: event.ReasonOperator, Account: 42, Symbol: event.Any}, // command
		{Seq: 3, Kind: event.OutRejected, Account: 42},
		{Seq: 4, Kind: event.OutClear, Account: 42, Symbol: event.Any},                             // command
		{Seq: 4, Kind: event.OutBook},                                                              // another output of the command
		{Seq: 5, Kind: event.OutKill, Reason: event.ReasonOperator, Account: 7, Symbol: event.Any}, // another account's
		{Seq: 6, Kind: event.OutAccepted, Account: 42},
		{Seq: 6, Kind: event.OutKill, Reason: event.ReasonExecCeiling, Account: 42, Symbol: event.Any}, // the guard's own
	}
	for i := range outs {
		if err := k.Write(&outs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if k.cmds != 2 || k.seen.Load() != 2 {
		t.Errorf("commands %d, seen %d, want 2 and 2", k.cmds, k.seen.Load())
	}
	if k.ticks[0] == 0 || k.ticks[1] < k.ticks[0] || k.ticks[2] != 0 {
		t.Errorf("ticks %v: want the first two set, in order, and no more", k.ticks)
	}
	if in := k.inner; in.Inputs != 4 || in.Gaps != 0 || in.Outputs != 6 {
		t.Errorf("flow sink: inputs %d gaps %d outputs %d, want 4 0 6 (the commands' numbers taken out)", in.Inputs, in.Gaps, in.Outputs)
	}
	if lat.Raw.TotalCount() != 4 {
		t.Errorf("flow latency: %d values, want 4", lat.Raw.TotalCount())
	}
	if outs[3].Seq != 3 {
		t.Errorf("the sink changed an output it was given: seq %d", outs[3].Seq)
	}
}

func TestTimedSource(t *testing.T) {
	clk := SystemClock()
	src := newTimedSource(clk, smallFlow, 20*time.Millisecond)
	select {
	case <-src.started:
		t.Fatal("started before the first event")
	case <-src.ended:
		t.Fatal("ended before the first event")
	default:
	}
	start := time.Now()
	var got []event.In
	for {
		var in event.In
		err := src.Next(&in)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, in)
		if time.Since(start) > 10*time.Second {
			t.Fatal("no end after 10s")
		}
	}
	if el := time.Since(start); el < 20*time.Millisecond {
		t.Errorf("ended after %v, want at least 20ms", el)
	}
	for _, ch := range []struct {
		name string
		c    chan struct{}
	}{{"started", src.started}, {"ended", src.ended}} {
		select {
		case <-ch.c:
		default:
			t.Errorf("%s not closed", ch.name)
		}
	}
	if err := src.Next(new(event.In)); !errors.Is(err, io.EOF) {
		t.Errorf("Next after the end = %v, want io.EOF", err)
	}
	if int64(len(got)) != src.n || len(got) < 256 || len(got)%256 != 0 {
		t.Fatalf("sent %d events, counted %d: want a multiple of 256, the clock's period", len(got), src.n)
	}
	for i, in := range got {
		base := smallFlow[i%len(smallFlow)]
		if want := base.ID + uint64(i/len(smallFlow))*4; in.ID != want {
			t.Fatalf("event %d: id %d, want %d", i, in.ID, want)
		}
		if i > 0 && in.TS <= got[i-1].TS {
			t.Fatalf("event %d: TS %d not after %d", i, in.TS, got[i-1].TS)
		}
	}
}

func TestMedian(t *testing.T) {
	id := func(x float64) float64 { return x }
	for _, tc := range []struct {
		name string
		xs   []float64
		want float64
	}{
		{"empty", nil, 0},
		{"one", []float64{3}, 3},
		{"odd", []float64{5, 1, 3}, 3},
		{"even", []float64{4, 1, 3, 2}, 2.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := median(tc.xs, id); got != tc.want {
				t.Errorf("median(%v) = %g, want %g", tc.xs, got, tc.want)
			}
		})
	}
	r := AdminCostResult{Rounds: []AdminRound{{Off: 100, On: 99}, {Off: 100, On: 101}, {Off: 100, On: 90}}}
	if got := r.Cost(); math.Abs(got-1) > 1e-9 {
		t.Errorf("cost %g%%, want 1%% (median ratio 0.99)", got)
	}
	r.Rounds = append(r.Rounds, AdminRound{Off: 100, On: 95}, AdminRound{Off: 100, On: 100}, AdminRound{Off: 100, On: 120},
		AdminRound{Off: 100, On: 98}, AdminRound{Off: 100, On: 50}, AdminRound{Off: 100, On: 97}) // 0.5 .9 .95 .97 .98 .99 1 1.01 1.2
	if lo, hi := r.MiddleHalf(); math.Abs(lo-0.95) > 1e-9 || math.Abs(hi-1) > 1e-9 {
		t.Errorf("middle half %g to %g, want 0.95 to 1", lo, hi)
	}
}

// TestKillLat runs the killlat scenario briefly and checks its files and
// that the kill latency, its answers and the admin cost were measured. It
// asserts no timing.
func TestKillLat(t *testing.T) {
	cfg := SmokeConfig()
	cfg.Scenarios = []string{"killlat"}
	cfg.Duration = 300 * time.Millisecond
	cfg.Out = t.TempDir()
	cfg.TempDir = t.TempDir()
	cfg.Peers = false
	cfg.Command = "go test -run TestKillLat"
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	CheckOutput(t, cfg.Out, rep)
	for _, name := range []string{"killlat", "killlat-answer", "killlat-flow-1M"} {
		i := slices.IndexFunc(rep.Latencies, func(l LatencyFile) bool { return l.Name == name })
		if i < 0 {
			t.Errorf("no latency %s", name)
			continue
		}
		l := rep.Latencies[i]
		if l.Samples == 0 || l.RawL.Count == 0 || l.CorrectedL.Count < l.RawL.Count {
			t.Errorf("%s: %d samples, raw %d, corrected %d: want samples, corrected at least raw", name, l.Samples, l.RawL.Count, l.CorrectedL.Count)
		}
		for _, f := range []string{l.Corrected, l.Raw} {
			if _, err := os.Stat(filepath.Join(cfg.Out, f)); err != nil {
				t.Error(err)
			}
		}
	}
	if i := slices.IndexFunc(rep.Latencies, func(l LatencyFile) bool { return l.Name == "killlat" }); i >= 0 {
		if l := rep.Latencies[i]; l.Method != MethodPaced || l.IntervalNS != KillInterval.Nanoseconds() {
			t.Errorf("killlat: method %q interval %d, want %q at %d", l.Method, l.IntervalNS, MethodPaced, KillInterval.Nanoseconds())
		}
	}
	if !slices.ContainsFunc(rep.Plots, func(p PlotFile) bool { return p.File == PlotName("killlat") }) {
		t.Errorf("no plot %s", PlotName("killlat"))
	}
	row := func(metric string) *Row {
		for i := range rep.Rows {
			if rep.Rows[i].Scenario == "killlat" && rep.Rows[i].Metric == metric {
				return &rep.Rows[i]
			}
		}
		t.Errorf("no row %q", metric)
		return nil
	}
	if r := row("commands measured"); r != nil && r.Value < 2 {
		t.Errorf("%g commands measured, want at least a kill and a clear", r.Value)
	}
	for _, m := range []string{"kill/clear p50", "kill/clear p99", "admin cost"} {
		if r := row(m); r != nil && (r.Target == nil || r.Met == "" || r.Met == "n/a") {
			t.Errorf("%s: target %v met %q: want a target, evaluated", m, r.Target, r.Met)
		}
	}
	if r := row("max events/s, admin on"); r != nil && !strings.Contains(r.Note, "polls answered") {
		t.Errorf("admin on: note %q does not count the polls", r.Note)
	}
	md, err := os.ReadFile(filepath.Join(cfg.Out, MarkdownMD))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kill/clear p99", "admin cost", "killlat.corrected.hgrm", "killlat: the e2e setup"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("%s lacks %q", MarkdownMD, want)
		}
	}
}
