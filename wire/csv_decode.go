package wire

import (
	"io"
	"math"
	"strconv"

	"github.com/tradeengine/engine/event"
)

// MaxLineLen is the longest line, in bytes without its line ending, that the
// text decoders accept. Part of the CSV format.
const MaxLineLen = 4096

// maxCSVFields is the largest number of fields of a CSV feed line.
const maxCSVFields = 11

// CSVDecoder reads the CSV feed (see the package documentation). It owns a
// [Symbols] table: the first time a new or symbol line names a symbol, Next
// returns a KindSymbol event defining it and, on the following call, the
// event of the line; any other line naming an unknown symbol, or an account
// scope naming an account no new line named, is malformed. Next does not
// allocate for a line whose symbol and account are already known.
type CSVDecoder struct {
	lr         lineReader
	syms       Symbols
	accts      accounts
	guard      formatGuard
	started    bool // Next has been called
	seeded     bool
	pending    event.In
	hasPending bool
	fields     [maxCSVFields][]byte
}

// NewCSVDecoder returns a decoder reading the CSV feed from r.
func NewCSVDecoder(r io.Reader) *CSVDecoder {
	return &CSVDecoder{lr: newLineReader(r, "csv"), guard: formatGuard{format: "csv", unit: "lines"}}
}

// Seed makes syms and accounts known before the first Next, as [Seeder]
// says.
func (d *CSVDecoder) Seed(syms []SymbolDef, accounts []uint32) error {
	s, a, err := seedTables("csv", d.started || d.seeded, syms, accounts)
	if err != nil {
		return err
	}
	d.syms, d.accts, d.seeded = s, a, true
	return nil
}

// Symbols returns the decoder's symbol table.
func (d *CSVDecoder) Symbols() *Symbols { return &d.syms }

// Next decodes the next event into in. It returns io.EOF at the end; a
// *DecodeError naming the line and what is wrong with it for a malformed line
// (Next may be called again: the line was skipped and changed nothing); any
// other error is fatal, among them one wrapping [ErrNotThisFormat] in place
// of the [MaxLeadingMalformed]th malformed line when no line before it was
// valid, or in place of io.EOF when every line was malformed.
func (d *CSVDecoder) Next(in *event.In) error {
	err := d.next(in)
	if err == nil && d.guard.valid {
		return nil
	}
	return d.guard.check(err)
}

func (d *CSVDecoder) next(in *event.In) error {
	d.started = true
	if d.guard.err != nil {
		return d.guard.err
	}
	if d.hasPending {
		*in = d.pending
		d.hasPending = false
		return nil
	}
	for {
		line, off, err := d.lr.readLine()
		if err != nil {
			return err
		}
		body := trimSpace(line)
		if len(body) == 0 || body[0] == '#' {
			continue
		}
		emit, p := d.parse(body, in)
		if p != nil {
			return &DecodeError{Line: d.lr.line, Offset: off, Record: append([]byte(nil), line...), Err: p}
		}
		if emit {
			return nil
		}
	}
}

// Names of the CSV fields, by position, for error messages.
var (
	newFieldNames    = [...]string{"ts", "kind", "symbol", "account", "id", "side", "type", "price", "qty", "stp", "clordid"}
	cxlFieldNames    = [...]string{"ts", "kind", "account", "id", "price", "qty"}
	massFieldNames   = [...]string{"ts", "kind", "account", "symbol"}
	symFieldNames    = [...]string{"ts", "kind", "symbol"}
	killFieldNames   = [...]string{"ts", "kind", "account", "symbol", "cancel"}
	limitFieldNames  = [...]string{"ts", "kind", "account", "symbol", "limit", "value"}
	parentFieldNames = [...]string{"ts", "kind", "account", "symbol", "side", "qty", "id"}
	pauseFieldNames  = [...]string{"ts", "kind"}
	heldFieldNames   = [...]string{"ts", "kind", "pending"}
	printFieldNames  = [...]string{"ts", "kind", "symbol", "side", "price", "qty", "id", "what"}
	syncFieldNames   = [...]string{"ts", "kind", "symbol", "side", "price", "qty", "above", "account", "id"}
)

// parse decodes one non-blank line. It reports whether it wrote an event into
// in (false for the definition line of a known symbol). Nothing changes when
// it returns a problem.
func (d *CSVDecoder) parse(line []byte, in *event.In) (bool, *problem) {
	f := &d.fields
	n := splitFields(line, f[:])
	if n < 2 {
		return false, &problem{sentinel: ErrFieldCount, detail: "1 field, want at least 2 (ts,kind,...)"}
	}
	var ev event.In
	var names []string
	var symField int // 1-based position of the symbol field, 0 for none
	var lo, hi int
	kind := f[1]
	switch {
	case eqFold(kind, "new"):
		ev.Kind, names, lo, hi, symField = event.KindNew, newFieldNames[:], 9, 11, 3
	case eqFold(kind, "cancel"):
		ev.Kind, names, lo, hi = event.KindCancel, cxlFieldNames[:], 4, 4
	case eqFold(kind, "replace"):
		ev.Kind, names, lo, hi = event.KindReplace, cxlFieldNames[:], 6, 6
	case eqFold(kind, "masscancel"):
		ev.Kind, names, lo, hi, symField = event.KindMassCancel, massFieldNames[:], 4, 4, 4
	case eqFold(kind, "halt"):
		ev.Kind, names, lo, hi, symField = event.KindHalt, symFieldNames[:], 3, 3, 3
	case eqFold(kind, "resume"):
		ev.Kind, names, lo, hi, symField = event.KindResume, symFieldNames[:], 3, 3, 3
	case eqFold(kind, "symbol"):
		ev.Kind, names, lo, hi, symField = event.KindSymbol, symFieldNames[:], 3, 3, 3
	case eqFold(kind, "kill"):
		ev.Kind, names, lo, hi, symField = event.KindKill, killFieldNames[:], 4, 5, 4
	case eqFold(kind, "clear"):
		ev.Kind, names, lo, hi, symField = event.KindClear, killFieldNames[:], 4, 4, 4
	case eqFold(kind, "setlimit"):
		ev.Kind, names, lo, hi, symField = event.KindSetLimit, limitFieldNames[:], 6, 6, 4
	case eqFold(kind, "parent"):
		ev.Kind, names, lo, hi, symField = event.KindParent, parentFieldNames[:], 6, 7, 4
	case eqFold(kind, "pause"):
		ev.Kind, names, lo, hi = event.KindPause, pauseFieldNames[:], 2, 2
	case eqFold(kind, "unpause"):
		ev.Kind, names, lo, hi = event.KindUnpause, pauseFieldNames[:], 2, 2
	case eqFold(kind, "approve"):
		ev.Kind, names, lo, hi = event.KindApprove, heldFieldNames[:], 3, 3
	case eqFold(kind, "deny"):
		ev.Kind, names, lo, hi = event.KindDeny, heldFieldNames[:], 3, 3
	case eqFold(kind, "sync"):
		ev.Kind, names, lo, hi, symField = event.KindSync, syncFieldNames[:], 9, 9, 3
	case eqFold(kind, "print"):
		ev.Kind, names, lo, hi, symField = event.KindPrint, printFieldNames[:], 6, 8, 3
	default:
		return false, badValue(ErrKind, kind, 2, "kind")
	}
	if n < lo || n > hi {
		want := strconv.Itoa(lo)
		if hi != lo {
			want += " to " + strconv.Itoa(hi)
		}
		return false, &problem{sentinel: ErrFieldCount, detail: ev.Kind.String() + " has " + strconv.Itoa(n) + " fields, want " + want}
	}

	if len(f[0]) > 0 {
		ts, e := parseInt(f[0])
		if e != numOK {
			return false, badValue(e.sentinel(), f[0], 1, "ts")
		}
		ev.TS = ts
	}

	var p *problem
	switch ev.Kind {
	case event.KindNew:
		if ev.Account, p = parseAccount(f[3], 4, false); p != nil {
			return false, p
		}
		if ev.ID, p = parseU64(f[4], 5, names[4]); p != nil {
			return false, p
		}
		if ev.Side, p = parseSide(f[5]); p != nil {
			return false, p
		}
		if ev.Type, p = parseType(f[6]); p != nil {
			return false, p
		}
		if ev.Price, p = parseI64(f[7], 8, names[7]); p != nil {
			return false, p
		}
		if ev.Qty, p = parseI64(f[8], 9, names[8]); p != nil {
			return false, p
		}
		if n >= 10 {
			if ev.STP, p = parseSTP(f[9]); p != nil {
				return false, p
			}
		}
		if n >= 11 && len(f[10]) > 0 {
			if ev.Aux, p = parseU64(f[10], 11, names[10]); p != nil {
				return false, p
			}
		}
	case event.KindCancel, event.KindReplace:
		if ev.Account, p = parseAccount(f[2], 3, false); p != nil {
			return false, p
		}
		if ev.ID, p = parseU64(f[3], 4, names[3]); p != nil {
			return false, p
		}
		if ev.Kind == event.KindReplace {
			if ev.Price, p = parseI64(f[4], 5, names[4]); p != nil {
				return false, p
			}
			if ev.Qty, p = parseI64(f[5], 6, names[5]); p != nil {
				return false, p
			}
		}
	case event.KindMassCancel, event.KindKill, event.KindClear, event.KindSetLimit:
		if ev.Account, p = parseAccount(f[2], 3, true); p != nil {
			return false, p
		}
		switch {
		case ev.Kind == event.KindKill && n == 5:
			switch {
			case len(f[4]) == 0, eqFold(f[4], "0"):
			case eqFold(f[4], "cancel"), eqFold(f[4], "1"):
				ev.Arg = event.KillCancel
			default:
				return false, badValue(ErrNumber, f[4], 5, names[4])
			}
		case ev.Kind == event.KindSetLimit:
			v, e := parseUint(f[4], math.MaxUint16)
			if e != numOK {
				return false, badValue(e.sentinel(), f[4], 5, names[4])
			}
			ev.Arg = uint16(v)
			if ev.Qty, p = parseI64(f[5], 6, names[5]); p != nil {
				return false, p
			}
		}
	case event.KindParent:
		if ev.Account, p = parseAccount(f[2], 3, false); p != nil {
			return false, p
		}
		if ev.Side, p = parseSide(f[4]); p != nil {
			p.where = fieldWhere(5, names[4])
			return false, p
		}
		if ev.Qty, p = parseI64(f[5], 6, names[5]); p != nil {
			return false, p
		}
		if n == 7 && len(f[6]) > 0 {
			if ev.ID, p = parseU64(f[6], 7, names[6]); p != nil {
				return false, p
			}
		}
	case event.KindApprove, event.KindDeny:
		if ev.ID, p = parseU64(f[2], 3, names[2]); p != nil {
			return false, p
		}
	case event.KindSync:
		if ev.Side, p = parseSide(f[3]); p != nil {
			p.where = fieldWhere(4, names[3])
			return false, p
		}
		if ev.Price, p = parseI64(f[4], 5, names[4]); p != nil {
			return false, p
		}
		if ev.Qty, p = parseI64(f[5], 6, names[5]); p != nil {
			return false, p
		}
		if ev.Aux, p = parseU64(f[6], 7, names[6]); p != nil {
			return false, p
		}
		if ev.Account, p = parseAccount(f[7], 8, false); p != nil {
			return false, p
		}
		if ev.ID, p = parseU64(f[8], 9, names[8]); p != nil {
			return false, p
		}
	case event.KindPrint:
		if len(f[3]) > 0 && !eqFold(f[3], "none") {
			if ev.Side, p = parseSide(f[3]); p != nil {
				p.where = fieldWhere(4, names[3])
				return false, p
			}
		}
		if ev.Price, p = parseI64(f[4], 5, names[4]); p != nil {
			return false, p
		}
		if ev.Qty, p = parseI64(f[5], 6, names[5]); p != nil {
			return false, p
		}
		if n >= 7 && len(f[6]) > 0 {
			if ev.ID, p = parseU64(f[6], 7, names[6]); p != nil {
				return false, p
			}
		}
		if n == 8 {
			switch {
			case len(f[7]) == 0, eqFold(f[7], "other"):
			case eqFold(f[7], "hidden"):
				ev.Arg = event.PrintHidden
			case eqFold(f[7], "cross"):
				ev.Arg = event.PrintCross
			default:
				return false, badValue(ErrKind, f[7], 8, names[7])
			}
		}
	}

	// The symbol: known, or defined by this line (new and symbol only).
	var id uint32
	define := false
	name := []byte(nil)
	switch {
	case symField == 0:
	case len(f[symField-1]) == 1 && f[symField-1][0] == '*' && (ev.Kind == event.KindMassCancel || ev.Kind == event.KindKill || ev.Kind == event.KindClear || ev.Kind == event.KindSetLimit):
		id = event.Any
	default:
		name = f[symField-1]
		var known bool
		if id, known = d.syms.lookupBytes(name); known {
			break
		}
		if _, err := event.PackName(string(name)); err != nil {
			p := badValue(ErrSymbolName, name, symField, "symbol")
			p.cause = err
			return false, p
		}
		if twin, ok := d.syms.caseTwin(name); ok {
			p := caseProblem(string(name), twin)
			p.where = fieldWhere(symField, "symbol")
			return false, p
		}
		if ev.Kind != event.KindNew && ev.Kind != event.KindSymbol {
			p := badValue(ErrUnknownSymbol, name, symField, "symbol")
			p.detail = "only new and symbol lines define one"
			return false, p
		}
		if d.syms.Len() >= MaxSymbols {
			p := badValue(ErrTooManySymbols, name, symField, "symbol")
			p.detail = "limit " + strconv.Itoa(MaxSymbols)
			return false, p
		}
		define = true
	}

	// The account: a scope names a known one; a new order may make one known.
	switch ev.Kind {
	case event.KindMassCancel, event.KindKill, event.KindClear, event.KindSetLimit:
		if p := d.accts.scope(ev.Account, 3, f[2]); p != nil {
			return false, p
		}
	case event.KindNew:
		if p := d.accts.newAccount(ev.Account, 4); p != nil {
			return false, p
		}
		if !d.accts.known(ev.Account) {
			d.accts.add(ev.Account)
		}
	}

	if !define {
		if ev.Kind == event.KindSymbol {
			return false, nil // a known symbol: nothing to say
		}
		ev.Symbol = id
		*in = ev
		return true, nil
	}
	packed, _ := event.PackName(string(name))
	id = d.syms.add(string(name), packed)
	*in = event.In{Kind: event.KindSymbol, TS: ev.TS, Symbol: id, Aux: packed}
	if ev.Kind != event.KindSymbol {
		ev.Symbol = id
		d.pending = ev
		d.hasPending = true
	}
	return true, nil
}

func parseU64(b []byte, n int, name string) (uint64, *problem) {
	v, e := parseUint(b, math.MaxUint64)
	if e != numOK {
		return 0, badValue(e.sentinel(), b, n, name)
	}
	return v, nil
}

func parseI64(b []byte, n int, name string) (int64, *problem) {
	v, e := parseInt(b)
	if e != numOK {
		return 0, badValue(e.sentinel(), b, n, name)
	}
	return v, nil
}

// parseAccount parses an account id; with star, "*" means event.Any.
func parseAccount(b []byte, n int, star bool) (uint32, *problem) {
	if star && len(b) == 1 && b[0] == '*' {
		return event.Any, nil
	}
	v, e := parseUint(b, math.MaxUint32)
	if e != numOK {
		return 0, badValue(e.sentinel(), b, n, "account")
	}
	if uint32(v) == event.Any {
		p := badValue(ErrAccount, b, n, "account")
		p.detail = "4294967295 is reserved for \"all accounts\""
		return 0, p
	}
	return uint32(v), nil
}

func parseSide(b []byte) (event.Side, *problem) {
	switch {
	case eqFold(b, "buy"), eqFold(b, "b"):
		return event.Buy, nil
	case eqFold(b, "sell"), eqFold(b, "s"):
		return event.Sell, nil
	}
	return 0, badValue(ErrSide, b, 6, "side")
}

func parseType(b []byte) (event.OrdType, *problem) {
	switch {
	case eqFold(b, "limit"):
		return event.Limit, nil
	case eqFold(b, "ioc"):
		return event.IOC, nil
	case eqFold(b, "fok"):
		return event.FOK, nil
	case eqFold(b, "market"):
		return event.Market, nil
	case eqFold(b, "post"):
		return event.PostOnly, nil
	}
	return 0, badValue(ErrType, b, 7, "type")
}

func parseSTP(b []byte) (event.STP, *problem) {
	switch {
	case len(b) == 0, eqFold(b, "none"):
		return event.STPNone, nil
	case eqFold(b, "cancel-resting"), eqFold(b, "cr"):
		return event.STPCancelResting, nil
	case eqFold(b, "cancel-incoming"), eqFold(b, "ci"):
		return event.STPCancelIncoming, nil
	case eqFold(b, "cancel-both"), eqFold(b, "cb"):
		return event.STPCancelBoth, nil
	}
	return 0, badValue(ErrSTP, b, 10, "stp")
}

// Buffered returns how many bytes the decoder holds that it can decode
// without reading again (see [NativeDecoder.Buffered]).
func (d *CSVDecoder) Buffered() int {
	if d.hasPending {
		return 1
	}
	return d.lr.br.Buffered()
}
