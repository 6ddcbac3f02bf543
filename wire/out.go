package wire

import (
	"fmt"
	"strconv"

	"github.com/tradeengine/engine/event"
)

// OutWriter writes output events in one of the output formats. Write does not
// allocate (except the first time a symbol is named); Flush writes what is
// buffered to the underlying writer.
type OutWriter interface {
	Write(o *event.Out) error
	Flush() error
}

// OutSeeder is implemented by the output writers: a writer that continues
// the output of an earlier run is seeded with the symbols that run's journal
// defined, so that it writes their names as an uninterrupted run would.
type OutSeeder interface {
	SeedSymbols(syms []SymbolDef) error
}

// Interface checks.
var (
	_ OutSeeder = (*OutCSV)(nil)
	_ OutSeeder = (*OutJSON)(nil)
	_ OutSeeder = (*OutNative)(nil)
)

// outNames remembers the symbol names that OutSymbol events have given, by
// symbol id, for the text output formats.
type outNames struct {
	packed []uint64 // by symbol id; 0 = not named
}

// learn records the name an OutSymbol event gives.
func (n *outNames) learn(o *event.Out) {
	if o.Kind != event.OutSymbol || o.Symbol >= MaxSymbols {
		return
	}
	if _, ok := event.UnpackName(o.Other); !ok {
		return
	}
	for uint32(len(n.packed)) <= o.Symbol {
		n.packed = append(n.packed, 0)
	}
	n.packed[o.Symbol] = o.Other
}

// seed records the names of syms, as OutSymbol events would; on error
// nothing changes.
func (n *outNames) seed(syms []SymbolDef) error {
	for _, d := range syms {
		if d.ID >= MaxSymbols {
			return fmt.Errorf("%w: seed: symbol %q has id %d, limit %d", ErrTooManySymbols, d.Name, d.ID, MaxSymbols)
		}
		if _, err := event.PackName(d.Name); err != nil {
			return fmt.Errorf("%w: seed: %w", ErrSymbolName, err)
		}
	}
	for _, d := range syms {
		p, _ := event.PackName(d.Name)
		n.learn(&event.Out{Kind: event.OutSymbol, Symbol: d.ID, Other: p})
	}
	return nil
}

// appendSymbol appends the symbol's name once it has one, "*" for event.Any,
// and its decimal id otherwise.
func (n *outNames) appendSymbol(b []byte, id uint32) []byte {
	if id == event.Any {
		return append(b, '*')
	}
	if id < uint32(len(n.packed)) && n.packed[id] != 0 {
		return appendPacked(b, n.packed[id])
	}
	return strconv.AppendUint(b, uint64(id), 10)
}

// appendPacked appends the bytes of a packed name (valid, see
// event.UnpackName).
func appendPacked(b []byte, p uint64) []byte {
	for ; p != 0; p >>= 8 {
		b = append(b, byte(p))
	}
	return b
}

func appendOutKind(b []byte, k event.OutKind) []byte {
	if k.Valid() {
		return append(b, k.String()...)
	}
	b = append(b, "kind_"...)
	return strconv.AppendUint(b, uint64(k), 10)
}

func appendSide(b []byte, s event.Side) []byte {
	switch s {
	case event.Buy, event.Sell, event.SideNone:
		return append(b, s.String()...)
	}
	b = append(b, "side_"...)
	return strconv.AppendUint(b, uint64(s), 10)
}

func appendReason(b []byte, r event.Reason) []byte {
	if r.Known() {
		return append(b, r.String()...)
	}
	b = append(b, "reason_"...)
	return strconv.AppendUint(b, uint64(r), 10)
}

func appendAcct(b []byte, a uint32) []byte {
	if a == event.Any {
		return append(b, '*')
	}
	return strconv.AppendUint(b, uint64(a), 10)
}
