package pipeline

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/ring"
)

// benchFlow is the flow every pipeline benchmark runs: the generator's
// defaults, 500,000 events.
func benchFlow(b *testing.B) []event.In {
	return benchFlowN(b, 500_000)
}

// benchFlowN is the generator's default flow of n events.
func benchFlowN(b *testing.B, n int) []event.In {
	gc := gen.DefaultConfig()
	gc.Events = n
	evs, err := gen.Generate(gc)
	if err != nil {
		b.Fatal(err)
	}
	return evs
}

// benchRun runs evs once through a pipeline; journal d, or none when d < 0.
// It returns the wall time of the run.
func benchRun(b *testing.B, evs []event.In, d int) time.Duration {
	return benchRunCPU(b, evs, d, true)
}

func benchRunCPU(b *testing.B, evs []event.In, d int, pin bool) time.Duration {
	cfg := DefaultConfig()
	cfg.Matcher.InitialOrders = 1 << 16
	if cpus, err := ring.AllowedCPUs(); !pin || err != nil || len(cpus) < 2 {
		cfg.CPU = NoPin
	}
	if d >= 0 {
		cfg.Journal = &JournalConfig{Dir: b.TempDir(), Options: journal.Options{Durability: journal.Durability(d)}}
	}
	start := time.Now()
	sum, err := Run(context.Background(), cfg, &sliceSource{evs: evs}, nil)
	if err != nil {
		b.Fatal(err)
	}
	if sum.EventsIn != int64(len(evs)) {
		b.Fatalf("%d events in, want %d", sum.EventsIn, len(evs))
	}
	return time.Since(start)
}

// BenchmarkPipeline runs the whole engine (ingest, input ring, journal,
// matcher on the pinned goroutine, output ring, sink with digest) over a
// generated flow; one op is one event. The journal is created fresh in a
// temporary directory for each pass, which is counted.
func BenchmarkPipeline(b *testing.B) {
	evs := benchFlow(b)
	for _, tc := range []struct {
		name string
		d    int
	}{{"nojournal", -1}, {"none", int(journal.None)}, {"batch", int(journal.Batch)}, {"sync", int(journal.Sync)}} {
		b.Run(tc.name, func(b *testing.B) {
			var total time.Duration
			var events int
			for b.Loop() {
				total += benchRun(b, evs, tc.d)
				events += len(evs)
			}
			b.ReportMetric(float64(events)/total.Seconds(), "events/s")
			b.ReportMetric(float64(total.Nanoseconds())/float64(events), "ns/event")
		})
	}
}

// BenchmarkJournalCost runs the flow without a journal and with a batch
// journal back to back in each op, and reports the throughput with the
// journal as a share of the throughput without: the target is at
// least 80%. Measured in one op so that a noisy machine slows both alike.
//
// Each run opens a fresh journal and closes it (a final msync), and its
// prefaulter works up to a window ahead of the last event: fixed costs that
// a short run feels most, so the flow is run at two lengths.
func BenchmarkJournalCost(b *testing.B) {
	for _, n := range []int{500_000, 2_000_000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			evs := benchFlowN(b, n)
			var without, with time.Duration
			for b.Loop() {
				without += benchRun(b, evs, -1)
				with += benchRun(b, evs, int(journal.Batch))
			}
			b.ReportMetric(100*without.Seconds()/with.Seconds(), "batch-vs-nojournal-%")
			b.ReportMetric(float64(b.N*len(evs))/with.Seconds(), "batch-events/s")
			b.ReportMetric(float64(b.N*len(evs))/without.Seconds(), "nojournal-events/s")
		})
	}
}

// benchRunDigests runs evs once through a pipeline with a batch journal
// and digest checkpoints every `every` events (JournalConfig.DigestEvery:
// 0 the default interval, negative none), and returns the wall time of the
// run and its summary.
func benchRunDigests(b *testing.B, evs []event.In, every int64) (time.Duration, Summary) {
	cfg := DefaultConfig()
	cfg.Matcher.InitialOrders = 1 << 16
	cfg.CPU = NoPin
	cfg.Journal = &JournalConfig{Dir: b.TempDir(), Options: journal.Options{Durability: journal.Batch}, DigestEvery: every}
	start := time.Now()
	sum, err := Run(context.Background(), cfg, &sliceSource{evs: evs}, nil)
	if err != nil {
		b.Fatal(err)
	}
	d := time.Since(start)
	if sum.EventsIn != int64(len(evs)) {
		b.Fatalf("%d events in, want %d", sum.EventsIn, len(evs))
	}
	return d, sum
}

// BenchmarkDigestCost measures what the live digest checkpoints cost the
// engine at the default interval (replay.DefaultDigestEvery, 2^20 events);
// the target is at most 1% of its throughput.
//
// run: each op runs the generated flow of 4M events (3 checkpoints) with a
// batch journal twice, digests on (the default) and off (DigestEvery -1),
// in alternating order, so that a noisy machine slows both alike:
// digest-cost-% is the throughput lost, 100 * (1 - on/off), the median of
// the ops' (a burst of noise spoils one pair, not the figure). On a noisy
// machine that difference of two long runs still wanders by a few percent
// either way, so the op also explains it: the same events are applied to a fresh
// replay.Logic, whose TakeDigest at the end of the flow (the largest state
// the run hashes) is timed; take-cost-% is what the checkpoints of the run
// cost at that price, as a share of the run with them.
//
// take: TakeDigest alone on that state, one op per checkpoint (0 allocs).
func BenchmarkDigestCost(b *testing.B) {
	const n = 4_000_000
	evs := benchFlowN(b, n)
	logicAtEnd := func(b *testing.B) *replay.Logic {
		cfg := DefaultConfig()
		l, err := replay.NewLogic(replay.Config{Matcher: cfg.Matcher, Risk: cfg.Risk})
		if err != nil {
			b.Fatal(err)
		}
		var outs []event.Out
		for _, in := range stamped(evs) {
			outs = l.Apply(&in, outs[:0])
		}
		return l
	}

	b.Run(fmt.Sprintf("run/events=%d", n), func(b *testing.B) {
		l := logicAtEnd(b)
		var c replay.Checkpoint
		scratch := l.TakeDigest(&c, n, 0, nil)
		var on, off, take time.Duration
		var checkpoints uint64
		var costs []float64 // of each pair of runs
		for b.Loop() {
			var dOn, dOff time.Duration
			var sum Summary
			if len(costs)%2 == 0 {
				dOn, sum = benchRunDigests(b, evs, 0)
				dOff, _ = benchRunDigests(b, evs, -1)
			} else {
				dOff, _ = benchRunDigests(b, evs, -1)
				dOn, sum = benchRunDigests(b, evs, 0)
			}
			on, off = on+dOn, off+dOff
			costs = append(costs, 100*(1-dOff.Seconds()/dOn.Seconds()))
			if sum.Digests+sum.DigestsSkipped != n/replay.DefaultDigestEvery {
				b.Fatalf("%d digest checkpoints, %d skipped; want %d", sum.Digests, sum.DigestsSkipped, n/replay.DefaultDigestEvery)
			}
			checkpoints += sum.Digests + sum.DigestsSkipped
			start := time.Now()
			scratch = l.TakeDigest(&c, n, 0, scratch)
			take += time.Since(start)
		}
		events := float64(b.N * n)
		b.ReportMetric(events/on.Seconds(), "digests-events/s")
		b.ReportMetric(events/off.Seconds(), "nodigests-events/s")
		slices.Sort(costs)
		b.ReportMetric(costs[len(costs)/2], "digest-cost-%")
		b.ReportMetric(float64(take.Nanoseconds())/float64(b.N), "take-ns")
		b.ReportMetric(100*float64(checkpoints)*take.Seconds()/float64(b.N)/on.Seconds(), "take-cost-%")
		b.ReportMetric(float64(len(c.Books)), "books")
		b.ReportMetric(float64(len(c.Accounts)), "accounts")
	})

	b.Run("take", func(b *testing.B) {
		l := logicAtEnd(b)
		var c replay.Checkpoint
		scratch := l.TakeDigest(&c, n, 0, nil)
		b.ReportAllocs()
		for b.Loop() {
			scratch = l.TakeDigest(&c, n, 0, scratch)
		}
		b.ReportMetric(float64(len(c.Books)), "books")
		b.ReportMetric(float64(len(c.Accounts)), "accounts")
	})
}

// BenchmarkPinning runs the flow with the logic pinned (the default) and
// unpinned, batch journal, back to back in each op.
func BenchmarkPinning(b *testing.B) {
	evs := benchFlow(b)
	var pinned, unpinned time.Duration
	for b.Loop() {
		pinned += benchRunCPU(b, evs, int(journal.Batch), true)
		unpinned += benchRunCPU(b, evs, int(journal.Batch), false)
	}
	b.ReportMetric(float64(b.N*len(evs))/pinned.Seconds(), "pinned-events/s")
	b.ReportMetric(float64(b.N*len(evs))/unpinned.Seconds(), "unpinned-events/s")
}

// BenchmarkReplay measures replay through the logic, what a restart does:
// a journal of 2M generated events (block records, written once by a run
// with a batch journal) is recovered by a run with an empty feed, which
// opens it (the recovery scan of the newest segment) and decodes and
// applies every event to the guard and the matcher, discarding the
// outputs. In the same op a fresh logic applies the same events from
// memory: replay-vs-memory-% is what reading and decoding the journal
// costs. One op is one replay of the whole journal.
func BenchmarkReplay(b *testing.B) {
	evs := benchFlowN(b, 2_000_000)
	cfg := DefaultConfig()
	cfg.Matcher.InitialOrders = 1 << 16
	cfg.CPU = NoPin
	cfg.Journal = &JournalConfig{Dir: b.TempDir(), Options: journal.Options{Durability: journal.Batch}, Resume: ResumeNew}
	if _, err := Run(context.Background(), cfg, &sliceSource{evs: evs}, nil); err != nil {
		b.Fatal(err)
	}
	seqd := stamped(evs)
	var recovered, memory time.Duration
	var outs []event.Out
	for b.Loop() {
		start := time.Now()
		sum, err := Run(context.Background(), cfg, &sliceSource{}, nil)
		if err != nil {
			b.Fatal(err)
		}
		recovered += time.Since(start)
		if sum.Recovery == nil || sum.Recovery.Replayed != int64(len(evs)) {
			b.Fatalf("recovery %+v, want %d events replayed", sum.Recovery, len(evs))
		}
		start = time.Now()
		l, err := replay.NewLogic(replay.Config{Matcher: cfg.Matcher, Risk: cfg.Risk})
		if err != nil {
			b.Fatal(err)
		}
		for i := range seqd {
			outs = l.Apply(&seqd[i], outs[:0])
		}
		memory += time.Since(start)
	}
	n := float64(b.N * len(evs))
	b.ReportMetric(n/recovered.Seconds(), "replay-events/s")
	b.ReportMetric(n/memory.Seconds(), "memory-events/s")
	b.ReportMetric(100*memory.Seconds()/recovered.Seconds(), "replay-vs-memory-%")
}
