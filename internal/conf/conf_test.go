package conf

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestScan: headers and key = value lines come out trimmed, with their
// line numbers; comments and blank lines do not; a '#' inside a value that
// does not follow a space stays.
func TestScan(t *testing.T) {
	in := "# head\n\n[global]  # the engine\n  tick_usd = 0.01\nname = a#b\n[account 7]\nx=1 # one\n"
	var got []Line
	if err := Scan(strings.NewReader(in), func(l Line) error { got = append(got, l); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []Line{
		{N: 3, IsSection: true, Section: "global"},
		{N: 4, Key: "tick_usd", Value: "0.01"},
		{N: 5, Key: "name", Value: "a#b"},
		{N: 6, IsSection: true, Section: "account 7"},
		{N: 7, Key: "x", Value: "1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

// TestScanErrors: each syntax error names its line.
func TestScanErrors(t *testing.T) {
	for _, c := range []struct {
		in   string
		line int
		msg  string
	}{
		{"[global\n", 1, `section header "[global" not closed with ]`},
		{"\nfoo\n", 2, `"foo" is neither a section header nor key = value`},
		{"= 1\n", 1, "missing key before ="},
		{"a =  # nothing\n", 1, "a: missing value"},
		{"a = 1\n" + strings.Repeat("x", MaxLine+1) + "\n", 2, "line longer than 4096 bytes"},
	} {
		err := Scan(strings.NewReader(c.in), func(Line) error { return nil })
		var se *SyntaxError
		if !errors.As(err, &se) || se.Line != c.line || se.Msg != c.msg {
			t.Errorf("%q: error %v, want line %d: %s", c.in, err, c.line, c.msg)
		}
	}
	stop := errors.New("stop")
	if err := Scan(strings.NewReader("a = 1\nb = 2\n"), func(Line) error { return stop }); err != stop {
		t.Fatalf("the callback's error came back as %v", err)
	}
}
