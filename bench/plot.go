package bench

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// Series is one latency distribution in a plot: the points of a .hgrm file.
type Series struct {
	Name   string
	Group  string      // series of one group share a color ("" : a group of its own)
	Dashed bool        // drawn dashed: the raw histogram beside a corrected one
	Points []HgrmPoint // values in the plot's unit (HgrmUnit)
}

// Plot is a latency-by-percentile chart in HdrHistogram's usual view: the x
// axis is the percentile on a log scale of 1/(1-p), marked at 0%, 90%, 99%,
// 99.9%, 99.99% and 99.999%; the y axis is the latency on a log scale, so
// that a median of 200 ns and a tail of 2 ms are both readable. Points past
// 99.999% (the maximum) are drawn at the right edge.
type Plot struct {
	Title  string
	Series []Series
}

// plotNines is the number of nines at the right edge: 99.999%.
const plotNines = 5

// Plot geometry, in SVG user units.
const (
	plotW, plotH             = 960, 540
	plotLeft, plotRight      = 90, 300 // the legend sits in the right margin
	plotTop, plotBottom      = 48, 64
	plotInnerW, plotInnerH   = plotW - plotLeft - plotRight, plotH - plotTop - plotBottom
	plotLegendX, plotLegendY = plotW - plotRight + 20, plotTop + 8
)

// plotColors are distinguishable on white and in grey scale, in order.
var plotColors = []string{
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
	"#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22",
}

// WritePlotSVG draws p as a standalone SVG document.
func WritePlotSVG(w io.Writer, p Plot) error {
	lo, hi := math.Inf(1), 0.0
	for _, s := range p.Series {
		for _, pt := range s.Points {
			if pt.Value > 0 {
				lo = min(lo, pt.Value)
			}
			hi = max(hi, pt.Value)
		}
	}
	if math.IsInf(lo, 1) || hi <= 0 {
		lo, hi = 0.001, 1
	}
	ylo := math.Pow(10, math.Floor(math.Log10(lo)))
	yhi := math.Pow(10, math.Ceil(math.Log10(hi)))
	if yhi <= ylo {
		yhi = ylo * 10
	}
	xOf := func(pct float64) float64 {
		nines := plotNines + 0.0
		if pct < 1 {
			nines = min(nines, math.Log10(1/(1-pct)))
		}
		return plotLeft + nines/plotNines*plotInnerW
	}
	yOf := func(v float64) float64 {
		v = max(v, ylo)
		f := (math.Log10(v) - math.Log10(ylo)) / (math.Log10(yhi) - math.Log10(ylo))
		return plotTop + plotInnerH - f*plotInnerH
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		plotW, plotH, plotW, plotH)
	fmt.Fprintf(&b, "<title>%s</title>\n", esc(p.Title))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", plotW, plotH)
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="15" font-weight="bold">%s</text>`+"\n", plotLeft, esc(p.Title))

	// Grid and axes.
	b.WriteString(`<g class="grid" stroke="#dddddd" stroke-width="1">` + "\n")
	for n := 0; n <= plotNines; n++ {
		x := plotLeft + float64(n)/plotNines*plotInnerW
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d"/>`+"\n", x, plotTop, x, plotTop+plotInnerH)
	}
	for d := ylo; d <= yhi*1.0001; d *= 10 {
		for _, m := range []float64{1, 2, 5} {
			v := d * m
			if v > yhi*1.0001 {
				break
			}
			y := yOf(v)
			stroke := ""
			if m != 1 {
				stroke = ` stroke="#f0f0f0"`
			}
			fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f"%s/>`+"\n", plotLeft, y, plotLeft+plotInnerW, y, stroke)
		}
	}
	b.WriteString("</g>\n")
	fmt.Fprintf(&b, `<rect class="frame" x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444444"/>`+"\n",
		plotLeft, plotTop, plotInnerW, plotInnerH)
	b.WriteString(`<g class="x-axis" text-anchor="middle">` + "\n")
	for n := 0; n <= plotNines; n++ {
		x := plotLeft + float64(n)/plotNines*plotInnerW
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", x, plotTop+plotInnerH+18, ninesLabel(n))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13">percentile</text>`+"\n", plotLeft+plotInnerW/2, plotH-18)
	b.WriteString("</g>\n")
	b.WriteString(`<g class="y-axis" text-anchor="end">` + "\n")
	for d := ylo; d <= yhi*1.0001; d *= 10 {
		fmt.Fprintf(&b, `<text x="%d" y="%.1f">%s</text>`+"\n", plotLeft-8, yOf(d)+4, esc(fmtMicros(d)))
	}
	fmt.Fprintf(&b, `<text transform="translate(22 %d) rotate(-90)" text-anchor="middle" font-size="13">latency (log scale)</text>`+"\n",
		plotTop+plotInnerH/2)
	b.WriteString("</g>\n")

	// Series and legend.
	var groups []string
	for i, s := range p.Series {
		g := s.Group
		if g == "" {
			g = fmt.Sprintf("#%d", i)
		}
		k := slices.Index(groups, g)
		if k < 0 {
			k = len(groups)
			groups = append(groups, g)
		}
		color := plotColors[k%len(plotColors)]
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(&b, `<g class="series" data-name="%s">`+"\n", esc(s.Name))
		fmt.Fprintf(&b, "<title>%s</title>\n", esc(s.Name))
		if len(s.Points) > 0 {
			b.WriteString(`<path fill="none" stroke="` + color + `" stroke-width="2"` + dash + ` d="`)
			for j, pt := range s.Points {
				cmd := "L"
				if j == 0 {
					cmd = "M"
				}
				fmt.Fprintf(&b, "%s%.1f %.1f ", cmd, xOf(pt.Percentile), yOf(pt.Value))
			}
			b.WriteString(`"/>` + "\n")
		}
		ly := plotLegendY + i*20
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>`+"\n",
			plotLegendX, ly, plotLegendX+28, ly, color, dash)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", plotLegendX+36, ly+4, esc(s.Name))
		b.WriteString("</g>\n")
	}
	b.WriteString("</svg>\n")
	bw := bufio.NewWriter(w)
	bw.Write(b.Bytes())
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("bench: plot: %w", err)
	}
	return nil
}

// ninesLabel returns the x axis label for n nines: 0%, 90%, 99%, 99.9%, ...
func ninesLabel(n int) string {
	if n == 0 {
		return "0%"
	}
	return strconv.FormatFloat(100*(1-math.Pow(10, -float64(n))), 'f', max(0, n-2), 64) + "%"
}

// fmtMicros renders a latency given in microseconds with a fitting unit.
func fmtMicros(us float64) string {
	switch {
	case us < 1:
		return strconv.FormatFloat(us*1000, 'g', 4, 64) + " ns"
	case us < 1000:
		return strconv.FormatFloat(us, 'g', 4, 64) + " µs"
	case us < 1e6:
		return strconv.FormatFloat(us/1000, 'g', 4, 64) + " ms"
	}
	return strconv.FormatFloat(us/1e6, 'g', 4, 64) + " s"
}

func esc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
