package admin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tradeengine/engine/event"
)

// result is the answer to one command: a JSON object (the struct itself,
// with its json tags) and a plain-text rendering of the same fields.
type result interface {
	text(w *textWriter)
}

// textWriter collects the lines of a plain-text answer.
type textWriter struct{ b bytes.Buffer }

// line adds one line. Line feeds inside it are replaced by spaces, so that
// no answer holds the empty line that ends it.
func (w *textWriter) line(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
	if s == "" {
		s = " "
	}
	w.b.WriteString(s)
	w.b.WriteByte('\n')
}

// render appends the answer r, in JSON or text, and the empty line that
// ends it, to dst.
func render(dst *bytes.Buffer, r result, asJSON bool) {
	if asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			b, _ = json.Marshal(errResult{Error: "encode answer: " + err.Error()})
		}
		dst.Write(b)
		dst.WriteString("\n\n")
		return
	}
	var w textWriter
	r.text(&w)
	dst.Write(w.b.Bytes())
	dst.WriteByte('\n')
}

// errResult is an error answer: "error: MSG", or "denied: MSG" for a
// refusal by role.
type errResult struct {
	Error  string `json:"error"`
	Denied bool   `json:"denied"`
	Seq    uint64 `json:"seq,omitempty"`    // the sequence the command got, when it got one
	Reason string `json:"reason,omitempty"` // the engine's rejection reason
}

func (r errResult) text(w *textWriter) {
	if r.Denied {
		w.line("denied: %s", r.Error)
		return
	}
	w.line("error: %s", r.Error)
}

// emptyResult is the answer to quit.
type emptyResult struct{}

func (emptyResult) text(*textWriter) {}

// helpResult lists the commands a role may use.
type helpResult struct {
	Role     string      `json:"role"`
	Commands []helpEntry `json:"commands"`
}

type helpEntry struct {
	Command string `json:"command"`
	Usage   string `json:"usage"`
	Role    string `json:"role"`
	Summary string `json:"summary"`
}

func (r helpResult) text(w *textWriter) {
	width := 0
	for _, c := range r.Commands {
		width = max(width, len(c.Usage))
	}
	for _, c := range r.Commands {
		w.line("%-*s  %s", width, c.Usage, c.Summary)
	}
	w.line("json COMMAND  the answer as one JSON object (role %s)", r.Role)
}

// helpFor returns the help of role.
func helpFor(role Role) helpResult {
	h := helpResult{Role: role.String(), Commands: []helpEntry{}}
	for v := VerbHelp; v < verbCount; v++ {
		if role.Allows(v) {
			i := verbs[v]
			h.Commands = append(h.Commands, helpEntry{Command: i.name, Usage: i.usage, Role: i.role.String(), Summary: i.summary})
		}
	}
	return h
}

// statusResult answers status.
type statusResult struct {
	Status statusJSON `json:"status"`
}

type statusJSON struct {
	Running     bool   `json:"running"`
	StartNS     int64  `json:"start_ns"`
	NowNS       int64  `json:"now_ns"`
	Paused      bool   `json:"paused"`
	PausedSince int64  `json:"paused_since,omitempty"`
	PausedAt    uint64 `json:"paused_at,omitempty"`
	LastSeq     uint64 `json:"last_seq"`
	AppliedSeq  uint64 `json:"applied_seq"`
	Waiting     uint64 `json:"waiting"` // events sequenced and not yet applied
	Journal     string `json:"journal"`
	Durability  string `json:"durability"`
	DurableSeq  uint64 `json:"durable_seq"`
	Trips       int64  `json:"trips"`
	PendingN    int    `json:"pending_n"`
}

func newStatus(s Stats) statusResult {
	st := statusJSON{
		Running: s.Running, StartNS: s.StartNS, NowNS: s.NowNS, Paused: s.Paused,
		LastSeq: s.LastSeq, AppliedSeq: s.AppliedSeq, Journal: s.Journal, Durability: s.Durability,
		DurableSeq: s.DurableSeq, Trips: s.Trips, PendingN: s.PendingN,
	}
	if s.LastSeq > s.AppliedSeq {
		st.Waiting = s.LastSeq - s.AppliedSeq
	}
	if s.Paused {
		st.PausedSince, st.PausedAt = s.PausedSince, s.PausedAt
	}
	return statusResult{Status: st}
}

func (r statusResult) text(w *textWriter) {
	s := r.Status
	w.line("running: %s", yesNo(s.Running))
	if s.StartNS != 0 {
		w.line("started: %s (up %s)", wallTime(s.StartNS), dur(s.NowNS-s.StartNS))
	}
	if s.Paused {
		w.line("paused: yes, since %s (%s ago), at seq %d", wallTime(s.PausedSince), dur(s.NowNS-s.PausedSince), s.PausedAt)
	} else {
		w.line("paused: no")
	}
	w.line("last seq: %d", s.LastSeq)
	w.line("applied seq: %d", s.AppliedSeq)
	w.line("waiting: %d events", s.Waiting)
	if s.Journal != "" {
		w.line("journal: %s (durability %s, durable seq %d)", s.Journal, s.Durability, s.DurableSeq)
	} else {
		w.line("journal: none")
	}
	w.line("kill-switch trips: %d", s.Trips)
	w.line("held for approval: %d", s.PendingN)
}

// statsResult answers stats.
type statsResult struct {
	Stats Stats `json:"stats"`
	Rates Rates `json:"rates"`
}

func (r statsResult) text(w *textWriter) {
	s, q := r.Stats, r.Rates
	last := dur(q.IntervalNS)
	w.line("events in: %d (%.0f/s last %s, %.0f/s since start)", s.EventsIn, q.InPerSec, last, q.InPerSecSinceStart)
	w.line("events journaled: %d", s.EventsJournal)
	w.line("events applied: %d (%.0f/s last %s, %.0f/s since start)", s.EventsApplied, q.AppliedPerSec, last, q.AppliedPerSecSinceStart)
	w.line("events out: %d (%.0f/s last %s, %.0f/s since start)", s.EventsOut, q.OutPerSec, last, q.OutPerSecSinceStart)
	w.line("malformed: %d", s.Malformed)
	w.line("seq: last %d, applied %d, durable %d", s.LastSeq, s.AppliedSeq, s.DurableSeq)
	for _, g := range s.Rings {
		w.line("ring %s %s: %d/%d used, lag %d events %s", g.Ring, g.Consumer, g.Used, g.Size, g.LagN, dur(g.LagUS*1000))
	}
	w.line("latency since start: %s", percentiles(s.Latency))
	w.line("latency last interval: %s", percentiles(s.LatencyInterval))
}

func percentiles(p Percentiles) string {
	if p.Count == 0 {
		return "no events"
	}
	return fmt.Sprintf("%d events, p50 %s p90 %s p99 %s p99.9 %s p99.99 %s max %s",
		p.Count, dur(p.P50), dur(p.P90), dur(p.P99), dur(p.P999), dur(p.P9999), dur(p.Max))
}

// Rates are event rates per second derived from two [Stats] samples.
type Rates struct {
	// IntervalNS is the time between the two samples the interval rates
	// are over (about a second; since start when there was no earlier
	// sample).
	IntervalNS              int64   `json:"interval_ns"`
	InPerSec                float64 `json:"in_per_sec"`
	AppliedPerSec           float64 `json:"applied_per_sec"`
	OutPerSec               float64 `json:"out_per_sec"`
	InPerSecSinceStart      float64 `json:"in_per_sec_since_start"`
	AppliedPerSecSinceStart float64 `json:"applied_per_sec_since_start"`
	OutPerSecSinceStart     float64 `json:"out_per_sec_since_start"`
}

// RatesBetween returns the rates from sample prev to sample cur, and since
// cur.StartNS. A prev of a different run, or none (the zero Stats), makes
// the interval rates those since start.
func RatesBetween(prev, cur Stats) Rates {
	perSec := func(n, ns int64) float64 {
		if ns <= 0 {
			return 0
		}
		return float64(n) * 1e9 / float64(ns)
	}
	var r Rates
	up := cur.NowNS - cur.StartNS
	r.InPerSecSinceStart = perSec(cur.EventsIn, up)
	r.AppliedPerSecSinceStart = perSec(cur.EventsApplied, up)
	r.OutPerSecSinceStart = perSec(cur.EventsOut, up)
	if prev.NowNS == 0 || prev.StartNS != cur.StartNS || prev.NowNS >= cur.NowNS {
		r.IntervalNS = up
		r.InPerSec, r.AppliedPerSec, r.OutPerSec = r.InPerSecSinceStart, r.AppliedPerSecSinceStart, r.OutPerSecSinceStart
		return r
	}
	r.IntervalNS = cur.NowNS - prev.NowNS
	r.InPerSec = perSec(cur.EventsIn-prev.EventsIn, r.IntervalNS)
	r.AppliedPerSec = perSec(cur.EventsApplied-prev.EventsApplied, r.IntervalNS)
	r.OutPerSec = perSec(cur.EventsOut-prev.EventsOut, r.IntervalNS)
	return r
}

// opResult answers a command handed to the engine as an Op.
type opResult struct {
	Command   string `json:"command"`
	Seq       uint64 `json:"seq"`
	NOut      int    `json:"n_out"`               // outputs that answered it
	Effect    string `json:"effect"`              // what it did, in words
	Cancelled int64  `json:"cancelled,omitempty"` // kill ... cancel: orders cancelled
}

func (r opResult) text(w *textWriter) {
	w.line("%s: seq %d, %s", r.Command, r.Seq, r.Effect)
}

// snapshotResult answers snapshot.
type snapshotResult struct {
	Seq  uint64 `json:"seq"`
	Path string `json:"path"`
}

func (r snapshotResult) text(w *textWriter) { w.line("snapshot: seq %d, %s", r.Seq, r.Path) }

// shutdownResult answers shutdown.
type shutdownResult struct {
	Shutdown bool `json:"shutdown"`
}

func (shutdownResult) text(w *textWriter) { w.line("shutdown: the engine is stopping") }

// bookResult answers book.
type bookResult struct {
	Seq  uint64   `json:"seq"`
	Book jsonBook `json:"book"`
}

func (r bookResult) text(w *textWriter) {
	b := r.Book
	halted := ""
	if b.Halted {
		halted = ", halted"
	}
	w.line("book %s (id %d) at seq %d%s", b.Symbol, b.SymbolID, r.Seq, halted)
	if len(b.Bids)+len(b.Asks) == 0 {
		w.line("empty")
		return
	}
	for i := len(b.Asks) - 1; i >= 0; i-- {
		l := b.Asks[i]
		w.line("ask %12d %12d  %d %s", l.Price, l.Qty, l.Orders, plural(l.Orders, "order"))
	}
	for _, l := range b.Bids {
		w.line("bid %12d %12d  %d %s", l.Price, l.Qty, l.Orders, plural(l.Orders, "order"))
	}
}

// ordersResult answers orders.
type ordersResult struct {
	Seq       uint64       `json:"seq"`
	AccountID uint32       `json:"account_id"`
	Account   *jsonAccount `json:"account"` // null when the risk guard never saw it
	Orders    []jsonOrder  `json:"orders"`
}

func (r ordersResult) text(w *textWriter) {
	w.line("account %d at seq %d: %d open %s", r.AccountID, r.Seq, len(r.Orders), plural(len(r.Orders), "order"))
	if a := r.Account; a != nil {
		killed := "no"
		if a.Killed {
			killed = "yes (" + a.KilledBy + ")"
		}
		w.line("killed: %s, breaker %s, parents %s", killed, a.Breaker, yesNo(a.Parents))
		w.line("credit used: %d (USD %d), pnl: %d (USD %d)", a.Credit, a.CreditUSD, a.PnL, a.PnLUSD)
	}
	for _, o := range r.Orders {
		w.line("order %d %s %s %s %d @ %d stp %s", o.ID, symOrID(o.Symbol, o.SymbolID), o.Side, o.Type, o.Qty, o.Price, o.STP)
	}
}

// guardsResult answers guards.
type guardsResult struct {
	Seq    uint64      `json:"seq"`
	Guards []jsonGuard `json:"guards"`
}

func (r guardsResult) text(w *textWriter) {
	w.line("guards at seq %d: %d", r.Seq, len(r.Guards))
	for _, g := range r.Guards {
		var b strings.Builder
		b.WriteString(g.Kind + " " + scopeText(g.Account, g.Symbol))
		if g.Metric != "" {
			b.WriteString(" " + g.Metric)
		}
		if g.WindowNS != 0 {
			b.WriteString(" window " + dur(g.WindowNS))
		}
		b.WriteString(": " + g.State)
		if g.Metric != "" {
			fmt.Fprintf(&b, " %d", g.Figure)
			if g.Limit != 0 {
				fmt.Fprintf(&b, "/%d", g.Limit)
			}
		}
		if g.Reason != "" {
			b.WriteString(" (" + g.Reason + ")")
		}
		w.line("%s", b.String())
	}
}

// limitsResult answers limits.
type limitsResult struct {
	Seq    uint64      `json:"seq"`
	Limits []jsonLimit `json:"limits"`
}

func (r limitsResult) text(w *textWriter) {
	w.line("limits at seq %d: %d", r.Seq, len(r.Limits))
	for _, l := range r.Limits {
		sc := scopeText(l.Account, l.Symbol)
		switch {
		case l.Global:
			sc = "global"
		case sc == "all":
			sc = "default"
		}
		w.line("%s %s = %d", l.Key, sc, l.Value)
	}
}

// pendingResult answers pending.
type pendingResult struct {
	Seq     uint64     `json:"seq"`
	Pending []jsonHeld `json:"pending"`
}

func (r pendingResult) text(w *textWriter) {
	w.line("held for approval at seq %d: %d", r.Seq, len(r.Pending))
	for _, h := range r.Pending {
		o := h.Order
		deadline := "none"
		if h.DeadlineNS != 0 {
			deadline = wallTime(h.DeadlineNS)
		}
		w.line("pending %d: account %d %s %s %s %d @ %d id %d (%s), since %s, deadline %s",
			h.PendingID, o.Account, symOrID(o.Symbol, o.SymbolID), o.Side, o.Type, o.Qty, o.Price, o.ID, h.Reason, wallTime(h.SinceNS), deadline)
	}
}

// scopeText writes a scope: "all", "account 7", "symbol AAPL", "account 7
// symbol AAPL".
func scopeText(account *uint32, symbol string) string {
	switch {
	case account == nil && symbol == "":
		return "all"
	case symbol == "":
		return "account " + strconv.FormatUint(uint64(*account), 10)
	case account == nil:
		return "symbol " + symbol
	}
	return "account " + strconv.FormatUint(uint64(*account), 10) + " symbol " + symbol
}

func symOrID(name string, id uint32) string {
	if name != "" {
		return name
	}
	return "#" + strconv.FormatUint(uint64(id), 10)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return s + "s"
}

// dur writes a nanosecond count as a duration.
func dur(ns int64) string { return time.Duration(ns).String() }

// wallTime writes a wall-clock time in ns since the epoch, UTC.
func wallTime(ns int64) string {
	return time.Unix(0, ns).UTC().Format("2006-01-02T15:04:05.000000Z")
}

// cancelledBy returns the number of orders an applied op cancelled: the
// Qty of its last output when that closes a mass cancel, else its count of
// OutCancelled outputs.
func cancelledBy(app Applied) int64 {
	if app.Last.Kind == event.OutMassCancelled {
		return app.Last.Qty
	}
	return int64(app.Cancelled)
}
