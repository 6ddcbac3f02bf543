package admin

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/tradeengine/engine/risk"
)

// `engine ctl top` is a live view of the engine in the spirit of top(1) and
// Aeron's AeronStat: one screen, redrawn every interval, made by [RenderTop]
// from two Stats samples and the answers of QueryGuards and QueryPending.
//
//	engine PAUSED for 4.50s at seq 9,000  up 10s  2023-11-14 22:13:30Z
//	seq 10,000  applied 9,950  durable 9,980  journal sync  trips 2
//	stage       total  rate/s over 1.00s
//	ingest     10,000   1,000
//	journal     9,990     990
//	...
//
// Rates are the difference of two samples over the time between them. A
// frame with no earlier sample (the first of a live view, or a zero prev)
// shows the averages since the engine started instead, and says so; so does
// a frame whose earlier sample is of another run. --once (TopOptions.Once)
// takes two samples an interval apart and prints one frame of interval
// rates.

// Most rows a list of the frame shows; the rest are counted in a
// "... N more" line.
const (
	topKillRows    = 6
	topGuardRows   = 8
	topPendingRows = 5
)

// topDefaultWidth is the width of a frame when none is given.
const topDefaultWidth = 80

// clearScreen moves the cursor home and clears the screen (ANSI).
const clearScreen = "\033[H\033[2J"

// RenderTop writes one frame of the live view to w: the engine's state,
// event rates between the stages from prev to cur, ring lag, latency
// percentiles, kill switches and guards (from guards, a QueryGuards answer)
// and the pending approvals (from pending, a QueryPending answer, oldest
// first). guards and pending may be nil when not known. Every line fits in
// width columns (0: 80); long lists end in "... N more". The frame depends
// only on the arguments.
func RenderTop(w io.Writer, prev, cur Stats, guards, pending *Answer, width int) error {
	if width <= 0 {
		width = topDefaultWidth
	}
	var b bytes.Buffer
	topHeader(&b, cur)
	topRates(&b, prev, cur)
	topRings(&b, cur.Rings)
	topLatency(&b, cur)
	topGuards(&b, guards)
	topPending(&b, cur, pending)

	var out bytes.Buffer
	for _, line := range strings.SplitAfter(b.String(), "\n") {
		if line == "" {
			continue
		}
		line = strings.TrimSuffix(line, "\n")
		out.WriteString(strings.TrimRight(truncateCols(line, width), " "))
		out.WriteByte('\n')
	}
	_, err := w.Write(out.Bytes())
	return err
}

func topHeader(b *bytes.Buffer, cur Stats) {
	state := "RUNNING"
	switch {
	case !cur.Running:
		state = "STOPPING"
	case cur.Paused:
		state = fmt.Sprintf("PAUSED for %s at seq %s", fmtSeconds(cur.NowNS-cur.PausedSince), group(int64(cur.PausedAt)))
	}
	fmt.Fprintf(b, "engine %s  up %s  %s\n", state,
		time.Duration(cur.NowNS-cur.StartNS).Round(time.Second),
		time.Unix(0, cur.NowNS).UTC().Format("2006-01-02 15:04:05Z"))
	journal := "none"
	if cur.Journal != "" {
		journal = cur.Durability
	}
	fmt.Fprintf(b, "seq %s  applied %s  durable %s  journal %s  trips %s\n",
		group(int64(cur.LastSeq)), group(int64(cur.AppliedSeq)), group(int64(cur.DurableSeq)), journal, group(cur.Trips))
}

// topRates writes each stage's total and its rate from prev to cur, or since
// the start when prev is not an earlier sample of the same run.
func topRates(b *bytes.Buffer, prev, cur Stats) {
	over := ""
	if prev.NowNS == 0 || prev.StartNS != cur.StartNS || prev.NowNS >= cur.NowNS {
		prev = Stats{NowNS: cur.StartNS}
		over = "since start"
	} else {
		over = "over " + fmtSeconds(cur.NowNS-prev.NowNS)
	}
	dt := cur.NowNS - prev.NowNS
	rate := func(p, c int64) string {
		if dt <= 0 {
			return "-"
		}
		return group(int64(float64(c-p)*1e9/float64(dt) + 0.5))
	}
	rows := [][]string{
		{"ingest", group(cur.EventsIn), rate(prev.EventsIn, cur.EventsIn)},
		{"journal", group(cur.EventsJournal), rate(prev.EventsJournal, cur.EventsJournal)},
		{"logic", group(cur.EventsApplied), rate(prev.EventsApplied, cur.EventsApplied)},
		{"output", group(cur.EventsOut), rate(prev.EventsOut, cur.EventsOut)},
		{"malformed", group(cur.Malformed), rate(prev.Malformed, cur.Malformed)},
	}
	table(b, []string{"stage", "total", "rate/s"}, rows, "lrr", " "+over)
}

func topRings(b *bytes.Buffer, rings []RingStats) {
	if len(rings) == 0 {
		b.WriteString("rings: none reported\n")
		return
	}
	rows := make([][]string, 0, len(rings))
	for _, r := range rings {
		rows = append(rows, []string{r.Ring, r.Consumer, group(r.LagN), group(r.LagUS),
			group(int64(r.Used)) + "/" + group(int64(r.Size))})
	}
	table(b, []string{"ring", "consumer", "lag", "lag µs", "used/size"}, rows, "llrrr", "")
}

func topLatency(b *bytes.Buffer, cur Stats) {
	row := func(name string, p Percentiles) []string {
		r := []string{name, group(p.Count)}
		for _, v := range [...]int64{p.P50, p.P90, p.P99, p.P999, p.P9999, p.Max} {
			if p.Count == 0 {
				r = append(r, "-")
			} else {
				r = append(r, fmtNS(v))
			}
		}
		return r
	}
	table(b, []string{"latency", "count", "p50", "p90", "p99", "p99.9", "p99.99", "max"},
		[][]string{row("start", cur.Latency), row("interval", cur.LatencyInterval)}, "lrrrrrrr", "")
}

// guardOK reports whether a guard's state lets orders through unhindered.
func guardOK(state string) bool {
	return state == "ok" || state == "closed" || state == "warmup"
}

// topGuards writes the kill switches and then the other guards, those not
// ok first.
func topGuards(b *bytes.Buffer, guards *Answer) {
	if guards == nil {
		b.WriteString("guards: not known\n")
		return
	}
	gs := slices.Clone(guards.Guards)
	slices.SortStableFunc(gs, func(x, y risk.GuardState) int {
		if ox, oy := guardOK(x.State), guardOK(y.State); ox != oy {
			if oy {
				return -1
			}
			return 1
		}
		return compareGuards(x, y)
	})
	var kills, others []risk.GuardState
	for _, g := range gs {
		if g.Kind == "kill" {
			kills = append(kills, g)
		} else {
			others = append(others, g)
		}
	}

	tripped := 0
	for _, g := range kills {
		if !guardOK(g.State) {
			tripped++
		}
	}
	fmt.Fprintf(b, "kill switches: %d tripped of %d\n", tripped, len(kills))
	var rows [][]string
	for _, g := range kills[:min(len(kills), topKillRows)] {
		rows = append(rows, []string{"", topState(g.State), scopeLabel(g.Account), scopeLabel(g.Symbol), topReason(g)})
	}
	if len(rows) > 0 {
		table(b, []string{"", "state", "account", "symbol", "reason"}, rows, "lllll", "")
	}
	more(b, len(kills)-topKillRows)

	notOK := len(others)
	for i, g := range others {
		if guardOK(g.State) {
			notOK = i
			break
		}
	}
	fmt.Fprintf(b, "guards: %d, %d not ok\n", len(others), notOK)
	rows = rows[:0]
	for _, g := range others[:min(len(others), topGuardRows)] {
		window := "-"
		if g.Window != 0 {
			window = time.Duration(g.Window).String()
		}
		figure := group(g.Figure)
		if g.Limit != 0 {
			figure += "/" + group(g.Limit)
		}
		metric := g.Metric
		if metric == "" {
			metric = "-"
		}
		rows = append(rows, []string{"", g.Kind, scopeLabel(g.Account), scopeLabel(g.Symbol), metric, window, topState(g.State), figure})
	}
	if len(rows) > 0 {
		table(b, []string{"", "kind", "acct", "sym", "metric", "window", "state", "now/limit"}, rows, "lllllllr", "")
	}
	more(b, len(others)-topGuardRows)
}

// topState is a guard's state, in capitals when it is not ok.
func topState(s string) string {
	if guardOK(s) {
		return s
	}
	return strings.ToUpper(s)
}

func topReason(g risk.GuardState) string {
	if g.Reason == 0 {
		return ""
	}
	return g.Reason.String()
}

// topPending writes the number of orders held for approval and the oldest
// few.
func topPending(b *bytes.Buffer, cur Stats, pending *Answer) {
	if pending == nil {
		fmt.Fprintf(b, "pending approvals: %d\n", cur.PendingN)
		return
	}
	held := pending.Pending
	fmt.Fprintf(b, "pending approvals: %d\n", len(held))
	var rows [][]string
	for _, h := range held[:min(len(held), topPendingRows)] {
		deadline := "none"
		if h.Deadline != 0 {
			deadline = "+" + fmtSeconds(h.Deadline-h.Since)
		}
		rows = append(rows, []string{"", strconv.FormatUint(h.PendingID, 10), scopeLabel(h.Order.Account), scopeLabel(h.Order.Symbol),
			h.Order.Side.String(), group(h.Order.Qty), group(h.Order.Price), h.Reason.String(), deadline})
	}
	if len(rows) > 0 {
		table(b, []string{"", "id", "account", "symbol", "side", "qty", "price", "reason", "deadline"}, rows, "lrlllrrlr", "")
	}
	more(b, len(held)-topPendingRows)
}

func more(b *bytes.Buffer, n int) {
	if n > 0 {
		fmt.Fprintf(b, "  ... %d more\n", n)
	}
}

// table writes a header and rows in columns as wide as their widest cell,
// aligned left or right as align says ('l' or 'r' per column), with two
// spaces between columns; note follows the header.
func table(b *bytes.Buffer, header []string, rows [][]string, align, note string) {
	widths := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	line := func(r []string, note string) {
		for i, c := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if align[i] == 'r' {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		b.WriteString(note)
		b.WriteByte('\n')
	}
	line(header, note)
	for _, r := range rows {
		line(r, "")
	}
}

// truncateCols cuts s to at most n runes.
func truncateCols(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// group writes v in decimal with commas between groups of three digits.
func group(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// fmtNS writes a latency in ns with three significant digits and a unit.
func fmtNS(ns int64) string {
	switch {
	case ns < 1_000:
		return strconv.FormatInt(ns, 10) + "ns"
	case ns < 1_000_000:
		return sig3(float64(ns)/1e3) + "µs"
	case ns < 1_000_000_000:
		return sig3(float64(ns)/1e6) + "ms"
	}
	return sig3(float64(ns)/1e9) + "s"
}

func sig3(v float64) string {
	switch {
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// fmtSeconds writes a span of ns in seconds with two decimals.
func fmtSeconds(ns int64) string {
	return strconv.FormatFloat(float64(ns)/1e9, 'f', 2, 64) + "s"
}

// TopOptions says how [Top] runs.
type TopOptions struct {
	// Interval is the time between frames (0: one second).
	Interval time.Duration
	// Once prints exactly one frame, of rates over one Interval.
	Once bool
	// Terminal redraws each frame in place (ANSI cursor home and clear);
	// otherwise frames follow each other, a blank line apart, with no
	// escape codes.
	Terminal bool
	// Frames is how many frames to print; 0 prints until ctx ends.
	Frames int
	// Width is the frame's width in columns (0: 80); see [TerminalWidth].
	Width int
}

// topSampleTimeout bounds one sample: an engine that does not answer within
// it ends Top.
const topSampleTimeout = 5 * time.Second

// Top shows the live view of src on w, one frame per Interval, until ctx
// ends (it then returns nil) or it has printed Frames frames. An error from
// src (the engine went away, or did not answer in time) ends it: Top prints
// a last line saying so and returns the error.
func Top(ctx context.Context, src StatsSource, w io.Writer, opt TopOptions) error {
	if opt.Interval <= 0 {
		opt.Interval = time.Second
	}
	frames := opt.Frames
	if opt.Once {
		frames = 1
	}
	fail := func(err error) error {
		if ctx.Err() != nil {
			return nil
		}
		fmt.Fprintf(w, "top: the engine did not answer: %v\n", err)
		return err
	}
	wait := func(c <-chan time.Time) bool {
		select {
		case <-ctx.Done():
			return false
		case <-c:
			return true
		}
	}

	var prev Stats
	if opt.Once {
		st, _, _, err := topSample(ctx, src, opt.Interval)
		if err != nil {
			return fail(err)
		}
		prev = st
		if !wait(time.After(opt.Interval)) {
			return nil
		}
	}
	tick := time.NewTicker(opt.Interval)
	defer tick.Stop()
	var buf bytes.Buffer
	for n := 0; frames == 0 || n < frames; n++ {
		if n > 0 && !wait(tick.C) {
			return nil
		}
		cur, guards, pending, err := topSample(ctx, src, opt.Interval)
		if err != nil {
			return fail(err)
		}
		buf.Reset()
		switch {
		case opt.Terminal:
			buf.WriteString(clearScreen)
		case n > 0:
			buf.WriteByte('\n')
		}
		if err := RenderTop(&buf, prev, cur, &guards, &pending, opt.Width); err != nil {
			return err
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return err
		}
		prev = cur
	}
	return nil
}

// topSample reads the stats, the guards and the pending approvals.
func topSample(ctx context.Context, src StatsSource, interval time.Duration) (st Stats, guards, pending Answer, err error) {
	ctx, cancel := context.WithTimeout(ctx, max(topSampleTimeout, interval))
	defer cancel()
	if st, err = src.Stats(ctx); err != nil {
		return
	}
	if guards, err = src.Query(ctx, Query{Kind: QueryGuards}); err != nil {
		return
	}
	pending, err = src.Query(ctx, Query{Kind: QueryPending})
	return
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// TerminalWidth returns the width in columns of the terminal f is, and false
// when f is not a terminal.
func TerminalWidth(f *os.File) (int, bool) {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 {
		return 0, false
	}
	return int(ws.Col), true
}
