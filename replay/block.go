package replay

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
)

// A RecordInputBlock record holds Count input events, those of sequences
// Seq to Seq+Count-1 (journal format version 3), each encoded against the
// one before it in the record, so that what does not change between
// neighbours costs nothing. The first is encoded against an event of zeros
// whose time is the record's timestamp, which is the first event's. Each
// event is:
//
//	byte 0     kind in bits 0..5; bit 6: the time differs from the previous event's; bit 7: 0
//	byte 1     which fields differ from the previous event's, one bit each:
//	             bit 0  side, type, stp     3 bytes, as they are
//	             bit 1  arg                 uvarint, at most 0xffff
//	             bit 2  symbol              uvarint, at most 0xffffffff
//	             bit 3  account             uvarint, at most 0xffffffff
//	             bit 4  id                  varint (zigzag) of the difference, modulo 2^64
//	             bit 5  price               varint of the difference, modulo 2^64
//	             bit 6  qty                 varint of the value
//	             bit 7  aux                 uvarint of the value
//	then       the fields whose bit is set, in that order, then the time, if
//	           bit 6 of byte 0 is set, as a varint of the difference
//
// A field whose bit is clear equals the previous event's. The record holds
// exactly Count events and nothing after them. A new order of the
// generated flow takes 8 to 12 bytes; no event takes more than
// BlockEventMax. Sequences are not stored: the i-th event's is Seq+i.
const RecordInputBlock uint8 = 3

// BlockEventMax is the most bytes one event takes in a block: kind, mask,
// the three small fields, arg, symbol and account, four 64-bit varints and
// the time.
const BlockEventMax = 2 + 3 + 3 + 5 + 5 + 4*binary.MaxVarintLen64 + binary.MaxVarintLen64

const (
	blockFlags = 1 << iota
	blockArg
	blockSymbol
	blockAccount
	blockID
	blockPrice
	blockQty
	blockAux
)

const (
	blockKindMask = 0x3f
	blockTS       = 0x40
)

// BlockEncoder encodes the events of one block record.
type BlockEncoder struct {
	prev event.In
}

// start begins a block whose record carries timestamp ts.
func (e *BlockEncoder) Start(ts int64) { e.prev = event.In{TS: ts} }

// append encodes in after the events before it in the block and appends
// the bytes to b; with BlockEventMax bytes of room in b it does not
// allocate.
func (e *BlockEncoder) Append(b []byte, in *event.In) []byte {
	p := &e.prev
	k := byte(in.Kind) & blockKindMask
	if in.TS != p.TS {
		k |= blockTS
	}
	var mask byte
	flags := in.Side != p.Side || in.Type != p.Type || in.STP != p.STP
	if flags {
		mask |= blockFlags
	}
	if in.Arg != p.Arg {
		mask |= blockArg
	}
	if in.Symbol != p.Symbol {
		mask |= blockSymbol
	}
	if in.Account != p.Account {
		mask |= blockAccount
	}
	if in.ID != p.ID {
		mask |= blockID
	}
	if in.Price != p.Price {
		mask |= blockPrice
	}
	if in.Qty != p.Qty {
		mask |= blockQty
	}
	if in.Aux != p.Aux {
		mask |= blockAux
	}
	b = append(b, k, mask)
	if flags {
		b = append(b, byte(in.Side), byte(in.Type), byte(in.STP))
	}
	if mask&blockArg != 0 {
		b = binary.AppendUvarint(b, uint64(in.Arg))
	}
	if mask&blockSymbol != 0 {
		b = binary.AppendUvarint(b, uint64(in.Symbol))
	}
	if mask&blockAccount != 0 {
		b = binary.AppendUvarint(b, uint64(in.Account))
	}
	if mask&blockID != 0 {
		b = binary.AppendVarint(b, int64(in.ID-p.ID))
	}
	if mask&blockPrice != 0 {
		b = binary.AppendVarint(b, in.Price-p.Price)
	}
	if mask&blockQty != 0 {
		b = binary.AppendVarint(b, in.Qty)
	}
	if mask&blockAux != 0 {
		b = binary.AppendUvarint(b, in.Aux)
	}
	if k&blockTS != 0 {
		b = binary.AppendVarint(b, in.TS-p.TS)
	}
	*p = *in
	return b
}

// appendBlock decodes the events of a RecordInputBlock record and appends
// them to dst. Any bytes give an error (and dst as it was) or exactly
// rec.Count events; nothing is allocated beyond dst's growth by rec.Count.
//
// It is the replay's inner loop, written to branch on the bytes little,
// since the fields an event carries and the lengths of its varints change
// from one event to the next and a mispredicted branch costs more than the
// arithmetic that avoids it: one loop visits only the varint fields the
// event carries, decoding each into vals by its position (those of 1 to 3
// bytes, nearly all, without a call); the fields are then set from vals
// without branches (a difference of 0 changes nothing, an absent value
// keeps the previous event's). The pipeline's BenchmarkReplay and the
// replay package's measure it.
func appendBlock(dst []event.In, rec journal.Record) ([]event.In, error) {
	n0, count := len(dst), int(rec.Count)
	dst = slices.Grow(dst, count)[:n0+count]
	evs := dst[n0:]
	p := rec.Payload
	// The previous event's fields, in registers: an event is written once,
	// field by field, and never read back (reading a struct just written
	// field by field stalls on store forwarding).
	var prev event.In
	prev.TS = rec.TS
	off := 0
	for i := range evs {
		if len(p)-off < 2 {
			return dst[:n0], blockError(rec, i, off, "truncated")
		}
		k, mask := p[off], p[off+1]
		at := off
		off += 2
		if k&^(blockKindMask|blockTS) != 0 {
			return dst[:n0], blockError(rec, i, at, fmt.Sprintf("kind byte %#x has bit 7 set", k))
		}
		kind := event.Kind(k & blockKindMask)
		if !kind.Valid() {
			return dst[:n0], blockError(rec, i, at, fmt.Sprintf("%v: %d", event.ErrKind, kind))
		}
		if mask&blockFlags != 0 {
			if len(p)-off < 3 {
				return dst[:n0], blockError(rec, i, at, "truncated")
			}
			prev.Side, prev.Type, prev.STP = event.Side(p[off]), event.OrdType(p[off+1]), event.STP(p[off+2])
			off += 3
		}
		// The varint fields present, one bit each in the order they are
		// encoded: vArg to vAux (mask bits 1 to 7), then vTS.
		present := uint(mask>>1) | uint(k&blockTS)<<1
		var vals [vFields]uint64
		for m := present; m != 0; m &= m - 1 {
			u, n := uint64(0), 0
			if len(p)-off >= 3 {
				if b0 := p[off]; b0 < 0x80 {
					u, n = uint64(b0), 1
				} else if b1 := p[off+1]; b1 < 0x80 {
					u, n = uint64(b0&0x7f)|uint64(b1)<<7, 2
				} else if b2 := p[off+2]; b2 < 0x80 {
					u, n = uint64(b0&0x7f)|uint64(b1&0x7f)<<7|uint64(b2)<<14, 3
				}
			}
			if n == 0 { // near the end, or more than 3 bytes
				if u, n = binary.Uvarint(p[off:]); n <= 0 {
					return dst[:n0], blockError(rec, i, at, "bad or truncated varint")
				}
			}
			vals[bits.TrailingZeros(m)&(vFields-1)] = u
			off += n
		}
		if vals[vArg] > math.MaxUint16 || vals[vSymbol] > math.MaxUint32 || vals[vAccount] > math.MaxUint32 {
			return dst[:n0], blockError(rec, i, at, "out-of-range uvarint")
		}
		prev.Arg = uint16(pick(present, vArg, vals[vArg], uint64(prev.Arg)))
		prev.Symbol = uint32(pick(present, vSymbol, vals[vSymbol], uint64(prev.Symbol)))
		prev.Account = uint32(pick(present, vAccount, vals[vAccount], uint64(prev.Account)))
		prev.ID += uint64(unzig(vals[vID]))
		prev.Price += unzig(vals[vPrice])
		prev.Qty = int64(pick(present, vQty, uint64(unzig(vals[vQty])), uint64(prev.Qty)))
		prev.Aux = pick(present, vAux, vals[vAux], prev.Aux)
		prev.TS += unzig(vals[vTS])
		prev.Kind, prev.Seq = kind, rec.Seq+uint64(i)
		evs[i] = prev
	}
	if off != len(p) {
		return dst[:n0], blockError(rec, count, off, fmt.Sprintf("%d bytes after the last event", len(p)-off))
	}
	return dst, nil
}

// The varint fields of a block event, by their position in the encoding.
const (
	vArg = iota
	vSymbol
	vAccount
	vID
	vPrice
	vQty
	vAux
	vTS
	vFields
)

// pick returns v when bit f of present is set, else old, without a branch.
func pick(present uint, f int, v, old uint64) uint64 {
	m := -uint64(present >> f & 1)
	return v&m | old&^m
}

// unzig undoes the zigzag encoding of binary.AppendVarint.
func unzig(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// blockError is the error of event i of block rec, at byte off.
func blockError(rec journal.Record, i, off int, what string) error {
	return fmt.Errorf("%w: record %d: block event %d of %d at byte %d: %s", ErrRecord, rec.Seq, i, rec.Count, off, what)
}
