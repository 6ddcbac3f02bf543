package wire

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/tradeengine/engine/event"
)

// Reserved order id ranges of the LOBSTER importer. LOBSTER order ids are far
// below both.
const (
	// LOBSTERSeedIDBase is the id of the first synthetic resting order placed
	// from the order book (see [LOBSTERDecoder.SeedBook]).
	LOBSTERSeedIDBase uint64 = 1 << 62
	// LOBSTERTakerIDBase is the id of the first synthetic taker order that
	// replays a visible execution.
	LOBSTERTakerIDBase uint64 = 1 << 63
	// LOBSTERSyncIDBase is the id of the first KindSync of a decoder that
	// re-synchronises the book (see [LOBSTERDecoder.SyncBook]).
	LOBSTERSyncIDBase uint64 = 1<<62 + 1<<61
	// LOBSTERAccounts is the number of accounts LOBSTER orders are spread
	// over: order id n belongs to account 1 + n%LOBSTERAccounts.
	LOBSTERAccounts = 64
)

// LOBSTERConfig says how to map a LOBSTER message file to input events.
type LOBSTERConfig struct {
	Symbol   string // symbol name, e.g. "AMZN"; must be one event.PackName accepts
	SymbolID uint32 // symbol id the events use (the first event defines it)
	// SeedFromBook makes [LoadLOBSTER] read the first row of the orderbook
	// file and place one synthetic resting order per level before the first
	// message (a bare decoder is seeded with [LOBSTERDecoder.SeedBook]).
	SeedFromBook bool
	SeedAccount  uint32 // owner of the seeded orders
	TakerAccount uint32 // account of the takers that replay visible executions
	SyncAccount  uint32 // owner of the liquidity re-synchronising adds
}

// DefaultLOBSTERConfig returns a configuration for symbol id 0 named name,
// seeding from the book, with the seed and taker accounts just above the
// accounts of the LOBSTER orders (65 and 66).
func DefaultLOBSTERConfig(name string) LOBSTERConfig {
	return LOBSTERConfig{
		Symbol:       name,
		SeedFromBook: true,
		SeedAccount:  LOBSTERAccounts + 1,
		TakerAccount: LOBSTERAccounts + 2,
		SyncAccount:  LOBSTERAccounts + 3,
	}
}

// LOBSTERStats counts what a LOBSTER import read and emitted.
type LOBSTERStats struct {
	Messages          int64 // message lines decoded
	New               int64 // type 1
	PartialCancels    int64 // type 2
	Deletes           int64 // type 3
	VisibleExecutions int64 // type 4
	HiddenExecutions  int64 // type 5 (a KindPrint)
	Crosses           int64 // type 6 (a KindPrint)
	Halts             int64 // type 7, price -1
	Quotings          int64 // type 7, price 0 (no event)
	Resumes           int64 // type 7, price 1
	// UnknownOrders counts partial cancels, deletes and visible executions
	// naming an order the file never submitted (placed before the file starts
	// or outside its levels).
	UnknownOrders int64
	Seeded        int64 // synthetic resting orders placed from the book
	Syncs         int64 // KindSync events (see LOBSTERDecoder.SyncBook)
	Events        int64 // input events emitted, the symbol definition included
	Malformed     int64 // lines reported as a DecodeError
}

// lobOrder is what the importer tracks of an order it has seen submitted.
type lobOrder struct {
	price int64
	left  int64
}

// bookLevel is one level of a seeding order book row.
type bookLevel struct {
	side  event.Side
	price int64
	size  int64
}

// lobMsg is one decoded message line.
type lobMsg struct {
	ts    int64
	typ   int
	id    int64
	size  int64
	price int64
	side  event.Side
}

// LOBSTERDecoder maps a LOBSTER message file to input events:
//
//   - the first event is a KindSymbol defining Config.SymbolID with
//     Config.Symbol, at the time of the first message; then the seeded orders
//     if the book was given (see [LOBSTERDecoder.SeedBook]);
//   - type 1 (new limit order): KindNew Limit, ID = OrderID, Price (dollars
//     times 10000, so a tick is $0.0001), Qty = Size, Buy for Direction 1 and
//     Sell for -1, Account = 1 + OrderID%64;
//   - type 2 (partial cancel): KindReplace at the same price with Qty = the
//     order's remaining size minus Size (KindCancel when nothing remains);
//     for an order the file never submitted, KindCancel, which the engine
//     rejects as unknown: a level-N file does not show every order;
//   - type 3 (delete): KindCancel;
//   - type 4 (visible execution): an IOC KindNew from Config.TakerAccount on
//     the side opposite Direction (Direction is the resting order's side) at
//     Price for Size, with an id from [LOBSTERTakerIDBase] up; the tracked
//     remaining size of the executed order goes down;
//   - type 5 (hidden execution) and 6 (cross trade): a KindPrint (Arg
//     event.PrintHidden with the Direction as its Side and the order id
//     when there is one, or event.PrintCross), which the engine reports on
//     its trade tape without touching the book, so that the output's
//     volume is the file's; none when Size or Price is not positive;
//   - type 7 (trading halt indicator): KindHalt for Price -1, KindResume for
//     Price 1, nothing for Price 0 (quoting resumes).
//
// TS is the Time column, seconds after midnight with up to 9 decimals, as
// integer nanoseconds, parsed exactly. A 7th column (the participant id of
// some files) is ignored. A malformed line is a *DecodeError with its line
// number, and changes nothing.
type LOBSTERDecoder struct {
	cfg     LOBSTERConfig
	lr      lineReader
	err     error // sticky fatal error
	started bool
	packed  uint64
	orders  map[uint64]lobOrder
	seed    []bookLevel
	queue   []event.In
	head    int
	takerN  uint64
	stats   LOBSTERStats
	fields  [8][]byte
	guard   formatGuard
	seeded  bool
	known   bool // the seed defines the symbol already: no KindSymbol event
	sync    *lobSync
}

// lobSync is the re-synchronising state: the orderbook file and its row
// after the message before the one being mapped.
type lobSync struct {
	book       *LOBSTERBookReader
	asks, bids []LOBSTERLevel
	have       bool // asks and bids hold a row
	n          uint64
}

// NewLOBSTERDecoder returns a decoder of the LOBSTER message file read from
// messages. A configuration error (a symbol name that cannot be packed, an
// id that is event.Any) is returned by the first call to Next.
func NewLOBSTERDecoder(messages io.Reader, cfg LOBSTERConfig) *LOBSTERDecoder {
	d := &LOBSTERDecoder{
		cfg:    cfg,
		lr:     newLineReader(messages, "lobster"),
		orders: make(map[uint64]lobOrder),
		queue:  make([]event.In, 0, 4),
		guard:  formatGuard{format: "lobster", unit: "lines"},
	}
	p, err := event.PackName(cfg.Symbol)
	switch {
	case err != nil:
		d.err = fmt.Errorf("%w: lobster symbol: %w", ErrConfig, err)
	case cfg.SymbolID == event.Any:
		d.err = fmt.Errorf("%w: lobster symbol id %d is reserved", ErrConfig, cfg.SymbolID)
	}
	d.packed = p
	return d
}

// Stats returns the counts so far.
func (d *LOBSTERDecoder) Stats() LOBSTERStats { return d.stats }

// Seed continues a journal's symbol table, as [Seeder] says: the decoder's
// one symbol, Config.Symbol, takes the id the seed gives that name, and then
// the feed defines it no more (no KindSymbol event), or the next id after the
// seed's. The name must not differ from a seeded one only by case
// ([ErrSymbolCase]). LOBSTER files name no account scopes: accounts are
// checked and otherwise unused. Seed replaces Config.SymbolID; it must be
// called before the first Next.
func (d *LOBSTERDecoder) Seed(syms []SymbolDef, accounts []uint32) error {
	if d.err != nil {
		return d.err
	}
	s, _, err := seedTables("lobster", d.started || d.seeded, syms, accounts)
	if err != nil {
		return err
	}
	id, known := s.Lookup(d.cfg.Symbol)
	if !known {
		if twin, ok := s.caseTwin([]byte(d.cfg.Symbol)); ok {
			return fmt.Errorf("wire: lobster: %w", caseProblem(d.cfg.Symbol, twin))
		}
		if s.Len() >= MaxSymbols {
			return fmt.Errorf("%w: lobster: %q would be number %d, limit %d", ErrTooManySymbols, d.cfg.Symbol, s.Len()+1, MaxSymbols)
		}
		id = uint32(s.Len())
	}
	d.cfg.SymbolID, d.known, d.seeded = id, known, true
	return nil
}

// SymbolID returns the id the decoder's events give its symbol.
func (d *LOBSTERDecoder) SymbolID() uint32 { return d.cfg.SymbolID }

// Next decodes the next event into in, with the error contract of [Decoder]:
// among the fatal errors, one wrapping [ErrNotThisFormat] in place of the
// [MaxLeadingMalformed]th malformed line when no line before it was valid,
// or in place of io.EOF when every line was malformed.
func (d *LOBSTERDecoder) Next(in *event.In) error {
	err := d.next(in)
	if err == nil && d.guard.valid {
		return nil
	}
	return d.guard.check(err)
}

func (d *LOBSTERDecoder) next(in *event.In) error {
	if d.guard.err != nil {
		return d.guard.err
	}
	for {
		if d.head < len(d.queue) {
			*in = d.queue[d.head]
			d.head++
			d.stats.Events++
			return nil
		}
		d.queue, d.head = d.queue[:0], 0
		if d.err != nil {
			return d.err
		}
		line, off, err := d.lr.readLine()
		if err == io.EOF && !d.started && d.guard.bad == 0 {
			d.start(0) // an empty file still defines its symbol
			if len(d.queue) == 0 {
				return io.EOF
			}
			continue
		}
		if err != nil {
			if _, ok := err.(*DecodeError); ok {
				d.stats.Malformed++
			}
			return err
		}
		if len(trimSpace(line)) == 0 {
			continue
		}
		var m lobMsg
		if p := d.parse(line, &m); p != nil {
			d.stats.Malformed++
			return &DecodeError{Line: d.lr.line, Offset: off, Record: append([]byte(nil), line...), Err: p}
		}
		if err := d.handle(&m); err != nil {
			d.err = err
			d.queue, d.head = d.queue[:0], 0 // the failed message's events never go out
			return err
		}
	}
}

// handle maps message m (parsed from a line) to queued events: the start
// before the first, the re-synchronisation before the others, its own.
func (d *LOBSTERDecoder) handle(m *lobMsg) error {
	if !d.started {
		d.undo(m)
		d.start(m.ts)
	}
	if s := d.sync; s != nil && s.have {
		d.queueSync(m.ts)
	}
	d.apply(m)
	if s := d.sync; s != nil {
		n, err := s.book.Next(s.asks, s.bids)
		if err == io.EOF {
			return fmt.Errorf("wire: lobster: the orderbook file ends before message line %d", d.lr.line)
		}
		if err != nil {
			return fmt.Errorf("wire: lobster orderbook: %w", err)
		}
		if n < len(s.asks) {
			return fmt.Errorf("wire: lobster orderbook: row %d has %d levels, row 1 %d", s.book.line, n, len(s.asks))
		}
		s.have = true
	}
	return nil
}

// start queues the symbol definition and the seeded orders.
func (d *LOBSTERDecoder) start(ts int64) {
	d.started = true
	if !d.known {
		d.queue = append(d.queue, event.In{Kind: event.KindSymbol, TS: ts, Symbol: d.cfg.SymbolID, Aux: d.packed})
	}
	for _, l := range d.seed {
		if l.size <= 0 {
			continue
		}
		d.queue = append(d.queue, event.In{
			Kind: event.KindNew, TS: ts, Symbol: d.cfg.SymbolID, Account: d.cfg.SeedAccount,
			ID: LOBSTERSeedIDBase + uint64(d.stats.Seeded), Side: l.side, Type: event.Limit,
			Price: l.price, Qty: l.size,
		})
		d.stats.Seeded++
	}
	d.seed = nil
}

// owner returns the account a LOBSTER order id is assigned to.
func owner(id uint64) uint32 { return 1 + uint32(id%LOBSTERAccounts) }

// apply counts m and queues its events.
func (d *LOBSTERDecoder) apply(m *lobMsg) {
	d.stats.Messages++
	id := uint64(m.id)
	sym := d.cfg.SymbolID
	switch m.typ {
	case 1:
		d.stats.New++
		d.orders[id] = lobOrder{price: m.price, left: m.size}
		d.queue = append(d.queue, event.In{Kind: event.KindNew, TS: m.ts, Symbol: sym, Account: owner(id),
			ID: id, Side: m.side, Type: event.Limit, Price: m.price, Qty: m.size})
	case 2, 3:
		if m.typ == 2 {
			d.stats.PartialCancels++
		} else {
			d.stats.Deletes++
		}
		o, known := d.orders[id]
		if !known {
			d.stats.UnknownOrders++
			if d.syncLevel(m) {
				return
			}
		}
		if m.typ == 2 && known && o.left-m.size > 0 {
			o.left -= m.size
			d.orders[id] = o
			d.queue = append(d.queue, event.In{Kind: event.KindReplace, TS: m.ts, Account: owner(id), ID: id,
				Price: o.price, Qty: o.left})
		} else {
			delete(d.orders, id)
			d.queue = append(d.queue, event.In{Kind: event.KindCancel, TS: m.ts, Account: owner(id), ID: id})
		}
		if known {
			// When re-synchronising, the order may have gone from the
			// engine's book already (a sync took the level's excess from
			// it): the level is set to what the message leaves of it
			// all the same (a no-op when the cancel took effect).
			d.syncLevel(m)
		}
	case 4:
		d.stats.VisibleExecutions++
		if o, known := d.orders[id]; known {
			if o.left -= m.size; o.left > 0 {
				d.orders[id] = o
			} else {
				delete(d.orders, id)
			}
		} else {
			d.stats.UnknownOrders++
		}
		d.queue = append(d.queue, event.In{Kind: event.KindNew, TS: m.ts, Symbol: sym, Account: d.cfg.TakerAccount,
			ID: LOBSTERTakerIDBase + d.takerN, Side: m.side.Opposite(), Type: event.IOC, Price: m.price, Qty: m.size})
		d.takerN++
	case 5, 6:
		in := event.In{Kind: event.KindPrint, TS: m.ts, Symbol: sym, Price: m.price, Qty: m.size, Arg: event.PrintHidden}
		if m.typ == 5 {
			d.stats.HiddenExecutions++
			in.Side = m.side
			if m.id > 0 {
				in.ID = uint64(m.id)
			}
		} else {
			d.stats.Crosses++
			in.Arg = event.PrintCross // a cross has no resting side, and no order id (-1)
		}
		if m.size > 0 && m.price > 0 {
			d.queue = append(d.queue, in)
		}
	case 7:
		switch m.price {
		case -1:
			d.stats.Halts++
			d.queue = append(d.queue, event.In{Kind: event.KindHalt, TS: m.ts, Symbol: sym})
		case 0:
			d.stats.Quotings++
		case 1:
			d.stats.Resumes++
			d.queue = append(d.queue, event.In{Kind: event.KindResume, TS: m.ts, Symbol: sym})
		}
	}
}

// Names of the LOBSTER message columns, for error messages.
var lobFieldNames = [...]string{"time", "type", "order id", "size", "price", "direction", "participant"}

// parse decodes one message line into m.
func (d *LOBSTERDecoder) parse(line []byte, m *lobMsg) *problem {
	f := &d.fields
	n := splitFields(line, f[:])
	if n < 6 || n > 7 {
		return &problem{sentinel: ErrFieldCount, detail: strconv.Itoa(n) + " fields, want 6 (time,type,order id,size,price,direction) or 7"}
	}
	ts, ok := parseSecondsNs(f[0])
	if !ok {
		return badValue(ErrTime, f[0], 1, lobFieldNames[0])
	}
	typ, e := parseUint(f[1], 7)
	if e != numOK || typ == 0 {
		return badValue(ErrMessageType, f[1], 2, lobFieldNames[1])
	}
	var p *problem
	if m.id, p = parseI64(f[2], 3, lobFieldNames[2]); p != nil {
		return p
	}
	if typ <= 4 && m.id < 0 {
		return badValue(ErrOrderID, f[2], 3, lobFieldNames[2])
	}
	if m.size, p = parseI64(f[3], 4, lobFieldNames[3]); p != nil {
		return p
	}
	if m.price, p = parseI64(f[4], 5, lobFieldNames[4]); p != nil {
		return p
	}
	switch string(f[5]) {
	case "1":
		m.side = event.Buy
	case "-1":
		m.side = event.Sell
	default:
		return badValue(ErrDirection, f[5], 6, lobFieldNames[5])
	}
	if typ == 7 && (m.price < -1 || m.price > 1) {
		return badValue(ErrHaltPrice, f[4], 5, lobFieldNames[4])
	}
	m.ts, m.typ = ts, int(typ)
	return nil
}

// parseSecondsNs parses seconds with up to 9 decimals ("34200.18960767") as
// integer nanoseconds, exactly. More decimals are accepted only when they are
// zeros.
func parseSecondsNs(b []byte) (int64, bool) {
	i := 0
	for i < len(b) && b[i] != '.' {
		i++
	}
	sec, e := parseUint(b[:i], math.MaxInt64/1_000_000_000-1)
	if e != numOK {
		return 0, false
	}
	var ns int64
	if i < len(b) {
		frac := b[i+1:]
		if len(frac) == 0 {
			return 0, false
		}
		scale := int64(1e8)
		for j, c := range frac {
			if c < '0' || c > '9' {
				return 0, false
			}
			if j < 9 {
				ns += int64(c-'0') * scale
				scale /= 10
			} else if c != '0' {
				return 0, false
			}
		}
	}
	return int64(sec)*1e9 + ns, true
}

// Buffered returns how many bytes or queued events the decoder holds that it
// can decode without reading again (see [NativeDecoder.Buffered]).
func (d *LOBSTERDecoder) Buffered() int { return len(d.queue) - d.head + d.lr.br.Buffered() }

// LOBSTERMessage is one line of a LOBSTER message file, as
// [LOBSTERDecoder.NextMessage] read it.
type LOBSTERMessage struct {
	Line  int64      // 1-based line of the message file
	TS    int64      // ns after midnight
	Type  int        // 1-7 (see [LOBSTERDecoder])
	ID    int64      // LOBSTER's order id
	Size  int64      // shares
	Price int64      // dollars times 10000
	Side  event.Side // Direction: for an execution, the resting order's side
}

// NextMessage decodes the next message line into m and appends to dst the
// input events it maps to (see [LOBSTERDecoder]; before the first message's
// own, the symbol definition and the seeded orders), which may be none (a
// hidden execution). It returns io.EOF after the last line, a
// *[DecodeError] for a malformed line (which changes nothing; call again for
// the next), or a fatal error. It serves tools that work message by message
// (comparing the engine's book with LOBSTER's after each); a decoder is read
// either with Next or with NextMessage, never both.
func (d *LOBSTERDecoder) NextMessage(m *LOBSTERMessage, dst []event.In) ([]event.In, error) {
	if d.err != nil {
		return dst, d.err
	}
	for {
		line, off, err := d.lr.readLine()
		if err != nil {
			if _, ok := err.(*DecodeError); ok {
				d.stats.Malformed++
			}
			return dst, err
		}
		if len(trimSpace(line)) == 0 {
			continue
		}
		var lm lobMsg
		if p := d.parse(line, &lm); p != nil {
			d.stats.Malformed++
			return dst, &DecodeError{Line: d.lr.line, Offset: off, Record: append([]byte(nil), line...), Err: p}
		}
		if err := d.handle(&lm); err != nil {
			d.err = err
			d.queue, d.head = d.queue[:0], 0
			return dst, err
		}
		n := len(d.queue) - d.head
		dst = append(dst, d.queue[d.head:]...)
		d.queue, d.head = d.queue[:0], 0
		d.stats.Events += int64(n)
		*m = LOBSTERMessage{Line: d.lr.line, TS: lm.ts, Type: lm.typ, ID: lm.id, Size: lm.size, Price: lm.price, Side: lm.side}
		return dst, nil
	}
}

// SyncBook makes the decoder re-synchronise the engine's book with
// LOBSTER's before every message but the first (see event.KindSync): it
// reads the orderbook file from orderbook row by row, alongside the
// messages, and before message i queues, for each side, asks first, one
// KindSync per level of row i-1, best first (a padded level as Price 0,
// after which that side says no more), owned by Config.SyncAccount with
// ids from [LOBSTERSyncIDBase] up. A partial cancel or delete of an order
// the file never submitted, at a level row i-1 shows, then takes its size
// off that level (a KindSync to the row's size there minus it) instead of
// cancelling an unknown order; one of an order it did submit is followed
// by that KindSync too (the engine may have lost the order to an earlier
// sync's excess). The orderbook file must have a row per
// message, each with as many levels as the first. It must be called before
// the first Next or NextMessage, with the same file SeedBook read (its own
// reader of it).
func (d *LOBSTERDecoder) SyncBook(orderbook io.Reader) error {
	if d.started {
		return fmt.Errorf("%w: lobster: sync after the first event", ErrConfig)
	}
	r := NewLOBSTERBookReader(orderbook)
	probe := make([]LOBSTERLevel, 1)
	n, err := r.Next(probe, probe[:0:0])
	if err != nil {
		return fmt.Errorf("wire: lobster orderbook: %w", err)
	}
	d.sync = &lobSync{book: r, asks: make([]LOBSTERLevel, n), bids: make([]LOBSTERLevel, n)}
	// The first row is the book after message 1: read it again in step.
	if rs, ok := orderbook.(io.Seeker); ok {
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("wire: lobster orderbook: %w", err)
		}
		d.sync.book = NewLOBSTERBookReader(orderbook)
		return nil
	}
	return fmt.Errorf("%w: lobster: the orderbook for SyncBook must be seekable", ErrConfig)
}

// queueSync queues the KindSync events of the row before the message.
func (d *LOBSTERDecoder) queueSync(ts int64) {
	s := d.sync
	for _, side := range [2]event.Side{event.Sell, event.Buy} {
		levels := s.asks
		if side == event.Buy {
			levels = s.bids
		}
		var above uint64
		for _, lv := range levels {
			in := event.In{Kind: event.KindSync, TS: ts, Symbol: d.cfg.SymbolID, Side: side, Aux: above,
				Account: d.cfg.SyncAccount, ID: LOBSTERSyncIDBase + s.n}
			s.n++
			if lv.Size > 0 {
				in.Price, in.Qty = lv.Price, lv.Size
			}
			d.queue = append(d.queue, in)
			d.stats.Syncs++
			if lv.Size <= 0 {
				break
			}
			above = uint64(lv.Price)
		}
	}
}

// syncLevel queues, when re-synchronising and the row before message m
// shows m's level, the KindSync that takes m's size off it, and reports
// whether it did.
func (d *LOBSTERDecoder) syncLevel(m *lobMsg) bool {
	s := d.sync
	if s == nil || !s.have {
		return false
	}
	levels := s.asks
	if m.side == event.Buy {
		levels = s.bids
	}
	var above uint64
	for _, lv := range levels {
		if lv.Size <= 0 {
			return false
		}
		if lv.Price == m.price {
			d.queue = append(d.queue, event.In{Kind: event.KindSync, TS: m.ts, Symbol: d.cfg.SymbolID, Side: m.side,
				Price: lv.Price, Qty: max(lv.Size-m.size, 0), Aux: above, Account: d.cfg.SyncAccount, ID: LOBSTERSyncIDBase + s.n})
			s.n++
			d.stats.Syncs++
			return true
		}
		above = uint64(lv.Price)
	}
	return false
}
