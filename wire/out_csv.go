package wire

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"github.com/tradeengine/engine/event"
)

// outCSVHeader is the first line of an output CSV stream.
const outCSVHeader = "seq,ts,kind,symbol,account,id,side,price,qty,other,other_account,reason\n"

// OutCSV writes output events as CSV: a header line, then one line per event
// with every column. Symbols are written by name once an OutSymbol event has
// named them, else by id; kind, side and reason by name (side and reason are
// empty when none); event.Any as "*". The risk guard's events use the
// columns as event.Out does: a kill's measured figure is in qty, its limit
// in price and its window (ns) in other; a limit's id is in other and its
// value in qty; a breaker's breaches are in qty and the time its state ends
// in other; a parent's allowance is in qty; a held order's pending id (what
// approve and deny name) is in other.
type OutCSV struct {
	bw    *bufio.Writer
	buf   []byte
	names outNames
}

// NewOutCSV returns a writer to w; the header line is written first.
func NewOutCSV(w io.Writer) *OutCSV {
	c := NewOutCSVAppend(w)
	c.bw.WriteString(outCSVHeader) // an error sticks in the bufio.Writer
	return c
}

// NewOutCSVAppend returns a writer to w that continues an output CSV stream
// written before: it writes no header line. Seed it with the symbols the
// stream has named ([OutCSV.SeedSymbols]), and the stream continued is
// byte for byte the one an uninterrupted writer would have written.
func NewOutCSVAppend(w io.Writer) *OutCSV {
	return &OutCSV{bw: bufio.NewWriterSize(w, bufSize), buf: make([]byte, 0, 256)}
}

// SeedSymbols makes the writer name the symbols of syms as if OutSymbol
// events had named them. A name that event.PackName refuses, or an id of
// [MaxSymbols] or more, is an error, and then nothing changes.
func (c *OutCSV) SeedSymbols(syms []SymbolDef) error { return c.names.seed(syms) }

// Write writes o as one line.
func (c *OutCSV) Write(o *event.Out) error {
	c.names.learn(o)
	b := c.buf[:0]
	b = strconv.AppendUint(b, o.Seq, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, o.TS, 10)
	b = append(b, ',')
	b = appendOutKind(b, o.Kind)
	b = append(b, ',')
	b = c.names.appendSymbol(b, o.Symbol)
	b = append(b, ',')
	b = appendAcct(b, o.Account)
	b = append(b, ',')
	b = strconv.AppendUint(b, o.ID, 10)
	b = append(b, ',')
	if o.Side != event.SideNone {
		b = appendSide(b, o.Side)
	}
	b = append(b, ',')
	b = strconv.AppendInt(b, o.Price, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, o.Qty, 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, o.Other, 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(o.OtherAccount), 10)
	b = append(b, ',')
	if o.Reason != event.ReasonNone {
		b = appendReason(b, o.Reason)
	}
	b = append(b, '\n')
	c.buf = b
	if _, err := c.bw.Write(b); err != nil {
		return fmt.Errorf("wire: out csv: write: %w", err)
	}
	return nil
}

// Flush writes any buffered lines to the underlying writer.
func (c *OutCSV) Flush() error {
	if err := c.bw.Flush(); err != nil {
		return fmt.Errorf("wire: out csv: flush: %w", err)
	}
	return nil
}
