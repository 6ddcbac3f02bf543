package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/tradeengine/engine/pipeline"
)

// HiccupStall is the gap above which a spinner's gap counts as a stall in
// the rows' note: some 30 times the loop's own cost, so never the loop.
const HiccupStall = 1000 // ns

// runHiccup is the hiccup scenario: the spinner of [Hiccup] alone for the
// run's duration, pinned to the last CPU this process may use, then again
// beside a [SyncWriter] at a batch journal's cadence at 1M events/s (the
// floor of an engine that journals durably).
func (s *suite) runHiccup(ctx context.Context) error {
	for _, syncs := range []bool{false, true} {
		what := "alone"
		if syncs {
			what = "beside durable writes"
		}
		s.progress("hiccup: a thread spinning on the clock for %v, %s", s.cfg.Duration, what)
		h, lat, err := s.hiccupFor(ctx, syncs)
		if err != nil {
			return err
		}
		prefix := ""
		if syncs {
			lat.Name = "hiccup-syncs"
			prefix = "beside syncs: "
		}
		if err := h.PinErr(); err != nil {
			s.rep.Note("hiccup: the spinner ran unpinned: %v", err)
		}
		if err := s.addLatency(lat); err != nil {
			return err
		}
		s.rep.Add(h.Rows("hiccup", prefix)...)
	}
	return nil
}

// hiccupFor runs the spinner for the run's duration, alone or beside a
// SyncWriter at the committer's cadence (SyncBytes every SyncEvery) on a
// file in the suite's temporary directory, and returns it stopped, with its
// Latency titled accordingly.
func (s *suite) hiccupFor(ctx context.Context, syncs bool) (*Hiccup, *Latency, error) {
	var w *SyncWriter
	if syncs {
		dir, done, err := s.tempDir("syncs")
		if err != nil {
			return nil, nil, err
		}
		defer done()
		if w, err = StartSyncWriter(dir, SyncBytes, SyncEvery); err != nil {
			return nil, nil, err
		}
	}
	h := StartHiccup(SystemClock(), HiccupCPU(pipeline.NoPin))
	t := time.NewTimer(s.cfg.Duration)
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
	}
	lat := h.Stop()
	if w != nil {
		n, err := w.Stop()
		if err != nil {
			return nil, nil, err
		}
		lat.Title += fmt.Sprintf(", beside a writer making %d bytes durable every %v (write and fdatasync, %d times: a batch journal at 1M events/s)", SyncBytes, SyncEvery, n)
	} else {
		lat.Title += ", alone"
	}
	return h, lat, ctx.Err()
}

// Rows returns, once Stop has returned, the ladder of the raw gaps as rows
// of scenario, their metrics named prefix + "gap p50" and so on: p50 (the
// loop's own cost), p99, p99.9, p99.99 and max, in ns, each noting its
// corrected (time-weighted) figure; the max also notes how many gaps were
// stalls (above HiccupStall) and what share of the time they took.
func (h *Hiccup) Rows(scenario, prefix string) []Row {
	raw, cor := LadderOf(h.lat.Raw), LadderOf(h.lat.Corrected)
	span := h.SpanNS()
	var stalls, stalled int64 // gaps above HiccupStall, and their sum in ns
	for _, b := range h.lat.Raw.Distribution() {
		if b.Count > 0 && b.From > HiccupStall {
			stalls += b.Count
			stalled += b.Count * (b.From + b.To) / 2
		}
	}
	share := 0.0
	if span > 0 {
		share = 100 * float64(stalled) / float64(span)
	}
	timeWeighted := func(v int64) string { return "time-weighted (corrected) " + FormatNS(float64(v)) }
	rows := []Row{
		NewRow(scenario, prefix+"gap p50", float64(raw.P50), "ns"),
		NewRow(scenario, prefix+"gap p99", float64(raw.P99), "ns"),
		NewRow(scenario, prefix+"gap p99.9", float64(raw.P999), "ns"),
		NewRow(scenario, prefix+"gap p99.99", float64(raw.P9999), "ns"),
		NewRow(scenario, prefix+"gap max", float64(raw.Max), "ns"),
	}
	rows[0].Note = fmt.Sprintf("the loop's own cost (a clock read and a record); %d gaps in %s, %s", raw.Count, FormatNS(float64(span)), h.placement())
	rows[1].Note = timeWeighted(cor.P99)
	rows[2].Note = timeWeighted(cor.P999)
	rows[3].Note = timeWeighted(cor.P9999)
	rows[4].Note = fmt.Sprintf("%d stalls above %s, %.3g%% of the time", stalls, FormatNS(HiccupStall), share)
	return rows
}
