package pipeline

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/matcher"
)

// logic is the business logic the pinned goroutine runs: everything that
// holds state and answers inputs. It is also what snapshots capture.
type logic struct {
	m *matcher.Engine
}

func newLogic(cfg *Config) (*logic, error) {
	m, err := matcher.New(cfg.Matcher)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	return &logic{m: m}, nil
}

// apply answers one input.
func (l *logic) apply(in *event.In, out []event.Out) []event.Out {
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
// Part 1 is the matcher's state (see matcher.Engine.AppendState).
const (
	stateMagic   = "TELOGIC1"
	stateVersion = 1
	partMatcher  = 1
)

// ErrState is wrapped by errors loading a snapshot's logic state.
var ErrState = errors.New("pipeline: bad logic state")

// appendState appends the snapshot payload of the logic's state to b.
func (l *logic) appendState(b []byte) []byte {
	b = append(b, stateMagic...)
	b = binary.LittleEndian.AppendUint16(b, stateVersion)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint16(b, partMatcher)
	b = binary.LittleEndian.AppendUint16(b, 0)
	at := len(b)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = l.m.AppendState(b)
	binary.LittleEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	return b
}

// loadState loads a snapshot payload into fresh logic.
func (l *logic) loadState(b []byte) error {
	if len(b) < 12 || string(b[:8]) != stateMagic {
		return fmt.Errorf("%w: no %q header", ErrState, stateMagic)
	}
	if v := binary.LittleEndian.Uint16(b[8:]); v != stateVersion {
		return fmt.Errorf("%w: version %d, want %d", ErrState, v, stateVersion)
	}
	n := int(binary.LittleEndian.Uint16(b[10:]))
	b = b[12:]
	seen := false
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
		switch id {
		case partMatcher:
			if err := l.m.LoadState(part); err != nil {
				return fmt.Errorf("%w: %w", ErrState, err)
			}
			seen = true
		default:
			return fmt.Errorf("%w: unknown part %d", ErrState, id)
		}
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: %d bytes after the parts", ErrState, len(b))
	}
	if !seen {
		return fmt.Errorf("%w: no matcher state", ErrState)
	}
	return nil
}
