package audit

import (
	"bufio"
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteText writes r for people: a header, then each section as an aligned
// table. Event times are UTC clock times; the date is in the header (and in
// front of a time on another day).
func (r *Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 8, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	date := r.Date
	p("engine audit %s (times UTC)\n", orDash(date))
	for _, l := range overflowLines(r) {
		p("note: %s\n", l)
	}

	p("\nINTEGRITY\n")
	for _, kv := range integrityLines(date, &r.Integrity) {
		p("%s\t%s\n", kv[0], kv[1])
	}

	p("\nTOTALS\n")
	for _, kv := range totalLines(date, &r.Totals) {
		p("%s\t%s\n", kv[0], kv[1])
	}

	p("\nACCOUNTS (%d)\n", len(r.Accounts))
	if len(r.Accounts) == 0 {
		p("(none)\n")
	} else {
		p("account\torders\ttaker fills\tmaker fills\tcancels\ttraded qty\ttraded notional\tkill trips\tbreaker opens\trejects\tby reason\n")
		for i := range r.Accounts {
			a := &r.Accounts[i]
			p("%d\t%d\t%d\t%d\t%d\t%d\t%s\t%d\t%d\t%d\t%s\n", a.ID, a.Orders, a.TakerFills, a.MakerFills, a.Cancels,
				a.TradedQuantity, a.TradedNotional, a.KillTrips, a.BreakerOpens, a.Rejects, reasons(a.RejectsByReason))
		}
	}

	p("\nPOSITIONS (final, lots: bought minus sold)\n")
	n := 0
	for i := range r.Accounts {
		for _, ps := range r.Accounts[i].Positions {
			if n == 0 {
				p("account\tsymbol\tname\tposition\n")
			}
			n++
			p("%d\t%d\t%s\t%+d\n", r.Accounts[i].ID, ps.Symbol, orDash(ps.Name), ps.Qty)
		}
	}
	if n == 0 {
		p("(none)\n")
	}

	p("\nSYMBOLS (%d)\n", len(r.Symbols))
	if len(r.Symbols) == 0 {
		p("(none)\n")
	} else {
		p("symbol\tname\torders\ttrades\ttraded qty\ttraded notional\tvwap\tfirst price\tlast price\trejects\tcancels\thalts\n")
		for i := range r.Symbols {
			s := &r.Symbols[i]
			p("%d\t%s\t%d\t%d\t%d\t%s\t%s\t%d\t%d\t%d\t%d\t%d\n", s.ID, orDash(s.Name), s.Orders, s.Trades,
				s.TradedQuantity, s.TradedNotional, vwap(s), s.FirstPrice, s.LastPrice, s.Rejects, s.Cancels, s.Halts)
		}
	}

	p("\nOPERATOR COMMANDS (%d)\n", r.Totals.Operators)
	if len(r.Operators) == 0 {
		p("(none)\n")
	} else {
		p("seq\ttime\tuid\tgid\tpid\tkind\tcommand\tdid\n")
		for _, o := range r.Operators {
			p("%d\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", o.Seq, clock(date, o.TS), o.UID, o.GID, o.PID, o.Kind,
				oneLine(o.Text), o.Effect)
		}
	}
	if r.Overflow.Operators > 0 {
		p("(%d more not shown)\n", r.Overflow.Operators)
	}

	p("\nTIMELINE (kill switch, breaker, pause: %d)\n", len(r.Timeline)+int(r.Overflow.Timeline))
	if len(r.Timeline) == 0 {
		p("(none)\n")
	} else {
		p("seq\ttime\tevent\taccount\tsymbol\treason\tfigures\n")
		for i := range r.Timeline {
			m := &r.Timeline[i]
			p("%d\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Seq, clock(date, m.TS), m.Event, orDash(m.Account), symbolCell(m),
				orDash(m.Reason), figures(date, m))
		}
	}
	if r.Overflow.Timeline > 0 {
		p("(%d more not shown)\n", r.Overflow.Timeline)
	}

	if err := tw.Flush(); err != nil {
		return fmt.Errorf("audit: text: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("audit: text: %w", err)
	}
	return nil
}
