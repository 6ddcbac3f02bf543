package replay_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/pipeline"
	"github.com/tradeengine/engine/replay"
)

// benchEvents is how many events the replay benchmarks journal: 10M, or
// REPLAY_BENCH_EVENTS for a quick look.
func benchEvents(b *testing.B) int {
	n := 10_000_000
	if s := os.Getenv("REPLAY_BENCH_EVENTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			b.Fatalf("REPLAY_BENCH_EVENTS=%q: want a positive number of events", s)
		}
		n = v
	}
	return n
}

// benchSnapshotEvery is the snapshot interval of the benchmark journal.
const benchSnapshotEvery = 1_000_000

// benchJournal is a journal a live run wrote for the replay benchmarks.
type benchJournal struct {
	dir  string
	cfg  pipeline.Config // the live run's, unjournaled
	evs  []event.In      // the events as journaled: sequence and time stamped
	logc replay.Config   // the configuration a replay runs the logic under
	last uint64          // the last sequence
}

// writeBenchJournal runs the generated flow of n events (the generator's
// defaults: what `engine run` feeds itself) through the live engine under
// `engine run`'s configuration, unpinned, with a batch journal, a snapshot
// every benchSnapshotEvery events (all kept) and digest checkpoints at the
// default interval, and reads the journaled events back.
func writeBenchJournal(b *testing.B, n int) *benchJournal {
	gc := gen.DefaultConfig()
	gc.Events = n
	evs, err := gen.Generate(gc)
	if err != nil {
		b.Fatal(err)
	}
	j := &benchJournal{dir: b.TempDir(), cfg: pipeline.DefaultConfig()}
	j.cfg.CPU = pipeline.NoPin
	cfg := j.cfg
	cfg.Journal = &pipeline.JournalConfig{Dir: j.dir, Options: journal.Options{Durability: journal.Batch},
		SnapshotEvery: benchSnapshotEvery, KeepSnapshots: n/benchSnapshotEvery + 2}
	sum, err := pipeline.Run(context.Background(), cfg, &sliceSource{evs: evs}, nil)
	if err != nil {
		b.Fatal(err)
	}
	if sum.EventsIn != int64(n) || sum.Digests == 0 && n >= replay.DefaultDigestEvery {
		b.Fatalf("live run: %d events in, %d digest checkpoints", sum.EventsIn, sum.Digests)
	}
	j.evs = readAll(b, j.dir)
	j.last = j.evs[len(j.evs)-1].Seq
	s, err := replay.Open(j.dir, replay.Options{FromStart: true})
	if err != nil {
		b.Fatal(err)
	}
	j.logc = s.Logic().Config()
	s.Close()
	return j
}

// replayOnce replays the journal as `engine replay` does (Open, which
// verifies the journal, then Next to the stop, every output through the
// output digest and every digest checkpoint compared) and returns what it
// found and the time Open took.
func replayOnce(b *testing.B, j *benchJournal, o replay.Options) (replay.Result, time.Duration) {
	start := time.Now()
	s, err := replay.Open(j.dir, o)
	if err != nil {
		b.Fatal(err)
	}
	open := time.Since(start)
	var outs int
	for s.Next() {
		outs += len(s.Outs())
	}
	if err := s.Err(); err != nil {
		b.Fatal(err)
	}
	res := s.Result()
	if res.Divergence != nil || res.Matched != res.Checkpoints || outs == 0 {
		b.Fatalf("replay: %d of %d checkpoints matched, divergence %+v, %d outputs", res.Matched, res.Checkpoints, res.Divergence, outs)
	}
	s.Close()
	return res, open
}

// readOnce reads and decodes the journal's events (EventReader), applying
// them to nothing.
func readOnce(b *testing.B, j *benchJournal) {
	er, err := replay.NewEventReader(j.dir, 0)
	if err != nil {
		b.Fatal(err)
	}
	k := 0
	for _, ok := er.Next(); ok; _, ok = er.Next() {
		k++
	}
	if err := er.Err(); err != nil || k != len(j.evs) {
		b.Fatalf("read %d events, want %d: %v", k, len(j.evs), err)
	}
	er.Close()
}

// replayerOnce replays the journal with a bare Replayer, as a restart does:
// no journal.Verify, no output digest, no checkpoints compared.
func replayerOnce(b *testing.B, j *benchJournal) {
	cfgs, err := replay.ReadConfigs(j.dir)
	if err != nil {
		b.Fatal(err)
	}
	r, err := replay.NewReplayer(j.dir, j.logc, cfgs, replay.Start{From: 1})
	if err != nil {
		b.Fatal(err)
	}
	for r.Next() {
	}
	if err := r.Err(); err != nil || r.Applied() != int64(len(j.evs)) {
		b.Fatalf("replayed %d events, want %d: %v", r.Applied(), len(j.evs), err)
	}
	r.Close()
}

// logicOnce applies the journaled events from memory to fresh logic under
// the replay's configuration (its creation counted, as a replay's is): the
// ceiling of any replay.
func logicOnce(b *testing.B, j *benchJournal, outs []event.Out) []event.Out {
	l, err := replay.NewLogic(j.logc)
	if err != nil {
		b.Fatal(err)
	}
	for i := range j.evs {
		outs = l.Apply(&j.evs[i], outs[:0])
	}
	return outs
}

// liveOnce runs the same events through the live engine without a journal,
// its sink discarding the outputs (the output digest and the counts are
// still kept, as a replay keeps its digest).
func liveOnce(b *testing.B, j *benchJournal) {
	sum, err := pipeline.Run(context.Background(), j.cfg, &sliceSource{evs: j.evs}, nil)
	if err != nil {
		b.Fatal(err)
	}
	if sum.EventsIn != int64(len(j.evs)) {
		b.Fatalf("live run: %d events in, want %d", sum.EventsIn, len(j.evs))
	}
}

// BenchmarkReplay measures replay speed on a journal of 10M events
// (REPLAY_BENCH_EVENTS shrinks it) written once by a live run of the
// generated flow (see writeBenchJournal). One op is one whole replay, so
// allocs/op does not grow with the events: a replay allocates nothing per
// event. Sub-benchmarks:
//
//   - from-start: `engine replay --from-start`: Open (journal.Verify reads
//     every record once, the digest checkpoints are read, fresh logic is
//     made) and every event replayed, the checkpoints compared. open-% is
//     Open's share of the time.
//   - from-snapshot: `engine replay --until LAST-1`: Open, then the newest
//     snapshot at or before LAST-1 loaded (the one at the last multiple
//     of 1M below it) and the events after it replayed: 999,999 of the
//     10M journaled. Its
//     events/s counts the events replayed only, so the fixed costs (Verify of
//     the whole journal, the snapshot's load) weigh on it.
//   - read-only: the journal's events read and decoded (EventReader),
//     applied to nothing: what reading costs a replay.
//   - logic-in-memory: the same events applied from a slice to fresh logic
//     (replay.Logic, its creation counted): the ceiling.
//   - live-no-journal: pipeline.Run of the same events without a journal,
//     the sink discarding: the live engine the target compares with.
//   - side-by-side: in each op a replay from the start, the logic from
//     memory and the live engine back to back, so that a noisy machine
//     slows them alike: replay/live and replay/logic are the ratios of
//     their speeds, the median of the ops' (the targets: replay/live >= 1,
//     and 10M events/s). The
//     op also reads the journal alone (read-% of the replay's time) and
//     replays it with a bare Replayer, as a restart does (session-%: what
//     a Session adds, journal.Verify, the output digest and the
//     checkpoints).
func BenchmarkReplay(b *testing.B) {
	if testing.Short() {
		b.Skip("writes a journal of 10M events; REPLAY_BENCH_EVENTS=N for fewer")
	}
	j := writeBenchJournal(b, benchEvents(b))
	n := float64(len(j.evs))
	report := func(b *testing.B, events float64, d time.Duration) {
		b.ReportMetric(events/d.Seconds(), "events/s")
		b.ReportMetric(float64(d.Nanoseconds())/events, "ns/event")
	}

	b.Run("from-start", func(b *testing.B) {
		b.ReportAllocs()
		var total, open time.Duration
		var events int64
		var res replay.Result
		for b.Loop() {
			start := time.Now()
			r, o := replayOnce(b, j, replay.Options{FromStart: true})
			total += time.Since(start)
			open += o
			events += r.Applied
			res = r
		}
		if events != int64(b.N)*int64(len(j.evs)) {
			b.Fatalf("replayed %d events, want %d", events, b.N*len(j.evs))
		}
		report(b, float64(events), total)
		b.ReportMetric(100*open.Seconds()/total.Seconds(), "open-%")
		b.ReportMetric(float64(res.Checkpoints), "checkpoints/op")
	})

	b.Run("from-snapshot", func(b *testing.B) {
		if j.last < benchSnapshotEvery+2 || (j.last-1)%benchSnapshotEvery == 0 {
			b.Skipf("%d events: no snapshot before the last", j.last)
		}
		b.ReportAllocs()
		var total, open time.Duration
		var events int64
		for b.Loop() {
			start := time.Now()
			r, o := replayOnce(b, j, replay.Options{Until: j.last - 1})
			total += time.Since(start)
			open += o
			events += r.Applied
		}
		want := (j.last - 1) - (j.last-1)/benchSnapshotEvery*benchSnapshotEvery
		if events != int64(b.N)*int64(want) {
			b.Fatalf("replayed %d events, want %d per op", events, want)
		}
		report(b, float64(events), total)
		b.ReportMetric(float64(want), "events/op")
		b.ReportMetric(100*open.Seconds()/total.Seconds(), "open-%")
	})

	b.Run("read-only", func(b *testing.B) {
		b.ReportAllocs()
		var total time.Duration
		for b.Loop() {
			start := time.Now()
			readOnce(b, j)
			total += time.Since(start)
		}
		report(b, float64(b.N)*n, total)
	})

	b.Run("logic-in-memory", func(b *testing.B) {
		b.ReportAllocs()
		var outs []event.Out
		var total time.Duration
		for b.Loop() {
			start := time.Now()
			outs = logicOnce(b, j, outs)
			total += time.Since(start)
		}
		report(b, float64(b.N)*n, total)
	})

	b.Run("live-no-journal", func(b *testing.B) {
		b.ReportAllocs()
		var total time.Duration
		for b.Loop() {
			start := time.Now()
			liveOnce(b, j)
			total += time.Since(start)
		}
		report(b, float64(b.N)*n, total)
	})

	b.Run("side-by-side", func(b *testing.B) {
		var rep, bare, read, logic, live time.Duration
		var vsLive, vsLogic, readShare, sessionShare []float64 // of each op
		var outs []event.Out
		timed := func(f func()) time.Duration {
			start := time.Now()
			f()
			return time.Since(start)
		}
		for b.Loop() {
			r := timed(func() { replayOnce(b, j, replay.Options{FromStart: true}) })
			br := timed(func() { replayerOnce(b, j) })
			rd := timed(func() { readOnce(b, j) })
			lg := timed(func() { outs = logicOnce(b, j, outs) })
			lv := timed(func() { liveOnce(b, j) })
			rep, bare, read, logic, live = rep+r, bare+br, read+rd, logic+lg, live+lv
			vsLive = append(vsLive, lv.Seconds()/r.Seconds())
			vsLogic = append(vsLogic, lg.Seconds()/r.Seconds())
			readShare = append(readShare, 100*rd.Seconds()/r.Seconds())
			sessionShare = append(sessionShare, 100*(r.Seconds()-br.Seconds())/r.Seconds())
		}
		events := float64(b.N) * n
		b.ReportMetric(events/rep.Seconds(), "replay-events/s")
		b.ReportMetric(events/logic.Seconds(), "logic-events/s")
		b.ReportMetric(events/live.Seconds(), "live-events/s")
		b.ReportMetric(median(vsLive), "replay/live")
		b.ReportMetric(median(vsLogic), "replay/logic")
		// Where a replay's time goes, in % of it: reading and decoding
		// the journal, and what a Session adds to a bare Replayer
		// (journal.Verify, the output digest, the checkpoints).
		b.ReportMetric(median(readShare), "read-%")
		b.ReportMetric(median(sessionShare), "session-%")
	})
}

// median returns the median of xs, which it sorts.
func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}
