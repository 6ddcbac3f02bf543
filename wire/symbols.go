package wire

import (
	"fmt"

	"github.com/tradeengine/engine/event"
)

// MaxSymbols is the largest number of symbols a [Symbols] table holds, and so
// the largest number a CSV feed may define.
const MaxSymbols = 1 << 16

// Symbols maps symbol names to ids and back. Ids are dense from 0 in order of
// definition. The zero value is an empty table ready to use. It is not safe
// for concurrent use.
type Symbols struct {
	names  []string
	packed []uint64
	byName map[string]uint32
}

// Define returns the id of name, defining it with the next id if it is new
// (isNew reports which). The name must be one that event.PackName accepts;
// the table holds at most [MaxSymbols] names.
func (s *Symbols) Define(name string) (id uint32, isNew bool, err error) {
	if id, ok := s.byName[name]; ok {
		return id, false, nil
	}
	p, err := event.PackName(name)
	if err != nil {
		return 0, false, fmt.Errorf("%w: %w", ErrSymbolName, err)
	}
	if len(s.names) >= MaxSymbols {
		return 0, false, fmt.Errorf("%w: %q would be number %d, limit %d", ErrTooManySymbols, name, len(s.names)+1, MaxSymbols)
	}
	if s.byName == nil {
		s.byName = make(map[string]uint32)
	}
	id = uint32(len(s.names))
	s.names = append(s.names, name)
	s.packed = append(s.packed, p)
	s.byName[name] = id
	return id, true, nil
}

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
