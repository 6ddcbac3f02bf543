package matcher

import (
	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/internal/idindex"
)

// Engine is the matching engine: every book, the order pool and the order
// id index. It is not safe for concurrent use; one goroutine owns it.
type Engine struct {
	books   []book // indexed by symbol id, grown when a symbol is defined
	pool    pool
	ids     idindex.Table // order id -> pool slot
	resting int           // resting orders
	cfg     Config
}

// book is the limit order book of one symbol.
type book struct {
	sides   [2]ladder // bids (index 0, event.Buy-1) and asks (index 1, event.Sell-1)
	name    uint64    // packed name
	defined bool
	halted  bool
}

// ladder returns the side s (event.Buy or event.Sell) of b.
func (b *book) ladder(s event.Side) *ladder { return &b.sides[s-1] }

// New returns an engine with cfg's preallocated pool and index, or an error
// wrapping [ErrConfig].
func New(cfg Config) (*Engine, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Engine{
		pool: newPool(cfg.InitialOrders, cfg.MaxOrders),
		ids:  idindex.New(cfg.InitialOrders, minIndexSize, cfg.HashKey),
		cfg:  cfg,
	}, nil
}

// HashKey returns the key of the order id index's hash: [Config.HashKey],
// or the key of the state loaded by [Engine.LoadState]. The risk guard
// keys its own tables with it.
func (e *Engine) HashKey() uint64 { return e.ids.Key() }

// book returns the book of symbol sym, or nil when sym is not defined.
func (e *Engine) book(sym uint32) *book {
	if uint64(sym) < uint64(len(e.books)) {
		if b := &e.books[sym]; b.defined {
			return b
		}
	}
	return nil
}

// Apply applies one input and appends its outputs to out, returning the
// extended slice. It does not allocate once out has the capacity for the
// answer and the pool, index and level arrays have grown to the flow's
// working set; callers reuse one buffer as out[:0]. See the package
// documentation for the exact outputs.
func (e *Engine) Apply(in *event.In, out []event.Out) []event.Out {
	switch in.Kind {
	case event.KindNew:
		return e.submit(in, out)
	case event.KindCancel:
		return e.cancel(in, out)
	case event.KindReplace:
		return e.replace(in, out)
	case event.KindMassCancel:
		return e.massCancel(in, out)
	case event.KindHalt, event.KindResume:
		return e.halt(in, out)
	case event.KindSymbol:
		return e.symbol(in, out)
	case event.KindPrint:
		return e.print(in, out)
	case event.KindSync:
		return e.sync(in, out)
	}
	return e.reject(in, in.Symbol, event.ReasonBadKind, out)
}

// reject appends the rejection of in: its fields as given, Symbol sym.
func (e *Engine) reject(in *event.In, sym uint32, r event.Reason, out []event.Out) []event.Out {
	return append(out, event.Out{
		Seq: in.Seq, TS: in.TS, Kind: event.OutRejected, Reason: r, Symbol: sym,
		ID: in.ID, Account: in.Account, Side: in.Side, Price: in.Price, Qty: in.Qty, Other: in.Aux,
	})
}

// halt applies KindHalt and KindResume.
func (e *Engine) halt(in *event.In, out []event.Out) []event.Out {
	b := e.book(in.Symbol)
	if b == nil {
		return e.reject(in, in.Symbol, event.ReasonUnknownSymbol, out)
	}
	k := event.OutHalted
	b.halted = in.Kind == event.KindHalt
	if !b.halted {
		k = event.OutResumed
	}
	return append(out, event.Out{Seq: in.Seq, TS: in.TS, Kind: k, Symbol: in.Symbol})
}

// print applies KindPrint: a trade outside the book, checked and reported,
// the book untouched.
func (e *Engine) print(in *event.In, out []event.Out) []event.Out {
	switch {
	case e.book(in.Symbol) == nil:
		return e.reject(in, in.Symbol, event.ReasonUnknownSymbol, out)
	case in.Side != event.SideNone && !in.Side.Valid():
		return e.reject(in, in.Symbol, event.ReasonBadSide, out)
	case in.Qty <= 0 || in.Qty > event.MaxQty:
		return e.reject(in, in.Symbol, event.ReasonBadQty, out)
	case in.Price <= 0 || in.Price > event.MaxPrice:
		return e.reject(in, in.Symbol, event.ReasonBadPrice, out)
	}
	return append(out, event.Out{Seq: in.Seq, TS: in.TS, Kind: event.OutPrint, Symbol: in.Symbol,
		ID: in.ID, Side: in.Side, Price: in.Price, Qty: in.Qty, Other: uint64(in.Arg)})
}

// symbol applies KindSymbol.
func (e *Engine) symbol(in *event.In, out []event.Out) []event.Out {
	sym := in.Symbol
	if uint64(sym) >= uint64(e.cfg.MaxSymbols) {
		return e.reject(in, sym, event.ReasonBadSymbol, out)
	}
	if b := e.book(sym); b != nil {
		// The stored name is a valid one: an equal Aux is too.
		if b.name != in.Aux {
			return e.reject(in, sym, event.ReasonBadSymbol, out)
		}
	} else {
		if _, ok := event.UnpackName(in.Aux); !ok {
			return e.reject(in, sym, event.ReasonBadSymbol, out)
		}
		if int(sym) >= len(e.books) {
			e.books = append(e.books, make([]book, int(sym)+1-len(e.books))...)
		}
		e.books[sym] = book{
			sides:   [2]ladder{newLadder(event.Buy, e.cfg.InitialLevels), newLadder(event.Sell, e.cfg.InitialLevels)},
			name:    in.Aux,
			defined: true,
		}
	}
	return append(out, event.Out{Seq: in.Seq, TS: in.TS, Kind: event.OutSymbol, Symbol: sym, Other: in.Aux})
}

// Submit is Apply of an input of KindNew, Cancel of KindCancel, Replace of
// KindReplace, for a caller that has dispatched on the kind already (the
// risk guard): a second switch on a kind that changes from input to input
// costs a mispredicted branch.
func (e *Engine) Submit(in *event.In, out []event.Out) []event.Out { return e.submit(in, out) }

// Cancel is Apply of an input of KindCancel; see [Engine.Submit].
func (e *Engine) Cancel(in *event.In, out []event.Out) []event.Out { return e.cancel(in, out) }

// Replace is Apply of an input of KindReplace; see [Engine.Submit].
func (e *Engine) Replace(in *event.In, out []event.Out) []event.Out { return e.replace(in, out) }
