package wire

import (
	"fmt"
	"io"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/wire/itch"
)

// dayNS is the length of a day in ns: ITCH timestamps are nanoseconds since
// midnight.
const dayNS = 24 * 3600 * 1_000_000_000

// OutITCH publishes the engine's market data as NASDAQ TotalView-ITCH 5.0 in
// BinaryFILE framing, so that any ITCH parser can rebuild the engine's
// books. It is an output writer ([OutWriter]) fed the engine's output
// events in order:
//
//   - OutSymbol: R (stock directory), stock locate = symbol id + 1;
//   - an order that rests (OutAccepted, or OutReplaced losing priority,
//     followed by its own trades as the taker and no OutCancelled of its
//     rest before the next input's outputs): A (add order, reference = the
//     order id) for what rests, once the input's outputs are over (a
//     replace losing priority first deletes the old order: D);
//   - OutTrade: E (order executed) of the maker, with a match number
//     counting from 1;
//   - OutCancelled of a resting order: D; OutReplaced keeping priority: X
//     (cancel) of the shares it lost;
//   - OutHalted, OutResumed: H (trading action, state H or T);
//   - OutPrint: P (trade of a non-displayed order), or Q (cross) for a
//     cross;
//   - every other output (the guard's, book levels, rejections): nothing.
//
// Timestamps are the event time modulo a day. Tracking numbers are 0.
// Write allocates nothing once the symbols are known.
type OutITCH struct {
	w       *itch.Writer
	m       itch.Message
	stocks  [][8]byte // by symbol id
	match   uint64
	pending pendingAdd
	// sizes holds the shares of each order the writer added and that
	// rests, for the X of a replace keeping priority (the engine reports
	// the size left, ITCH the shares cancelled); at most MaxITCHOrders.
	sizes map[uint64]int64
	err   error
}

// pendingAdd is an order of the current input that may rest: its add is
// written when the input's outputs are over.
type pendingAdd struct {
	live   bool
	seq    uint64
	ts     int64
	id     uint64
	symbol uint32
	side   event.Side
	price  int64
	qty    int64
}

// NewOutITCH returns a writer of ITCH market data to w.
func NewOutITCH(w io.Writer) *OutITCH {
	return &OutITCH{w: itch.NewWriter(w), sizes: make(map[uint64]int64)}
}

var _ OutWriter = (*OutITCH)(nil)

// Write publishes o (see [OutITCH]).
func (x *OutITCH) Write(o *event.Out) error {
	if x.err != nil {
		return x.err
	}
	if x.pending.live && o.Seq != x.pending.seq {
		x.flushPending()
	}
	switch {
	case o.Symbol >= 1<<16-1 && o.Symbol != event.Any:
		x.err = fmt.Errorf("wire: itch out: %w: symbol id %d beyond ITCH's stock locate codes", ErrUnencodable, o.Symbol)
		return x.err
	case o.Price > 1<<32-1:
		x.err = fmt.Errorf("wire: itch out: %w: price %d beyond ITCH's 32 bits", ErrUnencodable, o.Price)
		return x.err
	}
	switch o.Kind {
	case event.OutSymbol:
		for uint64(len(x.stocks)) <= uint64(o.Symbol) {
			x.stocks = append(x.stocks, [8]byte{})
		}
		name, _ := event.UnpackName(o.Other)
		st := [8]byte{' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '}
		copy(st[:], name)
		x.stocks[o.Symbol] = st
		x.msg(itch.TypeStockDirectory, o)
		x.m.Stock, x.m.RoundLotSize, x.m.MarketCategory, x.m.FinancialStatusIndicator = st, 100, 'Q', 'N'
		x.write()
	case event.OutAccepted:
		x.pending = pendingAdd{live: true, seq: o.Seq, ts: o.TS, id: o.ID, symbol: o.Symbol, side: o.Side, price: o.Price, qty: o.Qty}
	case event.OutTrade:
		if x.pending.live && o.ID == x.pending.id {
			x.pending.qty -= o.Qty
		}
		x.match++
		x.msg(itch.TypeOrderExecuted, o)
		x.m.OrderRef, x.m.ExecutedShares, x.m.MatchNumber = o.Other, uint32(o.Qty), x.match
		x.write()
		if left := x.sizes[o.Other] - o.Qty; left > 0 {
			x.sizes[o.Other] = left
		} else {
			delete(x.sizes, o.Other)
		}
	case event.OutCancelled:
		if x.pending.live && o.ID == x.pending.id {
			x.pending.live = false // the rest of an incoming order: it never rested
			return x.err
		}
		x.msg(itch.TypeOrderDelete, o)
		x.m.OrderRef = o.ID
		x.write()
		delete(x.sizes, o.ID)
	case event.OutReplaced:
		if o.Reason == event.ReasonPriorityLost {
			x.msg(itch.TypeOrderDelete, o)
			x.m.OrderRef = o.ID
			x.write()
			delete(x.sizes, o.ID)
			x.pending = pendingAdd{live: true, seq: o.Seq, ts: o.TS, id: o.ID, symbol: o.Symbol, side: o.Side, price: o.Price, qty: o.Qty}
			return x.err
		}
		// Priority kept, or a sync: the order keeps its place with fewer
		// shares. The engine reports what is left; ITCH what went.
		x.pendingCancel(o)
	case event.OutHalted, event.OutResumed:
		x.msg(itch.TypeStockTradingAction, o)
		x.m.Stock = x.stock(o.Symbol)
		x.m.TradingState = 'H'
		if o.Kind == event.OutResumed {
			x.m.TradingState = 'T'
		}
		x.write()
	case event.OutPrint:
		x.match++
		if o.Other == uint64(event.PrintCross) {
			x.msg(itch.TypeCrossTrade, o)
			x.m.Shares, x.m.Stock, x.m.CrossPrice, x.m.MatchNumber, x.m.CrossType = uint64(o.Qty), x.stock(o.Symbol), uint32(o.Price), x.match, 'O'
		} else {
			x.msg(itch.TypeTrade, o)
			x.m.OrderRef, x.m.Side, x.m.Shares, x.m.Stock, x.m.Price, x.m.MatchNumber = 0, itchSideByte(o.Side), uint64(o.Qty), x.stock(o.Symbol), uint32(o.Price), x.match
		}
		x.write()
	}
	return x.err
}

// pendingCancel writes the X of a replace that keeps the order's place:
// the shares it lost.
func (x *OutITCH) pendingCancel(o *event.Out) {
	had, ok := x.sizes[o.ID]
	if !ok {
		x.err = fmt.Errorf("wire: itch out: %w: order %d replaced but never added", ErrUnencodable, o.ID)
		return
	}
	if had > o.Qty {
		x.msg(itch.TypeOrderCancel, o)
		x.m.OrderRef, x.m.CanceledShares = o.ID, uint32(had-o.Qty)
		x.write()
	}
	x.sizes[o.ID] = o.Qty
}

// msg starts a message of type t for output o.
func (x *OutITCH) msg(t byte, o *event.Out) {
	x.m = itch.Message{Type: t, StockLocate: uint16(o.Symbol + 1), Timestamp: uint64(((o.TS % dayNS) + dayNS) % dayNS)}
}

// stock returns the ITCH stock field of a symbol.
func (x *OutITCH) stock(sym uint32) [8]byte {
	if uint64(sym) < uint64(len(x.stocks)) {
		return x.stocks[sym]
	}
	return [8]byte{' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '}
}

func itchSideByte(s event.Side) byte {
	switch s {
	case event.Buy:
		return 'B'
	case event.Sell:
		return 'S'
	}
	return ' '
}

// write writes the message built in x.m.
func (x *OutITCH) write() {
	if x.err == nil {
		if err := x.w.Write(&x.m); err != nil {
			x.err = fmt.Errorf("wire: itch out: %w", err)
		}
	}
}

// flushPending writes the add of the pending order if any of it rests.
func (x *OutITCH) flushPending() {
	p := &x.pending
	p.live = false
	if p.qty <= 0 {
		return
	}
	if len(x.sizes) >= MaxITCHOrders {
		x.err = fmt.Errorf("wire: itch out: %w: more than %d resting orders", ErrTooManyOrders, MaxITCHOrders)
		return
	}
	x.m = itch.Message{Type: itch.TypeAddOrder, StockLocate: uint16(p.symbol + 1), Timestamp: uint64(((p.ts % dayNS) + dayNS) % dayNS),
		OrderRef: p.id, Side: itchSideByte(p.side), Shares: uint64(p.qty), Stock: x.stock(p.symbol), Price: uint32(p.price)}
	x.write()
	x.sizes[p.id] = p.qty
}

// Flush writes the pending add (the last input's outputs are over) and
// what is buffered.
func (x *OutITCH) Flush() error {
	if x.pending.live {
		x.flushPending()
	}
	if x.err != nil {
		return x.err
	}
	if err := x.w.Flush(); err != nil {
		return fmt.Errorf("wire: itch out: %w", err)
	}
	return nil
}
