package bench

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// svgSeries parses an SVG document, failing on malformed XML, and returns
// the data-name of every series group and the number of points of its path.
func svgSeries(t *testing.T, doc []byte) (names []string, points []int) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	root := ""
	inSeries := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("malformed SVG: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			if ee, ok := tok.(xml.EndElement); ok && ee.Name.Local == "g" {
				inSeries = false
			}
			continue
		}
		if root == "" {
			root = se.Name.Local
			if se.Name.Space != "http://www.w3.org/2000/svg" {
				t.Errorf("root namespace %q", se.Name.Space)
			}
		}
		attr := func(name string) string {
			for _, a := range se.Attr {
				if a.Name.Local == name {
					return a.Value
				}
			}
			return ""
		}
		switch {
		case se.Name.Local == "g" && attr("class") == "series":
			names = append(names, attr("data-name"))
			points = append(points, 0)
			inSeries = true
		case se.Name.Local == "path" && inSeries:
			points[len(points)-1] = strings.Count(attr("d"), "L") + strings.Count(attr("d"), "M")
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q, want svg", root)
	}
	return names, points
}

func TestWritePlotSVG(t *testing.T) {
	ladder := []HgrmPoint{{0.2, 0, 1}, {0.25, 0.5, 50}, {0.4, 0.9, 90}, {3, 0.99, 99}, {120, 0.9999, 100}, {150, 1, 100}}
	for _, tc := range []struct {
		name   string
		series []Series
	}{
		{"no series", nil},
		{"empty series", []Series{{Name: "nothing"}}},
		{"corrected and raw", []Series{{Name: "e2e-1M", Points: ladder}, {Name: "e2e-1M (raw)", Dashed: true, Points: ladder[:4]}}},
		{"zero values", []Series{{Name: "zeros", Points: []HgrmPoint{{0, 0, 1}, {0, 1, 2}}}}},
		{"names that need escaping", []Series{{Name: `a<b>&"c"`, Points: ladder}}},
		{"many series", func() []Series {
			var s []Series
			for i := range 13 {
				s = append(s, Series{Name: strings.Repeat("x", i+1), Points: ladder})
			}
			return s
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WritePlotSVG(&buf, Plot{Title: "test <plot>", Series: tc.series}); err != nil {
				t.Fatal(err)
			}
			names, points := svgSeries(t, buf.Bytes())
			var want []string
			for _, s := range tc.series {
				want = append(want, s.Name)
			}
			if !slices.Equal(names, want) {
				t.Fatalf("series %q, want %q", names, want)
			}
			for i, s := range tc.series {
				if points[i] != len(s.Points) {
					t.Errorf("series %q: %d points drawn, want %d", s.Name, points[i], len(s.Points))
				}
			}
			for _, label := range []string{">0%<", ">90%<", ">99%<", ">99.9%<", ">99.99%<", ">99.999%<", "percentile", "latency"} {
				if !strings.Contains(buf.String(), label) {
					t.Errorf("no %q on the axes", label)
				}
			}
		})
	}
}

func TestNinesLabel(t *testing.T) {
	for n, want := range []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"} {
		if got := ninesLabel(n); got != want {
			t.Errorf("ninesLabel(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFmtMicros(t *testing.T) {
	for _, tc := range []struct {
		us   float64
		want string
	}{{0.215, "215 ns"}, {1, "1 µs"}, {18.3, "18.3 µs"}, {1500, "1.5 ms"}, {2.5e6, "2.5 s"}} {
		if got := fmtMicros(tc.us); got != tc.want {
			t.Errorf("fmtMicros(%g) = %q, want %q", tc.us, got, tc.want)
		}
	}
}
