package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Row is one line of the results table: a measured figure, the target it is
// held to, and the peer it is compared with. The peers module writes the
// same rows.
type Row struct {
	Scenario string  `json:"scenario"` // ring, matcher, journal, e2e, clock
	Metric   string  `json:"metric"`   // "unbatched events/s", "1M/s p99", ...
	Value    float64 `json:"value"`    // in Unit; NaN is written as null
	Unit     string  `json:"unit"`     // "events/s", "ns", "MB/s", "allocs/order", "count", ...
	Target   *Target `json:"target,omitempty"`
	// Met is "yes" or "no" for a row with a target, "n/a" when the figure
	// it needs was not measured, "" without a target.
	Met       string  `json:"met"`
	Peer      string  `json:"peer,omitempty"`       // what it is compared with, measured in the same process
	PeerValue float64 `json:"peer_value,omitempty"` // the peer's figure, in Unit
	// Ratio is ours over theirs (Value / PeerValue), 0 without a peer.
	// Above 1 is better for a rate, below 1 for a latency.
	Ratio  float64 `json:"ratio,omitempty"`
	Note   string  `json:"note,omitempty"`
	Source string  `json:"source"` // "engine bench" or "peers"
}

// MarshalJSON writes a NaN value as null (and a NaN peer value or ratio,
// which mean nothing, as absent).
func (r Row) MarshalJSON() ([]byte, error) {
	type row Row
	if math.IsNaN(r.PeerValue) || math.IsNaN(r.Ratio) {
		r.PeerValue, r.Ratio = 0, 0
	}
	type nullable struct {
		row
		Value *float64 `json:"value"`
	}
	n := nullable{row: row(r)}
	if !math.IsNaN(r.Value) {
		n.Value = &r.Value
	}
	return json.Marshal(n)
}

// UnmarshalJSON reads a null value as NaN.
func (r *Row) UnmarshalJSON(b []byte) error {
	type row Row
	var n struct {
		row
		Value *float64 `json:"value"`
	}
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*r = Row(n.row)
	r.Value = math.NaN()
	if n.Value != nil {
		r.Value = *n.Value
	}
	return nil
}

// label is the row's scenario as the tables show it: "ring (peers)" for a
// row of the peers module, whose "ours" figure was measured again in its
// own process beside the peer's.
func (r *Row) label() string {
	if r.Source == "peers" {
		return r.Scenario + " (peers)"
	}
	return r.Scenario
}

// NewRow returns a row with its target, if it has one, evaluated.
func NewRow(scenario, metric string, value float64, unit string) Row {
	r := Row{Scenario: scenario, Metric: metric, Value: value, Unit: unit, Source: "engine bench"}
	r.evaluate()
	return r
}

// Compare sets the row's peer and ratio and evaluates its target again.
func (r Row) Compare(peer string, peerValue float64) Row {
	r.Peer, r.PeerValue = peer, peerValue
	if peerValue != 0 && !math.IsNaN(peerValue) {
		r.Ratio = r.Value / peerValue
	}
	r.evaluate()
	return r
}

// evaluate looks the row's target up and sets Met.
func (r *Row) evaluate() {
	t, ok := TargetFor(r.Scenario, r.Metric, r.Peer)
	if !ok {
		r.Target, r.Met = nil, ""
		return
	}
	r.Target = &t
	x := r.Value
	if t.On == "ratio" {
		x = r.Ratio
		if r.Peer == "" || r.PeerValue == 0 {
			r.Met = "n/a"
			return
		}
	}
	if math.IsNaN(x) {
		r.Met = "n/a"
		return
	}
	r.Met = "no"
	if t.met(x) {
		r.Met = "yes"
	}
}

// LatencyFile is a latency as the report knows it: its ladders and the
// .hgrm files holding its distributions.
type LatencyFile struct {
	Scenario   string `json:"scenario"`
	Name       string `json:"name"`
	Title      string `json:"title"`
	Method     string `json:"method"`
	Peer       string `json:"peer,omitempty"`
	Unit       string `json:"hgrm_unit"`        // unit of the .hgrm values
	Corrected  string `json:"corrected_hgrm"`   // file name in the output directory
	Raw        string `json:"raw_hgrm"`         // file name in the output directory
	CorrectedL Ladder `json:"corrected_ns"`     // ladder of the corrected histogram, ns
	RawL       Ladder `json:"raw_ns"`           // ladder of the raw histogram, ns
	IntervalNS int64  `json:"interval_ns"`      // expected interval of a closed-loop correction
	Clamped    int64  `json:"clamped_values"`   // values above the histogram range
	Samples    int64  `json:"samples_recorded"` // raw values recorded
}

// PlotFile is an SVG plot in the output directory.
type PlotFile struct {
	Scenario string   `json:"scenario"`
	File     string   `json:"file"`
	Series   []string `json:"series"`
}

// PeersStatus says whether the peer comparisons ran, and if not, why.
type PeersStatus struct {
	Ran    bool   `json:"ran"`
	Reason string `json:"reason,omitempty"` // why they did not run, or failed
	Dir    string `json:"dir,omitempty"`    // the peers module used
}

// Report is everything a run measured: summary.json holds it, summary.txt
// and BENCHMARKS.md render it.
type Report struct {
	Command   string        `json:"command"` // the command line that produced it
	Mode      string        `json:"mode"`    // short, long, smoke
	Scenarios []string      `json:"scenarios"`
	Duration  string        `json:"duration_per_measurement"`
	Started   time.Time     `json:"started"`
	Elapsed   string        `json:"elapsed"`
	LoadAvg   string        `json:"load_average_end"` // /proc/loadavg at the end of the run
	Machine   Machine       `json:"machine"`
	Clock     ClockCost     `json:"clock"`
	Rows      []Row         `json:"rows"`
	Latencies []LatencyFile `json:"latencies"`
	Plots     []PlotFile    `json:"plots"`
	Peers     PeersStatus   `json:"peers"`
	Notes     []string      `json:"notes"`
}

// Add appends rows.
func (r *Report) Add(rows ...Row) { r.Rows = append(r.Rows, rows...) }

// Note appends a note, formatted.
func (r *Report) Note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("bench: summary json: %w", err)
	}
	return nil
}

// ReadReport reads a report written by [Report.WriteJSON].
func ReadReport(rd io.Reader) (*Report, error) {
	var r Report
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, fmt.Errorf("bench: summary json: %w", err)
	}
	return &r, nil
}

// WriteTable writes the results table, then the latency ladders: the text
// of summary.txt and of what `engine bench` prints at the end.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tmetric\tmeasured\ttarget\tmet\tpeer\tratio\tnote")
	for _, row := range r.Rows {
		target := ""
		if row.Target != nil {
			target = row.Target.text(row.Unit)
		}
		peer := ""
		if row.Peer != "" {
			peer = row.Peer
			if row.PeerValue != 0 {
				peer += " " + FormatValue(row.PeerValue, row.Unit)
			}
		}
		ratio := ""
		if row.Ratio != 0 {
			ratio = FormatRatio(row.Ratio)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row.label(), row.Metric, FormatValue(row.Value, row.Unit),
			target, row.Met, peer, ratio, row.Note)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("bench: table: %w", err)
	}
	if !r.Peers.Ran {
		fmt.Fprintf(w, "\npeers: not run: %s\n", r.Peers.Reason)
	} else if r.Peers.Reason != "" {
		fmt.Fprintf(w, "\npeers: %s\n", r.Peers.Reason)
	}
	if len(r.Latencies) > 0 {
		fmt.Fprintf(w, "\nlatency (corrected: %s, %s, or %s; raw beside it)\n", MethodIntended, MethodClosedLoop, MethodPaced)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "latency\thistogram\tcount\tp50\tp90\tp99\tp99.9\tp99.99\tmax\t")
		for _, l := range r.Latencies {
			for _, x := range []struct {
				kind string
				l    Ladder
			}{{"corrected", l.CorrectedL}, {"raw", l.RawL}} {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", l.Name, x.kind, x.l.Count,
					FormatNS(float64(x.l.P50)), FormatNS(float64(x.l.P90)), FormatNS(float64(x.l.P99)),
					FormatNS(float64(x.l.P999)), FormatNS(float64(x.l.P9999)), FormatNS(float64(x.l.Max)))
			}
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("bench: table: %w", err)
		}
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(w, "\nnotes")
		for _, n := range r.Notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
	return nil
}

// FormatValue renders v in unit for people: rates with K/M/G, latencies
// with ns/µs/ms.
func FormatValue(v float64, unit string) string {
	if math.IsNaN(v) {
		return "-"
	}
	switch {
	case unit == "ns":
		return FormatNS(v)
	case strings.HasSuffix(unit, "/s") && unit != "MB/s":
		return FormatSI(v) + " " + unit
	case unit == "MB/s":
		return strconv.FormatFloat(v, 'f', 1, 64) + " MB/s"
	case unit == "count":
		return strconv.FormatFloat(v, 'f', -1, 64)
	case unit == "":
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64) + " " + unit
}

// FormatSI renders v with a K, M or G suffix and 4 significant digits.
func FormatSI(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return strconv.FormatFloat(v/1e9, 'g', 4, 64) + "G"
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', 4, 64) + "M"
	case a >= 1e3:
		return strconv.FormatFloat(v/1e3, 'g', 4, 64) + "K"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// FormatNS renders a duration in nanoseconds with a fitting unit.
func FormatNS(ns float64) string {
	return fmtMicros(ns / 1000)
}

// FormatRatio renders a ratio of ours over theirs.
func FormatRatio(x float64) string {
	switch {
	case x >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64) + "x"
	case x >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64) + "x"
	}
	return strconv.FormatFloat(x, 'f', 2, 64) + "x"
}
