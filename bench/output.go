package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// Output file names in the output directory.
const (
	SummaryText = "summary.txt"
	SummaryJSON = "summary.json"
	MarkdownMD  = "BENCHMARKS.md"
	PeersJSON   = "peers.json" // the peers module's rows, merged into the summary
)

// PlotName returns the file name of a scenario's latency plot.
func PlotName(scenario string) string { return "latency-" + scenario + ".svg" }

// finish writes the plots and the summaries.
func (s *suite) finish() error {
	plots, err := WritePlots(s.cfg.Out, s.rep.Latencies)
	s.rep.Plots = plots
	if err != nil {
		return err
	}
	return WriteSummaries(s.cfg.Out, s.rep, s.cfg.BenchmarksMD)
}

// WriteSummaries writes summary.txt, summary.json and BENCHMARKS.md into
// dir, and BENCHMARKS.md also to mdPath when it is not "" (with its links
// pointing into dir).
func WriteSummaries(dir string, rep *Report, mdPath string) error {
	if err := writeFile(filepath.Join(dir, SummaryJSON), rep.WriteJSON); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, SummaryText), rep.WriteTable); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, MarkdownMD), func(w io.Writer) error {
		return WriteMarkdown(w, rep, "")
	}); err != nil {
		return err
	}
	if mdPath == "" {
		return nil
	}
	prefix, err := linkPrefix(mdPath, dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(mdPath), 0o755); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return writeFile(mdPath, func(w io.Writer) error { return WriteMarkdown(w, rep, prefix) })
}

// linkPrefix returns the path from the directory of mdPath to dir, with a
// trailing slash, for the links of a BENCHMARKS.md written outside dir.
func linkPrefix(mdPath, dir string) (string, error) {
	from, err := filepath.Abs(filepath.Dir(mdPath))
	if err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	to, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	rel, err := filepath.Rel(from, to)
	if err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	if rel == "." {
		return "", nil
	}
	return filepath.ToSlash(rel) + "/", nil
}

// WritePlots draws one SVG per scenario that has latencies, from the .hgrm
// files in dir (so a plot shows exactly what the files hold): each latency's
// corrected distribution solid and its raw one dashed.
func WritePlots(dir string, lats []LatencyFile) ([]PlotFile, error) {
	var order []string
	for _, l := range lats {
		if !slices.Contains(order, l.Scenario) {
			order = append(order, l.Scenario)
		}
	}
	var plots []PlotFile
	for _, sc := range order {
		p := Plot{Title: sc + " latency by percentile (corrected solid, raw dashed)"}
		pf := PlotFile{Scenario: sc, File: PlotName(sc)}
		for _, l := range lats {
			if l.Scenario != sc {
				continue
			}
			for _, f := range []struct {
				file   string
				suffix string
				dashed bool
			}{{l.Corrected, "", false}, {l.Raw, " (raw)", true}} {
				h, err := readHgrm(filepath.Join(dir, f.file))
				if err != nil {
					return plots, err
				}
				name := l.Name + f.suffix
				p.Series = append(p.Series, Series{Name: name, Group: l.Name, Dashed: f.dashed, Points: h.Points})
				pf.Series = append(pf.Series, name)
			}
		}
		if err := writeFile(filepath.Join(dir, pf.File), func(w io.Writer) error { return WritePlotSVG(w, p) }); err != nil {
			return plots, err
		}
		plots = append(plots, pf)
	}
	return plots, nil
}

func readHgrm(path string) (*Hgrm, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	h, err := ParseHgrm(f)
	if err != nil {
		return nil, fmt.Errorf("bench: %s: %w", path, err)
	}
	return h, nil
}
