package bench

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestHgrmRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []int64 // ns
	}{
		{"empty", nil},
		{"one", []int64{1234}},
		{"spread", func() []int64 {
			var v []int64
			for i := int64(1); i <= 10_000; i++ {
				v = append(v, i*37)
			}
			return v
		}()},
		{"tail", []int64{100, 100, 100, 100, 100, 100, 100, 100, 100, 5_000_000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHist()
			for _, v := range tc.values {
				if err := h.RecordValue(v); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			if err := WriteHgrm(&buf, h, "a test", "raw"); err != nil {
				t.Fatal(err)
			}
			got, err := ParseHgrm(&buf)
			if err != nil {
				t.Fatalf("%v\n%s", err, buf.String())
			}
			if got.Unit != HgrmUnit || got.Title != "a test" || got.Kind != "raw" {
				t.Errorf("comments: unit %q title %q kind %q", got.Unit, got.Title, got.Kind)
			}
			if got.TotalCount != int64(len(tc.values)) {
				t.Errorf("total count %d, want %d", got.TotalCount, len(tc.values))
			}
			if len(got.Points) == 0 {
				t.Fatal("no points")
			}
			last := got.Points[len(got.Points)-1]
			if last.Percentile != 1 {
				t.Errorf("last percentile %g, want 1", last.Percentile)
			}
			if len(tc.values) == 0 {
				return
			}
			// The file is in microseconds: its max is the histogram's
			// max divided by 1000, to the printed precision.
			if want := float64(h.Max()) / hgrmScale; math.Abs(got.Max-want) > 0.0005 {
				t.Errorf("max %g us, want %g", got.Max, want)
			}
			if math.Abs(last.Value-got.Max) > 0.0005 {
				t.Errorf("last value %g, max %g", last.Value, got.Max)
			}
		})
	}
}

func TestParseHgrmErrors(t *testing.T) {
	good := func() string {
		h := newHist()
		h.RecordValue(1000)
		h.RecordValue(2000)
		var buf bytes.Buffer
		WriteHgrm(&buf, h, "x", "raw")
		return buf.String()
	}()
	if _, err := ParseHgrm(strings.NewReader(good)); err != nil {
		t.Fatalf("good file: %v", err)
	}
	dataLines := func(s string) []string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if f := strings.Fields(l); len(f) == 4 && !strings.HasPrefix(l, "#") && f[0] != "Value" {
				out = append(out, l)
			}
		}
		return out
	}(good)
	for _, tc := range []struct {
		name string
		text string
	}{
		{"empty", ""},
		{"no header", strings.Join(dataLines, "\n")},
		{"three fields", strings.Replace(good, dataLines[0], "1.0 0.5 1", 1)},
		{"not a number", strings.Replace(good, dataLines[0], "x 0.0 1 1.00", 1)},
		{"percentile above 1", strings.Replace(good, dataLines[0], "1.0 1.5 1 1.00", 1)},
		{"backwards", strings.Replace(good, dataLines[len(dataLines)-1], "0.5 0.1 1 1.00", 1)},
		{"no footer", strings.Split(good, "#[")[0]},
		{"footer count mismatch", strings.Replace(good, "Total count    = ", "Total count    = 9", 1)},
		{"bad footer", strings.Replace(good, "#[Mean", "#[Median", 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseHgrm(strings.NewReader(tc.text))
			if !errors.Is(err, ErrHgrm) {
				t.Fatalf("err = %v, want ErrHgrm", err)
			}
		})
	}
}

func FuzzParseHgrm(f *testing.F) {
	h := newHist()
	for _, v := range []int64{1, 10, 100, 1000, 1e6} {
		h.RecordValue(v)
	}
	var buf bytes.Buffer
	WriteHgrm(&buf, h, "seed", "raw")
	f.Add(buf.String())
	f.Add("Value Percentile TotalCount 1/(1-Percentile)\n1.0 1.0 1 inf\n#[Mean = 1, StdDeviation = 0]\n#[Max = 1, Total count = 1]\n#[Buckets = 1, SubBuckets = 1]\n")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseHgrm(strings.NewReader(s))
		if err != nil {
			return
		}
		for i := 1; i < len(got.Points); i++ {
			if got.Points[i].Percentile < got.Points[i-1].Percentile || got.Points[i].TotalCount < got.Points[i-1].TotalCount {
				t.Fatalf("accepted a distribution that goes backwards at point %d", i)
			}
		}
	})
}
