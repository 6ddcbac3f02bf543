package wire

import "math"

// Helpers for the text formats: they parse from byte slices without
// allocating and report failures as a small code, so that the good path
// builds no error values.

// numErr is the outcome of a number parse.
type numErr uint8

const (
	numOK numErr = iota
	numSyntax
	numOverflow
)

// sentinel returns the error a failed parse reports.
func (e numErr) sentinel() error {
	if e == numOverflow {
		return ErrOverflow
	}
	return ErrNumber
}

// parseUint parses a non-empty string of decimal digits no greater than max.
func parseUint(b []byte, max uint64) (uint64, numErr) {
	if len(b) == 0 {
		return 0, numSyntax
	}
	var v uint64
	over := false
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, numSyntax
		}
		d := uint64(c - '0')
		if v > max/10 || (v == max/10 && d > max%10) {
			over = true // keep scanning: a syntax error wins
			continue
		}
		if !over {
			v = v*10 + d
		}
	}
	if over {
		return 0, numOverflow
	}
	return v, numOK
}

// parseInt parses an optionally signed decimal int64.
func parseInt(b []byte) (int64, numErr) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if !neg {
		v, e := parseUint(b, math.MaxInt64)
		return int64(v), e
	}
	v, e := parseUint(b, 1<<63)
	return int64(-v), e
}

// isSpace reports whether c is a blank ignored around fields.
func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// trimSpace cuts blanks from both ends of b.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// trimEOL cuts a trailing "\n" or "\r\n".
func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// eqFold reports whether b equals the lower-case ASCII keyword s, ignoring
// ASCII case.
func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// splitFields splits line at commas into dst, trimming blanks around each
// field, and returns the number of fields in the line, which may exceed
// len(dst) (the extra fields are not stored).
func splitFields(line []byte, dst [][]byte) int {
	n, start := 0, 0
	for i := 0; i <= len(line); i++ {
		if i == len(line) || line[i] == ',' {
			if n < len(dst) {
				dst[n] = trimSpace(line[start:i])
			}
			n++
			start = i + 1
		}
	}
	return n
}
