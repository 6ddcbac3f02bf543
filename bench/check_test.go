package bench

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestVerifyOutputFindsDamage(t *testing.T) {
	dir := t.TempDir()
	l := NewLatency("ring", "rtt", "round trip", MethodIntended)
	for i := range int64(1000) {
		l.Record(100+i, 90+i)
	}
	lf, err := WriteLatency(dir, l)
	if err != nil {
		t.Fatal(err)
	}
	rep := &Report{Latencies: []LatencyFile{lf}}
	rep.Add(NewRow("ring", "batch=256 events/s", 3e8, "events/s"))
	if rep.Plots, err = WritePlots(dir, rep.Latencies); err != nil {
		t.Fatal(err)
	}
	if err := WriteSummaries(dir, rep, ""); err != nil {
		t.Fatal(err)
	}
	if err := VerifyOutput(dir); err != nil {
		t.Fatalf("a good directory: %v", err)
	}
	for _, tc := range []struct {
		name, file, text string
	}{
		{"hgrm cut short", lf.Raw, "# unit: us\n Value\tPercentile\tTotalCount\t1/(1-Percentile)\n"},
		{"svg not xml", PlotName("ring"), "<svg><g class=\"series\" data-name=\"x\"></svg>"},
		{"json not json", SummaryJSON, "{"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			old, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer os.WriteFile(path, old, 0o644)
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := VerifyOutput(dir); !errors.Is(err, ErrOutput) {
				t.Errorf("err = %v, want ErrOutput", err)
			}
		})
	}
}

func TestClearOutput(t *testing.T) {
	dir := t.TempDir()
	stale := []string{"e2e-max-2M.corrected.hgrm", "latency-ring.svg", SummaryJSON, SummaryText, MarkdownMD, PeersJSON}
	keep := []string{"notes.txt", "plot.svg", "data.csv"}
	for _, f := range append(stale, keep...) {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := clearOutput(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range stale {
		if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived", f)
		}
	}
	for _, f := range keep {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s was removed: %v", f, err)
		}
	}
}
