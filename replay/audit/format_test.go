package audit

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestHTMLWellFormed parses the page of the scripted day as XML and looks
// for the three charts, their trip markers and anything fetched from
// elsewhere.
func TestHTMLWellFormed(t *testing.T) {
	r, _ := buildDay(t)
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	const doctype = "<!DOCTYPE html>\n"
	if !strings.HasPrefix(page, doctype) {
		t.Fatalf("page does not start with %q", doctype)
	}
	d := xml.NewDecoder(strings.NewReader(strings.TrimPrefix(page, doctype)))
	d.Strict = true
	var stack []string
	svgs := map[string]int{} // figure id -> svg elements in it
	figure, titles, rects, kills, breakers := "", 0, 0, 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("page is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range tok.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch tok.Name.Local {
			case "figure":
				figure = attr["id"]
			case "svg":
				svgs[figure]++
			case "rect":
				rects++
			case "g":
				switch attr["class"] {
				case "kill":
					kills++
				case "breaker":
					breakers++
				}
			case "title":
				if len(stack) > 0 && stack[len(stack)-1] == "g" {
					titles++
				}
			case "script", "link", "img", "iframe":
				t.Errorf("page has a <%s> element", tok.Name.Local)
			}
			stack = append(stack, tok.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Errorf("unclosed elements %v", stack)
	}
	want := map[string]int{"chart-orders": 1, "chart-trades": 1, "chart-notional": 1}
	if !reflect.DeepEqual(svgs, want) {
		t.Errorf("svg elements by figure %v, want %v", svgs, want)
	}
	// Two kills and one breaker opening, marked on each of the 3 charts,
	// each with a title tooltip.
	if kills != 6 || breakers != 3 || titles != 9 {
		t.Errorf("%d kill and %d breaker markers with %d titles, want 6, 3 and 9", kills, breakers, titles)
	}
	if rects == 0 {
		t.Error("no bars")
	}
	if m := regexp.MustCompile(`(?i)(src|href|url)\s*[=(]\s*["']?\s*(https?:)?//`).FindString(page); m != "" {
		t.Errorf("page fetches from elsewhere: %q", m)
	}
	for _, s := range []string{"<style>", "AAPL", "kill account 10 cancel", "exec_ceiling"} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

// TestHTMLEscapes checks that operator text cannot inject markup.
func TestHTMLEscapes(t *testing.T) {
	b := New()
	b.Operator(Operator{Seq: 1, Text: `kill <script>alert("x")</script> & more`})
	r := b.Report(Integrity{})
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<script>") {
		t.Error("operator text written as markup")
	}
	d := xml.NewDecoder(strings.NewReader(strings.TrimPrefix(buf.String(), "<!DOCTYPE html>\n")))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("empty report's page is not well-formed XML: %v", err)
		}
	}
}

// TestJSONRoundTrip checks that the JSON form reads back into an equal
// Report.
func TestJSONRoundTrip(t *testing.T) {
	r, _ := buildDay(t)
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, r) {
		t.Errorf("JSON round trip differs:\n got %+v\nwant %+v", back, *r)
	}
	// The totals carry the summary's names.
	var raw struct {
		Totals map[string]any `json:"totals"`
	}
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"orders_accepted", "orders_rejected", "rejected_total", "cancelled", "trades", "traded_quantity", "events_out"} {
		if _, ok := raw.Totals[k]; !ok {
			t.Errorf("totals lack %q", k)
		}
	}
	if n, ok := raw.Totals["traded_notional"].(float64); !ok || n != 185300 {
		t.Errorf("traded_notional %v, want the number 185300", raw.Totals["traded_notional"])
	}
}

// TestCSV checks that the CSV form parses, that every section's rows are as
// wide as its header, and a few of its figures.
func TestCSV(t *testing.T) {
	r, _ := buildDay(t)
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(&buf)
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	width := 0
	count := map[string]int{}
	value := map[string]string{} // totals and integrity name -> value
	for i, row := range rows {
		if row[0] == "section" {
			width = len(row)
			continue
		}
		if width == 0 || len(row) != width {
			t.Fatalf("row %d %q: %d fields, header has %d", i+1, row, len(row), width)
		}
		count[row[0]]++
		if row[0] == "totals" || row[0] == "integrity" {
			value[row[0]+"."+row[1]] = row[2]
		}
	}
	for _, tc := range []struct {
		section string
		rows    int
	}{{"rejects", 5}, {"accounts", 4}, {"account_rejects", 5}, {"positions", 4}, {"symbols", 2}, {"operators", 6}, {"timeline", 6}, {"overflow", 6}} {
		if count[tc.section] != tc.rows {
			t.Errorf("section %s: %d rows, want %d", tc.section, count[tc.section], tc.rows)
		}
	}
	if count["series"] == 0 || count["series"] > SeriesBuckets {
		t.Errorf("%d series rows", count["series"])
	}
	for k, v := range map[string]string{"totals.trades": "5", "totals.traded_notional": "185300",
		"totals.orders_accepted": "7", "totals.date": "2024-03-05", "integrity.checkpoints_matched": "2"} {
		if value[k] != v {
			t.Errorf("%s = %q, want %q", k, value[k], v)
		}
	}
}

// TestEmptyReport renders a report of nothing in every form.
func TestEmptyReport(t *testing.T) {
	r := New().Report(Integrity{VerifyError: "no journal"})
	for name, write := range map[string]func(io.Writer) error{
		"text": r.WriteText, "json": r.WriteJSON, "csv": r.WriteCSV, "html": r.WriteHTML,
	} {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if name == "text" && !strings.Contains(buf.String(), "NOT VERIFIED: no journal") {
			t.Errorf("text of an unverified journal:\n%s", buf.String())
		}
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestWriteErrors checks that a failed write is returned with context.
func TestWriteErrors(t *testing.T) {
	r, _ := buildDay(t)
	for name, write := range map[string]func(io.Writer) error{
		"text": r.WriteText, "json": r.WriteJSON, "csv": r.WriteCSV, "html": r.WriteHTML,
	} {
		err := write(failWriter{})
		if err == nil || !strings.HasPrefix(err.Error(), "audit: ") || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: error %v, want audit: ...: disk full", name, err)
		}
	}
}
