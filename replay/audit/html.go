package audit

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
)

// WriteHTML writes r as one self-contained HTML page: inline CSS, the
// charts as inline SVG drawn here (no script, style, font or image from
// anywhere else), then the tables. The page is also well-formed XML (void
// elements are self-closed), so XML tools can read it.
func (r *Report) WriteHTML(w io.Writer) error {
	date := r.Date
	data := struct {
		R            *Report
		Notes        []string
		Integrity    [][2]string
		Totals       [][2]string
		Charts       []chart
		HasPositions bool
	}{R: r, Notes: overflowLines(r), Integrity: integrityLines(date, &r.Integrity),
		Totals: totalLines(date, &r.Totals), Charts: charts(r)}
	for i := range r.Accounts {
		data.HasPositions = data.HasPositions || len(r.Accounts[i].Positions) > 0
	}
	t, err := template.New("page").Funcs(template.FuncMap{
		"clock":   func(ts int64) string { return clock(date, ts) },
		"figures": func(m *Mark) string { return figures(date, m) },
		"symbol":  symbolCell,
		"reasons": reasons,
		"vwap":    vwap,
		"dash":    orDash,
	}).Parse(pageHTML)
	if err != nil {
		return fmt.Errorf("audit: html: template: %w", err)
	}
	bw := bufio.NewWriter(w)
	if err := t.Execute(bw, data); err != nil {
		return fmt.Errorf("audit: html: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("audit: html: %w", err)
	}
	return nil
}

// pageHTML is the page. Keep it well-formed XML: every element closed, void
// elements self-closed, no named entities but XML's.
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>engine audit {{.R.Date}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em 2em; color: #1d2733; background: #fbfbfc; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin-top: 1.8em; border-bottom: 1px solid #d5dbe3; padding-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { padding: 0.2em 0.7em; border-bottom: 1px solid #e6e9ee; text-align: left; white-space: nowrap; }
th { background: #eef1f5; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.kv th { background: none; font-weight: normal; color: #56606c; }
.bad { color: #b3261e; font-weight: 600; }
.note { color: #8a5a00; }
.more { color: #56606c; font-style: italic; }
figure { margin: 1em 0; }
figcaption { color: #56606c; font-size: 0.9em; }
svg.chart { background: #fff; border: 1px solid #e6e9ee; }
svg.chart text { font: 11px system-ui, sans-serif; fill: #56606c; }
svg.chart .title { font-size: 13px; font-weight: 600; fill: #1d2733; }
svg.chart .axis { stroke: #56606c; stroke-width: 1; }
svg.chart .grid { stroke: #eef1f5; stroke-width: 1; }
svg.chart rect.bar { fill: #3a6ea5; }
svg.chart rect.bar:hover { fill: #1d4f85; }
svg.chart .kill line.m { stroke: #c62828; stroke-width: 1.5; }
svg.chart .breaker line.m { stroke: #ef8f00; stroke-width: 1.5; stroke-dasharray: 4 3; }
svg.chart line.hit { stroke: transparent; stroke-width: 9; }
</style>
</head>
<body>
<h1>engine audit {{.R.Date}}</h1>
<p>Times are UTC, {{if .R.Date}}on {{.R.Date}} unless a date is given{{else}}no events{{end}}. Prices in ticks, quantities in lots, notional in ticks*lots.</p>
{{range .Notes}}<p class="note">note: {{.}}</p>
{{end}}
<h2>Integrity</h2>
<table class="kv">
{{range .Integrity}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>
{{end}}</table>
{{if not .R.Integrity.Verified}}<p class="bad">The journal did not verify: {{dash .R.Integrity.VerifyError}}</p>{{end}}
{{if .R.Integrity.FirstDivergence}}<p class="bad">Replay diverged: {{.R.Integrity.FirstDivergence}}</p>{{end}}

<h2>Totals</h2>
<table class="kv">
{{range .Totals}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>
{{end}}</table>

<h2>Activity over the day</h2>
{{range .Charts}}<figure id="chart-{{.ID}}">
<svg class="chart" width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="{{.Title}}">
<title>{{.Title}}</title>
<text class="title" x="{{.X0}}" y="16">{{.Title}}</text>
{{$c := .}}{{range .YTicks}}<line class="grid" x1="{{$c.X0}}" x2="{{$c.X1}}" y1="{{.Pos}}" y2="{{.Pos}}" />
<text x="{{$c.X0}}" y="{{.Pos}}" dx="-6" dy="4" text-anchor="end">{{.Label}}</text>
{{end}}{{range .Bars}}<rect class="bar" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Tip}}</title></rect>
{{end}}<line class="axis" x1="{{.X0}}" x2="{{.X1}}" y1="{{.Y1}}" y2="{{.Y1}}" />
<line class="axis" x1="{{.X0}}" x2="{{.X0}}" y1="{{.Y0}}" y2="{{.Y1}}" />
{{range .XTicks}}<line class="axis" x1="{{.Pos}}" x2="{{.Pos}}" y1="{{$c.Y1}}" y2="{{$c.TickY}}" />
<text x="{{.Pos}}" y="{{$c.Y1}}" dy="15" text-anchor="middle">{{.Label}}</text>
{{end}}{{range .Marks}}<g class="{{.Class}}"><title>{{.Tip}}</title><line class="m" x1="{{.X}}" x2="{{.X}}" y1="{{$c.Y0}}" y2="{{$c.Y1}}" /><line class="hit" x1="{{.X}}" x2="{{.X}}" y1="{{$c.Y0}}" y2="{{$c.Y1}}" /></g>
{{end}}<text x="{{.X1}}" y="{{.H}}" dy="-6" text-anchor="end">{{.XTitle}}</text>
<text transform="rotate(-90)" x="-{{.Y0}}" y="14" text-anchor="end">{{.YTitle}}</text>
{{if .Empty}}<text x="{{.X1}}" y="{{.Y0}}" dx="-8" dy="14" text-anchor="end">nothing in this run</text>{{end}}
</svg>
<figcaption>{{.Title}}: {{.YTitle}}. Solid red lines: kill-switch trips; dashed orange: breaker openings (hover for figures).</figcaption>
</figure>
{{end}}
<h2>Accounts ({{len .R.Accounts}})</h2>
{{if .R.Accounts}}<table>
<tr><th class="n">account</th><th class="n">orders</th><th class="n">taker fills</th><th class="n">maker fills</th><th class="n">cancels</th><th class="n">traded qty</th><th class="n">traded notional</th><th class="n">kill trips</th><th class="n">breaker opens</th><th class="n">rejects</th><th>by reason</th></tr>
{{range .R.Accounts}}<tr><td class="n">{{.ID}}</td><td class="n">{{.Orders}}</td><td class="n">{{.TakerFills}}</td><td class="n">{{.MakerFills}}</td><td class="n">{{.Cancels}}</td><td class="n">{{.TradedQuantity}}</td><td class="n">{{.TradedNotional}}</td><td class="n">{{.KillTrips}}</td><td class="n">{{.BreakerOpens}}</td><td class="n">{{.Rejects}}</td><td>{{reasons .RejectsByReason}}</td></tr>
{{end}}</table>{{else}}<p>none</p>{{end}}

<h2>Final positions</h2>
{{if .HasPositions}}<table>
<tr><th class="n">account</th><th class="n">symbol</th><th>name</th><th class="n">position</th></tr>
{{range $a := .R.Accounts}}{{range .Positions}}<tr><td class="n">{{$a.ID}}</td><td class="n">{{.Symbol}}</td><td>{{dash .Name}}</td><td class="n">{{printf "%+d" .Qty}}</td></tr>
{{end}}{{end}}</table>{{else}}<p>none</p>{{end}}

<h2>Symbols ({{len .R.Symbols}})</h2>
{{if .R.Symbols}}<table>
<tr><th class="n">symbol</th><th>name</th><th class="n">orders</th><th class="n">trades</th><th class="n">traded qty</th><th class="n">traded notional</th><th class="n">vwap</th><th class="n">first price</th><th class="n">last price</th><th class="n">rejects</th><th class="n">cancels</th><th class="n">halts</th></tr>
{{range .R.Symbols}}<tr><td class="n">{{.ID}}</td><td>{{dash .Name}}</td><td class="n">{{.Orders}}</td><td class="n">{{.Trades}}</td><td class="n">{{.TradedQuantity}}</td><td class="n">{{.TradedNotional}}</td><td class="n">{{vwap .}}</td><td class="n">{{.FirstPrice}}</td><td class="n">{{.LastPrice}}</td><td class="n">{{.Rejects}}</td><td class="n">{{.Cancels}}</td><td class="n">{{.Halts}}</td></tr>
{{end}}</table>{{else}}<p>none</p>{{end}}

<h2>Operator commands ({{.R.Totals.Operators}})</h2>
{{if .R.Operators}}<table>
<tr><th class="n">seq</th><th>time</th><th class="n">uid</th><th class="n">gid</th><th class="n">pid</th><th>kind</th><th>command</th><th>did</th></tr>
{{range .R.Operators}}<tr><td class="n">{{.Seq}}</td><td>{{clock .TS}}</td><td class="n">{{.UID}}</td><td class="n">{{.GID}}</td><td class="n">{{.PID}}</td><td>{{.Kind}}</td><td><code>{{.Text}}</code></td><td>{{.Effect}}</td></tr>
{{end}}</table>{{else}}<p>none</p>{{end}}
{{if .R.Overflow.Operators}}<p class="more">{{.R.Overflow.Operators}} more not shown</p>{{end}}

<h2>Timeline: kill switch, breaker, pause</h2>
{{if .R.Timeline}}<table>
<tr><th class="n">seq</th><th>time</th><th>event</th><th>account</th><th>symbol</th><th>reason</th><th>figures</th></tr>
{{range .R.Timeline}}<tr><td class="n">{{.Seq}}</td><td>{{clock .TS}}</td><td>{{.Event}}</td><td>{{dash .Account}}</td><td>{{symbol .}}</td><td>{{dash .Reason}}</td><td>{{figures .}}</td></tr>
{{end}}</table>{{else}}<p>none</p>{{end}}
{{if .R.Overflow.Timeline}}<p class="more">{{.R.Overflow.Timeline}} more not shown</p>{{end}}
</body>
</html>
`
