package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/tradeengine/engine/event"
)

// Report is the audit report of a run. Times are event times in ns since the
// epoch; the text and HTML forms show them as UTC clock times under the
// date of the first event. Its JSON form is the field names in the tags.
type Report struct {
	Date      string          `json:"date"`      // UTC date of the first event, 2006-01-02; "" when there was none
	Totals    Totals          `json:"totals"`    // the run's totals
	Accounts  []Account       `json:"accounts"`  // every account tracked, by id
	Symbols   []Symbol        `json:"symbols"`   // every symbol tracked, by id
	Operators []OperatorEntry `json:"operators"` // operator commands, in order
	Timeline  []Mark          `json:"timeline"`  // kill-switch, breaker and pause events, in order
	Series    Series          `json:"series"`    // new orders, trades and notional over time
	Overflow  Overflow        `json:"overflow"`  // what the limits kept out of the tables
	Limits    Limits          `json:"limits"`    // the limits the report was built under
	Integrity Integrity       `json:"integrity"` // the journal's integrity, as the caller gave it
}

// Totals are the run's totals. OrdersAccepted, OrdersRejected,
// RejectedTotal, Cancelled, Trades, TradedQuantity and EventsOut are
// defined exactly as in `engine run`'s summary (pipeline.Summary, same JSON
// names), so they equal the live run's.
type Totals struct {
	Inputs         int64            `json:"inputs"`          // input events
	FirstSeq       uint64           `json:"first_seq"`       // sequence of the first input, 0 when none
	LastSeq        uint64           `json:"last_seq"`        // sequence of the last input
	FirstTS        int64            `json:"first_ts"`        // event time of the first input
	LastTS         int64            `json:"last_ts"`         // event time of the last input
	OrdersAccepted int64            `json:"orders_accepted"` // OutAccepted events
	OrdersRejected map[string]int64 `json:"orders_rejected"` // OutRejected events (any input kind) by reason
	RejectedTotal  int64            `json:"rejected_total"`  // sum of OrdersRejected
	Cancelled      int64            `json:"cancelled"`       // OutCancelled events
	Trades         int64            `json:"trades"`          // OutTrade events
	TradedQuantity int64            `json:"traded_quantity"` // sum of trade quantities, lots
	TradedNotional Int128           `json:"traded_notional"` // sum of trade price*quantity, ticks*lots, exact
	EventsOut      int64            `json:"events_out"`      // output events
	Operators      int64            `json:"operator_commands"`
	KillTrips      int64            `json:"kill_trips"`      // OutKill events
	KillClears     int64            `json:"kill_clears"`     // OutClear events
	BreakerChanges int64            `json:"breaker_changes"` // OutBreaker events
	Pauses         int64            `json:"pause_events"`    // OutPaused and OutUnpaused events
	Halts          int64            `json:"halts"`           // OutHalted events
}

// Account is one account's figures. A trade counts once for its taker
// (Out.Account, on Out.Side) and once for its maker (Out.OtherAccount, on
// the opposite side), both for the same account in a self-trade.
type Account struct {
	ID              uint32           `json:"id"`
	Orders          int64            `json:"orders"`            // OutAccepted
	TakerFills      int64            `json:"taker_fills"`       // OutTrade with the account as taker
	MakerFills      int64            `json:"maker_fills"`       // OutTrade with the account as maker
	Rejects         int64            `json:"rejects"`           // OutRejected
	RejectsByReason map[string]int64 `json:"rejects_by_reason"` // OutRejected by reason
	Cancels         int64            `json:"cancels"`           // OutCancelled
	TradedQuantity  int64            `json:"traded_quantity"`   // both sides
	TradedNotional  Int128           `json:"traded_notional"`   // both sides, ticks*lots
	Positions       []Position       `json:"positions"`         // final net position per symbol traded, by symbol id
	KillTrips       int64            `json:"kill_trips"`        // OutKill naming the account
	BreakerOpens    int64            `json:"breaker_opens"`     // OutBreaker opening the account's breaker
}

// Position is an account's final net position in a symbol: bought minus
// sold, lots.
type Position struct {
	Symbol uint32 `json:"symbol"`
	Name   string `json:"name"` // "" when the symbol was never defined
	Qty    int64  `json:"qty"`
}

// Symbol is one symbol's figures. Rejects count only rejections that name
// a symbol the run defined or traded, and not those for an unknown symbol,
// an unknown order or a bad kind, whose Symbol field names no instrument.
type Symbol struct {
	ID             uint32  `json:"id"`
	Name           string  `json:"name"` // from OutSymbol; "" when never defined
	Orders         int64   `json:"orders"`
	Trades         int64   `json:"trades"`
	TradedQuantity int64   `json:"traded_quantity"`
	TradedNotional Int128  `json:"traded_notional"`
	VWAP           float64 `json:"vwap"`        // TradedNotional / TradedQuantity, ticks; 0 without trades
	FirstPrice     int64   `json:"first_price"` // of the first trade, 0 without trades
	LastPrice      int64   `json:"last_price"`  // of the last trade
	Rejects        int64   `json:"rejects"`
	Cancels        int64   `json:"cancels"`
	Halts          int64   `json:"halts"`
}

// OperatorEntry is one operator command and what it did.
type OperatorEntry struct {
	Seq    uint64 `json:"seq"`
	TS     int64  `json:"ts"`
	UID    uint32 `json:"uid"`
	GID    uint32 `json:"gid"`
	PID    int32  `json:"pid"`
	Kind   string `json:"kind"`   // the input kind it became
	Text   string `json:"text"`   // as typed
	Effect string `json:"effect"` // its outputs, for people; "input not seen" when its input never came
}

// Mark is one kill-switch, breaker or pause event of the timeline.
type Mark struct {
	Seq        uint64 `json:"seq"`
	TS         int64  `json:"ts"`
	Event      string `json:"event"`                 // the output kind: kill, clear, breaker, paused, unpaused
	Account    string `json:"account"`               // account id, "*" for all; "" for a pause
	Symbol     string `json:"symbol"`                // symbol id, "*" for all; "" for a pause
	SymbolName string `json:"symbol_name,omitempty"` // the symbol's name, when defined
	Reason     string `json:"reason"`                // the guard that tripped, or the breaker's state; "" for a clear or a pause
	Qty        int64  `json:"qty"`                   // kill: the measured figure; breaker: breaches counted
	Price      int64  `json:"price"`                 // kill: the limit crossed
	Other      int64  `json:"other"`                 // kill: the window, ns; breaker: event time the cool-down ends
}

// Trip reports whether m is a kill-switch trip or a breaker opening: the
// events the charts mark.
func (m *Mark) Trip() bool {
	return m.Event == event.OutKill.String() ||
		(m.Event == event.OutBreaker.String() && m.Reason == event.ReasonBreakerOpen.String())
}

// Series is the run cut into equal time buckets (at most [SeriesBuckets]):
// bucket i covers event times [StartTS + i*WidthNS, StartTS + (i+1)*WidthNS).
type Series struct {
	StartTS   int64    `json:"start_ts"`
	WidthNS   int64    `json:"width_ns"`
	NewOrders []int64  `json:"new_orders"` // KindNew inputs
	Trades    []int64  `json:"trades"`     // OutTrade events
	Notional  []Int128 `json:"notional"`   // traded notional, ticks*lots
}

// Overflow counts what did not fit the builder's [Limits]. The totals are
// always complete; only the per-account, per-symbol and listed figures can
// miss what is counted here.
type Overflow struct {
	Accounts       int64 `json:"accounts"`        // outputs naming an account beyond Limits.Accounts, not counted for it
	Symbols        int64 `json:"symbols"`         // outputs naming a symbol beyond Limits.Symbols, not counted for it
	Positions      int64 `json:"positions"`       // trade sides not added to a position: Limits.Pairs positions held
	AccountRejects int64 `json:"account_rejects"` // rejects not counted by reason for their account: Limits.Pairs held
	Operators      int64 `json:"operators"`       // operator commands not listed
	Timeline       int64 `json:"timeline"`        // timeline events not listed
}

// Report returns the report of what was fed so far, with integ as its
// integrity section. The Builder is unchanged and can go on.
func (b *Builder) Report(integ Integrity) *Report {
	t := &b.tot
	r := &Report{Integrity: integ, Overflow: b.over, Limits: b.lim}
	r.Totals = Totals{
		Inputs: t.inputs, FirstSeq: t.firstSeq, LastSeq: t.lastSeq, FirstTS: t.firstTS, LastTS: t.lastTS,
		OrdersAccepted: t.accepted, OrdersRejected: map[string]int64{}, Cancelled: t.cancelled,
		Trades: t.trades, TradedQuantity: t.tradedQty, TradedNotional: t.notional, EventsOut: t.out,
		Operators: t.operators, KillTrips: t.trips, KillClears: t.clears, BreakerChanges: t.breakers,
		Pauses: t.pauses, Halts: t.halts,
	}
	for reason, n := range t.rejected {
		if n != 0 {
			r.Totals.OrdersRejected[event.Reason(reason).String()] = n
			r.Totals.RejectedTotal += n
		}
	}
	switch {
	case t.inputs > 0:
		r.Date = dateOf(t.firstTS)
	case integ.LastSeq > 0:
		r.Date = dateOf(integ.FirstTS)
	}
	r.Symbols = b.symbols()
	r.Accounts = b.accounts()
	r.Operators = make([]OperatorEntry, 0, len(b.ops))
	for _, o := range b.ops {
		e := OperatorEntry{Seq: o.op.Seq, TS: o.op.TS, UID: o.op.UID, GID: o.op.GID, PID: o.op.PID,
			Kind: o.op.Kind.String(), Text: o.op.Text, Effect: o.effect}
		if !o.settled {
			e.Effect = "input not seen"
		}
		r.Operators = append(r.Operators, e)
	}
	r.Timeline = make([]Mark, 0, len(b.timeline))
	for i := range b.timeline {
		r.Timeline = append(r.Timeline, b.markOf(&b.timeline[i]))
	}
	s := &b.series
	r.Series = Series{StartTS: s.origin, WidthNS: int64(s.width),
		NewOrders: slices.Clone(s.orders[:s.n]), Trades: slices.Clone(s.trades[:s.n]), Notional: slices.Clone(s.notional[:s.n])}
	return r
}

func (b *Builder) symbols() []Symbol {
	out := make([]Symbol, 0, len(b.syms))
	for i := range b.syms {
		s := &b.syms[i]
		e := Symbol{ID: s.id, Name: b.symName(s.id), Orders: s.orders, Trades: s.trades, TradedQuantity: s.qty,
			TradedNotional: s.notional, FirstPrice: s.first, LastPrice: s.last, Rejects: s.rejects,
			Cancels: s.cancels, Halts: s.halts}
		if s.qty != 0 {
			e.VWAP = s.notional.Float64() / float64(s.qty)
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Symbol) int { return cmpU32(a.ID, b.ID) })
	return out
}

func (b *Builder) accounts() []Account {
	out := make([]Account, 0, len(b.accts))
	for i := range b.accts {
		a := &b.accts[i]
		out = append(out, Account{ID: a.id, Orders: a.orders, TakerFills: a.takerFills, MakerFills: a.makerFills,
			Rejects: a.rejects, RejectsByReason: map[string]int64{}, Cancels: a.cancels, TradedQuantity: a.qty,
			TradedNotional: a.notional, Positions: []Position{}, KillTrips: a.trips, BreakerOpens: a.breakerOpens})
	}
	slices.SortFunc(out, func(a, b Account) int { return cmpU32(a.ID, b.ID) })
	at := func(id uint32) *Account {
		i, ok := slices.BinarySearchFunc(out, id, func(a Account, id uint32) int { return cmpU32(a.ID, id) })
		if !ok {
			return nil
		}
		return &out[i]
	}
	for i, k := range b.acctRejects.keys {
		if a := at(uint32(k >> 8)); a != nil {
			a.RejectsByReason[event.Reason(k&0xff).String()] = b.acctRejects.vals[i]
		}
	}
	for i, k := range b.positions.keys {
		if a := at(uint32(k >> 32)); a != nil {
			a.Positions = append(a.Positions, Position{Symbol: uint32(k), Name: b.symName(uint32(k)), Qty: b.positions.vals[i]})
		}
	}
	for i := range out {
		slices.SortFunc(out[i].Positions, func(a, b Position) int { return cmpU32(a.Symbol, b.Symbol) })
	}
	return out
}

func (b *Builder) markOf(o *event.Out) Mark {
	m := Mark{Seq: o.Seq, TS: o.TS, Event: o.Kind.String()}
	switch o.Kind {
	case event.OutPaused, event.OutUnpaused:
		return m
	case event.OutKill:
		m.Qty, m.Price, m.Other = o.Qty, o.Price, int64(o.Other)
	case event.OutBreaker:
		m.Qty, m.Other = o.Qty, int64(o.Other)
	}
	m.Account, m.Symbol = scopeID(o.Account), scopeID(o.Symbol)
	if o.Reason != event.ReasonNone { // OutClear has none
		m.Reason = o.Reason.String()
	}
	if o.Kind == event.OutBreaker { // a breaker is an account's (or the global one): no symbol
		m.Symbol = ""
	} else if o.Symbol != event.Any {
		m.SymbolName = b.symName(o.Symbol)
	}
	return m
}

// symName returns the name symbol id was defined with, "" when none.
func (b *Builder) symName(id uint32) string {
	p, ok := b.symIdx.find(id)
	if !ok {
		return ""
	}
	name, _ := event.UnpackName(b.syms[p].name)
	return name
}

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	buf, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("audit: json: %w", err)
	}
	buf = append(buf, '\n')
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("audit: json: %w", err)
	}
	return nil
}

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// scopeID returns id in decimal, or "*" for event.Any.
func scopeID(id uint32) string {
	if id == event.Any {
		return "*"
	}
	return fmt.Sprint(id)
}

// dateOf returns the UTC date of event time ts.
func dateOf(ts int64) string { return time.Unix(0, ts).UTC().Format(time.DateOnly) }
