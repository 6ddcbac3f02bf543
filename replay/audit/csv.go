package audit

import (
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"
)

// WriteCSV writes r as CSV for tools: one table per section, each opened
// by a header row whose first field is "section" and whose other fields
// name the columns, each data row starting with its section's name. The
// sections differ in width: read with csv.Reader.FieldsPerRecord = -1. The
// sections are totals, rejects, accounts, account_rejects, positions,
// symbols, operators, timeline, series, integrity and overflow. Times are
// ns since the epoch (ts), with the UTC time beside them (time, RFC 3339).
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	i64 := func(v int64) string { return strconv.FormatInt(v, 10) }
	u64 := func(v uint64) string { return strconv.FormatUint(v, 10) }
	u32 := func(v uint32) string { return strconv.FormatUint(uint64(v), 10) }
	utc := func(ts int64) string { return time.Unix(0, ts).UTC().Format(time.RFC3339Nano) }
	row := func(f ...string) { _ = cw.Write(f) } // csv.Writer keeps the first error for Error
	pairs := func(section string, kv [][2]string) {
		row("section", "name", "value")
		for _, p := range kv {
			row(section, p[0], p[1])
		}
	}

	t := &r.Totals
	pairs("totals", [][2]string{
		{"date", r.Date},
		{"inputs", i64(t.Inputs)}, {"first_seq", u64(t.FirstSeq)}, {"last_seq", u64(t.LastSeq)},
		{"first_ts", i64(t.FirstTS)}, {"last_ts", i64(t.LastTS)},
		{"orders_accepted", i64(t.OrdersAccepted)}, {"rejected_total", i64(t.RejectedTotal)},
		{"cancelled", i64(t.Cancelled)}, {"trades", i64(t.Trades)}, {"traded_quantity", i64(t.TradedQuantity)},
		{"traded_notional", t.TradedNotional.String()}, {"events_out", i64(t.EventsOut)},
		{"operator_commands", i64(t.Operators)}, {"kill_trips", i64(t.KillTrips)}, {"kill_clears", i64(t.KillClears)},
		{"breaker_changes", i64(t.BreakerChanges)}, {"pause_events", i64(t.Pauses)}, {"halts", i64(t.Halts)},
	})

	row("section", "reason", "count")
	for _, k := range slices.Sorted(maps.Keys(t.OrdersRejected)) {
		row("rejects", k, i64(t.OrdersRejected[k]))
	}

	row("section", "account", "orders", "taker_fills", "maker_fills", "rejects", "cancels",
		"traded_quantity", "traded_notional", "kill_trips", "breaker_opens")
	for i := range r.Accounts {
		a := &r.Accounts[i]
		row("accounts", u32(a.ID), i64(a.Orders), i64(a.TakerFills), i64(a.MakerFills), i64(a.Rejects), i64(a.Cancels),
			i64(a.TradedQuantity), a.TradedNotional.String(), i64(a.KillTrips), i64(a.BreakerOpens))
	}
	row("section", "account", "reason", "count")
	for i := range r.Accounts {
		a := &r.Accounts[i]
		for _, k := range slices.Sorted(maps.Keys(a.RejectsByReason)) {
			row("account_rejects", u32(a.ID), k, i64(a.RejectsByReason[k]))
		}
	}
	row("section", "account", "symbol", "name", "position")
	for i := range r.Accounts {
		for _, p := range r.Accounts[i].Positions {
			row("positions", u32(r.Accounts[i].ID), u32(p.Symbol), p.Name, i64(p.Qty))
		}
	}

	row("section", "symbol", "name", "orders", "trades", "traded_quantity", "traded_notional", "vwap",
		"first_price", "last_price", "rejects", "cancels", "halts")
	for i := range r.Symbols {
		s := &r.Symbols[i]
		row("symbols", u32(s.ID), s.Name, i64(s.Orders), i64(s.Trades), i64(s.TradedQuantity), s.TradedNotional.String(),
			strconv.FormatFloat(s.VWAP, 'g', -1, 64), i64(s.FirstPrice), i64(s.LastPrice), i64(s.Rejects),
			i64(s.Cancels), i64(s.Halts))
	}

	row("section", "seq", "ts", "time", "uid", "gid", "pid", "kind", "text", "effect")
	for _, o := range r.Operators {
		row("operators", u64(o.Seq), i64(o.TS), utc(o.TS), u32(o.UID), u32(o.GID), i64(int64(o.PID)), o.Kind, o.Text, o.Effect)
	}

	row("section", "seq", "ts", "time", "event", "account", "symbol", "symbol_name", "reason", "qty", "price", "other")
	for _, m := range r.Timeline {
		row("timeline", u64(m.Seq), i64(m.TS), utc(m.TS), m.Event, m.Account, m.Symbol, m.SymbolName, m.Reason,
			i64(m.Qty), i64(m.Price), i64(m.Other))
	}

	s := &r.Series
	row("section", "bucket", "start_ts", "width_ns", "new_orders", "trades", "notional")
	for i := range s.NewOrders {
		row("series", strconv.Itoa(i), i64(s.StartTS+int64(i)*s.WidthNS), i64(s.WidthNS), i64(s.NewOrders[i]),
			i64(s.Trades[i]), s.Notional[i].String())
	}

	in := &r.Integrity
	pairs("integrity", [][2]string{
		{"verified", strconv.FormatBool(in.Verified)}, {"verify_error", in.VerifyError},
		{"first_seq", u64(in.FirstSeq)}, {"last_seq", u64(in.LastSeq)},
		{"first_ts", i64(in.FirstTS)}, {"last_ts", i64(in.LastTS)},
		{"checkpoints", strconv.Itoa(in.Checkpoints)}, {"checkpoints_matched", strconv.Itoa(in.CheckpointsMatched)},
		{"first_divergence", in.FirstDivergence},
	})

	o := &r.Overflow
	pairs("overflow", [][2]string{
		{"accounts", i64(o.Accounts)}, {"symbols", i64(o.Symbols)}, {"positions", i64(o.Positions)},
		{"account_rejects", i64(o.AccountRejects)}, {"operators", i64(o.Operators)}, {"timeline", i64(o.Timeline)},
	})

	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("audit: csv: %w", err)
	}
	return nil
}
