package risk

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/cespare/xxhash/v2"
	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/internal/idindex"
)

// The state encoding, little-endian, is what snapshots hold of the guard:
// everything a guard loaded from it needs to answer every later input
// exactly as the guard it was taken from, and nothing that depends on how
// the state happens to be laid out in memory (pending window figures are
// folded into their buckets, tables are written sorted), so that equal
// states give equal bytes and a digest of them compares two runs. Part of
// the snapshot format.
//
//	header (16 bytes):
//	+------------------+---------+----------+-------------+
//	| magic "TERISKST" | version | reserved | body length |
//	| 8                | u16 = 3 | u16 = 0  | u32         |
//	+------------------+---------+----------+-------------+
//	body:
//	  units and windows (48): tick micros, lot shares, 3 window lengths,
//	    loss window (i64 each): must equal the loading guard's configuration
//	  hash key (8): u64, the key of the guard's hashes (see [New])
//	  clock (32): started u8, 7 reserved; now, t0, trips (i64); t0 is
//	    the origin of the bucket (GCRA) times, the first input's event
//	    time moved up as event time runs on (see bucket.go)
//	  engine: killAll u8, killedBy u8, breaker state u8, 5 reserved;
//	    message and order TAT, breaker breaches, since, until (i64);
//	    limits of the engine, of every account, of every symbol
//	    (52 x i64 each: one per limit id); the engine's windows
//	  accounts: count u32, 4 reserved; per account by ascending id:
//	    id u32, open orders i32, flags u8 (1 killed, 2 parents), killedBy,
//	    breaker state u8, 5 reserved; message TAT, order TAT, credit, pnl,
//	    breaker breaches, since, until, parent excesses, since, loss bucket
//	    number (i64), loss peaks (10 x i64), limits set u64, limits
//	    (52 x i64), restricted count u32, 4 reserved, symbol ids (u32
//	    each, ascending), the account's windows
//	  positions: count u32, 4 reserved; per position by ascending key
//	    (account id << 32 | symbol): key u64, flags u8 (1 killed), 7
//	    reserved; net, open buy, open sell, cash, cost, pnl, filled buy,
//	    filled sell, allowed buy, allowed sell (i64)
//	  symbols: count u32, 4 reserved; per defined symbol by ascending id:
//	    id u32, flags u8 (1 killed), killedBy u8, 2 reserved; name u64;
//	    last trade price i64; limits set u64; limits (52 x i64); the
//	    symbol's windows
//	  client order ids: count u32, 4 reserved; oldest first, account u32,
//	    id u64
//	  held orders: count u32, 4 reserved; oldest first (the order they
//	    were held in), the order as it arrived (64 bytes, event.In's
//	    canonical encoding; its Seq is the pending id), event time held
//	    i64, reason u8, 7 reserved
//	windows (992 bytes): born i64; per window: bucket number i64, totals
//	  (3 x i64), buckets (10 x 3 x i64), mean (3 x i64), mean absolute
//	  deviation (3 x i64), periods learned i64
//
// Version 1, written before the guard's hashes were keyed, has no hash key;
// [Guard.LoadState] still reads it, and the guard keeps the key it was made
// with (the key changes no answer). Versions 1 and 2, written before the
// approval limits and the held orders, have 50 limits per scope (the
// approval limits load as 0, off) and no held orders section. A state of
// an older version is written back in the current one.
const (
	stateMagic   = "TERISKST"
	stateVersion = 3
	stateHeader  = 16
	windowsSize  = 8 + NumWindows*(8+3*8+nBuckets*3*8+3*8+3*8+8)
	valuesSize   = int(numLimits) * 8
	posSize      = 16 + 10*8
	heldSize     = event.Size + 16
	v2Limits     = 50 // limits per scope in versions 1 and 2
)

// ErrState is wrapped by the errors of [Guard.LoadState].
var ErrState = errors.New("risk: bad state")

// AppendState appends the canonical encoding of the guard's state to b. It
// allocates (it sorts), and is meant for snapshots and digests, not the hot
// path.
func (g *Guard) AppendState(b []byte) []byte { return g.appendState(b, stateVersion) }

// appendState appends the encoding of version (from 1 to stateVersion) of
// the guard's state. An older version leaves out what it cannot hold (the
// hash key before 2; the approval limits and held orders before 3): tests
// make the states of older versions with it.
func (g *Guard) appendState(b []byte, version uint16) []byte {
	nlim := int(numLimits)
	if version < 3 {
		nlim = v2Limits
	}
	start := len(b)
	b = append(b, stateMagic...)
	b = le16(b, version)
	b = le16(b, 0)
	b = le32(b, 0) // body length, patched below
	b = g.appendUnits(b)
	if version >= 2 {
		b = le64(b, g.hashKey)
	}
	b = g.appendEngine(b, nlim, nil)

	order := make([]int32, len(g.accts))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int { return cmp.Compare(g.accts[x].id, g.accts[y].id) })
	b = le32(b, uint32(len(order)))
	b = le32(b, 0)
	for _, a := range order {
		b = g.appendAccount(b, a, nlim, nil)
	}

	var slots []int32
	for p := range g.pt.hot {
		if g.pt.hot[p].used {
			slots = append(slots, int32(p))
		}
	}
	slices.SortFunc(slots, func(x, y int32) int { return cmp.Compare(g.pt.hot[x].key, g.pt.hot[y].key) })
	b = le32(b, uint32(len(slots)))
	b = le32(b, 0)
	for _, p := range slots {
		b = g.appendPosition(b, p)
	}

	b = g.appendSymbols(b, nlim, nil)
	b = g.appendClOrdIDs(b, nil)
	if version >= 3 {
		b = g.appendHeld(b, nil)
	}
	binary.LittleEndian.PutUint32(b[start+12:], uint32(len(b)-start-stateHeader))
	return b
}

// The parts of the encoding below are appended by one function each, which
// both appendState and the hashes (digest.go) use. Those that take a
// digest d feed it as they go when it is not nil (see spill).

// appendUnits appends the units and window lengths (48 bytes).
func (g *Guard) appendUnits(b []byte) []byte {
	for _, v := range []int64{g.cfg.TickMicros, g.cfg.LotShares, g.cfg.Windows[0], g.cfg.Windows[1], g.cfg.Windows[2], g.cfg.LossWindow} {
		b = le64(b, v)
	}
	return b
}

// appendEngine appends the clock and the engine scope, with nlim limits
// per scope.
func (g *Guard) appendEngine(b []byte, nlim int, d *xxhash.Digest) []byte {
	b = append(b, bool8(g.started), 0, 0, 0, 0, 0, 0, 0)
	b = le64(b, g.now)
	b = le64(b, g.t0)
	b = le64(b, g.trips)

	b = append(b, bool8(g.killAll), byte(g.killAllBy), g.gBrk.state, 0, 0, 0, 0, 0)
	b = le64(b, g.gMsgTAT)
	b = le64(b, g.gOrdTAT)
	b = appendBreaker(b, &g.gBrk)
	b = appendValues(b, &g.glob, nlim)
	b = appendValues(b, &g.defAcct, nlim)
	b = appendValues(b, &g.defSym, nlim)
	b = spill(d, b)
	return spill(d, g.appendWindows(b, &g.gHot, &g.gWins))
}

// appendAccount appends the record of account index a, with nlim limits.
func (g *Guard) appendAccount(b []byte, a int32, nlim int, d *xxhash.Digest) []byte {
	acc, cold := &g.accts[a], &g.acctCold[a]
	flags := bool8(acc.killed) | bool8(acc.parents)<<1
	b = le32(b, acc.id)
	b = le32(b, uint32(acc.openOrders))
	b = append(b, flags, byte(acc.killedBy), cold.brk.state, 0, 0, 0, 0, 0)
	b = le64(b, acc.msgTAT)
	b = le64(b, acc.ordTAT)
	b = le64(b, acc.credit)
	b = le64(b, acc.pnl)
	b = appendBreaker(b, &cold.brk)
	b = le64(b, cold.excess)
	b = le64(b, cold.excessAt)
	b = le64(b, cold.lossBn)
	for i, p := range cold.lossPeak {
		if int64(i) == cold.lossBn%nBuckets {
			p = acc.lossCur
		}
		b = le64(b, p)
	}
	b = le64(b, g.acctSet[a])
	b = appendValues(b, &g.acctLim[a], nlim)
	b = le32(b, uint32(len(cold.restricted)))
	b = le32(b, 0)
	for _, s := range cold.restricted {
		b = spill(d, le32(b, s))
	}
	b = spill(d, b)
	return spill(d, g.appendWindows(b, &g.acctHot[a], &g.acctWins[a]))
}

// appendPosition appends the record of the position in slot p (posSize
// bytes).
func (g *Guard) appendPosition(b []byte, p int32) []byte {
	pos, pc := &g.pt.hot[p], &g.pt.cold[p]
	b = le64(b, pos.key)
	b = append(b, bool8(pos.killed), 0, 0, 0, 0, 0, 0, 0)
	for _, v := range []int64{pos.net, pos.open[0], pos.open[1], pc.cash, pc.cost, pc.pnl, pc.filled[0], pc.filled[1], pc.allow[0], pc.allow[1]} {
		b = le64(b, v)
	}
	return b
}

// appendSymbols appends the symbols section: the count, then every defined
// symbol's record by ascending id, with nlim limits.
func (g *Guard) appendSymbols(b []byte, nlim int, d *xxhash.Digest) []byte {
	nsym := 0
	for s := range g.syms {
		if g.syms[s].defined {
			nsym++
		}
	}
	b = le32(b, uint32(nsym))
	b = le32(b, 0)
	for s := range g.syms {
		sym := &g.syms[s]
		if !sym.defined {
			continue
		}
		b = le32(b, uint32(s))
		b = append(b, bool8(sym.killed), byte(sym.killBy), 0, 0)
		b = le64(b, sym.name)
		b = le64(b, sym.last)
		b = le64(b, g.symSet[s])
		b = appendValues(b, &g.symLim[s], nlim)
		b = spill(d, b)
		b = spill(d, g.appendWindows(b, &g.symHot[s], &g.symWins[s]))
	}
	return b
}

// appendClOrdIDs appends the client order ids section: the count, then
// the remembered pairs from the oldest to the newest.
func (g *Guard) appendClOrdIDs(b []byte, d *xxhash.Digest) []byte {
	w := &g.dup
	older, newer := w.ring, w.ring[:0]
	if len(w.ring) >= w.size { // full: the oldest is the next to be replaced
		older, newer = w.ring[w.next:], w.ring[:w.next]
	}
	b = le32(b, uint32(len(w.ring)))
	b = le32(b, 0)
	for _, part := range [2][]dupEntry{older, newer} {
		for _, e := range part {
			b = le32(b, e.account)
			b = spill(d, le64(b, e.id))
		}
	}
	return b
}

// appendHeld appends the held orders section: the count, then the held
// orders from the oldest to the newest.
func (g *Guard) appendHeld(b []byte, d *xxhash.Digest) []byte {
	b = le32(b, uint32(g.held.n))
	b = le32(b, 0)
	var rec [event.Size]byte
	for h := g.held.head; h >= 0; h = g.held.slots[h].next {
		e := &g.held.slots[h]
		e.order.Encode(rec[:])
		b = append(b, rec[:]...)
		b = le64(b, e.since)
		b = append(b, byte(e.reason), 0, 0, 0, 0, 0, 0, 0)
		b = spill(d, b)
	}
	return b
}

// appendWindows appends the windows of a scope, the pending figures folded
// into the current buckets.
func (g *Guard) appendWindows(b []byte, h *winHot, ws *winSet) []byte {
	b = le64(b, h.born)
	for w := range ws {
		win := ws[w] // a copy: folding must not change the guard
		win.add(&h.acc)
		b = le64(b, win.bn)
		for _, v := range win.sum {
			b = le64(b, v)
		}
		for i := range win.ring {
			for _, v := range win.ring[i] {
				b = le64(b, v)
			}
		}
		for _, v := range win.mean {
			b = le64(b, v)
		}
		for _, v := range win.mad {
			b = le64(b, v)
		}
		b = le64(b, win.learned)
	}
	return b
}

func appendBreaker(b []byte, br *breaker) []byte {
	b = le64(b, br.breaches)
	b = le64(b, br.since)
	return le64(b, br.until)
}

// appendValues appends the first n limits of v.
func appendValues(b []byte, v *Values, n int) []byte {
	for _, x := range v[:n] {
		b = le64(b, x)
	}
	return b
}

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func le64[T int64 | uint64](b []byte, v T) []byte {
	return binary.LittleEndian.AppendUint64(b, uint64(v))
}

func bool8(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// reader decodes the state, remembering the first error.
type reader struct {
	b       []byte
	off     int
	err     error
	version uint16
	nlim    int // limits per scope in this version
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: offset %d: %s", ErrState, r.off, fmt.Sprintf(format, args...))
	}
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b)-r.off < n {
		r.fail("%d bytes needed, %d left", n, len(r.b)-r.off)
		return nil
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

func (r *reader) u8() byte {
	if p := r.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (r *reader) u32() uint32 {
	if p := r.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (r *reader) i64() int64 {
	if p := r.take(8); p != nil {
		return int64(binary.LittleEndian.Uint64(p))
	}
	return 0
}

// zeros reads n reserved bytes, which must be zero.
func (r *reader) zeros(n int) {
	for _, c := range r.take(n) {
		if c != 0 {
			r.fail("reserved byte not zero")
			return
		}
	}
}

// count reads a record count and checks that count records of at least
// size bytes fit in what is left.
func (r *reader) count(size int) int {
	n := r.u32()
	r.zeros(4)
	if r.err != nil {
		return 0
	}
	if uint64(n)*uint64(size) > uint64(len(r.b)-r.off) {
		r.fail("%d records of %d bytes do not fit in %d bytes", n, size, len(r.b)-r.off)
		return 0
	}
	return int(n)
}

// LoadState replaces the state of a fresh guard (one that has applied no
// input) with the state encoded in b by [Guard.AppendState]. The guard's
// matcher must hold the matching state (the same inputs applied, or its own
// snapshot loaded). LoadState checks everything (sizes against the bytes
// present, the configuration's units and windows, ids sorted and known,
// flags, limits and figures in range, totals consistent, symbols defined in
// the matcher with the same names) and returns an error wrapping [ErrState]
// at the first problem, leaving the guard unusable: make a new one.
func (g *Guard) LoadState(b []byte) error {
	if g.started {
		return fmt.Errorf("%w: the guard has applied inputs", ErrState)
	}
	if len(b) < stateHeader {
		return fmt.Errorf("%w: %d bytes, header needs %d", ErrState, len(b), stateHeader)
	}
	if string(b[:8]) != stateMagic {
		return fmt.Errorf("%w: bad magic %q", ErrState, b[:8])
	}
	version := binary.LittleEndian.Uint16(b[8:])
	if version < 1 || version > stateVersion {
		return fmt.Errorf("%w: version %d, want 1 to %d", ErrState, version, stateVersion)
	}
	if v := binary.LittleEndian.Uint16(b[10:]); v != 0 {
		return fmt.Errorf("%w: reserved header bytes %#x", ErrState, v)
	}
	if n := binary.LittleEndian.Uint32(b[12:]); uint64(n) != uint64(len(b)-stateHeader) {
		return fmt.Errorf("%w: body length %d, %d bytes present", ErrState, n, len(b)-stateHeader)
	}
	r := &reader{b: b, off: stateHeader, version: version, nlim: int(numLimits)}
	if version < 3 {
		r.nlim = v2Limits
	}
	for i, want := range []int64{g.cfg.TickMicros, g.cfg.LotShares, g.cfg.Windows[0], g.cfg.Windows[1], g.cfg.Windows[2], g.cfg.LossWindow} {
		if v := r.i64(); r.err == nil && v != want {
			r.fail("unit or window %d is %d, the configuration says %d", i, v, want)
		}
	}
	key := g.hashKey
	if version >= 2 {
		key = uint64(r.i64())
	}
	if err := g.loadBody(r, key); err != nil {
		return err
	}
	if r.off != len(b) {
		return fmt.Errorf("%w: %d bytes after the state", ErrState, len(b)-r.off)
	}
	return nil
}

// loadBody decodes everything after the units and the hash key into g,
// whose tables it makes with key.
func (g *Guard) loadBody(r *reader, key uint64) error {
	started := r.u8()
	r.zeros(7)
	now, t0, trips := r.i64(), r.i64(), r.i64()
	switch {
	case r.err != nil:
		return r.err
	case started > 1:
		r.fail("started flag %d", started)
	case started == 1 && (t0 > now || trips < 0):
		r.fail("clock: t0 %d after now %d, or %d trips", t0, now, trips)
	case started == 0 && (now != 0 || t0 != 0 || trips != 0):
		r.fail("clock set but never started")
	}
	// Start afresh: a fresh guard holds the configured accounts.
	*g = Guard{
		m: g.m, cfg: g.cfg, mon: g.mon, widths: g.widths, lossWidth: g.lossWidth, base: g.base, profiles: g.profiles,
		hashKey: key, acctIdx: idindex.New(1024, 16, key), pt: newPosTable(key), pending: g.pending[:0],
		dup: newDupWindow(g.cfg.ClOrdIDWindow, key), held: newHeldTable(g.cfg.MaxPending, key), heldNext: math.MaxInt64,
	}
	g.started, g.now, g.t0, g.trips = started == 1, now, t0, trips
	if g.started {
		g.nowFx = min(g.now-g.t0, gcraEpoch) << gcraShift
	}

	killAll, killBy, brk := r.u8(), event.Reason(r.u8()), r.u8()
	r.zeros(5)
	g.killAll = r.flag(killAll)
	g.killAllBy = r.reason(killBy, g.killAll)
	g.gMsgTAT, g.gOrdTAT = r.tat(), r.tat()
	g.gBrk = r.breaker(brk)
	r.values(&g.glob, scopeGlobal, g)
	r.values(&g.defAcct, scopeAccount, g)
	r.values(&g.defSym, scopeSymbol, g)
	g.gHot, g.gWins = r.windows(g.base)
	g.blocked = g.killAll || g.gBrk.state != breakerClosed
	g.refreshGlobal()
	if r.err != nil {
		return r.err
	}

	// Symbols come after accounts and positions in the encoding, but those
	// refer to them: decode the accounts and positions into a side list,
	// then the symbols, then build.
	n := r.count(16 + 8*8 + 3*8 + 10*8 + 8 + r.nlim*8 + 8 + windowsSize)
	type acctRec struct {
		acc        account
		cold       accountCold
		set        uint64
		lim        Values
		hot        winHot
		wins       winSet
		restricted []uint32
	}
	accts := make([]acctRec, 0, n)
	for i := range n {
		var a acctRec
		a.acc.id = r.u32()
		open := int32(r.u32())
		flags, killBy, brk := r.u8(), event.Reason(r.u8()), r.u8()
		r.zeros(5)
		if i > 0 && a.acc.id <= accts[i-1].acc.id || a.acc.id == event.Any {
			r.fail("account %d out of order or reserved", a.acc.id)
		}
		if open < 0 || flags > 3 {
			r.fail("account %d: %d open orders, flags %#x", a.acc.id, open, flags)
		}
		a.acc.openOrders = open
		a.acc.killed, a.acc.parents = flags&1 != 0, flags&2 != 0
		a.acc.killedBy = r.reason(killBy, a.acc.killed)
		a.acc.msgTAT, a.acc.ordTAT = r.tat(), r.tat()
		a.acc.credit, a.acc.pnl = r.i64(), r.i64()
		a.cold.brk = r.breaker(brk)
		a.acc.brk = a.cold.brk.state
		a.cold.excess, a.cold.excessAt = r.i64(), r.i64()
		a.cold.lossBn = r.i64()
		if a.cold.lossBn < 0 || a.cold.excess < 0 {
			r.fail("account %d: loss bucket %d, excesses %d", a.acc.id, a.cold.lossBn, a.cold.excess)
		}
		for k := range a.cold.lossPeak {
			a.cold.lossPeak[k] = r.i64()
		}
		a.set = uint64(r.i64())
		r.values(&a.lim, scopeAccount, g)
		r.setMask(a.set, scopeAccount)
		nr := r.count(4)
		for k := range nr {
			s := r.u32()
			if k > 0 && s <= a.restricted[k-1] {
				r.fail("account %d: restricted symbols out of order", a.acc.id)
			}
			a.restricted = append(a.restricted, s)
		}
		a.hot, a.wins = r.windows(g.base)
		if r.err != nil {
			return r.err
		}
		accts = append(accts, a)
	}

	np := r.count(posSize)
	type posRec struct {
		hot  position
		cold posCold
	}
	poss := make([]posRec, 0, np)
	for i := range np {
		var p posRec
		p.hot.key = uint64(r.i64())
		flags := r.u8()
		r.zeros(7)
		if i > 0 && p.hot.key <= poss[i-1].hot.key || flags > 1 {
			r.fail("position %#x out of order, or flags %#x", p.hot.key, flags)
		}
		p.hot.killed = flags == 1
		p.hot.net, p.hot.open[0], p.hot.open[1] = r.i64(), r.i64(), r.i64()
		p.cold.cash, p.cold.cost, p.cold.pnl = r.i64(), r.i64(), r.i64()
		p.cold.filled[0], p.cold.filled[1], p.cold.allow[0], p.cold.allow[1] = r.i64(), r.i64(), r.i64(), r.i64()
		if p.hot.open[0] < 0 || p.hot.open[1] < 0 || p.cold.filled[0] < 0 || p.cold.filled[1] < 0 ||
			p.cold.allow[0] < 0 || p.cold.allow[1] < 0 || p.cold.allow[0] > maxAllowance || p.cold.allow[1] > maxAllowance ||
			p.cold.cost < 0 || p.hot.net != p.cold.filled[0]-p.cold.filled[1] {
			r.fail("position %#x: figures out of range or inconsistent", p.hot.key)
		}
		if r.err != nil {
			return r.err
		}
		poss = append(poss, p)
	}

	ns := r.count(24 + 8 + r.nlim*8 + windowsSize)
	prev := int64(-1)
	for range ns {
		id := r.u32()
		flags, killBy := r.u8(), event.Reason(r.u8())
		r.zeros(2)
		name, last, set := uint64(r.i64()), r.i64(), uint64(r.i64())
		if int64(id) <= prev || flags > 1 || last < 0 || last > event.MaxPrice {
			r.fail("symbol %d out of order, flags %#x, last price %d", id, flags, last)
		}
		prev = int64(id)
		if r.err == nil {
			if got, ok := g.m.SymbolName(id); !ok {
				r.fail("symbol %d not defined in the matcher", id)
			} else if p, _ := event.PackName(got); p != name {
				r.fail("symbol %d is %s in the matcher", id, got)
			}
		}
		if r.err != nil {
			return r.err
		}
		if int(id) >= len(g.syms) {
			grow := int(id) + 1 - len(g.syms)
			g.syms = append(g.syms, make([]symbol, grow)...)
			g.symLim = append(g.symLim, make([]Values, grow)...)
			g.symSet = append(g.symSet, make([]uint64, grow)...)
			g.symHot = append(g.symHot, make([]winHot, grow)...)
			g.symWins = append(g.symWins, make([]winSet, grow)...)
		}
		sym := &g.syms[id]
		*sym = symbol{defined: true, killed: flags == 1, name: name, last: last}
		sym.killBy = r.reason(killBy, sym.killed)
		g.symSet[id] = set
		r.values(&g.symLim[id], scopeSymbol, g)
		r.setMask(set, scopeSymbol)
		g.symHot[id], g.symWins[id] = r.windows(g.base)
		if r.err != nil {
			return r.err
		}
		g.refreshSymbol(id)
	}

	nd := r.count(12)
	if nd > g.cfg.ClOrdIDWindow {
		r.fail("%d client order ids, the window holds %d", nd, g.cfg.ClOrdIDWindow)
	}
	for range nd {
		acct, id := r.u32(), uint64(r.i64())
		if r.err != nil {
			return r.err
		}
		g.dup.record(acct, id)
	}
	if r.err != nil {
		return r.err
	}
	if r.version >= 3 {
		if err := g.loadHeld(r); err != nil {
			return err
		}
	}

	// Build the accounts and positions.
	for i := range accts {
		a := &accts[i]
		for _, s := range a.restricted {
			if g.symbolState(s) == nil {
				return fmt.Errorf("%w: account %d: restricted symbol %d not defined", ErrState, a.acc.id, s)
			}
		}
		a.cold.restricted = a.restricted
		idx := int32(len(g.accts))
		g.acctIdx.Insert(uint64(a.acc.id), idx)
		g.accts = append(g.accts, a.acc)
		g.acctCold = append(g.acctCold, a.cold)
		g.acctLim = append(g.acctLim, a.lim)
		g.acctSet = append(g.acctSet, a.set)
		g.acctHot = append(g.acctHot, a.hot)
		g.acctWins = append(g.acctWins, a.wins)
		acc, cold := &g.accts[idx], &g.acctCold[idx]
		acc.lossNext = (cold.lossBn + 1) * g.lossWidth
		acc.lossCur = cold.lossPeak[cold.lossBn%nBuckets]
		acc.lossTop = math.MinInt64
		for _, p := range cold.lossPeak {
			acc.lossTop = max(acc.lossTop, p)
		}
		g.refreshAccount(idx)
	}
	for i := range poss {
		p := &poss[i]
		id, s := uint32(p.hot.key>>32), uint32(p.hot.key)
		a, ok := g.acctIdx.Get(uint64(id))
		if !ok || g.symbolState(s) == nil {
			return fmt.Errorf("%w: position of account %d in symbol %d: account or symbol unknown", ErrState, id, s)
		}
		if p.cold.allow != [2]int64{} {
			g.parents++
		}
		slot := g.pt.insert(p.hot.key)
		p.hot.acct, p.hot.used = a, true
		_, p.hot.restricted = slices.BinarySearch(g.acctCold[a].restricted, s)
		g.pt.hot[slot], g.pt.cold[slot] = p.hot, p.cold
		g.refreshPosition(slot)
	}
	if g.started && g.now-g.t0 >= gcraEpoch {
		g.rebase() // a state whose GCRA times ran long from their origin
	}
	return nil
}

// loadHeld decodes the orders held for approval: at most
// Config.MaxPending, oldest first, held not after now, in that order; each
// a canonically encoded new order that passes the matcher's field checks,
// of a defined symbol, with a reason of approval, and with a pending id and
// an order id no other held order has, nor (the id) a resting order.
func (g *Guard) loadHeld(r *reader) error {
	n := r.count(heldSize)
	if n > g.cfg.MaxPending {
		r.fail("%d held orders, max_pending is %d", n, g.cfg.MaxPending)
	}
	prev := int64(math.MinInt64)
	var o event.In
	var again [event.Size]byte
	for range n {
		p := r.take(event.Size)
		since := r.i64()
		reason := event.Reason(r.u8())
		r.zeros(7)
		if r.err != nil {
			return r.err
		}
		if err := o.Decode(p); err != nil {
			r.fail("held order: %v", err)
			return r.err
		}
		o.Encode(again[:])
		_, heldSeq := g.held.pending(o.Seq)
		_, heldID := g.held.holdsOrder(o.ID)
		_, rests := g.m.Lookup(o.ID)
		switch {
		case string(again[:]) != string(p):
			r.fail("held order %d: not in canonical form", o.Seq)
		case o.Kind != event.KindNew || !validNew(&o) || o.Account == event.Any || g.symbolState(o.Symbol) == nil:
			r.fail("held order %d: not a valid new order of a defined symbol", o.Seq)
		case reason != event.ReasonApproveQty && reason != event.ReasonApproveNotional:
			r.fail("held order %d: reason %d", o.Seq, reason)
		case !g.started || since < prev || since > g.now:
			r.fail("held order %d: held at %d, before the order held before it (%d) or after now (%d)", o.Seq, since, prev, g.now)
		case heldSeq || heldID || rests:
			r.fail("held order %d: pending id or order id %d taken", o.Seq, o.ID)
		}
		if r.err != nil {
			return r.err
		}
		prev = since
		g.held.add(&o, since, reason)
	}
	g.refreshHeldNext()
	return r.err
}

// flag decodes a 0/1 flag.
func (r *reader) flag(v byte) bool {
	if v > 1 {
		r.fail("flag %d", v)
	}
	return v == 1
}

// reason decodes the reason of a kill switch: 0 when not killed, else a
// trip reason.
func (r *reader) reason(v event.Reason, killed bool) event.Reason {
	if killed && (v < event.ReasonOperator || !v.Known()) || !killed && v != 0 {
		r.fail("kill reason %d (killed %v)", v, killed)
	}
	return v
}

// tat decodes a GCRA time.
func (r *reader) tat() int64 {
	v := r.i64()
	if v > 1<<62 || v < -(1<<62) {
		r.fail("bucket time %d out of range", v)
	}
	return v
}

// breaker decodes a breaker whose state byte was read before.
func (r *reader) breaker(state byte) breaker {
	br := breaker{state: state, breaches: r.i64(), since: r.i64(), until: r.i64()}
	if state > breakerHalfOpen || br.breaches < 0 {
		r.fail("breaker state %d, %d breaches", state, br.breaches)
	}
	return br
}

// values decodes the limits of a scope, in the guard's units: the
// version's number of them, the others 0.
func (r *reader) values(v *Values, s scope, g *Guard) {
	*v = Values{}
	for l := range Limit(r.nlim) {
		v[l] = r.i64()
		if r.err != nil {
			return
		}
		li, _, ok := l.info()
		switch {
		case !ok || li.scopes&s == 0:
			if v[l] != 0 {
				r.fail("limit %s set where it does not apply", l)
			}
		case v[l] < 0 || v[l] > g.toInternal(l, li.max):
			r.fail("limit %s %d out of range", l, v[l])
		}
	}
}

// setMask checks a mask of limits set for one account or symbol.
func (r *reader) setMask(set uint64, s scope) {
	for l := range Limit(64) {
		if set&(1<<l) == 0 {
			continue
		}
		if li, _, ok := l.info(); !ok || li.scopes&s == 0 {
			r.fail("limit %d marked as set where it does not apply", l)
			return
		}
	}
}

// windows decodes the windows of a scope, whose baselines learn as b says.
func (r *reader) windows(b *baseline) (winHot, winSet) {
	var ws winSet
	h := winHot{born: r.i64()}
	for w := range ws {
		win := &ws[w]
		win.bn = r.i64()
		for m := range win.sum {
			win.sum[m] = r.i64()
		}
		var total [nMetrics]int64
		for i := range win.ring {
			for m := range win.ring[i] {
				v := r.i64()
				win.ring[i][m] = v
				if v < 0 {
					r.fail("negative window bucket")
				}
				total[m] = satAdd(total[m], v)
			}
		}
		for m := range win.mean {
			win.mean[m] = r.i64()
		}
		for m := range win.mad {
			win.mad[m] = r.i64()
		}
		win.learned = r.i64()
		if r.err != nil {
			return h, ws
		}
		if win.bn < 0 || total != win.sum || win.learned < 0 {
			r.fail("window %d: bucket %d, totals %v for buckets summing to %v", w, win.bn, win.sum, total)
		}
		for m := range nMetrics {
			if win.mean[m] < 0 || win.mad[m] < 0 || win.mean[m] > maxSample*baseScale || win.mad[m] > maxSample*baseScale {
				r.fail("window %d: baseline out of range", w)
			}
		}
		win.loaded(b)
	}
	return h, ws
}
