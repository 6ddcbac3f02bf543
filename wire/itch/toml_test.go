package itch

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

// tomlValue is one value of the TOML subset the spec vectors use: a string,
// an integer, or an array (kept unparsed: no test reads one).
type tomlValue struct {
	kind byte // 's' string, 'i' integer, 'a' array
	str  string
	num  int64
}

func (v tomlValue) String() string {
	switch v.kind {
	case 's':
		return strconv.Quote(v.str)
	case 'i':
		return strconv.FormatInt(v.num, 10)
	}
	return v.str
}

// tomlDoc maps a section name ("" for the top level, "negative.size_plus_one"
// for a dotted one) to its keys.
type tomlDoc map[string]map[string]tomlValue

// parseTOML reads the subset of TOML the spec vectors use: [section] and
// [dotted.section] headers, key = "string" (with Go/TOML basic escapes),
// key = integer, key = [array] on one line, comments and blank lines. Any
// other construct is an error, so that a vector using one fails the test
// instead of being half read.
func parseTOML(r io.Reader) (tomlDoc, error) {
	doc := tomlDoc{"": {}}
	section := ""
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 || strings.TrimSpace(stripComment(line[end+1:])) != "" {
				return nil, fmt.Errorf("line %d: bad section header %q", n, line)
			}
			section = strings.TrimSpace(line[1:end])
			if section == "" || strings.ContainsAny(section, "[\"'") {
				return nil, fmt.Errorf("line %d: unsupported section header %q", n, line)
			}
			if _, dup := doc[section]; dup {
				return nil, fmt.Errorf("line %d: section %q defined twice", n, section)
			}
			doc[section] = map[string]tomlValue{}
			continue
		}
		key, rest, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" || strings.ContainsAny(key, " \t.\"'") {
			return nil, fmt.Errorf("line %d: not a key = value line: %q", n, line)
		}
		v, err := parseTOMLValue(strings.TrimSpace(rest))
		if err != nil {
			return nil, fmt.Errorf("line %d: key %s: %v", n, key, err)
		}
		if _, dup := doc[section][key]; dup {
			return nil, fmt.Errorf("line %d: key %s defined twice", n, key)
		}
		doc[section][key] = v
	}
	return doc, sc.Err()
}

func parseTOMLValue(s string) (tomlValue, error) {
	switch {
	case s == "":
		return tomlValue{}, fmt.Errorf("no value")
	case s[0] == '"':
		end := 1
		for ; end < len(s) && s[end] != '"'; end++ {
			if s[end] == '\\' {
				end++
			}
		}
		if end >= len(s) {
			return tomlValue{}, fmt.Errorf("unterminated string %s", s)
		}
		str, err := strconv.Unquote(s[:end+1])
		if err != nil {
			return tomlValue{}, fmt.Errorf("bad string %s: %v", s[:end+1], err)
		}
		if rest := strings.TrimSpace(stripComment(s[end+1:])); rest != "" {
			return tomlValue{}, fmt.Errorf("text after string: %q", rest)
		}
		return tomlValue{kind: 's', str: str}, nil
	case s[0] == '[':
		// One-line arrays of strings and integers; the content is not used.
		end := strings.LastIndexByte(s, ']')
		if end < 0 || strings.TrimSpace(stripComment(s[end+1:])) != "" {
			return tomlValue{}, fmt.Errorf("unsupported array %s", s)
		}
		return tomlValue{kind: 'a', str: s[:end+1]}, nil
	default:
		s = strings.TrimSpace(stripComment(s))
		num, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
		if err != nil {
			return tomlValue{}, fmt.Errorf("unsupported value %s (only strings, integers and arrays)", s)
		}
		return tomlValue{kind: 'i', num: num}, nil
	}
}

// stripComment removes a trailing # comment from text that holds no string.
func stripComment(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		return s[:i]
	}
	return s
}

func TestParseTOML(t *testing.T) {
	doc, err := parseTOML(strings.NewReader(`# a comment
a = "x # not a comment"  # a comment
n = 42
arr = [1, "two"]

[neg.one]
s = "q\"uote"
`))
	if err != nil {
		t.Fatal(err)
	}
	want := tomlDoc{
		"":        {"a": {kind: 's', str: "x # not a comment"}, "n": {kind: 'i', num: 42}, "arr": {kind: 'a', str: `[1, "two"]`}},
		"neg.one": {"s": {kind: 's', str: `q"uote`}},
	}
	if fmt.Sprint(doc) != fmt.Sprint(want) {
		t.Errorf("parsed %v\nwant %v", doc, want)
	}
	for _, bad := range []string{
		"a = true",
		"a = 1.5",
		`a = "unterminated`,
		`a = "x" y`,
		"[a",
		"[]",
		"just words",
		"a = 1\na = 2",
		"[s]\n[s]",
		`"quoted key" = 1`,
		"a = {b = 1}",
	} {
		if _, err := parseTOML(strings.NewReader(bad)); err == nil {
			t.Errorf("parseTOML(%q) succeeded, want an error", bad)
		}
	}
}
