// Package conf owns the line syntax of the engine's configuration file,
// which the risk guard's parser and the admin socket's roles parser read
// (each its own sections): lines of at most MaxLine bytes, at most MaxLines
// of them; a comment from a '#' at the start of a line or after a space or
// tab; blank lines; section headers "[NAME ARG]"; and "key = value" lines.
package conf

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits of a configuration file.
const (
	MaxLine  = 4096    // bytes in a line
	MaxLines = 1 << 20 // lines in a file
)

// Line is one line that says something: a section header (Section set to
// what is between the brackets, trimmed) or a key = value pair (Key and
// Value trimmed, neither empty).
type Line struct {
	N         int // 1-based line number
	IsSection bool
	Section   string
	Key       string
	Value     string
}

// SyntaxError is a line that is not a header, a key = value pair, a comment
// or blank, or a file beyond the limits. The parsers report it in their own
// error type, with the file's name.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Scan reads r and calls fn for every header and key = value line, in
// order. It returns fn's first error, a *SyntaxError, or the reader's
// error.
func Scan(r io.Reader, fn func(Line) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), MaxLine)
	n := 0
	for sc.Scan() {
		n++
		if n > MaxLines {
			return &SyntaxError{Line: n, Msg: fmt.Sprintf("more than %d lines", MaxLines)}
		}
		s := strings.TrimSpace(stripComment(sc.Text()))
		if s == "" {
			continue
		}
		l := Line{N: n}
		if s[0] == '[' {
			if s[len(s)-1] != ']' {
				return &SyntaxError{Line: n, Msg: fmt.Sprintf("section header %q not closed with ]", s)}
			}
			l.IsSection, l.Section = true, strings.TrimSpace(s[1:len(s)-1])
		} else {
			key, val, ok := strings.Cut(s, "=")
			if !ok {
				return &SyntaxError{Line: n, Msg: fmt.Sprintf("%q is neither a section header nor key = value", s)}
			}
			l.Key, l.Value = strings.TrimSpace(key), strings.TrimSpace(val)
			if l.Key == "" {
				return &SyntaxError{Line: n, Msg: "missing key before ="}
			}
			if l.Value == "" {
				return &SyntaxError{Line: n, Msg: fmt.Sprintf("%s: missing value", l.Key)}
			}
		}
		if err := fn(l); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return &SyntaxError{Line: n + 1, Msg: fmt.Sprintf("line longer than %d bytes", MaxLine)}
		}
		return err
	}
	return nil
}

// stripComment removes a comment: from a '#' at the start of the line or
// after a space or tab.
func stripComment(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
			return s[:i]
		}
	}
	return s
}
