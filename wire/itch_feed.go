package wire

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/wire/itch"
)

// Reserved ids and accounts of the ITCH importer; part of its mapping.
const (
	// ITCHTakerIDBase is the id of the first synthetic taker order that
	// replays an execution; ITCH order references must stay below it.
	ITCHTakerIDBase uint64 = 1 << 63
	// ITCHAccounts is the number of accounts ITCH orders are spread over:
	// order reference n belongs to account 1 + n%ITCHAccounts (ITCH names
	// no accounts).
	ITCHAccounts = 64
	// ITCHTakerAccount owns the synthetic takers.
	ITCHTakerAccount = ITCHAccounts + 2
	// MaxITCHOrders is the most live orders the importer tracks; an add
	// beyond it is a malformed record ([ErrTooManyOrders]).
	MaxITCHOrders = 1 << 22
)

// ErrTooManyOrders is wrapped by the DecodeError of an order a decoder
// cannot track because its table is full.
var ErrTooManyOrders = errors.New("wire: too many live orders")

// ITCHStats counts what an ITCH import read and emitted.
type ITCHStats struct {
	Messages       int64 // messages decoded
	Directory      int64 // R: stock directory (a KindSymbol the first time)
	Adds           int64 // A and F
	Executions     int64 // E
	ExecutionsAt   int64 // C: executed at a price of their own
	Cancels        int64 // X
	Deletes        int64 // D
	Replaces       int64 // U
	Trades         int64 // P: hidden executions (a KindPrint)
	Crosses        int64 // Q (a KindPrint when shares and price are not 0)
	TradingActions int64 // H
	Other          int64 // every other type (no event)
	UnknownOrders  int64 // E, C, X, D, U naming an order the feed never added
	Events         int64 // input events emitted
	Malformed      int64 // records reported as a DecodeError
}

// itchOrder is what the importer tracks of a live order.
type itchOrder struct {
	price  int64
	left   int64
	symbol uint32
	side   event.Side
}

// ITCHDecoder maps a NASDAQ TotalView-ITCH 5.0 stream in BinaryFILE framing
// (see package [itch]) to input events. Prices are ITCH's, dollars times
// 10000, so a tick is $0.0001 (LOBSTER's too); the event time is ITCH's
// timestamp, nanoseconds after midnight.
//
//   - R (stock directory): KindSymbol the first time a stock is named, with
//     ids dense in order of appearance; a stock's locate code maps to it.
//     An A, F or H naming a stock no R defined defines it too.
//   - A, F (add order): KindNew Limit, ID = the order reference, Account =
//     1 + ref%64, Side, Price, Qty = shares.
//   - E (executed): an IOC KindNew from [ITCHTakerAccount] on the opposite
//     side at the resting order's price for the executed shares, ids from
//     [ITCHTakerIDBase] up, so that the engine's own matching makes the
//     trade.
//   - C (executed with price): the order loses the shares (KindReplace, or
//     KindCancel when none are left), and a KindPrint reports the trade at
//     its own price: the engine's book cannot make a trade away from the
//     order's limit.
//   - X (cancel): KindReplace at the same price with the remaining shares,
//     keeping priority (KindCancel when none remain); D (delete):
//     KindCancel; U (replace): KindCancel of the old reference and KindNew
//     of the new one, same side and stock, losing priority as in ITCH.
//   - P (trade of a non-displayed order): KindPrint [event.PrintHidden];
//     Q (cross): KindPrint [event.PrintCross].
//   - H (trading action): KindHalt for state H, P or Q, KindResume for T.
//   - Every other type: no event, counted.
//
// An execution, cancel, delete or replace of an order the feed never added
// (the file starts mid-day) still emits its cancel (the engine rejects it
// as unknown) but no taker, and is counted. A bad frame is a *DecodeError
// with its byte offset; so is a message that cannot be mapped (a stock name
// the engine cannot pack, a reference in the taker range, more than
// MaxITCHOrders live orders).
type ITCHDecoder struct {
	r       *itch.Reader
	m       itch.Message
	syms    Symbols
	locate  []uint32 // locate code -> symbol id + 1; 0 for none
	orders  map[uint64]itchOrder
	queue   []event.In
	head    int
	takerN  uint64
	stats   ITCHStats
	guard   formatGuard
	started bool
	seeded  bool
}

// NewITCHDecoder returns a decoder of the ITCH stream read from r.
func NewITCHDecoder(r io.Reader) *ITCHDecoder {
	return &ITCHDecoder{
		r:      itch.NewReader(r),
		locate: make([]uint32, 1<<16),
		orders: make(map[uint64]itchOrder),
		queue:  make([]event.In, 0, 4),
		guard:  formatGuard{format: "itch", unit: "messages"},
	}
}

// Interface checks.
var (
	_ Decoder = (*ITCHDecoder)(nil)
	_ Seeder  = (*ITCHDecoder)(nil)
)

// Stats returns the counts so far.
func (d *ITCHDecoder) Stats() ITCHStats { return d.stats }

// Seed continues a journal's symbol table (see [Seeder]): a stock the seed
// names keeps its id and is not defined again.
func (d *ITCHDecoder) Seed(syms []SymbolDef, accounts []uint32) error {
	s, _, err := seedTables("itch", d.started || d.seeded, syms, accounts)
	if err != nil {
		return err
	}
	d.syms, d.seeded = s, true
	return nil
}

// Next decodes the next event into in, with the error contract of
// [Decoder].
func (d *ITCHDecoder) Next(in *event.In) error {
	err := d.next(in)
	if err == nil && d.guard.valid {
		return nil
	}
	return d.guard.check(err)
}

func (d *ITCHDecoder) next(in *event.In) error {
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
		off := d.r.Offset()
		err := d.r.Next(&d.m)
		if err == io.EOF {
			return io.EOF
		}
		var fe *itch.FrameError
		if errors.As(err, &fe) {
			d.stats.Malformed++
			return &DecodeError{Offset: fe.Offset, Err: &problem{sentinel: ErrFrame, text: "bad itch frame", detail: fe.Error(), cause: fe}}
		}
		if err != nil {
			return fmt.Errorf("wire: itch: %w", err)
		}
		d.started = true
		if p := d.apply(&d.m); p != nil {
			d.queue = d.queue[:0]
			d.stats.Malformed++
			return &DecodeError{Offset: off, Err: p}
		}
		d.stats.Messages++
	}
}

// symbol returns the symbol id of m's stock, defining it (a KindSymbol
// queued) when the stock is new.
func (d *ITCHDecoder) symbol(m *itch.Message) (uint32, *problem) {
	if v := d.locate[m.StockLocate]; v != 0 {
		return v - 1, nil
	}
	name := string(bytes.TrimRight(m.Stock[:], " "))
	id, isNew, err := d.syms.Define(name)
	if err != nil {
		p := badValue(ErrSymbolName, []byte(name), 0, "")
		p.where, p.cause = "stock", err
		if errors.Is(err, ErrTooManySymbols) {
			p.sentinel = ErrTooManySymbols
		}
		return 0, p
	}
	if isNew {
		packed, _ := d.syms.Packed(id)
		d.queue = append(d.queue, event.In{Kind: event.KindSymbol, TS: int64(m.Timestamp), Symbol: id, Aux: packed})
	}
	d.locate[m.StockLocate] = id + 1
	return id, nil
}

// itchSide maps ITCH's buy/sell indicator.
func itchSide(b byte) (event.Side, *problem) {
	switch b {
	case 'B':
		return event.Buy, nil
	case 'S':
		return event.Sell, nil
	}
	return 0, badValue(ErrSide, []byte{b}, 0, "")
}

// itchOwner returns the account an ITCH order reference is assigned to.
func itchOwner(ref uint64) uint32 { return 1 + uint32(ref%ITCHAccounts) }

// apply maps m to events queued; on a problem the caller drops them.
func (d *ITCHDecoder) apply(m *itch.Message) *problem {
	ts := int64(m.Timestamp)
	switch m.Type {
	case itch.TypeStockDirectory:
		d.stats.Directory++
		_, p := d.symbol(m)
		return p
	case itch.TypeAddOrder, itch.TypeAddOrderMPID:
		d.stats.Adds++
		sym, p := d.symbol(m)
		if p != nil {
			return p
		}
		side, p := itchSide(m.Side)
		if p != nil {
			return p
		}
		if m.OrderRef >= ITCHTakerIDBase {
			return &problem{sentinel: ErrOrderID, text: "order reference " + strconv.FormatUint(m.OrderRef, 10) + " in the importer's taker range"}
		}
		if _, live := d.orders[m.OrderRef]; !live && len(d.orders) >= MaxITCHOrders {
			return &problem{sentinel: ErrTooManyOrders, detail: "limit " + strconv.Itoa(MaxITCHOrders)}
		}
		d.orders[m.OrderRef] = itchOrder{price: int64(m.Price), left: int64(m.Shares), symbol: sym, side: side}
		d.queue = append(d.queue, event.In{Kind: event.KindNew, TS: ts, Symbol: sym, Account: itchOwner(m.OrderRef),
			ID: m.OrderRef, Side: side, Type: event.Limit, Price: int64(m.Price), Qty: int64(m.Shares)})
	case itch.TypeOrderExecuted:
		d.stats.Executions++
		o, known := d.orders[m.OrderRef]
		if !known {
			d.stats.UnknownOrders++
			return nil
		}
		d.take(m.OrderRef, o, int64(m.ExecutedShares))
		d.queue = append(d.queue, event.In{Kind: event.KindNew, TS: ts, Symbol: o.symbol, Account: ITCHTakerAccount,
			ID: ITCHTakerIDBase + d.takerN, Side: o.side.Opposite(), Type: event.IOC, Price: o.price, Qty: int64(m.ExecutedShares)})
		d.takerN++
	case itch.TypeOrderExecutedWithPrice:
		d.stats.ExecutionsAt++
		o, known := d.orders[m.OrderRef]
		if !known {
			d.stats.UnknownOrders++
			return nil
		}
		d.reduce(ts, m.OrderRef, o, int64(m.ExecutedShares))
		d.queue = append(d.queue, event.In{Kind: event.KindPrint, TS: ts, Symbol: o.symbol, Side: o.side,
			ID: m.OrderRef, Price: int64(m.ExecutionPrice), Qty: int64(m.ExecutedShares)})
	case itch.TypeOrderCancel:
		d.stats.Cancels++
		o, known := d.orders[m.OrderRef]
		if !known {
			d.stats.UnknownOrders++
			d.queue = append(d.queue, event.In{Kind: event.KindCancel, TS: ts, Account: itchOwner(m.OrderRef), ID: m.OrderRef})
			return nil
		}
		d.reduce(ts, m.OrderRef, o, int64(m.CanceledShares))
	case itch.TypeOrderDelete:
		d.stats.Deletes++
		if _, known := d.orders[m.OrderRef]; !known {
			d.stats.UnknownOrders++
		}
		delete(d.orders, m.OrderRef)
		d.queue = append(d.queue, event.In{Kind: event.KindCancel, TS: ts, Account: itchOwner(m.OrderRef), ID: m.OrderRef})
	case itch.TypeOrderReplace:
		d.stats.Replaces++
		o, known := d.orders[m.OrderRef]
		d.queue = append(d.queue, event.In{Kind: event.KindCancel, TS: ts, Account: itchOwner(m.OrderRef), ID: m.OrderRef})
		if !known {
			d.stats.UnknownOrders++
			return nil
		}
		if m.NewOrderRef >= ITCHTakerIDBase {
			return &problem{sentinel: ErrOrderID, text: "order reference " + strconv.FormatUint(m.NewOrderRef, 10) + " in the importer's taker range"}
		}
		delete(d.orders, m.OrderRef)
		d.orders[m.NewOrderRef] = itchOrder{price: int64(m.Price), left: int64(m.Shares), symbol: o.symbol, side: o.side}
		d.queue = append(d.queue, event.In{Kind: event.KindNew, TS: ts, Symbol: o.symbol, Account: itchOwner(m.NewOrderRef),
			ID: m.NewOrderRef, Side: o.side, Type: event.Limit, Price: int64(m.Price), Qty: int64(m.Shares)})
	case itch.TypeTrade:
		d.stats.Trades++
		sym, p := d.symbol(m)
		if p != nil {
			return p
		}
		side, _ := itchSide(m.Side) // an unknown side is no side
		d.queue = append(d.queue, event.In{Kind: event.KindPrint, TS: ts, Symbol: sym, Side: side, ID: m.MatchNumber,
			Price: int64(m.Price), Qty: int64(m.Shares), Arg: event.PrintHidden})
	case itch.TypeCrossTrade:
		d.stats.Crosses++
		if m.Shares == 0 || m.CrossPrice == 0 {
			return nil // an auction that matched nothing
		}
		if m.Shares > uint64(event.MaxQty) {
			return &problem{sentinel: ErrOverflow, text: "cross of " + strconv.FormatUint(m.Shares, 10) + " shares", detail: "limit " + strconv.FormatInt(event.MaxQty, 10)}
		}
		sym, p := d.symbol(m)
		if p != nil {
			return p
		}
		d.queue = append(d.queue, event.In{Kind: event.KindPrint, TS: ts, Symbol: sym, ID: m.MatchNumber,
			Price: int64(m.CrossPrice), Qty: int64(m.Shares), Arg: event.PrintCross})
	case itch.TypeStockTradingAction:
		d.stats.TradingActions++
		sym, p := d.symbol(m)
		if p != nil {
			return p
		}
		switch m.TradingState {
		case 'H', 'P', 'Q':
			d.queue = append(d.queue, event.In{Kind: event.KindHalt, TS: ts, Symbol: sym})
		case 'T':
			d.queue = append(d.queue, event.In{Kind: event.KindResume, TS: ts, Symbol: sym})
		}
	default:
		d.stats.Other++
	}
	return nil
}

// take lowers a tracked order by executed shares, forgetting it when none
// are left.
func (d *ITCHDecoder) take(ref uint64, o itchOrder, shares int64) {
	if o.left -= shares; o.left > 0 {
		d.orders[ref] = o
	} else {
		delete(d.orders, ref)
	}
}

// reduce takes shares off a live order without a trade in the book: a
// KindReplace keeping its priority, or a KindCancel when none remain.
func (d *ITCHDecoder) reduce(ts int64, ref uint64, o itchOrder, shares int64) {
	d.take(ref, o, shares)
	if o.left-shares > 0 {
		d.queue = append(d.queue, event.In{Kind: event.KindReplace, TS: ts, Account: itchOwner(ref), ID: ref, Price: o.price, Qty: o.left - shares})
		return
	}
	d.queue = append(d.queue, event.In{Kind: event.KindCancel, TS: ts, Account: itchOwner(ref), ID: ref})
}

// Buffered returns how many queued events the decoder holds that it can
// return without reading (see [NativeDecoder.Buffered]).
func (d *ITCHDecoder) Buffered() int { return len(d.queue) - d.head }
