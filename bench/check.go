package bench

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Checker is what CheckOutput reports to: *testing.T, or anything that
// collects errors.
type Checker interface {
	Helper()
	Errorf(format string, args ...any)
}

// CheckOutput checks that an output directory is well formed and agrees
// with rep (nil: read it from summary.json): summary.json parses; every
// .hgrm file it lists parses, in HgrmUnit, with the count of its ladder;
// every plot is an SVG document holding exactly the series it lists;
// summary.txt and BENCHMARKS.md hold the table. Tests and `engine bench
// --smoke` use it.
func CheckOutput(c Checker, dir string, rep *Report) {
	c.Helper()
	f, err := os.Open(filepath.Join(dir, SummaryJSON))
	if err != nil {
		c.Errorf("%v", err)
		return
	}
	js, err := ReadReport(f)
	f.Close()
	if err != nil {
		c.Errorf("%s: %v", SummaryJSON, err)
		return
	}
	if rep == nil {
		rep = js
	}
	if len(js.Rows) != len(rep.Rows) || len(js.Latencies) != len(rep.Latencies) || len(js.Plots) != len(rep.Plots) {
		c.Errorf("%s holds %d rows, %d latencies, %d plots; the run had %d, %d, %d", SummaryJSON,
			len(js.Rows), len(js.Latencies), len(js.Plots), len(rep.Rows), len(rep.Latencies), len(rep.Plots))
	}
	if len(js.Rows) == 0 {
		c.Errorf("%s has no rows", SummaryJSON)
	}
	for _, l := range js.Latencies {
		for _, x := range []struct {
			file  string
			count int64
		}{{l.Corrected, l.CorrectedL.Count}, {l.Raw, l.RawL.Count}} {
			h, err := readHgrm(filepath.Join(dir, x.file))
			switch {
			case err != nil:
				c.Errorf("%v", err)
			case h.Unit != HgrmUnit:
				c.Errorf("%s: unit %q, want %q", x.file, h.Unit, HgrmUnit)
			case h.TotalCount != x.count:
				c.Errorf("%s: %d values, summary says %d", x.file, h.TotalCount, x.count)
			}
		}
	}
	for _, p := range js.Plots {
		b, err := os.ReadFile(filepath.Join(dir, p.File))
		if err != nil {
			c.Errorf("%v", err)
			continue
		}
		names, err := SVGSeries(b)
		if err != nil {
			c.Errorf("%s: %v", p.File, err)
		} else if !slices.Equal(names, p.Series) {
			c.Errorf("%s: series %q, summary says %q", p.File, names, p.Series)
		}
	}
	for _, name := range []string{SummaryText, MarkdownMD} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			c.Errorf("%v", err)
			continue
		}
		for _, r := range js.Rows {
			if !strings.Contains(string(b), r.Metric) {
				c.Errorf("%s lacks the row %s %s", name, r.Scenario, r.Metric)
				break
			}
		}
	}
}

// SVGSeries parses an SVG document written by WritePlotSVG and returns the
// names of its series, or the first XML error.
func SVGSeries(doc []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var names []string
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("bench: svg: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if root == "" {
			root = se.Name.Local
		}
		if se.Name.Local != "g" {
			continue
		}
		class, name := "", ""
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "class":
				class = a.Value
			case "data-name":
				name = a.Value
			}
		}
		if class == "series" {
			names = append(names, name)
		}
	}
	if root != "svg" {
		return nil, fmt.Errorf("bench: svg: root element %q", root)
	}
	return names, nil
}

// VerifyOutput checks dir as CheckOutput does, reading the report from its
// summary.json, and returns the problems found as one error wrapping
// ErrOutput.
func VerifyOutput(dir string) error {
	var c collector
	CheckOutput(&c, dir, nil)
	if len(c.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrOutput, strings.Join(c.errs, "; "))
}

// ErrOutput is wrapped by VerifyOutput for an output directory that is not
// well formed.
var ErrOutput = errors.New("bench: malformed output")

// collector is a Checker that keeps the errors.
type collector struct{ errs []string }

func (c *collector) Helper() {}

func (c *collector) Errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}
