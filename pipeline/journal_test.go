package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/replay"
)

func journalConfig(dir string, d journal.Durability) *JournalConfig {
	return &JournalConfig{
		Dir:     dir,
		Options: journal.Options{Durability: d, SegmentSize: 1 << 20},
	}
}

// readJournal returns every input event in the journal at dir.
func readJournal(t *testing.T, dir string) []event.In {
	t.Helper()
	rd, err := journal.NewReader(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var evs []event.In
	for rd.Next() {
		var err error
		if evs, err = replay.AppendEvents(evs, rd.Record()); err != nil {
			t.Fatal(err)
		}
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	return evs
}

// outsAfter returns the outputs of outs (in sequence order, as a run gives
// them) that answer inputs after sequence seq.
func outsAfter(outs []event.Out, seq uint64) []event.Out {
	for i, o := range outs {
		if o.Seq > seq {
			return outs[i:]
		}
	}
	return nil
}

// stamped returns evs as the pipeline sequences them: seq from 1, feed clock.
func stamped(evs []event.In) []event.In {
	out := make([]event.In, len(evs))
	var last int64
	for i, e := range evs {
		e.Seq = uint64(i + 1)
		if e.TS < last {
			e.TS = last
		}
		last = e.TS
		out[i] = e
	}
	return out
}

// TestJournalEveryEventOnce: in every durability mode the outputs are those
// of a run without a journal, and the journal holds every event exactly
// once, in order, as sequenced.
func TestJournalEveryEventOnce(t *testing.T) {
	evs := genFlow(t, 30_000, 11)
	want := digestOf(direct(t, testConfig(), evs))
	for _, d := range []journal.Durability{journal.None, journal.Batch, journal.Sync} {
		t.Run(d.String(), func(t *testing.T) {
			dir := t.TempDir()
			cfg := testConfig()
			cfg.InRing, cfg.Batch = 64, 16 // many wraps, many journal batches
			cfg.Journal = journalConfig(dir, d)
			sum, err := Run(context.Background(), cfg, &sliceSource{evs: evs}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if sum.OutputDigest != want {
				t.Fatalf("digest with journal %s, without %s", sum.OutputDigest, want)
			}
			if sum.Journal == nil || sum.Journal.LastSeq != uint64(len(evs)) || sum.Journal.DurableSeq != uint64(len(evs)) {
				t.Fatalf("journal summary %+v, want last and durable seq %d", sum.Journal, len(evs))
			}
			got := readJournal(t, dir)
			wantEvs := stamped(evs)
			if len(got) != len(wantEvs) {
				t.Fatalf("journal holds %d events, want %d", len(got), len(wantEvs))
			}
			for i := range got {
				if got[i] != wantEvs[i] {
					t.Fatalf("journal event %d = %+v, want %+v", i, got[i], wantEvs[i])
				}
			}
		})
	}
}

// TestRestart: a run stopped half way and started again on its journal
// continues the sequence, emits only the new events' outputs, and ends in
// the state a single uninterrupted run reaches; with or without snapshots,
// with the whole feed again (skip) or only its rest (new).
func TestRestart(t *testing.T) {
	evs := genFlow(t, 40_000, 12)
	const half = 17_321
	all := direct(t, testConfig(), evs)
	wantRest := digestOf(outsAfter(all, half))
	tests := []struct {
		name     string
		every    uint64
		resume   Resume
		corrupt  bool // corrupt the newest snapshot before the restart
		restFeed func() []event.In
	}{
		{"full replay, feed again", 0, ResumeSkip, false, func() []event.In { return evs }},
		{"snapshots, feed again", 5_000, ResumeSkip, false, func() []event.In { return evs }},
		{"snapshots, new feed", 5_000, ResumeNew, false, func() []event.In { return evs[half:] }},
		{"corrupt newest snapshot", 5_000, ResumeSkip, true, func() []event.In { return evs }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := testConfig()
			cfg.Journal = journalConfig(dir, journal.Batch)
			cfg.Journal.SnapshotEvery = tt.every
			cfg.Journal.KeepSnapshots = 3
			cfg.Journal.Resume = tt.resume
			first, err := Run(context.Background(), cfg, &sliceSource{evs: evs[:half]}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if first.LastSeq != half {
				t.Fatalf("first run ended at %d", first.LastSeq)
			}
			if tt.every > 0 && first.Snapshots == 0 {
				t.Fatal("no snapshot written")
			}
			if tt.corrupt {
				snaps, _ := filepath.Glob(filepath.Join(dir, "*.snap"))
				if len(snaps) < 2 {
					t.Fatalf("want at least 2 snapshots to fall back on, have %v", snaps)
				}
				newest := snaps[len(snaps)-1]
				b, _ := os.ReadFile(newest)
				b[len(b)/2] ^= 0xff
				os.WriteFile(newest, b, 0o644)
			}
			rec := &recorder{}
			second, err := Run(context.Background(), cfg, &sliceSource{evs: tt.restFeed()}, rec)
			if err != nil {
				t.Fatal(err)
			}
			r := second.Recovery
			if r == nil || r.ResumedFrom != half+1 || second.FirstSeq != half+1 || second.LastSeq != uint64(len(evs)) {
				t.Fatalf("recovery %+v, seq %d..%d; want resumed from %d, ending at %d", r, second.FirstSeq, second.LastSeq, half+1, len(evs))
			}
			if tt.every > 0 && r.SnapshotSeq == 0 {
				t.Error("restart did not use a snapshot")
			}
			if int64(r.SnapshotSeq)+r.Replayed != half {
				t.Errorf("snapshot at %d + %d replayed != %d", r.SnapshotSeq, r.Replayed, half)
			}
			if tt.corrupt && len(r.Skipped) != 1 {
				t.Errorf("skipped snapshots %v, want the corrupt one", r.Skipped)
			}
			if tt.resume == ResumeSkip && r.FeedSkipped != half {
				t.Errorf("feed skipped %d, want %d", r.FeedSkipped, half)
			}
			if got := digestOf(rec.outs); got != wantRest || rec.outs[0].Seq != half+1 {
				t.Fatalf("restart output digest %s (first seq %d), want %s: outputs duplicated or state lost", got, rec.outs[0].Seq, wantRest)
			}
			if got := readJournal(t, dir); len(got) != len(evs) || got[len(got)-1] != stamped(evs)[len(evs)-1] {
				t.Fatalf("journal has %d events after the restart, want %d", len(got), len(evs))
			}
		})
	}
}

func TestRestartFeedMismatch(t *testing.T) {
	evs := genFlow(t, 5_000, 13)
	dir := t.TempDir()
	cfg := testConfig()
	cfg.Journal = journalConfig(dir, journal.None)
	if _, err := Run(context.Background(), cfg, &sliceSource{evs: evs[:1000]}, nil); err != nil {
		t.Fatal(err)
	}
	other := genFlow(t, 5_000, 14)
	_, err := Run(context.Background(), cfg, &sliceSource{evs: other}, nil)
	if !errors.Is(err, ErrFeedMismatch) {
		t.Fatalf("err = %v, want ErrFeedMismatch", err)
	}
}

// TestSnapshotRetention: old snapshots and the segments no snapshot needs
// are deleted; a restart from what is left still works.
// TestSnapshotRetention: retention deletes segments, but never one the
// oldest snapshot kept needs, so that each kept snapshot can be fallen back
// on: with the newest one corrupt, a restart starts from the older one.
func TestSnapshotRetention(t *testing.T) {
	evs := genFlow(t, 60_000, 15)
	dir := t.TempDir()
	cfg := testConfig()
	cfg.Journal = journalConfig(dir, journal.None)
	cfg.Journal.Options.SegmentSize = 128 << 10
	cfg.Journal.SnapshotEvery = 10_000
	cfg.Journal.KeepSnapshots = 2
	cfg.Journal.Retention = journal.Retention{MaxSegments: 2}
	if _, err := Run(context.Background(), cfg, &sliceSource{evs: evs[:50_000]}, nil); err != nil {
		t.Fatal(err)
	}
	snaps, _ := filepath.Glob(filepath.Join(dir, "*.snap"))
	if len(snaps) != 2 {
		t.Fatalf("%d snapshots kept, want 2: %v", len(snaps), snaps)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	firstOf := func(path string) uint64 {
		n, err := strconv.ParseUint(strings.TrimSuffix(filepath.Base(path), ".seg"), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	oldest, err := strconv.ParseUint(strings.TrimSuffix(filepath.Base(snaps[0]), ".snap"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if firstOf(segs[0]) > oldest+1 {
		t.Fatalf("journal starts at %d: the oldest snapshot kept, at %d, lost the records it needs", firstOf(segs[0]), oldest)
	}
	if firstOf(segs[0]) == 1 && len(segs) > 2 && firstOf(segs[1]) <= oldest+1 {
		t.Fatalf("retention kept segment 1 which no snapshot needs: %v", segs)
	}
	// The newest snapshot damaged: the restart falls back on the oldest.
	b, err := os.ReadFile(snaps[1])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(snaps[1], b, 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	sum, err := Run(context.Background(), cfg, &sliceSource{evs: evs}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Recovery.FeedSkipped != 50_000 || sum.LastSeq != 60_000 || sum.Recovery.SnapshotSeq != oldest {
		t.Fatalf("restart after retention: %+v, last seq %d; want it from the snapshot at %d", sum.Recovery, sum.LastSeq, oldest)
	}
	all := direct(t, testConfig(), evs)
	if digestOf(rec.outs) != digestOf(outsAfter(all, 50_000)) {
		t.Fatal("restart after retention answered differently")
	}
}

// TestSnapshotOnRequest: a request on SnapshotRequests makes a snapshot at
// the next event boundary the logic reaches (requests made before it gets
// there coalesce): after the events ingest published before the batch it
// was filling when the request came, at the earliest, and with a ring of 8
// slots a few events after the request at the latest.
func TestSnapshotOnRequest(t *testing.T) {
	evs := genFlow(t, 20_000, 16)
	dir := t.TempDir()
	req := make(chan struct{}, 1)
	cfg := testConfig()
	cfg.InRing, cfg.Batch = 8, 4
	cfg.Journal = journalConfig(dir, journal.None)
	cfg.Journal.SnapshotEvery = 1 << 40 // only on request and at the end
	cfg.Journal.KeepSnapshots = 10
	cfg.SnapshotRequests = req
	src := &sliceSource{evs: evs, onEv: func(n int) {
		if n == 10_000 {
			req <- struct{}{}
		}
	}}
	sum, err := Run(context.Background(), cfg, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Snapshots != 2 {
		t.Fatalf("%d snapshots (%d skipped), want the requested one and the final one", sum.Snapshots, sum.SnapshotsSkipped)
	}
	snaps, _ := filepath.Glob(filepath.Join(dir, "*.snap"))
	var seqs []uint64
	for _, p := range snaps {
		var seq uint64
		fmt.Sscanf(filepath.Base(p), "%d.snap", &seq)
		seqs = append(seqs, seq)
	}
	if len(seqs) != 2 || seqs[0] < 10_000-uint64(cfg.Batch) || seqs[0] > 10_000+2*8 || seqs[1] != 20_000 {
		t.Fatalf("snapshots at %v, want one near 10000 (%d..%d) and one at 20000", seqs, 10_000-cfg.Batch, 10_000+2*8)
	}
}

// TestJournalDiskFull: when the journal cannot grow, the run stops with the
// error, without hanging, and no event the journal did not take was acted
// on.
func TestJournalDiskFull(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=640k"); err != nil {
		t.Skipf("cannot mount a small tmpfs here: %v", err)
	}
	defer syscall.Unmount(dir, 0)
	evs := genFlow(t, 400_000, 17) // ~4.7 MB of block records into 640 KiB
	cfg := testConfig()
	cfg.Journal = journalConfig(dir, journal.Batch)
	cfg.Journal.Options.SegmentSize = 128 << 10
	cfg.Journal.Options.PrefaultWindow = 64 << 10
	rec := &recorder{}
	sum, err := Run(context.Background(), cfg, &sliceSource{evs: evs}, rec)
	if err == nil || !strings.Contains(err.Error(), "journal") {
		t.Fatalf("err = %v, want a journal error", err)
	}
	journaled := readJournal(t, dir)
	if len(journaled) == 0 || len(journaled) >= len(evs) {
		t.Fatalf("%d events journaled of %d", len(journaled), len(evs))
	}
	// Acting on an event the journal does not hold would be the bug; the
	// journal holding events not yet acted on is not (a replay acts on
	// them), and happens when a batch is partly written when the disk
	// fills.
	last := journaled[len(journaled)-1].Seq
	acted := rec.outs[len(rec.outs)-1].Seq
	if acted > last {
		t.Fatalf("output for seq %d, after the last journaled %d: acted on an event not journaled", acted, last)
	}
	if want := direct(t, testConfig(), evs[:acted]); digestOf(rec.outs) != digestOf(want) {
		t.Fatalf("outputs are not the answer to events 1..%d", acted)
	}
	t.Logf("journal full after %d events (%d acted on, %d ingested): %v", last, acted, sum.EventsIn, err)
}

// knightFlow is the knight scenario: a normal flow in which a router account
// runs away at 10,000 orders/s.
func knightFlow(t *testing.T, events int) ([]event.In, Runaway) {
	t.Helper()
	gc := gen.DefaultConfig()
	gc.Events = events
	gc.Scenario = gen.ScenarioKnight
	gc.Knight.Start = 2e9
	evs, err := gen.Generate(gc)
	if err != nil {
		t.Fatal(err)
	}
	return evs, Runaway{Account: gen.KnightAccount(&gc), Start: gc.StartTS + gc.Knight.Start}
}

// TestKnightRestart: the guard kills the runaway; a run stopped after the
// kill and restarted from its snapshot keeps the kill latched and answers
// the rest of the flow exactly as one uninterrupted run.
func TestKnightRestart(t *testing.T) {
	evs, ra := knightFlow(t, 600_000)
	cfg := testConfig()
	cfg.Runaway = &ra
	whole, err := Run(context.Background(), cfg, &sliceSource{evs: evs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs := whole.Risk
	if rs == nil || rs.Runaway == nil || !rs.Runaway.Killed || len(rs.Trips) == 0 {
		t.Fatalf("the runaway was not stopped: %+v", rs)
	}
	if rs.Runaway.TimeToKill > 100e6 || rs.Runaway.Leaked >= 1000 {
		t.Errorf("kill after %d ns with %d executions leaked; targets 100 ms and 1000", rs.Runaway.TimeToKill, rs.Runaway.Leaked)
	}
	killSeq := rs.Runaway.KillSeq
	all := direct(t, cfg, evs)

	dir := t.TempDir()
	cfg.Journal = journalConfig(dir, journal.Batch)
	cfg.Journal.SnapshotEvery = 50_000
	cut := int(killSeq) + 10_000 // stop after the kill, then restart from a snapshot taken after it
	if _, err := Run(context.Background(), cfg, &sliceSource{evs: evs[:cut]}, nil); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	second, err := Run(context.Background(), cfg, &sliceSource{evs: evs}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if second.Recovery.SnapshotSeq <= killSeq {
		t.Fatalf("restart used the snapshot at %d, want one after the kill at %d", second.Recovery.SnapshotSeq, killSeq)
	}
	if digestOf(rec.outs) != digestOf(outsAfter(all, uint64(cut))) {
		t.Fatal("after the restart the guard answers differently from one uninterrupted run")
	}
	for _, o := range rec.outs {
		if o.Kind == event.OutAccepted && o.Account == ra.Account {
			t.Fatalf("the killed account's order %d was accepted after the restart: the kill did not survive it", o.ID)
		}
	}
}

// TestRiskOffSnapshotRefused: a snapshot with risk state is not loaded into
// an engine whose guard is off, and the reverse.
func TestConfigChangeRefused(t *testing.T) {
	evs := genFlow(t, 5_000, 21)
	dir := t.TempDir()
	cfg := testConfig()
	cfg.Journal = journalConfig(dir, journal.None)
	cfg.Journal.SnapshotEvery = 1000
	if _, err := Run(context.Background(), cfg, &sliceSource{evs: evs[:3000]}, nil); err != nil {
		t.Fatal(err)
	}
	off := cfg
	off.Risk = nil
	if _, err := Run(context.Background(), off, &sliceSource{evs: evs}, nil); !errors.Is(err, replay.ErrConfigChanged) {
		t.Fatalf("risk-off run on a risk journal: %v, want replay.ErrConfigChanged", err)
	}
	// Asked for, the change is made: the journal's events replay under the
	// guard they ran under, and the new ones run without it.
	jc := *off.Journal
	jc.AllowConfigChange = true
	off.Journal = &jc
	sum, err := Run(context.Background(), off, &sliceSource{evs: evs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Recovery.ConfigChanged) == 0 || sum.LastSeq != uint64(len(evs)) {
		t.Fatalf("recovery %+v, last seq %d", sum.Recovery, sum.LastSeq)
	}
	// Without its output checkpoint, a restart replays the whole journal
	// and emits every output again: under the guard up to 3000, without
	// it after, it gives the digest of what was done.
	if err := os.Remove(filepath.Join(dir, CheckpointFile)); err != nil {
		t.Fatal(err)
	}
	again, err := Run(context.Background(), off, &sliceSource{evs: evs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Recovery.ReEmitted != int64(len(evs)) || len(again.Recovery.ConfigChanged) != 0 || again.OutputDigest != sum.OutputDigest {
		t.Fatalf("replay across the change: %+v, digest %s; want %d re-emitted and the digest %s", again.Recovery, again.OutputDigest, len(evs), sum.OutputDigest)
	}
}

// TestRestartOnOlderRecords: a journal whose records are of an earlier
// type, one event each (replay.RecordInput, replay.RecordInputPacked), is recovered,
// checked against the feed and continued with block records; the outputs
// are those of one uninterrupted run.
func TestRestartOnOlderRecords(t *testing.T) {
	for _, typ := range []uint8{replay.RecordInput, replay.RecordInputPacked} {
		t.Run(fmt.Sprintf("type%d", typ), func(t *testing.T) {
			evs := genFlow(t, 20_000, 13)
			const half = 9_001
			all := direct(t, testConfig(), evs)
			dir := t.TempDir()
			cfg := testConfig()
			cfg.Journal = journalConfig(dir, journal.Batch)
			j, _, err := journal.Open(dir, cfg.Journal.Options)
			if err != nil {
				t.Fatal(err)
			}
			full := make([]byte, event.Size)
			packed := make([]byte, replay.PackedSize)
			for _, in := range stamped(evs)[:half] {
				p := full
				if in.Encode(full); typ == replay.RecordInputPacked {
					replay.PutPacked(packed, &in)
					p = packed
				}
				if err := j.Append(typ, in.Seq, in.TS, p); err != nil {
					t.Fatal(err)
				}
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			sum, err := Run(context.Background(), cfg, &sliceSource{evs: evs}, rec)
			if err != nil {
				t.Fatal(err)
			}
			if r := sum.Recovery; r == nil || r.Replayed != half || r.FeedSkipped != half || sum.FirstSeq != half+1 || r.ReEmitted != half {
				t.Fatalf("recovery %+v, first seq %d; want %d replayed, re-emitted and skipped", sum.Recovery, sum.FirstSeq, half)
			}
			// The journal had no output checkpoint: every output is
			// emitted again, so the stream is that of one whole run.
			if got, want := digestOf(rec.outs), digestOf(all); got != want || sum.OutputDigest != want {
				t.Fatalf("outputs after the restart %s (summary %s), want %s", got, sum.OutputDigest, want)
			}
			rd, err := journal.NewReader(dir, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			var got []event.In
			for rd.Next() {
				r := rd.Record()
				wantType := replay.RecordInputBlock
				if r.Seq <= half {
					wantType = typ
				}
				if r.Type != wantType {
					t.Fatalf("record %d: type %d, want %d", r.Seq, r.Type, wantType)
				}
				if got, err = replay.AppendEvents(got, r); err != nil {
					t.Fatal(err)
				}
			}
			if want := stamped(evs); !slices.Equal(got, want) {
				t.Fatalf("journal holds %d events, not the %d of the feed as sequenced", len(got), len(want))
			}
		})
	}
}
