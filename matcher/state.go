package matcher

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cespare/xxhash/v2"
	"github.com/tradeengine/engine/event"
)

// The state encoding, little-endian, is what snapshots hold of the matcher:
// every defined symbol and its resting orders in priority order, so that an
// engine loaded from it answers every later input exactly as the engine it
// was taken from. Part of the snapshot format.
//
//	header (24 bytes):
//	+------------------+---------+----------+----------+----------+
//	| magic "TEMSTATE" | version | reserved | nsymbols | hash key |
//	| 8                | u16 = 2 | u16 = 0  | u32      | u64      |
//	+------------------+---------+----------+----------+----------+
//	per symbol, by ascending id (24 bytes):
//	+-----+------+--------+----------+-------+-------+
//	| id  | name | halted | reserved | nbids | nasks |
//	| u32 | u64  | u8     | 3 bytes  | u32   | u32   |
//	+-----+------+--------+----------+-------+-------+
//	then nbids bid orders, then nasks ask orders, each side from the best
//	level to the worst and each level in time priority (32 bytes each):
//	+-----+-------+-----+---------+------+-----+----------+
//	| id  | price | qty | account | type | stp | reserved |
//	| u64 | i64   | i64 | u32     | u8   | u8  | 2 bytes  |
//	+-----+-------+-----+---------+------+-----+----------+
//
// The hash key is [Config.HashKey] of the engine written: a loaded engine
// keys its order id index with it. Version 1, written before the index was
// keyed, has a 16-byte header without it; [Engine.LoadState] still reads
// it, and the engine keeps its configured key (the key changes no answer).
const (
	stateMagic      = "TEMSTATE"
	stateVersion    = 2
	stateHeaderSize = 24
	stateHeaderV1   = 16
	stateSymbolSize = 24
	stateOrderSize  = 32
)

// ErrState is wrapped by the errors of [Engine.LoadState].
var ErrState = errors.New("matcher: bad state")

// AppendState appends the canonical encoding of the engine's state to b:
// the same state always gives the same bytes.
func (e *Engine) AppendState(b []byte) []byte {
	nsym := 0
	for i := range e.books {
		if e.books[i].defined {
			nsym++
		}
	}
	b = append(b, stateMagic...)
	b = binary.LittleEndian.AppendUint16(b, stateVersion)
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(nsym))
	b = binary.LittleEndian.AppendUint64(b, e.ids.Key())
	for sym := range e.books {
		if bk := &e.books[sym]; bk.defined {
			b = e.appendBook(b, uint32(sym), bk, nil)
		}
	}
	return b
}

// appendBook appends the part of the state encoding that is symbol sym's,
// book bk: its 24-byte record, then its bid orders and its ask orders, each
// side from the best level to the worst and each level in time priority.
// With a digest d, it feeds d as it goes (see spill), for
// [Engine.AppendBookHashes]; with nil, it appends the whole part to b.
func (e *Engine) appendBook(b []byte, sym uint32, bk *book, d *xxhash.Digest) []byte {
	b = binary.LittleEndian.AppendUint32(b, sym)
	b = binary.LittleEndian.AppendUint64(b, bk.name)
	halted := byte(0)
	if bk.halted {
		halted = 1
	}
	b = append(b, halted, 0, 0, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(e.sideCount(&bk.sides[0])))
	b = binary.LittleEndian.AppendUint32(b, uint32(e.sideCount(&bk.sides[1])))
	for side := range bk.sides {
		l := &bk.sides[side]
		for i := len(l.levels) - 1; i >= 0; i-- {
			for s := l.levels[i].head; s != nilSlot; s = e.pool.orders[s].next {
				o := &e.pool.orders[s]
				b = binary.LittleEndian.AppendUint64(b, o.id)
				b = binary.LittleEndian.AppendUint64(b, uint64(o.price))
				b = binary.LittleEndian.AppendUint64(b, uint64(o.qty))
				b = binary.LittleEndian.AppendUint32(b, o.account)
				b = append(b, byte(o.typ), byte(o.stp), 0, 0)
				b = spill(d, b)
			}
		}
	}
	return b
}

func (e *Engine) sideCount(l *ladder) int {
	n := 0
	for i := range l.levels {
		n += int(l.levels[i].count)
	}
	return n
}

// LoadState replaces the state of an engine that has applied nothing yet
// with the state encoded in b by [Engine.AppendState]. It checks everything
// (sizes against the bytes present, ids, prices and quantities in range,
// levels in order, books not crossed, no duplicate order id, the configured
// limits) and returns an error wrapping [ErrState] at the first problem,
// leaving the engine unusable: load into a fresh engine again.
func (e *Engine) LoadState(b []byte) error {
	if len(e.books) != 0 || e.resting != 0 {
		return fmt.Errorf("%w: engine is not empty", ErrState)
	}
	if len(b) < stateHeaderV1 {
		return fmt.Errorf("%w: %d bytes, header needs %d", ErrState, len(b), stateHeaderV1)
	}
	if string(b[:8]) != stateMagic {
		return fmt.Errorf("%w: bad magic %q", ErrState, b[:8])
	}
	off := stateHeaderSize
	switch v := binary.LittleEndian.Uint16(b[8:]); v {
	case stateVersion:
		if len(b) < stateHeaderSize {
			return fmt.Errorf("%w: %d bytes, header needs %d", ErrState, len(b), stateHeaderSize)
		}
		e.ids.SetKey(binary.LittleEndian.Uint64(b[16:]))
	case 1:
		off = stateHeaderV1 // no key: keep the configured one
	default:
		return fmt.Errorf("%w: version %d, want 1 or %d", ErrState, v, stateVersion)
	}
	if r := binary.LittleEndian.Uint16(b[10:]); r != 0 {
		return fmt.Errorf("%w: reserved header bytes %#x", ErrState, r)
	}
	nsym := binary.LittleEndian.Uint32(b[12:])
	if uint64(nsym)*stateSymbolSize > uint64(len(b)-off) {
		return fmt.Errorf("%w: %d symbols do not fit in %d bytes", ErrState, nsym, len(b)-off)
	}
	prev := int64(-1)
	var side []order // decoded orders of one side, reused
	for i := uint32(0); i < nsym; i++ {
		if len(b)-off < stateSymbolSize {
			return fmt.Errorf("%w: offset %d: symbol %d of %d cut short", ErrState, off, i, nsym)
		}
		h := b[off : off+stateSymbolSize]
		sym := binary.LittleEndian.Uint32(h)
		name := binary.LittleEndian.Uint64(h[4:])
		halted := h[12]
		nb, na := binary.LittleEndian.Uint32(h[16:]), binary.LittleEndian.Uint32(h[20:])
		switch {
		case int64(sym) <= prev:
			return fmt.Errorf("%w: offset %d: symbol %d after %d, want ascending ids", ErrState, off, sym, prev)
		case uint64(sym) >= uint64(e.cfg.MaxSymbols):
			return fmt.Errorf("%w: offset %d: symbol %d, configured maximum %d", ErrState, off, sym, e.cfg.MaxSymbols)
		case halted > 1 || h[13] != 0 || h[14] != 0 || h[15] != 0:
			return fmt.Errorf("%w: offset %d: symbol %d: bad flags % x", ErrState, off, sym, h[12:16])
		}
		if _, ok := event.UnpackName(name); !ok {
			return fmt.Errorf("%w: offset %d: symbol %d: bad name %#x", ErrState, off, sym, name)
		}
		prev = int64(sym)
		off += stateSymbolSize
		orders := uint64(nb) + uint64(na)
		if orders*stateOrderSize > uint64(len(b)-off) {
			return fmt.Errorf("%w: offset %d: symbol %d: %d orders do not fit in %d bytes", ErrState, off, sym, orders, len(b)-off)
		}
		if uint64(e.resting)+orders > uint64(e.cfg.MaxOrders) {
			return fmt.Errorf("%w: symbol %d: more than the configured %d orders", ErrState, sym, e.cfg.MaxOrders)
		}
		if int(sym) >= len(e.books) {
			e.books = append(e.books, make([]book, int(sym)+1-len(e.books))...)
		}
		bk := &e.books[sym]
		*bk = book{
			sides:   [2]ladder{newLadder(event.Buy, e.cfg.InitialLevels), newLadder(event.Sell, e.cfg.InitialLevels)},
			name:    name,
			defined: true,
			halted:  halted == 1,
		}
		for si, n := range [2]uint32{nb, na} {
			s := event.Side(si + 1)
			var err error
			side, off, err = decodeSide(b, off, n, sym, s, side[:0])
			if err != nil {
				return err
			}
			if err := e.loadSide(bk, sym, s, side); err != nil {
				return err
			}
		}
		if bid, ask := bk.ladder(event.Buy).best(), bk.ladder(event.Sell).best(); bid != nil && ask != nil && bid.key >= -ask.key {
			return fmt.Errorf("%w: symbol %d: book crossed, bid %d ask %d", ErrState, sym, bid.key, -ask.key)
		}
	}
	if off != len(b) {
		return fmt.Errorf("%w: %d bytes after the last symbol", ErrState, len(b)-off)
	}
	return nil
}

// decodeSide decodes n orders of side s starting at off, checking each one
// and that levels run from best to worst.
func decodeSide(b []byte, off int, n uint32, sym uint32, s event.Side, dst []order) ([]order, int, error) {
	for k := uint32(0); k < n; k++ {
		r := b[off : off+stateOrderSize]
		o := order{
			id:      binary.LittleEndian.Uint64(r),
			price:   int64(binary.LittleEndian.Uint64(r[8:])),
			qty:     int64(binary.LittleEndian.Uint64(r[16:])),
			account: binary.LittleEndian.Uint32(r[24:]),
			typ:     event.OrdType(r[28]),
			stp:     event.STP(r[29]),
			side:    s,
			symbol:  sym,
		}
		switch {
		case o.price <= 0 || o.price > event.MaxPrice:
			return nil, 0, fmt.Errorf("%w: offset %d: order %d: price %d out of range", ErrState, off, o.id, o.price)
		case o.qty <= 0 || o.qty > event.MaxQty:
			return nil, 0, fmt.Errorf("%w: offset %d: order %d: quantity %d out of range", ErrState, off, o.id, o.qty)
		case o.account == event.Any:
			return nil, 0, fmt.Errorf("%w: offset %d: order %d: bad account", ErrState, off, o.id)
		case o.typ != event.Limit && o.typ != event.PostOnly:
			return nil, 0, fmt.Errorf("%w: offset %d: order %d: type %v cannot rest", ErrState, off, o.id, o.typ)
		case !o.stp.Valid() || r[30] != 0 || r[31] != 0:
			return nil, 0, fmt.Errorf("%w: offset %d: order %d: bad stp or reserved bytes", ErrState, off, o.id)
		}
		if len(dst) > 0 {
			last := dst[len(dst)-1].price
			if (s == event.Buy && o.price > last) || (s == event.Sell && o.price < last) {
				return nil, 0, fmt.Errorf("%w: offset %d: order %d: %v price %d after %d, want best to worst", ErrState, off, o.id, s, o.price, last)
			}
		}
		dst = append(dst, o)
		off += stateOrderSize
	}
	return dst, off, nil
}

// loadSide builds side s of bk from orders listed best level first. The
// ladder keeps its best level at the end, so levels are appended worst first
// while each level's orders keep their listed (time) order.
func (e *Engine) loadSide(bk *book, sym uint32, s event.Side, orders []order) error {
	l := bk.ladder(s)
	for end := len(orders); end > 0; {
		start := end - 1
		for start > 0 && orders[start-1].price == orders[end-1].price {
			start--
		}
		lv := l.insertAt(len(l.levels), l.sign*orders[start].price)
		for _, o := range orders[start:end] {
			if _, dup := e.ids.Get(o.id); dup {
				return fmt.Errorf("%w: symbol %d: order id %d appears twice", ErrState, sym, o.id)
			}
			slot := e.pool.alloc() // room checked against MaxOrders above
			o.prev, o.next = lv.tail, nilSlot
			e.pool.orders[slot] = o
			if lv.tail != nilSlot {
				e.pool.orders[lv.tail].next = slot
			} else {
				lv.head = slot
			}
			lv.tail = slot
			lv.qty += o.qty
			lv.count++
			e.ids.Insert(o.id, slot)
			e.resting++
		}
		end = start
	}
	return nil
}
