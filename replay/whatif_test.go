package replay_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/pipeline"
	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/risk"
)

// knightFlow is the knight scenario (see pipeline's test of the same
// name): a normal flow in which a router account runs away at 10,000
// orders/s from start ns of event time.
func knightFlow(t testing.TB, events int, start int64) []event.In {
	t.Helper()
	gc := gen.DefaultConfig()
	gc.Events = events
	gc.Scenario = gen.ScenarioKnight
	gc.Knight.Start = start
	evs, err := gen.Generate(gc)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// parseRisk parses a risk configuration file's text, as `engine replay
// --risk FILE` does.
func parseRisk(t testing.TB, name, text string) *risk.Config {
	t.Helper()
	rc, err := risk.ParseConfig(strings.NewReader(text), name)
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

// tightConf lowers every account's execution ceilings far below the
// defaults: the busy accounts of the normal flow trip too, long before the
// router runs away.
const tightConf = `
[defaults]
max_execs = 50, 300, 1500
`

// looseConf raises every ceiling far (off), and turns off the anomaly
// detectors, the out-versus-in check and the loss guard: no kill switch
// can trip.
const looseConf = `
[global]
anomaly_deviations = 0
max_execs = off, off, off
max_qty_traded = off, off, off
max_notional_traded_usd = off, off, off
[defaults]
parent_excess = off
max_loss_usd = off
max_execs = off, off, off
max_qty_traded = off, off, off
max_notional_traded_usd = off, off, off
[symbols]
max_execs = off, off, off
max_qty_traded = off, off, off
max_notional_traded_usd = off, off, off
`

// hashDir returns the SHA-256 of every file under dir, by path.
func hashDir(t testing.TB, dir string) map[string][32]byte {
	t.Helper()
	sums := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sums[path] = sha256.Sum256(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

// TestWhatIf runs the knight scenario live under the default risk
// configuration (the guard kills the runaway router), then replays its
// journal under other configurations: the journaled one reports no
// difference; a tighter one trips before the live run first did; a looser
// one, or the guard off, trips nothing. The journal is byte-identical after.
func TestWhatIf(t *testing.T) {
	if testing.Short() {
		t.Skip("replays a 300,000-event day several times (CI's race step runs -short; the test step runs it)")
	}
	evs := knightFlow(t, 300_000, 1e9)
	dir := t.TempDir()
	sum := journalRun(t, dir, pipeline.JournalConfig{DigestEvery: 20_000, SnapshotEvery: 100_000, KeepSnapshots: 5}, evs)
	if sum.Risk == nil || len(sum.Risk.Trips) == 0 {
		t.Fatalf("the live run tripped nothing: %+v", sum.Risk)
	}
	liveFirst := sum.Risk.Trips[0].Seq
	before := hashDir(t, dir)

	cfgs, err := replay.ReadConfigs(dir)
	if err != nil || len(cfgs) != 1 {
		t.Fatalf("journaled configurations %d: %v", len(cfgs), err)
	}
	journaled, err := replay.ApplyConfig(replay.Config{}, cfgs[0].Raw)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		risk  *risk.Config
		check func(t *testing.T, r *replay.WhatIfReport)
	}{
		{"journaled", journaled.Risk, func(t *testing.T, r *replay.WhatIfReport) {
			if !r.Same() || r.WhatIfDigest != r.LiveDigest || r.OrdersDiffering != 0 || len(r.Orders) != 0 || r.RejectedWhatIf != r.RejectedLive {
				t.Fatalf("differences under the journaled configuration: digests %s %s, %d orders, %d inputs, rejected %d and %d",
					r.LiveDigest, r.WhatIfDigest, r.OrdersDiffering, r.EventsDiffering, r.RejectedLive, r.RejectedWhatIf)
			}
			if len(r.WhatIf) != len(r.Live) || r.WhatIfTrips != r.LiveTrips {
				t.Fatalf("trips %v live, %v what-if", r.Live, r.WhatIf)
			}
			for i := range r.Live {
				if r.Live[i] != r.WhatIf[i] {
					t.Fatalf("trip %d: %+v live, %+v what-if", i, r.Live[i], r.WhatIf[i])
				}
			}
		}},
		{"tighter", parseRisk(t, "tight.conf", tightConf), func(t *testing.T, r *replay.WhatIfReport) {
			if len(r.WhatIf) == 0 || r.WhatIf[0].Seq >= liveFirst {
				t.Fatalf("what-if trips %+v: want one before the live run's first, at %d", r.WhatIf, liveFirst)
			}
			if r.WhatIfTrips <= r.LiveTrips || r.WhatIf[0].Reason != event.ReasonExecCeiling.String() {
				t.Fatalf("what-if: %d trips, first %+v; live %d", r.WhatIfTrips, r.WhatIf[0], r.LiveTrips)
			}
			if r.OrdersDiffering == 0 || len(r.Orders) == 0 || r.RejectedWhatIf <= r.RejectedLive || r.Same() {
				t.Fatalf("what-if: %d orders answered differently, rejected %d (live %d)", r.OrdersDiffering, r.RejectedWhatIf, r.RejectedLive)
			}
			// Nothing differs before the first trip, which does.
			if r.FirstDiffering != r.WhatIf[0].Seq || r.Orders[0].Seq < r.FirstDiffering {
				t.Fatalf("first input answered differently %d, first order %+v; first trip %+v", r.FirstDiffering, r.Orders[0], r.WhatIf[0])
			}
		}},
		{"looser", parseRisk(t, "loose.conf", looseConf), func(t *testing.T, r *replay.WhatIfReport) {
			if len(r.WhatIf) != 0 || r.WhatIfTrips != 0 {
				t.Fatalf("what-if trips %+v, want none", r.WhatIf)
			}
			if r.OrdersDiffering == 0 || r.Same() {
				t.Fatal("the router's orders after its kill were answered as live")
			}
		}},
		{"guard off", nil, func(t *testing.T, r *replay.WhatIfReport) {
			if len(r.WhatIf) != 0 || r.WhatIfTrips != 0 || r.RejectedWhatIf != 0 {
				t.Fatalf("guard off: trips %+v, %d rejected by the guard", r.WhatIf, r.RejectedWhatIf)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			progress := int64(0)
			r, err := replay.WhatIf(dir, tc.risk, replay.WhatIfOptions{MaxListed: 50, Progress: func(n int64) { progress = n }})
			if err != nil {
				t.Fatal(err)
			}
			// The live side is what the live run did.
			res := r.Replay
			if r.Events != int64(len(evs)) || r.LiveDigest != sum.OutputDigest || progress != int64(len(evs))&^(1<<16-1) {
				t.Fatalf("%d events (progress %d), live digest %s (run %s)", r.Events, progress, r.LiveDigest, sum.OutputDigest)
			}
			if res.Checkpoints < 10 || res.Matched != res.Checkpoints || res.Divergence != nil || r.FromSnapshot != 0 {
				t.Fatalf("live side: %+v, from snapshot %d", res, r.FromSnapshot)
			}
			if len(r.Live) != len(sum.Risk.Trips) {
				t.Fatalf("live trips %+v, the run's %+v", r.Live, sum.Risk.Trips)
			}
			for i, lt := range sum.Risk.Trips {
				if got := r.Live[i]; got.Seq != lt.Seq || got.Reason != lt.Reason || got.Account != lt.Account || got.Measured != lt.Measured || got.Limit != lt.Limit {
					t.Fatalf("live trip %d: %+v, the run's %+v", i, got, lt)
				}
			}
			if len(r.Orders) > 50 || r.OrdersDiffering < int64(len(r.Orders)) {
				t.Fatalf("%d orders listed of %d", len(r.Orders), r.OrdersDiffering)
			}
			tc.check(t, r)

			var text bytes.Buffer
			if err := r.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"TRIPS", "what happened", "ORDERS ANSWERED DIFFERENTLY", r.LiveDigest} {
				if !strings.Contains(text.String(), want) {
					t.Fatalf("text report without %q:\n%s", want, text.String())
				}
			}
			t.Logf("\n%s", firstLines(text.String(), 30))
			var js bytes.Buffer
			if err := r.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			var back replay.WhatIfReport
			if err := json.Unmarshal(js.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			if back.WhatIfDigest != r.WhatIfDigest || len(back.WhatIf) != len(r.WhatIf) || len(back.Orders) != len(r.Orders) {
				t.Fatalf("JSON round trip: %+v", back)
			}
		})
	}
	if after := hashDir(t, dir); !maps.Equal(before, after) {
		t.Fatalf("the journal directory changed: %d files before, %d after", len(before), len(after))
	}
}

// journalRun runs evs through a live engine under the default
// configuration, journaling to dir with jc, and returns its summary.
func journalRun(t testing.TB, dir string, jc pipeline.JournalConfig, evs []event.In) pipeline.Summary {
	t.Helper()
	cfg := testConfig()
	jc.Dir = dir
	jc.Options.Durability = journal.Batch
	cfg.Journal = &jc
	sum, err := pipeline.Run(context.Background(), cfg, &sliceSource{evs: evs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestWhatIfFromSnapshot: when retention removed the journal's start, both
// replays start from the newest snapshot before the stop: under the
// journaled configuration with no difference, with the guard off without
// the snapshot's guard state; another risk configuration is refused (the
// snapshot's guard state holds the journaled limits).
func TestWhatIfFromSnapshot(t *testing.T) {
	if testing.Short() {
		t.Skip("replays a 300,000-event day several times (CI's race step runs -short; the test step runs it)")
	}
	evs := knightFlow(t, 300_000, 1e9)
	dir := t.TempDir()
	jc := pipeline.JournalConfig{DigestEvery: 10_000, SnapshotEvery: 40_000, KeepSnapshots: 4,
		Options: journal.Options{SegmentSize: 256 << 10}, Retention: journal.Retention{MaxSegments: 2}}
	sum := journalRun(t, dir, jc, evs)
	rep, err := journal.Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rep.FirstSeq <= 1 {
		t.Fatalf("retention kept the journal's start (%d segments)", len(rep.Segments))
	}
	before := hashDir(t, dir)
	until := uint64(len(evs)) - 30_000
	var same *replay.WhatIfReport
	for _, tc := range []struct {
		name string
		risk *risk.Config
	}{{"journaled", risk.DefaultConfig()}, {"tighter", parseRisk(t, "tight.conf", tightConf)}, {"guard off", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := replay.WhatIf(dir, tc.risk, replay.WhatIfOptions{Until: until})
			if tc.name == "tighter" {
				// The snapshot's guard state holds the limits as they were.
				if !errors.Is(err, replay.ErrWhatIfSnapshot) {
					t.Fatalf("tighter from a snapshot: %v, want replay.ErrWhatIfSnapshot", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			res := r.Replay
			if r.FromSnapshot < rep.FirstSeq-1 || r.FromSnapshot >= until || res.FirstSeq != r.FromSnapshot+1 || res.LastSeq != until ||
				r.Events != int64(until-r.FromSnapshot) || res.Checkpoints == 0 || res.Matched != res.Checkpoints {
				t.Fatalf("from snapshot %d (journal from %d): %d events, %+v", r.FromSnapshot, rep.FirstSeq, r.Events, res)
			}
			switch tc.name {
			case "journaled":
				if !r.Same() || len(r.Live) != len(r.WhatIf) {
					t.Fatalf("differences under the journaled configuration: %d inputs, trips %v and %v", r.EventsDiffering, r.Live, r.WhatIf)
				}
				same = r
			case "guard off":
				if r.WhatIfTrips != 0 || r.RejectedWhatIf != 0 || r.Same() {
					t.Fatalf("guard off: %d trips, %d rejected by the guard", r.WhatIfTrips, r.RejectedWhatIf)
				}
			}
		})
	}
	// The journaled digest continues from the snapshot's checkpoint: the
	// replay to the end gives the live run's.
	r, err := replay.WhatIf(dir, risk.DefaultConfig(), replay.WhatIfOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Same() || r.LiveDigest != sum.OutputDigest || same == nil {
		t.Fatalf("to the end from the snapshot at %d: digests %s and %s, the run's %s", r.FromSnapshot, r.LiveDigest, r.WhatIfDigest, sum.OutputDigest)
	}
	if after := hashDir(t, dir); !maps.Equal(before, after) {
		t.Fatalf("the journal directory changed: %d files before, %d after", len(before), len(after))
	}
}

// firstLines returns the first n lines of s.
func firstLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = append(lines[:n], "...\n")
	}
	return strings.Join(lines, "")
}

// BenchmarkWhatIf measures a what-if's rate: two replays of the journal in
// lockstep, compared event by event.
func BenchmarkWhatIf(b *testing.B) {
	evs := knightFlow(b, 300_000, 1e9)
	dir := b.TempDir()
	liveRun(b, testConfig(), dir, evs)
	rc := parseRisk(b, "tight.conf", tightConf)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := replay.WhatIf(dir, rc, replay.WhatIfOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(evs))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
