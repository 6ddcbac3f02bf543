package wire

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"github.com/tradeengine/engine/event"
)

// csvHeader opens every CSV feed written by [CSVEncoder].
const csvHeader = `# trading engine CSV feed: one event per line, TS in ns (empty = not given)
# TS,new,SYMBOL,ACCOUNT,ID,SIDE,TYPE,PRICE,QTY[,STP[,CLORDID]]
# TS,cancel,ACCOUNT,ID
# TS,replace,ACCOUNT,ID,PRICE,QTY
# TS,masscancel,ACCOUNT|*,SYMBOL|*
# TS,halt,SYMBOL
# TS,resume,SYMBOL
# TS,symbol,SYMBOL
# TS,kill,ACCOUNT|*,SYMBOL|*[,cancel]
# TS,clear,ACCOUNT|*,SYMBOL|*
# TS,setlimit,ACCOUNT|*,SYMBOL|*,LIMIT,VALUE
# TS,parent,ACCOUNT,SYMBOL,SIDE,QTY[,ID]
# TS,pause
# TS,unpause
# TS,approve,PENDING
# TS,deny,PENDING
# SYMBOL is case-sensitive; only new and symbol lines define one, and the
# ACCOUNT of masscancel, kill, clear and setlimit is * or one a new line named
`

// CSVEncoder writes the CSV feed. It learns symbol names from the KindSymbol
// events it is given, which must define ids densely from 0 (the CSV format
// numbers symbols in order of definition), and writes an explicit symbol line
// for each. Only the fields that mean something for an event's kind are
// written; Seq and Arg are not part of the format.
type CSVEncoder struct {
	bw   *bufio.Writer
	buf  []byte
	syms Symbols
}

// NewCSVEncoder returns an encoder writing to w, starting with comment lines
// that document the columns.
func NewCSVEncoder(w io.Writer) *CSVEncoder {
	e := &CSVEncoder{bw: bufio.NewWriterSize(w, bufSize), buf: make([]byte, 0, 256)}
	e.bw.WriteString(csvHeader) // an error sticks in the bufio.Writer and is returned later
	return e
}

// Encode writes in as one line. It returns an error wrapping
// [ErrUnknownSymbol] for an event naming a symbol id not defined, and
// [ErrUnencodable] or [ErrSymbolOrder] for an event the format cannot carry.
// It does not allocate once the symbols are defined.
func (e *CSVEncoder) Encode(in *event.In) error {
	b := e.buf[:0]
	if in.TS != 0 {
		b = strconv.AppendInt(b, in.TS, 10)
	}
	b = append(b, ',')
	if !in.Kind.Valid() {
		return fmt.Errorf("wire: csv encode: %w: kind %d", ErrUnencodable, in.Kind)
	}
	b = append(b, in.Kind.String()...)
	var err error
	switch in.Kind {
	case event.KindNew:
		if b, err = e.appendSymbol(b, in.Symbol, false); err != nil {
			return err
		}
		if b, err = appendAccount(b, in.Account, false); err != nil {
			return err
		}
		b = append(b, ',')
		b = strconv.AppendUint(b, in.ID, 10)
		if !in.Side.Valid() || !in.Type.Valid() || !in.STP.Valid() {
			return fmt.Errorf("wire: csv encode: %w: new order %d with side %d, type %d, stp %d", ErrUnencodable, in.ID, in.Side, in.Type, in.STP)
		}
		b = append(b, ',')
		b = append(b, in.Side.String()...)
		b = append(b, ',')
		b = append(b, in.Type.String()...)
		b = append(b, ',')
		b = strconv.AppendInt(b, in.Price, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, in.Qty, 10)
		if in.STP != event.STPNone || in.Aux != 0 {
			b = append(b, ',')
			b = append(b, in.STP.String()...)
		}
		if in.Aux != 0 {
			b = append(b, ',')
			b = strconv.AppendUint(b, in.Aux, 10)
		}
	case event.KindCancel, event.KindReplace:
		if b, err = appendAccount(b, in.Account, false); err != nil {
			return err
		}
		b = append(b, ',')
		b = strconv.AppendUint(b, in.ID, 10)
		if in.Kind == event.KindReplace {
			b = append(b, ',')
			b = strconv.AppendInt(b, in.Price, 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, in.Qty, 10)
		}
	case event.KindMassCancel:
		if b, err = appendAccount(b, in.Account, true); err != nil {
			return err
		}
		if b, err = e.appendSymbol(b, in.Symbol, true); err != nil {
			return err
		}
	case event.KindHalt, event.KindResume:
		if b, err = e.appendSymbol(b, in.Symbol, false); err != nil {
			return err
		}
	case event.KindKill, event.KindClear, event.KindSetLimit:
		if in.Kind == event.KindClear && in.Arg != 0 || in.Kind == event.KindKill && in.Arg > event.KillCancel {
			return fmt.Errorf("wire: csv encode: %w: %v with arg %d", ErrUnencodable, in.Kind, in.Arg)
		}
		if b, err = appendAccount(b, in.Account, true); err != nil {
			return err
		}
		if b, err = e.appendSymbol(b, in.Symbol, true); err != nil {
			return err
		}
		switch {
		case in.Kind == event.KindKill && in.Arg == event.KillCancel:
			b = append(b, ",cancel"...)
		case in.Kind == event.KindSetLimit:
			b = append(b, ',')
			b = strconv.AppendUint(b, uint64(in.Arg), 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, in.Qty, 10)
		}
	case event.KindParent:
		if b, err = appendAccount(b, in.Account, false); err != nil {
			return err
		}
		if b, err = e.appendSymbol(b, in.Symbol, false); err != nil {
			return err
		}
		if !in.Side.Valid() {
			return fmt.Errorf("wire: csv encode: %w: parent %d with side %d", ErrUnencodable, in.ID, in.Side)
		}
		b = append(b, ',')
		b = append(b, in.Side.String()...)
		b = append(b, ',')
		b = strconv.AppendInt(b, in.Qty, 10)
		if in.ID != 0 {
			b = append(b, ',')
			b = strconv.AppendUint(b, in.ID, 10)
		}
	case event.KindSync:
		if !in.Side.Valid() {
			return fmt.Errorf("wire: csv encode: %w: sync with side %d", ErrUnencodable, in.Side)
		}
		if b, err = e.appendSymbol(b, in.Symbol, false); err != nil {
			return err
		}
		b = append(b, ',')
		b = append(b, in.Side.String()...)
		b = append(b, ',')
		b = strconv.AppendInt(b, in.Price, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, in.Qty, 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, in.Aux, 10)
		if b, err = appendAccount(b, in.Account, false); err != nil {
			return err
		}
		b = append(b, ',')
		b = strconv.AppendUint(b, in.ID, 10)
	case event.KindPrint:
		if in.Side != event.SideNone && !in.Side.Valid() || in.Arg > event.PrintCross {
			return fmt.Errorf("wire: csv encode: %w: print with side %d, arg %d", ErrUnencodable, in.Side, in.Arg)
		}
		if b, err = e.appendSymbol(b, in.Symbol, false); err != nil {
			return err
		}
		b = append(b, ',')
		b = append(b, in.Side.String()...)
		b = append(b, ',')
		b = strconv.AppendInt(b, in.Price, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, in.Qty, 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, in.ID, 10)
		b = append(b, ',')
		b = append(b, [...]string{"other", "hidden", "cross"}[in.Arg]...)
	case event.KindPause, event.KindUnpause:
	case event.KindApprove, event.KindDeny:
		b = append(b, ',')
		b = strconv.AppendUint(b, in.ID, 10)
	case event.KindSymbol:
		name, ok := event.UnpackName(in.Aux)
		if !ok {
			return fmt.Errorf("wire: csv encode: %w: symbol %d: aux %#x is not a packed name", ErrUnencodable, in.Symbol, in.Aux)
		}
		if id, known := e.syms.Lookup(name); known {
			if id != in.Symbol {
				return fmt.Errorf("wire: csv encode: %w: %q is id %d, redefined as %d", ErrSymbolOrder, name, id, in.Symbol)
			}
			return nil // already written; the decoder would skip it
		}
		if want := uint32(e.syms.Len()); in.Symbol != want {
			return fmt.Errorf("wire: csv encode: %w: %q defined as id %d, next id is %d", ErrSymbolOrder, name, in.Symbol, want)
		}
		if _, _, err := e.syms.Define(name); err != nil {
			return fmt.Errorf("wire: csv encode: %w", err)
		}
		b = append(b, ',')
		b = append(b, name...)
	}
	b = append(b, '\n')
	e.buf = b
	if _, err := e.bw.Write(b); err != nil {
		return fmt.Errorf("wire: csv encode: write: %w", err)
	}
	return nil
}

func (e *CSVEncoder) appendSymbol(b []byte, id uint32, star bool) ([]byte, error) {
	b = append(b, ',')
	if star && id == event.Any {
		return append(b, '*'), nil
	}
	name, ok := e.syms.Name(id)
	if !ok {
		return b, fmt.Errorf("wire: csv encode: %w: %d", ErrUnknownSymbol, id)
	}
	return append(b, name...), nil
}

func appendAccount(b []byte, acct uint32, star bool) ([]byte, error) {
	b = append(b, ',')
	if acct == event.Any {
		if !star {
			return b, fmt.Errorf("wire: csv encode: %w: account %d is reserved", ErrUnencodable, acct)
		}
		return append(b, '*'), nil
	}
	return strconv.AppendUint(b, uint64(acct), 10), nil
}

// Comment writes text as a comment line ("# text"), in order with the
// events; a line feed in text ends the comment and is written as a space.
func (e *CSVEncoder) Comment(text string) error {
	b := append(e.buf[:0], "# "...)
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\n' || c == '\r' {
			c = ' '
		}
		b = append(b, c)
	}
	b = append(b, '\n')
	e.buf = b
	if _, err := e.bw.Write(b); err != nil {
		return fmt.Errorf("wire: csv encode: write: %w", err)
	}
	return nil
}

// Flush writes any buffered lines to the underlying writer.
func (e *CSVEncoder) Flush() error {
	if err := e.bw.Flush(); err != nil {
		return fmt.Errorf("wire: csv encode: flush: %w", err)
	}
	return nil
}
