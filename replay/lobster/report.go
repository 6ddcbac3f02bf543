package lobster

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes the report for people: the agreements as shares and
// counts, the volumes, and the first disagreements with their rows.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	pct := func(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) }
	fmt.Fprintf(&b, "messages compared   %d (orderbook rows), %d level(s) a side", r.Messages, r.Levels)
	if r.Synced {
		b.WriteString(", the book re-synchronised before each: step agreements")
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "top of book agrees  %s (%d rows)", pct(r.TopShare()), r.TopAgree)
	if r.FirstTopDiff > 0 {
		fmt.Fprintf(&b, ", first differs at row %d", r.FirstTopDiff)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "all levels agree    %s (%d rows)\n", pct(r.AllShare()), r.AllAgree)
	fmt.Fprintf(&b, "  or differ only where the file reveals a level no message explains: %s (%d more rows)\n", pct(r.RevealedShare()), r.Revealed)
	fmt.Fprintf(&b, "FIFO agreement      %s (%d of %d visible executions of orders the file submitted fill exactly that order)\n",
		pct(r.FIFOShare()), r.FIFOAgree, r.FIFOChecked)
	fmt.Fprintf(&b, "traded volume       %d shares, the file's visible executions %d (ratio %.4f)\n", r.EngineVolume, r.FileVolume, r.VolumeRatio())
	fmt.Fprintf(&b, "not traded here     hidden executions %d shares, crosses %d shares\n", r.HiddenVolume, r.CrossVolume)
	s := r.Import
	fmt.Fprintf(&b, "import              %d new, %d partial cancels, %d deletes, %d visible and %d hidden executions, %d crosses, %d seeded orders, %d naming an order the file never showed\n",
		s.New, s.PartialCancels, s.Deletes, s.VisibleExecutions, s.HiddenExecutions, s.Crosses, s.Seeded, s.UnknownOrders)
	if len(r.Diffs) > 0 {
		fmt.Fprintf(&b, "\nfirst %d rows that differ (row: side level: file price x size, engine price x size; message):\n", len(r.Diffs))
		for _, d := range r.Diffs {
			fmt.Fprintf(&b, "  row %d: %s %d: file %d x %d, engine %d x %d; %s", d.Row, d.Side, d.Level, d.File.Price, d.File.Size, d.Engine.Price, d.Engine.Size, d.Message)
			if d.Revealed {
				b.WriteString(" (revealed)")
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report as one JSON object, with the shares beside
// the counts.
func (r *Report) WriteJSON(w io.Writer) error {
	type shares struct {
		Top      float64 `json:"top"`
		All      float64 `json:"all"`
		FIFO     float64 `json:"fifo"`
		Volume   float64 `json:"volume_ratio"`
		Revealed float64 `json:"all_or_revealed"`
	}
	v := struct {
		*Report
		Shares shares `json:"shares"`
	}{r, shares{r.TopShare(), r.AllShare(), r.FIFOShare(), r.VolumeRatio(), r.RevealedShare()}}
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(v)
}
