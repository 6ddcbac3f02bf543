package wire

import (
	"fmt"
	"strconv"

	"github.com/tradeengine/engine/event"
)

// MaxSymbols is the largest number of symbols a [Symbols] table holds, and so
// the largest number a feed may define.
const MaxSymbols = 1 << 16

// SymbolDef is one entry of a symbol table: a symbol's id and its name. A
// journal's table is a []SymbolDef with ids dense from 0.
type SymbolDef struct {
	ID   uint32
	Name string
}

// Symbols maps symbol names to ids and back. Ids are dense from 0 in order of
// definition. Names are case-sensitive, and a name that differs from a
// defined one only by case is refused (see [ErrSymbolCase]): "aapl" next to
// "AAPL" is far more often a typo than a second instrument. The zero value is
// an empty table ready to use. It is not safe for concurrent use.
type Symbols struct {
	names  []string
	packed []uint64
	byName map[string]uint32
	byFold map[uint64]uint32 // by foldKey of the name
}

// foldKey returns b upper-cased and packed into a uint64, byte i in bits
// 8i..8i+7, and whether b is 1 to 8 bytes long. Two valid names differ only
// by case exactly when their keys are equal.
func foldKey(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > event.MaxNameLen {
		return 0, false
	}
	var k uint64
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		k |= uint64(c) << (8 * i)
	}
	return k, true
}

// Define returns the id of name, defining it with the next id if it is new
// (isNew reports which). The name must be one that event.PackName accepts
// and must not differ from a defined name only by case; the table holds at
// most [MaxSymbols] names.
func (s *Symbols) Define(name string) (id uint32, isNew bool, err error) {
	if id, ok := s.byName[name]; ok {
		return id, false, nil
	}
	p, err := event.PackName(name)
	if err != nil {
		return 0, false, fmt.Errorf("%w: %w", ErrSymbolName, err)
	}
	if known, ok := s.caseTwin([]byte(name)); ok {
		return 0, false, caseError(name, known)
	}
	if len(s.names) >= MaxSymbols {
		return 0, false, fmt.Errorf("%w: %q would be number %d, limit %d", ErrTooManySymbols, name, len(s.names)+1, MaxSymbols)
	}
	return s.add(name, p), true, nil
}

// add defines name, packed as p, with the next id. The caller has checked
// everything.
func (s *Symbols) add(name string, p uint64) uint32 {
	if s.byName == nil {
		s.byName = make(map[string]uint32)
		s.byFold = make(map[uint64]uint32)
	}
	id := uint32(len(s.names))
	s.names = append(s.names, name)
	s.packed = append(s.packed, p)
	s.byName[name] = id
	k, _ := foldKey([]byte(name))
	s.byFold[k] = id
	return id
}

// caseTwin returns the defined name that differs from name only by case, if
// there is one. name itself is not defined.
func (s *Symbols) caseTwin(name []byte) (string, bool) {
	k, ok := foldKey(name)
	if !ok {
		return "", false
	}
	id, ok := s.byFold[k]
	if !ok {
		return "", false
	}
	return s.names[id], true
}

// caseProblem reports name, which differs from the known name only by case.
func caseProblem(name, known string) *problem {
	return &problem{sentinel: ErrSymbolCase,
		text: "symbol " + strconv.Quote(name) + " differs from known " + strconv.Quote(known) + " only by case"}
}

// caseError is caseProblem as an error of its own: "wire: symbol ...".
func caseError(name, known string) error { return fmt.Errorf("wire: %w", caseProblem(name, known)) }

// Lookup returns the id of name and whether it is defined.
func (s *Symbols) Lookup(name string) (uint32, bool) {
	id, ok := s.byName[name]
	return id, ok
}

// lookupBytes is Lookup for a byte slice, without allocating.
func (s *Symbols) lookupBytes(name []byte) (uint32, bool) {
	id, ok := s.byName[string(name)]
	return id, ok
}

// Name returns the name of id and whether it is defined.
func (s *Symbols) Name(id uint32) (string, bool) {
	if int64(id) >= int64(len(s.names)) {
		return "", false
	}
	return s.names[id], true
}

// Packed returns the name of id packed as by event.PackName, and whether id is
// defined.
func (s *Symbols) Packed(id uint32) (uint64, bool) {
	if int64(id) >= int64(len(s.packed)) {
		return 0, false
	}
	return s.packed[id], true
}

// Len returns the number of symbols defined.
func (s *Symbols) Len() int { return len(s.names) }

// Defs returns the table as a []SymbolDef in id order, the form [Seeder] and
// the output writers' SeedSymbols take.
func (s *Symbols) Defs() []SymbolDef {
	defs := make([]SymbolDef, len(s.names))
	for i, n := range s.names {
		defs[i] = SymbolDef{ID: uint32(i), Name: n}
	}
	return defs
}

// seedSymbols returns a table holding defs, which must give every id from 0
// to len(defs)-1 exactly once (in any order), each with a name that
// event.PackName accepts, no two names equal or differing only by case.
func seedSymbols(defs []SymbolDef) (Symbols, error) {
	var s Symbols
	if len(defs) > MaxSymbols {
		return s, fmt.Errorf("%w: seed of %d symbols, limit %d", ErrTooManySymbols, len(defs), MaxSymbols)
	}
	names := make([]string, len(defs))
	set := make([]bool, len(defs))
	for _, d := range defs {
		if int64(d.ID) >= int64(len(defs)) {
			return s, fmt.Errorf("%w: seed: symbol %q has id %d, ids must be dense from 0 (%d symbols)", ErrSymbolOrder, d.Name, d.ID, len(defs))
		}
		if set[d.ID] {
			return s, fmt.Errorf("%w: seed: id %d given twice (%q and %q)", ErrSymbolOrder, d.ID, names[d.ID], d.Name)
		}
		set[d.ID], names[d.ID] = true, d.Name
	}
	for _, n := range names {
		p, err := event.PackName(n)
		if err != nil {
			return Symbols{}, fmt.Errorf("%w: seed: %w", ErrSymbolName, err)
		}
		if id, ok := s.byName[n]; ok {
			return Symbols{}, fmt.Errorf("%w: seed: %q is id %d and id %d", ErrSymbolOrder, n, id, len(s.names))
		}
		if known, ok := s.caseTwin([]byte(n)); ok {
			return Symbols{}, fmt.Errorf("wire: seed: %w", caseProblem(n, known))
		}
		s.add(n, p)
	}
	return s, nil
}
