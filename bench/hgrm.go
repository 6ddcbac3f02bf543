package bench

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// The .hgrm files the suite writes are HdrHistogram's percentile
// distribution text (PercentilesPrint, as wrk2 and HdrHistogram's plotter
// read it), after comment lines that say what was measured and in which
// unit:
//
//	# engine bench: e2e, 1M orders/s offered
//	# histogram: corrected (intended-time)
//	# unit: us (microseconds; recorded in ns, printed divided by 1000)
//	 Value	Percentile	TotalCount	1/(1-Percentile)
//
//	       0.412     0.000000            1         1.00
//	       ...
//	#[Mean    =        0.530, StdDeviation   =        0.210]
//	#[Max     =       18.303, Total count    =       900000]
//	#[Buckets =           32, SubBuckets     =         2048]
const (
	// HgrmUnit is the unit of the values in the .hgrm files.
	HgrmUnit = "us"
	// hgrmScale turns recorded nanoseconds into HgrmUnit.
	hgrmScale = 1000
	// hgrmTicks is the number of reporting points per half distance to
	// 100%, HdrHistogram's usual 5.
	hgrmTicks = 5
)

// ErrHgrm is wrapped by ParseHgrm for text that is not a percentile
// distribution.
var ErrHgrm = errors.New("bench: malformed hgrm")

// WriteHgrm writes h as a percentile distribution in HgrmUnit, after
// comment lines naming title and kind ("corrected (intended-time)", "raw").
func WriteHgrm(w io.Writer, h *hdrhistogram.Histogram, title, kind string) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# engine bench: %s\n", title)
	fmt.Fprintf(bw, "# histogram: %s\n", kind)
	fmt.Fprintf(bw, "# unit: %s (microseconds; recorded in ns, printed divided by %d)\n", HgrmUnit, hgrmScale)
	if _, err := h.PercentilesPrint(bw, hgrmTicks, hgrmScale); err != nil {
		return fmt.Errorf("bench: hgrm: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("bench: hgrm: %w", err)
	}
	return nil
}

// HgrmPoint is one line of a percentile distribution.
type HgrmPoint struct {
	Value      float64 // in the file's unit
	Percentile float64 // a fraction, 0 to 1
	TotalCount int64
}

// Hgrm is a parsed .hgrm file.
type Hgrm struct {
	Title      string // from "# engine bench:", if present
	Kind       string // from "# histogram:", if present
	Unit       string // from "# unit:", if present
	Points     []HgrmPoint
	Mean       float64
	StdDev     float64
	Max        float64
	TotalCount int64
}

// ParseHgrm reads a percentile distribution written by [WriteHgrm] (or by
// HdrHistogram's PercentilesPrint, without the comments). It checks that
// the percentiles and counts never decrease and that the footer's total
// count matches the last line.
func ParseHgrm(r io.Reader) (*Hgrm, error) {
	h := &Hgrm{}
	sc := bufio.NewScanner(r)
	line, header, footer := 0, false, 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		switch {
		case s == "":
			continue
		case strings.HasPrefix(s, "#["):
			if err := h.footer(s); err != nil {
				return nil, fmt.Errorf("%w: line %d: %w", ErrHgrm, line, err)
			}
			footer++
			continue
		case strings.HasPrefix(s, "#"):
			h.comment(s)
			continue
		case strings.HasPrefix(s, "Value"):
			header = true
			continue
		}
		if !header {
			return nil, fmt.Errorf("%w: line %d: data before the Value header", ErrHgrm, line)
		}
		f := strings.Fields(s)
		if len(f) != 4 {
			return nil, fmt.Errorf("%w: line %d: %d fields, want 4", ErrHgrm, line, len(f))
		}
		v, err1 := strconv.ParseFloat(f[0], 64)
		p, err2 := strconv.ParseFloat(f[1], 64)
		n, err3 := strconv.ParseInt(f[2], 10, 64)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrHgrm, line, err)
		}
		if f[3] != "inf" {
			if _, err := strconv.ParseFloat(f[3], 64); err != nil {
				return nil, fmt.Errorf("%w: line %d: %w", ErrHgrm, line, err)
			}
		}
		if p < 0 || p > 1 || math.IsNaN(v) || v < 0 {
			return nil, fmt.Errorf("%w: line %d: value %g at percentile %g out of range", ErrHgrm, line, v, p)
		}
		if k := len(h.Points); k > 0 {
			last := h.Points[k-1]
			if p < last.Percentile || n < last.TotalCount || v < last.Value {
				return nil, fmt.Errorf("%w: line %d: goes backwards", ErrHgrm, line)
			}
		}
		h.Points = append(h.Points, HgrmPoint{Value: v, Percentile: p, TotalCount: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("bench: hgrm: %w", err)
	}
	switch {
	case !header:
		return nil, fmt.Errorf("%w: no Value header", ErrHgrm)
	case footer != 3:
		return nil, fmt.Errorf("%w: %d footer lines, want 3", ErrHgrm, footer)
	case len(h.Points) > 0 && h.Points[len(h.Points)-1].TotalCount != h.TotalCount:
		return nil, fmt.Errorf("%w: last line counts %d, footer %d", ErrHgrm, h.Points[len(h.Points)-1].TotalCount, h.TotalCount)
	}
	return h, nil
}

func (h *Hgrm) comment(s string) {
	s = strings.TrimSpace(strings.TrimPrefix(s, "#"))
	key, val, ok := strings.Cut(s, ":")
	if !ok {
		return
	}
	val = strings.TrimSpace(val)
	switch key {
	case "engine bench":
		h.Title = val
	case "histogram":
		h.Kind = val
	case "unit":
		if f := strings.Fields(val); len(f) > 0 {
			h.Unit = f[0]
		}
	}
}

// footer parses "#[Mean = 1.0, StdDeviation = 2.0]" and its two siblings.
func (h *Hgrm) footer(s string) error {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "#["), "]")
	for part := range strings.SplitSeq(s, ",") {
		key, val, ok := strings.Cut(part, "=")
		if !ok {
			return fmt.Errorf("footer field %q", part)
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		x, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return fmt.Errorf("footer %s: %w", key, err)
		}
		switch key {
		case "Mean":
			h.Mean = x
		case "StdDeviation":
			h.StdDev = x
		case "Max":
			h.Max = x
		case "Total count":
			h.TotalCount = int64(x)
		case "Buckets", "SubBuckets":
		default:
			return fmt.Errorf("unknown footer field %q", key)
		}
	}
	return nil
}
