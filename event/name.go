package event

import (
	"errors"
	"fmt"
)

// MaxNameLen is the longest symbol name, in bytes. Part of the format: a
// name is packed into the 8-byte Aux field of a [KindSymbol] event.
const MaxNameLen = 8

// ErrName reports a symbol name that cannot be packed.
var ErrName = errors.New("event: bad symbol name")

// PackName packs a symbol name of 1 to 8 bytes into a uint64, first byte in
// the low byte, unused bytes zero. A name is made of ASCII letters, digits and
// the characters '.', '-', '_', '/', '^', '+', '=' and '*' (NASDAQ's
// suffixes: "ACEL+" a warrant, "ACAHU=" a unit, "ALL-A*" a called issue);
// "*" alone, which the feed formats read as all symbols, is not a name.
func PackName(name string) (uint64, error) {
	if len(name) == 0 || len(name) > MaxNameLen {
		return 0, fmt.Errorf("%w: %q: length %d, want 1 to %d", ErrName, name, len(name), MaxNameLen)
	}
	if name == "*" {
		return 0, fmt.Errorf("%w: \"*\" means all symbols", ErrName)
	}
	var v uint64
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !nameByte(c) {
			return 0, fmt.Errorf("%w: %q: byte %d (%q) not allowed", ErrName, name, i, c)
		}
		v |= uint64(c) << (8 * i)
	}
	return v, nil
}

// UnpackName returns the name packed in v, and false when v is not a packed
// name (empty, a byte not allowed, or a zero byte before a non-zero one).
func UnpackName(v uint64) (string, bool) {
	var b [MaxNameLen]byte
	n := 0
	for i := 0; i < MaxNameLen; i++ {
		c := byte(v >> (8 * i))
		if c == 0 {
			if v>>(8*i) != 0 {
				return "", false
			}
			break
		}
		if !nameByte(c) {
			return "", false
		}
		b[i] = c
		n++
	}
	if n == 0 || n == 1 && b[0] == '*' {
		return "", false
	}
	return string(b[:n]), true
}

func nameByte(c byte) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return true
	case c == '.', c == '-', c == '_', c == '/', c == '^', c == '+', c == '=', c == '*':
		return true
	}
	return false
}
