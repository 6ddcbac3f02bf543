package wire

import (
	"errors"
	"strconv"
	"strings"
)

// Errors reported by the decoders and encoders, wrapped with context; test
// with errors.Is.
var (
	// Stream headers.
	ErrMagic     = errors.New("wire: bad magic")
	ErrVersion   = errors.New("wire: unsupported stream version")
	ErrFrameSize = errors.New("wire: unsupported frame size")
	ErrHeader    = errors.New("wire: bad stream header")
	ErrOutStream = errors.New("wire: an output stream, not a feed")

	// Records.
	ErrTruncated      = errors.New("wire: truncated frame")
	ErrFrame          = errors.New("wire: bad frame")
	ErrLineTooLong    = errors.New("wire: line too long")
	ErrFieldCount     = errors.New("wire: wrong field count")
	ErrKind           = errors.New("wire: unknown kind")
	ErrNumber         = errors.New("wire: bad number")
	ErrOverflow       = errors.New("wire: number out of range")
	ErrSide           = errors.New("wire: bad side")
	ErrType           = errors.New("wire: bad order type")
	ErrSTP            = errors.New("wire: bad stp mode")
	ErrAccount        = errors.New("wire: bad account")
	ErrSymbolName     = errors.New("wire: bad symbol name")
	ErrTooManySymbols = errors.New("wire: too many symbols")
	// ErrSymbolCase: a name differs from a known symbol's only by case
	// (symbol names are case-sensitive, and such a pair is refused).
	ErrSymbolCase = errors.New("wire: symbol differs from a known one only by case")
	// ErrUnknownAccount: an account scope names an account no new order
	// named and no seed gave.
	ErrUnknownAccount  = errors.New("wire: unknown account")
	ErrTooManyAccounts = errors.New("wire: too many accounts")
	ErrTime            = errors.New("wire: bad time")
	ErrDirection       = errors.New("wire: bad direction")
	ErrMessageType     = errors.New("wire: unknown message type")
	ErrHaltPrice       = errors.New("wire: bad halt indicator")
	ErrOrderID         = errors.New("wire: bad order id")

	// Feeds.
	// ErrNotThisFormat is wrapped by the fatal error of a decoder whose feed
	// began with [MaxLeadingMalformed] malformed records, or ended with only
	// malformed ones: the feed is most likely not in the format asked for.
	ErrNotThisFormat = errors.New("wire: no valid record")

	// Decoders, encoders and configuration.
	// ErrUnknownSymbol: an event names a symbol (by name or by id) that is
	// not defined.
	ErrUnknownSymbol = errors.New("wire: unknown symbol")
	ErrSymbolOrder   = errors.New("wire: symbol ids not dense in order of definition")
	ErrUnencodable   = errors.New("wire: event cannot be written in this format")
	ErrFormat        = errors.New("wire: unknown format")
	ErrConfig        = errors.New("wire: bad configuration")
)

// DecodeError reports one malformed record. The decoder that returned it has
// skipped the record, and Next may be called again.
type DecodeError struct {
	Line   int64  // 1-based line number for text formats; 0 for binary ones
	Offset int64  // byte offset of the record in the stream
	Record []byte // the raw bad line or frame, copied (at most MaxLineLen bytes)
	Err    error  // what was wrong; wraps one of the package's sentinels
}

// Error returns "wire: line 12: bad side \"x\" (field 6, side)" for text
// formats and "wire: offset 4112: ..." for binary ones.
func (e *DecodeError) Error() string {
	var b []byte
	if e.Line > 0 {
		b = append(b, "wire: line "...)
		b = strconv.AppendInt(b, e.Line, 10)
	} else {
		b = append(b, "wire: offset "...)
		b = strconv.AppendInt(b, e.Offset, 10)
	}
	b = append(b, ": "...)
	msg := "unknown error"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	b = append(b, strings.TrimPrefix(msg, "wire: ")...)
	return string(b)
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

// problem is the error inside a DecodeError: a sentinel, the offending value
// and where it was found, and optionally a cause from another package.
type problem struct {
	sentinel error
	text     string // replaces the sentinel's text and val when set
	val      string // offending value, quoted in the message; "" for none
	hasVal   bool
	where    string // "field 6, side"; "" for none
	detail   string // free text after the rest
	cause    error
}

func (p *problem) Error() string {
	var b strings.Builder
	if p.text != "" {
		b.WriteString(p.text)
	} else {
		b.WriteString(strings.TrimPrefix(p.sentinel.Error(), "wire: "))
	}
	if p.hasVal && p.text == "" {
		b.WriteByte(' ')
		b.WriteString(strconv.Quote(p.val))
	}
	if p.where != "" {
		b.WriteString(" (")
		b.WriteString(p.where)
		b.WriteByte(')')
	}
	if p.detail != "" {
		b.WriteString(": ")
		b.WriteString(p.detail)
	}
	if p.cause != nil {
		b.WriteString(": ")
		b.WriteString(p.cause.Error())
	}
	return b.String()
}

func (p *problem) Unwrap() []error {
	if p.cause != nil {
		return []error{p.sentinel, p.cause}
	}
	return []error{p.sentinel}
}

// maxQuoted is the longest offending value quoted in a message.
const maxQuoted = 40

// badValue returns a problem quoting val, found in field n (1-based) named
// name.
func badValue(sentinel error, val []byte, n int, name string) *problem {
	if len(val) > maxQuoted {
		val = val[:maxQuoted]
	}
	return &problem{sentinel: sentinel, val: string(val), hasVal: true, where: fieldWhere(n, name)}
}

func fieldWhere(n int, name string) string {
	return "field " + strconv.Itoa(n) + ", " + name
}
