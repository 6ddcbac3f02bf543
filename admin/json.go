package admin

import (
	"fmt"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/matcher"
	"github.com/tradeengine/engine/risk"
)

// The JSON shapes of the answers to the read commands. They name what the
// engine's types hold as numbers (sides, reasons, states), give a symbol's
// name beside its id, and leave out an account or symbol that is event.Any
// ("every"). [Client.Query] turns them back into an [Answer].

// jsonLevel is one price level.
type jsonLevel struct {
	Price  int64 `json:"price"`
	Qty    int64 `json:"qty"`
	Orders int   `json:"orders"`
}

// jsonBook is a [Book].
type jsonBook struct {
	Symbol   string      `json:"symbol"`
	SymbolID uint32      `json:"symbol_id"`
	Halted   bool        `json:"halted"`
	Bids     []jsonLevel `json:"bids"`
	Asks     []jsonLevel `json:"asks"`
}

// jsonOrder is a resting order (matcher.OrderInfo).
type jsonOrder struct {
	ID       uint64 `json:"id"`
	Account  uint32 `json:"account"`
	Symbol   string `json:"symbol,omitempty"`
	SymbolID uint32 `json:"symbol_id"`
	Side     string `json:"side"`
	Type     string `json:"type"`
	STP      string `json:"stp"`
	Price    int64  `json:"price"`
	Qty      int64  `json:"qty"`
}

// jsonAccount is a risk.AccountInfo.
type jsonAccount struct {
	ID         uint32 `json:"id"`
	OpenOrders int    `json:"open_orders"`
	Killed     bool   `json:"killed"`
	KilledBy   string `json:"killed_by,omitempty"`
	Parents    bool   `json:"parents"`
	Breaker    string `json:"breaker"`
	Credit     int64  `json:"credit"`
	CreditUSD  int64  `json:"credit_usd"`
	PnL        int64  `json:"pnl"`
	PnLUSD     int64  `json:"pnl_usd"`
}

// jsonGuard is a risk.GuardState.
type jsonGuard struct {
	Kind     string  `json:"kind"`
	Account  *uint32 `json:"account,omitempty"`
	Symbol   string  `json:"symbol,omitempty"`
	SymbolID *uint32 `json:"symbol_id,omitempty"`
	Metric   string  `json:"metric,omitempty"`
	WindowNS int64   `json:"window_ns,omitempty"`
	State    string  `json:"state"`
	Figure   int64   `json:"figure"`
	Limit    int64   `json:"limit"`
	Reason   string  `json:"reason,omitempty"`
}

// jsonLimit is a risk.LimitValue.
type jsonLimit struct {
	Key      string  `json:"key"`
	ID       uint16  `json:"id"`
	Account  *uint32 `json:"account,omitempty"`
	Symbol   string  `json:"symbol,omitempty"`
	SymbolID *uint32 `json:"symbol_id,omitempty"`
	Global   bool    `json:"global,omitempty"`
	Value    int64   `json:"value"`
}

// jsonHeld is a risk.Held.
type jsonHeld struct {
	PendingID  uint64   `json:"pending_id"`
	Reason     string   `json:"reason"`
	SinceNS    int64    `json:"since_ns"`
	DeadlineNS int64    `json:"deadline_ns"`
	Order      jsonNewO `json:"order"`
}

// jsonNewO is the new order a risk.Held holds (an event.In of KindNew).
type jsonNewO struct {
	Seq      uint64 `json:"seq"`
	TS       int64  `json:"ts"`
	ID       uint64 `json:"id"`
	Account  uint32 `json:"account"`
	Symbol   string `json:"symbol,omitempty"`
	SymbolID uint32 `json:"symbol_id"`
	Side     string `json:"side"`
	Type     string `json:"type"`
	STP      string `json:"stp"`
	Price    int64  `json:"price"`
	Qty      int64  `json:"qty"`
	ClOrdID  uint64 `json:"clordid"`
}

// names gives a symbol id's name, "" when unknown.
type names func(uint32) string

func optID(v uint32) *uint32 {
	if v == event.Any {
		return nil
	}
	return &v
}

func fromOpt(p *uint32) uint32 {
	if p == nil {
		return event.Any
	}
	return *p
}

// symName is the name of a scope's symbol, "" for event.Any.
func symName(n names, id uint32) string {
	if id == event.Any {
		return ""
	}
	if s := n(id); s != "" {
		return s
	}
	return fmt.Sprintf("#%d", id)
}

func reasonName(r event.Reason) string {
	if r == event.ReasonNone {
		return ""
	}
	return r.String()
}

// reasonsByName maps every named reason's name back to it.
var reasonsByName = func() map[string]event.Reason {
	m := map[string]event.Reason{}
	for i := range 256 {
		if r := event.Reason(i); r.Known() {
			m[r.String()] = r
		}
	}
	return m
}()

func parseReason(s string) (event.Reason, error) {
	if s == "" {
		return event.ReasonNone, nil
	}
	if r, ok := reasonsByName[s]; ok {
		return r, nil
	}
	return 0, fmt.Errorf("admin: unknown reason %q", s)
}

func parseSide(s string) (event.Side, error) {
	for _, v := range []event.Side{event.SideNone, event.Buy, event.Sell} {
		if v.String() == s {
			return v, nil
		}
	}
	return 0, fmt.Errorf("admin: unknown side %q", s)
}

func parseType(s string) (event.OrdType, error) {
	for v := event.TypeInvalid; v == event.TypeInvalid || v.Valid(); v++ {
		if v.String() == s {
			return v, nil
		}
	}
	return 0, fmt.Errorf("admin: unknown order type %q", s)
}

func parseSTP(s string) (event.STP, error) {
	for v := event.STPNone; v.Valid(); v++ {
		if v.String() == s {
			return v, nil
		}
	}
	return 0, fmt.Errorf("admin: unknown stp mode %q", s)
}

func parseBreaker(s string) (risk.BreakerState, error) {
	for _, v := range []risk.BreakerState{risk.BreakerClosed, risk.BreakerOpen, risk.BreakerHalfOpen} {
		if v.String() == s {
			return v, nil
		}
	}
	return 0, fmt.Errorf("admin: unknown breaker state %q", s)
}

func levelsJSON(ls []matcher.Level) []jsonLevel {
	out := make([]jsonLevel, len(ls))
	for i, l := range ls {
		out[i] = jsonLevel{Price: l.Price, Qty: l.Qty, Orders: l.Orders}
	}
	return out
}

func levelsFromJSON(ls []jsonLevel) []matcher.Level {
	if ls == nil {
		return nil
	}
	out := make([]matcher.Level, len(ls))
	for i, l := range ls {
		out[i] = matcher.Level{Price: l.Price, Qty: l.Qty, Orders: l.Orders}
	}
	return out
}

func bookJSON(b *Book) *jsonBook {
	if b == nil {
		return nil
	}
	return &jsonBook{Symbol: b.Symbol, SymbolID: b.ID, Halted: b.Halted, Bids: levelsJSON(b.Bids), Asks: levelsJSON(b.Asks)}
}

func orderJSON(o matcher.OrderInfo, n names) jsonOrder {
	return jsonOrder{
		ID: o.ID, Account: o.Account, Symbol: n(o.Symbol), SymbolID: o.Symbol,
		Side: o.Side.String(), Type: o.Type.String(), STP: o.STP.String(), Price: o.Price, Qty: o.Qty,
	}
}

func accountJSON(a *risk.AccountInfo) *jsonAccount {
	if a == nil {
		return nil
	}
	return &jsonAccount{
		ID: a.ID, OpenOrders: a.OpenOrders, Killed: a.Killed, KilledBy: reasonName(a.KilledBy), Parents: a.Parents,
		Breaker: a.Breaker.String(), Credit: a.Credit, CreditUSD: a.CreditUSD, PnL: a.PnL, PnLUSD: a.PnLUSD,
	}
}

func guardJSON(g risk.GuardState, n names) jsonGuard {
	return jsonGuard{
		Kind: g.Kind, Account: optID(g.Account), Symbol: symName(n, g.Symbol), SymbolID: optID(g.Symbol),
		Metric: g.Metric, WindowNS: g.Window, State: g.State, Figure: g.Figure, Limit: g.Limit, Reason: reasonName(g.Reason),
	}
}

func limitJSON(l risk.LimitValue, n names) jsonLimit {
	return jsonLimit{
		Key: l.Key, ID: uint16(l.Limit), Account: optID(l.Account), Symbol: symName(n, l.Symbol), SymbolID: optID(l.Symbol),
		Global: l.Global, Value: l.Value,
	}
}

func heldJSON(h risk.Held, n names) jsonHeld {
	o := h.Order
	return jsonHeld{
		PendingID: h.PendingID, Reason: reasonName(h.Reason), SinceNS: h.Since, DeadlineNS: h.Deadline,
		Order: jsonNewO{
			Seq: o.Seq, TS: o.TS, ID: o.ID, Account: o.Account, Symbol: n(o.Symbol), SymbolID: o.Symbol,
			Side: o.Side.String(), Type: o.Type.String(), STP: o.STP.String(), Price: o.Price, Qty: o.Qty, ClOrdID: o.Aux,
		},
	}
}

// answerJSON is the JSON of every read answer; the fields its query does
// not use are left out.
type answerJSON struct {
	Seq     uint64       `json:"seq"`
	Book    *jsonBook    `json:"book,omitempty"`
	Account *jsonAccount `json:"account,omitempty"`
	Orders  []jsonOrder  `json:"orders,omitempty"`
	Guards  []jsonGuard  `json:"guards,omitempty"`
	Limits  []jsonLimit  `json:"limits,omitempty"`
	Pending []jsonHeld   `json:"pending,omitempty"`
}

// toAnswer turns the JSON of a read answer back into an Answer.
func (j *answerJSON) toAnswer(k QueryKind) (Answer, error) {
	a := Answer{Seq: j.Seq}
	var err error
	setErr := func(e error) {
		if err == nil {
			err = e
		}
	}
	switch k {
	case QueryBook:
		if j.Book == nil {
			return Answer{}, fmt.Errorf("admin: book answer without a book")
		}
		a.Book = &Book{Symbol: j.Book.Symbol, ID: j.Book.SymbolID, Halted: j.Book.Halted,
			Bids: levelsFromJSON(j.Book.Bids), Asks: levelsFromJSON(j.Book.Asks)}
	case QueryOrders:
		if j.Account != nil {
			ja := j.Account
			by, e := parseReason(ja.KilledBy)
			setErr(e)
			br, e := parseBreaker(ja.Breaker)
			setErr(e)
			a.Account = &risk.AccountInfo{ID: ja.ID, OpenOrders: ja.OpenOrders, Killed: ja.Killed, KilledBy: by,
				Parents: ja.Parents, Breaker: br, Credit: ja.Credit, CreditUSD: ja.CreditUSD, PnL: ja.PnL, PnLUSD: ja.PnLUSD}
		}
		for _, o := range j.Orders {
			side, e := parseSide(o.Side)
			setErr(e)
			typ, e := parseType(o.Type)
			setErr(e)
			stp, e := parseSTP(o.STP)
			setErr(e)
			a.Orders = append(a.Orders, matcher.OrderInfo{ID: o.ID, Account: o.Account, Symbol: o.SymbolID,
				Side: side, Type: typ, STP: stp, Price: o.Price, Qty: o.Qty})
		}
	case QueryGuards:
		a.Guards = []risk.GuardState{}
		for _, g := range j.Guards {
			r, e := parseReason(g.Reason)
			setErr(e)
			a.Guards = append(a.Guards, risk.GuardState{Kind: g.Kind, Account: fromOpt(g.Account), Symbol: fromOpt(g.SymbolID),
				Metric: g.Metric, Window: g.WindowNS, State: g.State, Figure: g.Figure, Limit: g.Limit, Reason: r})
		}
	case QueryLimits:
		a.Limits = []risk.LimitValue{}
		for _, l := range j.Limits {
			a.Limits = append(a.Limits, risk.LimitValue{Limit: risk.Limit(l.ID), Key: l.Key, Account: fromOpt(l.Account),
				Symbol: fromOpt(l.SymbolID), Global: l.Global, Value: l.Value})
		}
	case QueryPending:
		a.Pending = []risk.Held{}
		for _, h := range j.Pending {
			r, e := parseReason(h.Reason)
			setErr(e)
			o := h.Order
			side, e := parseSide(o.Side)
			setErr(e)
			typ, e := parseType(o.Type)
			setErr(e)
			stp, e := parseSTP(o.STP)
			setErr(e)
			a.Pending = append(a.Pending, risk.Held{PendingID: h.PendingID, Reason: r, Since: h.SinceNS, Deadline: h.DeadlineNS,
				Order: event.In{Seq: o.Seq, TS: o.TS, Kind: event.KindNew, ID: o.ID, Account: o.Account, Symbol: o.SymbolID,
					Side: side, Type: typ, STP: stp, Price: o.Price, Qty: o.Qty, Aux: o.ClOrdID}})
		}
	}
	if err != nil {
		return Answer{}, err
	}
	return a, nil
}
