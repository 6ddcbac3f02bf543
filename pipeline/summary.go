package pipeline

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/risk"
)

// Summary is what a run did. It is written as JSON by `engine run --summary`
// with the field names given in the tags.
type Summary struct {
	EventsIn       int64            `json:"events_in"`       // events that entered the input ring
	Malformed      int64            `json:"malformed"`       // feed records refused by the decoder
	TSClamped      int64            `json:"ts_clamped"`      // event times raised to keep time monotonic (ClockFeed)
	FirstSeq       uint64           `json:"first_seq"`       // sequence of the first event, 0 when none
	LastSeq        uint64           `json:"last_seq"`        // sequence of the last event, 0 when none
	OrdersAccepted int64            `json:"orders_accepted"` // OutAccepted events
	OrdersRejected map[string]int64 `json:"orders_rejected"` // OutRejected events (any input kind) by reason
	RejectedTotal  int64            `json:"rejected_total"`  // sum of OrdersRejected
	Cancelled      int64            `json:"cancelled"`       // OutCancelled events
	Trades         int64            `json:"trades"`          // OutTrade events
	TradedQuantity int64            `json:"traded_quantity"` // sum of trade quantities
	// Prints and PrintedQuantity count the trades the feed reported
	// outside the books (KindPrint: hidden executions, crosses).
	Prints          int64  `json:"prints,omitempty"`
	PrintedQuantity int64  `json:"printed_quantity,omitempty"`
	EventsOut       int64  `json:"events_out"`    // output events
	OutputDigest    string `json:"output_digest"` // hex xxhash64 over the canonical encodings of the output events, in order, of the whole journaled run (across restarts)
	// OutputDigestSinceRestart is the digest of the outputs this run
	// emitted (re-emitted after the output checkpoint, then new), on a
	// restart; OutputDigest covers the journal's whole run.
	OutputDigestSinceRestart string  `json:"output_digest_since_restart,omitempty"`
	ElapsedNS                int64   `json:"elapsed_ns"`     // wall time of the run, from start to the last output
	EventsPerSec             float64 `json:"events_per_sec"` // EventsIn per second of ElapsedNS

	Risk             *RiskSummary    `json:"risk,omitempty"`                       // the risk guard's trips and rejections, with the guard on
	Recovery         *Recovery       `json:"recovery,omitempty"`                   // what a run on an existing journal recovered
	Journal          *JournalSummary `json:"journal,omitempty"`                    // the journal's figures, with a journal
	Snapshots        uint64          `json:"snapshots,omitempty"`                  // snapshots written
	SnapshotsSkipped uint64          `json:"snapshots_skipped,omitempty"`          // snapshots skipped while the writer was busy
	Digests          uint64          `json:"digest_checkpoints,omitempty"`         // digest checkpoints recorded (replay.Checkpoint)
	DigestsSkipped   uint64          `json:"digest_checkpoints_skipped,omitempty"` // skipped while the sink held every slot
}

// RiskSummary is what the risk guard did in a run, read off the output
// stream (see risk.Report).
type RiskSummary struct {
	Rejections     map[string]int64 `json:"rejections"`        // rejections by the guard, by reason
	Trips          []Trip           `json:"trips"`             // kill-switch trips, in order
	Clears         int              `json:"clears"`            // kill switches cleared
	BreakerChanges int              `json:"breaker_changes"`   // rate breaker state changes
	Runaway        *risk.Runaway    `json:"runaway,omitempty"` // how the named runaway account was stopped
	report         *risk.Report
}

// Trip is one kill-switch trip.
type Trip struct {
	Seq      uint64 `json:"seq"`
	TS       int64  `json:"ts"`
	Account  string `json:"account"` // "*" for all
	Symbol   string `json:"symbol"`  // symbol id, "*" for all
	Reason   string `json:"reason"`
	Measured int64  `json:"measured"`
	Limit    int64  `json:"limit"`
	WindowNS int64  `json:"window_ns"`
}

func newRiskSummary(r *risk.Report) *RiskSummary {
	s := &RiskSummary{Rejections: map[string]int64{}, Clears: len(r.Clears), BreakerChanges: len(r.Breakers), Runaway: r.Runaway, report: r}
	for reason, n := range r.Rejections {
		if n > 0 && event.Reason(reason) >= event.ReasonRiskBase {
			s.Rejections[event.Reason(reason).String()] = n
		}
	}
	scope := func(v uint32) string {
		if v == event.Any {
			return "*"
		}
		return fmt.Sprint(v)
	}
	s.Trips = []Trip{}
	for _, t := range r.Trips {
		s.Trips = append(s.Trips, Trip{Seq: t.Seq, TS: t.TS, Account: scope(t.Account), Symbol: scope(t.Symbol),
			Reason: t.Reason.String(), Measured: t.Measured, Limit: t.Limit, WindowNS: t.Window})
	}
	return s
}

// JournalSummary is what the journal did in a run.
type JournalSummary struct {
	Dir            string  `json:"dir"`
	Durability     string  `json:"durability"`
	LastSeq        uint64  `json:"last_seq"`         // last sequence journaled
	DurableSeq     uint64  `json:"durable_seq"`      // last sequence durable at the end (after the final commit)
	Msyncs         uint64  `json:"msyncs"`           // msync calls
	RecordsPerSync float64 `json:"records_per_sync"` // records made durable per sync round
}

// counts accumulates output statistics on the sink goroutine.
type counts struct {
	accepted, cancelled, trades, tradedQty, out int64
	prints, printedQty                          int64
	rejected                                    [256]int64
}

func (c *counts) add(o *event.Out) {
	c.out++
	switch o.Kind {
	case event.OutAccepted:
		c.accepted++
	case event.OutRejected:
		c.rejected[o.Reason]++
	case event.OutCancelled:
		c.cancelled++
	case event.OutTrade:
		c.trades++
		c.tradedQty += o.Qty
	case event.OutPrint:
		c.prints++
		c.printedQty += o.Qty
	}
}

func (c *counts) fill(s *Summary) {
	s.OrdersAccepted = c.accepted
	s.Cancelled = c.cancelled
	s.Trades = c.trades
	s.TradedQuantity = c.tradedQty
	s.Prints, s.PrintedQuantity = c.prints, c.printedQty
	s.EventsOut = c.out
	s.OrdersRejected = map[string]int64{}
	for r, n := range c.rejected {
		if n != 0 {
			s.OrdersRejected[event.Reason(r).String()] = n
			s.RejectedTotal += n
		}
	}
}

// WriteJSON writes s as indented JSON.
func (s *Summary) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("pipeline: summary: %w", err)
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// String renders s as the short table `engine run` prints at the end.
func (s *Summary) String() string {
	var b strings.Builder
	if rec := s.Recovery; rec != nil && rec.Report != nil && rec.Report.Created {
		fmt.Fprintf(&b, "journal created  %s\n", rec.Report.Dir)
	} else if rec != nil {
		fmt.Fprintf(&b, "recovered        snapshot at %d, %d events replayed; resumed from %d", rec.SnapshotSeq, rec.Replayed, rec.ResumedFrom)
		if rec.FeedSkipped > 0 {
			fmt.Fprintf(&b, " (%d feed events already journaled, skipped)", rec.FeedSkipped)
		}
		b.WriteString("\n")
		if rec.Report != nil && rec.Report.Cut != nil {
			fmt.Fprintf(&b, "journal cut      %s\n", rec.Report.Cut)
		}
		for _, sk := range rec.Skipped {
			fmt.Fprintf(&b, "snapshot skipped %s\n", sk)
		}
	}
	fmt.Fprintf(&b, "events in        %d (seq %d..%d)\n", s.EventsIn, s.FirstSeq, s.LastSeq)
	if s.Malformed > 0 {
		fmt.Fprintf(&b, "malformed        %d\n", s.Malformed)
	}
	if s.TSClamped > 0 {
		fmt.Fprintf(&b, "ts clamped       %d\n", s.TSClamped)
	}
	fmt.Fprintf(&b, "orders accepted  %d\n", s.OrdersAccepted)
	fmt.Fprintf(&b, "rejected         %d", s.RejectedTotal)
	reasons := make([]string, 0, len(s.OrdersRejected))
	for r := range s.OrdersRejected {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for i, r := range reasons {
		sep := ", "
		if i == 0 {
			sep = " ("
		}
		fmt.Fprintf(&b, "%s%s %d", sep, r, s.OrdersRejected[r])
	}
	if len(reasons) > 0 {
		b.WriteString(")")
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "cancelled        %d\n", s.Cancelled)
	fmt.Fprintf(&b, "trades           %d (quantity %d)\n", s.Trades, s.TradedQuantity)
	if s.Prints > 0 {
		fmt.Fprintf(&b, "prints           %d (quantity %d: trades the feed reported outside the book)\n", s.Prints, s.PrintedQuantity)
	}
	fmt.Fprintf(&b, "events out       %d\n", s.EventsOut)
	if rs := s.Risk; rs != nil {
		fmt.Fprintf(&b, "risk             %d rejections, %d trips, %d clears, %d breaker changes\n",
			rs.report.RiskRejections(), len(rs.Trips), rs.Clears, rs.BreakerChanges)
		if len(rs.Trips) > 0 || rs.BreakerChanges > 0 || rs.Runaway != nil {
			for _, line := range strings.Split(strings.TrimRight(rs.report.String(), "\n"), "\n")[1:] {
				if line = strings.TrimSpace(line); !strings.HasPrefix(line, "rejected ") { // those are above
					fmt.Fprintf(&b, "                 %s\n", line)
				}
			}
		}
	}
	fmt.Fprintf(&b, "output digest    %s\n", s.OutputDigest)
	if s.OutputDigestSinceRestart != "" {
		fmt.Fprintf(&b, "since restart    %s (the outputs of this run alone)\n", s.OutputDigestSinceRestart)
	}
	if jn := s.Journal; jn != nil {
		fmt.Fprintf(&b, "journal          %s, durability %s, last seq %d, %d msyncs (%.0f records/sync)\n",
			jn.Dir, jn.Durability, jn.LastSeq, jn.Msyncs, jn.RecordsPerSync)
	}
	if s.Snapshots > 0 || s.SnapshotsSkipped > 0 {
		fmt.Fprintf(&b, "snapshots        %d written, %d skipped (writer busy)\n", s.Snapshots, s.SnapshotsSkipped)
	}
	fmt.Fprintf(&b, "elapsed          %.3f s, %.0f events/s\n", float64(s.ElapsedNS)/1e9, s.EventsPerSec)
	return b.String()
}

// Tally counts outputs into a Summary the way a run's sink does, for a
// replay of a journal to report what it did with the same fields (the
// replay computes the output digest itself).
type Tally struct {
	c      counts
	report *risk.Report
	sum    Summary
}

// NewTally returns an empty tally; guard says the risk guard was on (the
// summary then has its risk part).
func NewTally(guard bool) *Tally {
	t := &Tally{}
	if guard {
		t.report = risk.NewReport(event.Any, 0)
	}
	return t
}

// Add counts one input and the outputs it was answered with.
func (t *Tally) Add(in *event.In, outs []event.Out) {
	if t.sum.EventsIn == 0 {
		t.sum.FirstSeq = in.Seq
	}
	t.sum.EventsIn++
	t.sum.LastSeq = in.Seq
	for i := range outs {
		t.c.add(&outs[i])
		if t.report != nil {
			t.report.Add(&outs[i])
		}
	}
}

// Summary returns the summary of what was added, with the output digest
// given; elapsed is the wall time it took.
func (t *Tally) Summary(digest string, elapsed time.Duration) Summary {
	s := t.sum
	t.c.fill(&s)
	s.OutputDigest = digest
	s.ElapsedNS = elapsed.Nanoseconds()
	if s.ElapsedNS > 0 {
		s.EventsPerSec = float64(s.EventsIn) / elapsed.Seconds()
	}
	if t.report != nil {
		s.Risk = newRiskSummary(t.report)
	}
	return s
}
