package replay

import (
	"encoding/binary"
	"fmt"
	"math"

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
func appendBlock(dst []event.In, rec journal.Record) ([]event.In, error) {
	n0 := len(dst)
	bad := func(i int, off int, what string) ([]event.In, error) {
		return dst[:n0], fmt.Errorf("%w: record %d: block event %d of %d at byte %d: %s", ErrRecord, rec.Seq, i, rec.Count, off, what)
	}
	p := rec.Payload
	prev := event.In{TS: rec.TS}
	off := 0
	for i := range int(rec.Count) {
		if len(p)-off < 2 {
			return bad(i, off, "truncated")
		}
		k, mask := p[off], p[off+1]
		at := off
		off += 2
		if k&^(blockKindMask|blockTS) != 0 {
			return bad(i, at, fmt.Sprintf("kind byte %#x has bit 7 set", k))
		}
		in := prev
		in.Kind = event.Kind(k & blockKindMask)
		if !in.Kind.Valid() {
			return bad(i, at, fmt.Sprintf("%v: %d", event.ErrKind, in.Kind))
		}
		in.Seq = rec.Seq + uint64(i)
		if mask&blockFlags != 0 {
			if len(p)-off < 3 {
				return bad(i, at, "truncated")
			}
			in.Side, in.Type, in.STP = event.Side(p[off]), event.OrdType(p[off+1]), event.STP(p[off+2])
			off += 3
		}
		var err string
		uvar := func(limit uint64) uint64 {
			v, n := binary.Uvarint(p[off:])
			if n <= 0 || v > limit {
				err = "bad or out-of-range uvarint"
				return 0
			}
			off += n
			return v
		}
		svar := func() int64 {
			v, n := binary.Varint(p[off:])
			if n <= 0 {
				err = "bad varint"
				return 0
			}
			off += n
			return v
		}
		if mask&blockArg != 0 {
			in.Arg = uint16(uvar(math.MaxUint16))
		}
		if mask&blockSymbol != 0 && err == "" {
			in.Symbol = uint32(uvar(math.MaxUint32))
		}
		if mask&blockAccount != 0 && err == "" {
			in.Account = uint32(uvar(math.MaxUint32))
		}
		if mask&blockID != 0 && err == "" {
			in.ID = prev.ID + uint64(svar())
		}
		if mask&blockPrice != 0 && err == "" {
			in.Price = prev.Price + svar()
		}
		if mask&blockQty != 0 && err == "" {
			in.Qty = svar()
		}
		if mask&blockAux != 0 && err == "" {
			in.Aux = uvar(math.MaxUint64)
		}
		if k&blockTS != 0 && err == "" {
			in.TS = prev.TS + svar()
		}
		if err != "" {
			return bad(i, at, err)
		}
		dst = append(dst, in)
		prev = in
	}
	if off != len(p) {
		return bad(int(rec.Count), off, fmt.Sprintf("%d bytes after the last event", len(p)-off))
	}
	return dst, nil
}
