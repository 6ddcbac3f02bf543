package audit

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tradeengine/engine/event"
)

// clockLayout is how the text and HTML forms show an event time.
const clockLayout = "15:04:05.000000000"

// clock shows event time ts as a UTC clock time, with its date in front
// when that is not date (the report's).
func clock(date string, ts int64) string {
	t := time.Unix(0, ts).UTC()
	if d := t.Format(time.DateOnly); d != date {
		return d + " " + t.Format(clockLayout)
	}
	return t.Format(clockLayout)
}

// reasons shows counts by reason as "bad_qty 1, killed 2", by name.
func reasons(m map[string]int64) string {
	if len(m) == 0 {
		return "-"
	}
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", k, m[k])
	}
	return b.String()
}

// figures shows a timeline event's figures for people.
func figures(date string, m *Mark) string {
	if m.Qty == 0 && m.Price == 0 && m.Other == 0 {
		return "-"
	}
	switch m.Event {
	case event.OutKill.String():
		s := fmt.Sprintf("measured %d limit %d", m.Qty, m.Price)
		if m.Other != 0 {
			s += " window " + time.Duration(m.Other).String()
		}
		return s
	case event.OutBreaker.String():
		s := fmt.Sprintf("breaches %d", m.Qty)
		if m.Other != 0 {
			s += " until " + clock(date, m.Other)
		}
		return s
	}
	return "-"
}

// orDash shows "" as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// symbolCell shows a timeline scope's symbol: "*", "3 AAPL", "-".
func symbolCell(m *Mark) string {
	if m.SymbolName != "" {
		return m.Symbol + " " + m.SymbolName
	}
	return orDash(m.Symbol)
}

// oneLine makes typed text safe for a table cell: control characters
// (tabs, newlines) become spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// vwap shows a VWAP in ticks, "-" without trades.
func vwap(s *Symbol) string {
	if s.TradedQuantity == 0 {
		return "-"
	}
	return fmt.Sprintf("%.4f", s.VWAP)
}

// span shows a sequence and time range.
func span(date string, firstSeq, lastSeq uint64, firstTS, lastTS int64) string {
	return fmt.Sprintf("seq %d..%d, %s .. %s", firstSeq, lastSeq, clock(date, firstTS), clock(date, lastTS))
}

// integrityLines are the integrity section as (name, value) pairs, for the
// text and HTML forms.
func integrityLines(date string, in *Integrity) [][2]string {
	verify := "verified"
	if !in.Verified {
		verify = "NOT VERIFIED: " + orDash(in.VerifyError)
	}
	div := in.FirstDivergence
	if div == "" {
		div = "none"
	}
	rng := "none"
	if in.FirstSeq != 0 || in.LastSeq != 0 {
		rng = span(date, in.FirstSeq, in.LastSeq, in.FirstTS, in.LastTS)
	}
	return [][2]string{
		{"journal", verify},
		{"range", rng},
		{"checkpoints", fmt.Sprintf("%d of %d matched", in.CheckpointsMatched, in.Checkpoints)},
		{"first divergence", div},
	}
}

// totalLines are the totals section as (name, value) pairs.
func totalLines(date string, t *Totals) [][2]string {
	rej := fmt.Sprint(t.RejectedTotal)
	if t.RejectedTotal > 0 {
		rej += " (" + reasons(t.OrdersRejected) + ")"
	}
	run := "no events"
	if t.Inputs > 0 {
		run = span(date, t.FirstSeq, t.LastSeq, t.FirstTS, t.LastTS)
	}
	return [][2]string{
		{"inputs", fmt.Sprintf("%d (%s)", t.Inputs, run)},
		{"orders accepted", fmt.Sprint(t.OrdersAccepted)},
		{"rejected", rej},
		{"cancelled", fmt.Sprint(t.Cancelled)},
		{"trades", fmt.Sprint(t.Trades)},
		{"traded quantity", fmt.Sprintf("%d lots", t.TradedQuantity)},
		{"traded notional", t.TradedNotional.String() + " ticks*lots"},
		{"events out", fmt.Sprint(t.EventsOut)},
		{"operator commands", fmt.Sprint(t.Operators)},
		{"kill switch", plural(t.KillTrips, "trip") + ", " + plural(t.KillClears, "clear")},
		{"breaker changes", fmt.Sprint(t.BreakerChanges)},
		{"pause events", fmt.Sprint(t.Pauses)},
		{"halts", fmt.Sprint(t.Halts)},
	}
}

// overflowLines say what the limits kept out, one line each; none when
// nothing was.
func overflowLines(r *Report) []string {
	o, l := &r.Overflow, &r.Limits
	var s []string
	add := func(n int64, format string, args ...any) {
		if n > 0 {
			s = append(s, fmt.Sprintf(format, args...))
		}
	}
	add(o.Accounts, "%d outputs of accounts beyond the first %d not counted per account", o.Accounts, l.Accounts)
	add(o.Symbols, "%d outputs of symbols beyond the first %d not counted per symbol", o.Symbols, l.Symbols)
	add(o.Positions, "%d trade sides not added to a position (%d positions held)", o.Positions, l.Pairs)
	add(o.AccountRejects, "%d rejects not counted by reason for their account (%d pairs held)", o.AccountRejects, l.Pairs)
	add(o.Operators, "%d more operator commands not shown", o.Operators)
	add(o.Timeline, "%d more timeline events not shown", o.Timeline)
	return s
}
