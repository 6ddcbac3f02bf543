package replay

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/matcher"
	"github.com/tradeengine/engine/risk"
	"github.com/tradeengine/engine/wire"
)

// Config configures the logic: the matcher, and the risk guard in front of
// it (nil: off).
type Config struct {
	Matcher matcher.Config
	Risk    *risk.Config
}

// DefaultConfig returns the logic's configuration `engine run` starts from:
// the matcher's defaults and the risk guard on with its defaults.
func DefaultConfig() Config {
	return Config{Matcher: matcher.DefaultConfig(), Risk: risk.DefaultConfig()}
}

// Logic is the business logic: everything that holds state and answers
// inputs, the code the live engine runs on its logic goroutine and a replay
// runs on a journal. It is also what snapshots capture and checkpoints
// hash. It is not safe for concurrent use.
type Logic struct {
	m          *matcher.Engine
	g          *risk.Guard // in front of m; nil when the guard is off
	maxSymbols uint32
	cfg        Config
}

// NewLogic returns fresh logic under cfg.
func NewLogic(cfg Config) (*Logic, error) {
	m, err := matcher.New(cfg.Matcher)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	l := &Logic{m: m, maxSymbols: uint32(cfg.Matcher.MaxSymbols), cfg: cfg}
	if cfg.Risk != nil {
		if l.g, err = risk.New(cfg.Risk, m); err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
	}
	return l, nil
}

// Carry returns fresh logic under c holding l's state: where a run changes
// its configuration. A guard turned off drops its state, one turned on
// starts fresh.
func (l *Logic) Carry(c Config) (*Logic, error) {
	nl, err := NewLogic(c)
	if err != nil {
		return nil, err
	}
	if err := nl.LoadStateAcross(l.AppendState(nil)); err != nil {
		return nil, fmt.Errorf("replay: carrying the state over to a new configuration: %w", err)
	}
	return nl, nil
}

// Config returns the configuration the logic runs under.
func (l *Logic) Config() Config { return l.cfg }

// Matcher returns the logic's matcher, to read its state (never to apply
// inputs to it behind the guard's back).
func (l *Logic) Matcher() *matcher.Engine { return l.m }

// Guard returns the logic's risk guard, nil when it is off, to read its
// state.
func (l *Logic) Guard() *risk.Guard { return l.g }

// Apply answers one input, appending its outputs to out: through the guard,
// which passes what it accepts to the matcher, or straight to the matcher
// when the guard is off. It allocates nothing once warm.
func (l *Logic) Apply(in *event.In, out []event.Out) []event.Out {
	if in.Kind == event.KindPause || in.Kind == event.KindUnpause {
		// The pipeline's own: the logic's state does not change, and a
		// replay runs through them (see Control).
		k := event.OutPaused
		if in.Kind == event.KindUnpause {
			k = event.OutUnpaused
		}
		return append(out, event.Out{Seq: in.Seq, TS: in.TS, Kind: k, Account: event.Any, Symbol: event.Any})
	}
	if l.g != nil {
		return l.g.Apply(in, out)
	}
	return l.m.Apply(in, out)
}

// The snapshot payload holding the logic state, little-endian. Part of the
// snapshot format:
//
//	+------------------+---------+--------+----------------------------+
//	| magic "TELOGIC1" | version | nparts | parts                      |
//	| 8                | u16 = 1 | u16    | per part: id u16, 0 u16,   |
//	|                  |         |        | length u32, state bytes    |
//	+------------------+---------+--------+----------------------------+
//
// Part 1 is the matcher's state (see matcher.Engine.AppendState), part 2
// the risk guard's (risk.Guard.AppendState), present when the guard is on.
const (
	stateMagic   = "TELOGIC1"
	stateVersion = 1
	partMatcher  = 1
	partRisk     = 2
)

// ErrState is wrapped by errors loading a snapshot's logic state.
var ErrState = errors.New("replay: bad logic state")

// AppendState appends the snapshot payload of the logic's state to b.
func (l *Logic) AppendState(b []byte) []byte {
	b = append(b, stateMagic...)
	b = binary.LittleEndian.AppendUint16(b, stateVersion)
	parts := uint16(1)
	if l.g != nil {
		parts = 2
	}
	b = binary.LittleEndian.AppendUint16(b, parts)
	b = appendPart(b, partMatcher, l.m.AppendState)
	if l.g != nil {
		b = appendPart(b, partRisk, l.g.AppendState)
	}
	return b
}

// appendPart appends one part: its header, then what fill appends.
func appendPart(b []byte, id uint16, fill func([]byte) []byte) []byte {
	b = binary.LittleEndian.AppendUint16(b, id)
	b = binary.LittleEndian.AppendUint16(b, 0)
	at := len(b)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = fill(b)
	binary.LittleEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	return b
}

// LoadState loads a snapshot payload into fresh logic.
func (l *Logic) LoadState(b []byte) error { return l.load(b, false) }

// LoadStateAcross loads the state of logic under another configuration: the
// risk part is dropped when the guard is now off, and a guard turned on
// starts fresh.
func (l *Logic) LoadStateAcross(b []byte) error { return l.load(b, true) }

func (l *Logic) load(b []byte, across bool) error {
	if len(b) < 12 || string(b[:8]) != stateMagic {
		return fmt.Errorf("%w: no %q header", ErrState, stateMagic)
	}
	if v := binary.LittleEndian.Uint16(b[8:]); v != stateVersion {
		return fmt.Errorf("%w: version %d, want %d", ErrState, v, stateVersion)
	}
	n := int(binary.LittleEndian.Uint16(b[10:]))
	b = b[12:]
	seenM, seenR := false, false
	for range n {
		if len(b) < 8 {
			return fmt.Errorf("%w: part header cut short", ErrState)
		}
		id, size := binary.LittleEndian.Uint16(b), binary.LittleEndian.Uint32(b[4:])
		b = b[8:]
		if uint64(size) > uint64(len(b)) {
			return fmt.Errorf("%w: part %d of %d bytes, %d left", ErrState, id, size, len(b))
		}
		part := b[:size]
		b = b[size:]
		switch {
		case id == partMatcher && !seenM:
			if err := l.m.LoadState(part); err != nil {
				return fmt.Errorf("%w: %w", ErrState, err)
			}
			seenM = true
		case id == partRisk && !seenR && seenM:
			// The guard's state refers to the books: it loads after them.
			if l.g == nil {
				if across {
					seenR = true
					continue
				}
				return fmt.Errorf("%w: the snapshot holds risk state and the risk guard is off", ErrState)
			}
			if err := l.g.LoadState(part); err != nil {
				return fmt.Errorf("%w: %w", ErrState, err)
			}
			seenR = true
		default:
			return fmt.Errorf("%w: unexpected part %d", ErrState, id)
		}
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: %d bytes after the parts", ErrState, len(b))
	}
	if !seenM {
		return fmt.Errorf("%w: no matcher state", ErrState)
	}
	if l.g != nil && !seenR && !across {
		return fmt.Errorf("%w: the risk guard is on and the snapshot holds no risk state", ErrState)
	}
	return nil
}

// Symbols returns the symbol table the logic holds (defined by the
// journal's KindSymbol events), by id.
func (l *Logic) Symbols() []wire.SymbolDef {
	var defs []wire.SymbolDef
	for id := range l.maxSymbols {
		if name, ok := l.m.SymbolName(id); ok {
			defs = append(defs, wire.SymbolDef{ID: id, Name: name})
		}
	}
	return defs
}

// Accounts returns the accounts the logic knows: those with resting orders
// and those the risk guard keeps state for, ascending.
func (l *Logic) Accounts() []uint32 {
	seen := map[uint32]bool{}
	l.m.EachOrder(func(o matcher.OrderInfo) { seen[o.Account] = true })
	if l.g != nil {
		for _, a := range l.g.Config().Accounts {
			seen[a.ID] = true
		}
	}
	ids := make([]uint32, 0, len(seen))
	for a := range seen {
		ids = append(ids, a)
	}
	slices.Sort(ids)
	return ids
}
