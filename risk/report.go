package risk

import (
	"fmt"
	"strings"

	"github.com/tradeengine/engine/event"
)

// Report sums up an output stream from the guard's point of view: every
// kill-switch trip and clear, every breaker change, the rejections by
// reason and, when a runaway account is named, how fast it was stopped. Feed
// it every output in order with [Report.Add]; it reads only the outputs, so
// it works as well on a live stream as on a journal replay.
type Report struct {
	Outputs    int64
	Trades     int64
	Held       int64      // OutHeld: orders held for approval
	Rejections [256]int64 // OutRejected by reason
	Trips      []Trip     // OutKill, in order
	Clears     []Trip     // OutClear, in order (Reason, Measured and Limit are zero)
	Breakers   []Trip     // OutBreaker, in order (Measured is the breaches counted, Window the time the state ends)
	Runaway    *Runaway   // nil unless NewReport named one
}

// Trip is one kill-switch (or breaker) event of a Report.
type Trip struct {
	Seq             uint64
	TS              int64
	Account, Symbol uint32 // event.Any for all
	Reason          event.Reason
	Measured, Limit int64 // OutKill's Qty and Price
	Window          int64 // OutKill's Other: the window, ns
}

// Runaway measures how a runaway account was stopped: from its first order
// at or after Start (the event time the runaway began) to the first trip of
// a kill switch that stops it (its account's or the whole engine's).
type Runaway struct {
	Account uint32
	Start   int64

	FirstSeq   uint64 // its first order (accepted or rejected) at or after Start; 0: none yet
	FirstTS    int64
	Killed     bool
	KillSeq    uint64
	KillTS     int64
	KillReason event.Reason
	// TimeToKill is KillTS - FirstTS, event time.
	TimeToKill int64
	// Leaked counts the executions of the account (as taker or maker) from
	// its first runaway order until the kill, the kill's own input
	// included; LeakedQty their quantity.
	Leaked, LeakedQty int64
	// AfterKill counts its executions after the kill (0 when the trip
	// cancelled its resting orders).
	AfterKill int64
}

// NewReport returns an empty report; with runaway set (not event.Any) it
// also measures how that account, running away from event time start, was
// stopped.
func NewReport(runaway uint32, start int64) *Report {
	r := &Report{}
	if runaway != event.Any {
		r.Runaway = &Runaway{Account: runaway, Start: start}
	}
	return r
}

// Add counts one output.
func (r *Report) Add(o *event.Out) {
	r.Outputs++
	t := Trip{Seq: o.Seq, TS: o.TS, Account: o.Account, Symbol: o.Symbol, Reason: o.Reason}
	switch o.Kind {
	case event.OutTrade:
		r.Trades++
	case event.OutHeld:
		r.Held++
	case event.OutRejected:
		r.Rejections[o.Reason]++
	case event.OutKill:
		t.Measured, t.Limit, t.Window = o.Qty, o.Price, int64(o.Other)
		r.Trips = append(r.Trips, t)
	case event.OutClear:
		r.Clears = append(r.Clears, t)
	case event.OutBreaker:
		t.Measured, t.Window = o.Qty, int64(o.Other)
		r.Breakers = append(r.Breakers, t)
	}
	if ra := r.Runaway; ra != nil {
		ra.add(o)
	}
}

func (ra *Runaway) add(o *event.Out) {
	if ra.FirstSeq == 0 {
		if o.TS >= ra.Start && o.Account == ra.Account && (o.Kind == event.OutAccepted || o.Kind == event.OutRejected) {
			ra.FirstSeq, ra.FirstTS = o.Seq, o.TS
		} else {
			return
		}
	}
	switch o.Kind {
	case event.OutTrade:
		if o.Account != ra.Account && o.OtherAccount != ra.Account {
			return
		}
		if ra.Killed {
			ra.AfterKill++
			return
		}
		ra.Leaked++
		ra.LeakedQty += o.Qty
	case event.OutKill:
		if ra.Killed || o.Symbol != event.Any || (o.Account != ra.Account && o.Account != event.Any) {
			return
		}
		ra.Killed, ra.KillSeq, ra.KillTS, ra.KillReason = true, o.Seq, o.TS, o.Reason
		ra.TimeToKill = o.TS - ra.FirstTS
	}
}

// RiskRejections returns the number of rejections with a risk reason.
func (r *Report) RiskRejections() int64 {
	var n int64
	for reason := event.ReasonRiskBase; reason < event.ReasonOperator; reason++ {
		n += r.Rejections[reason]
	}
	return n
}

// String formats the report for people: the counts, each trip with its
// figures, and the runaway's figures.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "outputs %d, trades %d, risk rejections %d, trips %d, clears %d, breaker changes %d\n",
		r.Outputs, r.Trades, r.RiskRejections(), len(r.Trips), len(r.Clears), len(r.Breakers))
	if r.Held > 0 {
		fmt.Fprintf(&b, "  held for approval %d\n", r.Held)
	}
	for reason, n := range r.Rejections {
		if n > 0 {
			fmt.Fprintf(&b, "  rejected %-20s %d\n", event.Reason(reason), n)
		}
	}
	for _, t := range r.Trips {
		fmt.Fprintf(&b, "  kill  seq %d ts %d %s %s: measured %d, limit %d, window %s\n",
			t.Seq, t.TS, scopeName(t.Account, t.Symbol), t.Reason, t.Measured, t.Limit, durationName(t.Window))
	}
	for _, t := range r.Clears {
		fmt.Fprintf(&b, "  clear seq %d ts %d %s\n", t.Seq, t.TS, scopeName(t.Account, t.Symbol))
	}
	for _, t := range r.Breakers {
		fmt.Fprintf(&b, "  breaker seq %d ts %d %s %s after %d breaches\n", t.Seq, t.TS, scopeName(t.Account, event.Any), t.Reason, t.Measured)
	}
	if ra := r.Runaway; ra != nil {
		switch {
		case ra.FirstSeq == 0:
			fmt.Fprintf(&b, "runaway account %d: no order at or after ts %d\n", ra.Account, ra.Start)
		case !ra.Killed:
			fmt.Fprintf(&b, "runaway account %d: first order seq %d, NOT stopped; %d executions (%d lots) since\n",
				ra.Account, ra.FirstSeq, ra.Leaked, ra.LeakedQty)
		default:
			fmt.Fprintf(&b, "runaway account %d: first order seq %d, killed at seq %d by %s after %s of event time; %d executions (%d lots) leaked before the kill, %d after\n",
				ra.Account, ra.FirstSeq, ra.KillSeq, ra.KillReason, durationName(ra.TimeToKill), ra.Leaked, ra.LeakedQty, ra.AfterKill)
		}
	}
	return b.String()
}

// scopeName names a kill-switch scope.
func scopeName(account, symbol uint32) string {
	switch {
	case account == event.Any && symbol == event.Any:
		return "all"
	case symbol == event.Any:
		return fmt.Sprintf("account %d", account)
	case account == event.Any:
		return fmt.Sprintf("symbol %d", symbol)
	}
	return fmt.Sprintf("account %d symbol %d", account, symbol)
}

// durationName writes ns as a short duration (integer math: 1.5ms is
// "1.500ms").
func durationName(ns int64) string {
	switch {
	case ns == 0:
		return "0"
	case ns%1e9 == 0:
		return fmt.Sprintf("%ds", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%d.%03dms", ns/1e6, ns%1e6/1e3)
	}
	return fmt.Sprintf("%dns", ns)
}
