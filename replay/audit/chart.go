package audit

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Chart geometry, in SVG user units.
const (
	chartW      = 960
	chartH      = 240
	chartLeft   = 72 // room for the y labels
	chartRight  = 36 // room for the last x label
	chartTop    = 26 // room for the title
	chartBottom = 44 // room for the x labels and the axis title
	plotW       = chartW - chartLeft - chartRight
	plotH       = chartH - chartTop - chartBottom
)

// chart is one SVG bar chart of a series over the day, with the trips
// marked, ready for the HTML template: every figure is preformatted.
type chart struct {
	ID, Title, YTitle, XTitle string
	W, H                      int
	X0, X1, Y0, Y1            string // the plot's corners: axes run along X0 and Y1
	TickY                     string // where an x tick mark ends, below Y1
	Bars                      []chartBar
	YTicks, XTicks            []chartTick
	Marks                     []chartMark
	Empty                     bool // no bucket has a value
}

type chartBar struct{ X, Y, W, H, Tip string }

type chartTick struct{ Pos, Label string }

type chartMark struct{ X, Class, Tip string }

// f1 formats an SVG coordinate.
func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// newChart lays out values (one per bucket of r's series) as bars; unit
// names what they count, for the tooltips; integral values get whole-number
// ticks.
func newChart(r *Report, id, title, ytitle, unit string, integral bool, values []float64) chart {
	s := &r.Series
	date := r.Date
	c := chart{ID: id, Title: title, YTitle: ytitle, W: chartW, H: chartH,
		X0: f1(chartLeft), X1: f1(chartLeft + plotW), Y0: f1(chartTop), Y1: f1(chartTop + plotH),
		TickY: f1(chartTop + plotH + 4)}
	n := len(values)
	width := max(s.WidthNS, 1)
	c.XTitle = fmt.Sprintf("time, UTC (bucket %s)", roundDur(time.Duration(width)))
	if n == 0 {
		c.Empty = true
		return c
	}
	start, span := float64(s.StartTS), float64(width)*float64(n)
	xOf := func(ts float64) float64 {
		return chartLeft + math.Min(math.Max((ts-start)/span, 0), 1)*plotW
	}
	top := 0.0
	for _, v := range values {
		top = math.Max(top, v)
	}
	c.Empty = top == 0
	step := niceCeil(top / 4)
	if integral {
		step = max(step, 1)
	}
	ymax := math.Max(math.Ceil(top/step), 1) * step
	bw := float64(plotW) / float64(n)
	for i, v := range values {
		if v == 0 {
			continue
		}
		h := v / ymax * plotH
		from := s.StartTS + int64(i)*width
		c.Bars = append(c.Bars, chartBar{X: f1(chartLeft + float64(i)*bw), Y: f1(chartTop + plotH - h),
			W: f1(math.Max(bw-0.5, 0.5)), H: f1(h),
			Tip: fmt.Sprintf("%s +%s: %s %s", clock(date, from), roundDur(time.Duration(width)), unit, compact(v))})
	}
	for k := range int(math.Round(ymax/step)) + 1 {
		v := float64(k) * step
		c.YTicks = append(c.YTicks, chartTick{Pos: f1(chartTop + plotH - v/ymax*plotH), Label: compact(v)})
	}
	for _, ts := range timeTicks(s.StartTS, s.StartTS+int64(n)*width) {
		c.XTicks = append(c.XTicks, chartTick{Pos: f1(xOf(float64(ts))), Label: tickLabel(date, ts, s.WidthNS*int64(n))})
	}
	for i := range r.Timeline {
		m := &r.Timeline[i]
		if !m.Trip() {
			continue
		}
		tip := fmt.Sprintf("%s seq %d at %s: account %s", m.Event, m.Seq, clock(date, m.TS), orDash(m.Account))
		if m.Symbol != "" {
			tip += " symbol " + symbolCell(m)
		}
		tip += ", " + m.Reason + ", " + figures(date, m)
		c.Marks = append(c.Marks, chartMark{X: f1(xOf(float64(m.TS))), Class: m.Event, Tip: tip})
	}
	return c
}

// charts returns the report's three charts: new orders, trades and traded
// notional per bucket.
func charts(r *Report) []chart {
	s := &r.Series
	orders := make([]float64, len(s.NewOrders))
	trades := make([]float64, len(s.Trades))
	notional := make([]float64, len(s.Notional))
	for i := range s.NewOrders {
		orders[i], trades[i], notional[i] = float64(s.NewOrders[i]), float64(s.Trades[i]), s.Notional[i].Float64()
	}
	return []chart{
		newChart(r, "orders", "Order rate", "new orders / bucket", "new orders", true, orders),
		newChart(r, "trades", "Executions", "trades / bucket", "trades", true, trades),
		newChart(r, "notional", "Traded notional", "ticks*lots / bucket", "ticks*lots", false, notional),
	}
}

// niceCeil returns the smallest 1, 2 or 5 times a power of ten at or above
// v, and 1 for v <= 0.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// compact shows an axis or tooltip figure: integers as they are up to a
// million, then with an SI suffix (1.5M, 2G, ...).
func compact(v float64) string {
	a := math.Abs(v)
	if a < 1e6 {
		if v == math.Trunc(v) {
			return strconv.FormatFloat(v, 'f', 0, 64)
		}
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	for _, u := range []struct {
		div    float64
		suffix string
	}{{1e18, "E"}, {1e15, "P"}, {1e12, "T"}, {1e9, "G"}, {1e6, "M"}} {
		if a >= u.div {
			return strconv.FormatFloat(v/u.div, 'g', 4, 64) + u.suffix
		}
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// tickSteps are the steps the time axis is labelled in.
var tickSteps = func() []int64 {
	var s []int64
	for p := int64(1); p <= int64(time.Second); p *= 10 {
		s = append(s, p, 2*p, 5*p)
	}
	for _, d := range []time.Duration{10 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute,
		2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour,
		2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour} {
		s = append(s, int64(d))
	}
	return s
}()

// timeTicks returns round times (multiples of a step from tickSteps, at
// most 8 of them) in [from, to].
func timeTicks(from, to int64) []int64 {
	step := tickSteps[len(tickSteps)-1]
	for _, st := range tickSteps {
		if (to-from)/st <= 7 {
			step = st
			break
		}
	}
	first := from / step * step
	if first < from {
		first += step
	}
	var ts []int64
	for t := first; t <= to && len(ts) < 10; t += step {
		ts = append(ts, t)
	}
	return ts
}

// tickLabel shows a time axis label to the precision the axis' span needs.
func tickLabel(date string, ts, span int64) string {
	t := time.Unix(0, ts).UTC()
	layout := "15:04:05"
	switch {
	case span < int64(10*time.Microsecond):
		layout = clockLayout
	case span < int64(10*time.Millisecond):
		layout = "15:04:05.000000"
	case span < int64(10*time.Second):
		layout = "15:04:05.000"
	}
	if d := t.Format(time.DateOnly); d != date {
		layout = "01-02 " + layout
	}
	return t.Format(layout)
}

// roundDur rounds a bucket width to 3 significant digits for people: the
// widths are powers of two nanoseconds.
func roundDur(d time.Duration) time.Duration {
	unit := time.Duration(1)
	for v := d; v >= 1000; v /= 10 {
		unit *= 10
	}
	return d.Round(unit)
}
