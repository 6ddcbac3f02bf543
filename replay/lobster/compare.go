// Package lobster measures how closely the engine reproduces a real LOBSTER
// day: it replays a LOBSTER message file through the engine's logic message
// by message (wire's LOBSTER importer, the matcher, the guard when asked)
// and after each message holds the engine's book against LOBSTER's
// orderbook file row for that message, level by level; it checks that each
// visible execution fills the order LOBSTER names (price-time priority as
// the exchange applied it) and that the engine trades the shares the file
// executed. It only reads: a Report is the whole result.
package lobster

import (
	"errors"
	"fmt"
	"io"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/matcher"
	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/wire"
)

// Bounds of a comparison.
const (
	// MaxLevels is the most levels a comparison holds per side (LOBSTER
	// publishes at most 50).
	MaxLevels = 100
	// MaxSubmitted is the most order ids of the file's new orders a
	// comparison remembers (for the FIFO check); a file with more is
	// refused with ErrTooBig.
	MaxSubmitted = 1 << 24
	// DefaultDiffs is how many disagreements a Report lists by default.
	DefaultDiffs = 10
)

// Errors.
var (
	// ErrRows is returned when the orderbook file has fewer or more rows
	// than the message file has messages.
	ErrRows = errors.New("lobster: the orderbook file does not have a row per message")
	// ErrTooBig is returned when a bound of the comparison is reached.
	ErrTooBig = errors.New("lobster: too big")
)

// Options configure a comparison.
type Options struct {
	// Symbol is the symbol's name (e.g. "AMZN").
	Symbol string
	// Levels is how many levels per side are compared: 0 for all the
	// orderbook file holds (its first row says), at most MaxLevels.
	Levels int
	// Logic is the engine's configuration; the zero value means the
	// matcher's defaults with the risk guard off (pure matching).
	Logic *replay.Config
	// Diffs is how many disagreements to list (0: DefaultDiffs).
	Diffs int
	// SyncBook, when not nil, is the orderbook file again (a reader of its
	// own): the engine's book is re-synchronised to LOBSTER's row before
	// every message (wire's LOBSTERDecoder.SyncBook), so that each row
	// compared measures one message applied, the step agreement.
	SyncBook io.ReadSeeker
	// BookOut, when not nil, receives the engine's book after each
	// message in LOBSTER's orderbook format, Levels levels a side: the
	// same file LOBSTER's tools read, row for row beside the original.
	BookOut io.Writer
}

// Level is one level of one side of a book: price in LOBSTER's units
// (dollars times 10000, the engine's ticks) and size in shares; an empty
// level is zero.
type Level struct {
	Price int64 `json:"price"`
	Size  int64 `json:"size"`
}

// Diff is a row where the engine's book and LOBSTER's differ.
type Diff struct {
	Row    int64  `json:"row"`    // 1-based row of the orderbook file (= line of the message file)
	Side   string `json:"side"`   // "ask" or "bid"
	Level  int    `json:"level"`  // 1-based level where they first differ
	File   Level  `json:"file"`   // LOBSTER's level
	Engine Level  `json:"engine"` // the engine's
	// Message is the message file's line for that row.
	Message string `json:"message"`
	// Revealed says every difference of the row is at a level the file
	// reveals (see Report.Revealed).
	Revealed bool `json:"revealed"`
}

// Report is the result of a comparison.
type Report struct {
	Messages int64 `json:"messages"` // message lines (and orderbook rows) compared
	Levels   int   `json:"levels"`   // levels a side compared
	// Synced says the book was re-synchronised before every message: the
	// agreements are then step agreements.
	Synced bool `json:"synced"`
	// TopAgree counts rows where the best ask and the best bid, price and
	// size, are the file's; AllAgree rows where every compared level is.
	TopAgree int64 `json:"top_agree"`
	AllAgree int64 `json:"all_agree"`
	// Revealed counts the rows that differ only at levels the file shows
	// for the first time without a message that explains them: a level
	// that was below the file's depth (or, at level 1 of a level-1 file,
	// the next price after the best was taken). No engine can know them
	// from the file's messages.
	Revealed int64 `json:"revealed"`
	// FirstTopDiff is the first row whose top of book differs (0: none);
	// Diffs the first rows where any compared level differs.
	FirstTopDiff int64  `json:"first_top_diff"`
	Diffs        []Diff `json:"diffs"`
	// FIFOChecked counts the visible executions of orders the file
	// submitted; FIFOAgree those where the engine filled exactly that
	// order for the whole executed size.
	FIFOChecked int64 `json:"fifo_checked"`
	FIFOAgree   int64 `json:"fifo_agree"`
	// FileVolume is the shares of the file's visible executions;
	// EngineVolume the shares the engine traded.
	FileVolume   int64 `json:"file_volume"`
	EngineVolume int64 `json:"engine_volume"`
	// HiddenVolume and CrossVolume are the shares of the file's hidden
	// executions and crosses, which the engine does not trade.
	HiddenVolume int64             `json:"hidden_volume"`
	CrossVolume  int64             `json:"cross_volume"`
	Import       wire.LOBSTERStats `json:"import"`
}

// TopShare returns the share of rows whose top of book agrees, 0-1.
func (r *Report) TopShare() float64 { return share(r.TopAgree, r.Messages) }

// AllShare returns the share of rows where every compared level agrees.
func (r *Report) AllShare() float64 { return share(r.AllAgree, r.Messages) }

// FIFOShare returns the share of checked executions that filled the order
// LOBSTER names.
func (r *Report) FIFOShare() float64 { return share(r.FIFOAgree, r.FIFOChecked) }

// VolumeRatio returns the engine's traded shares over the file's visible
// executions (1: the same).
func (r *Report) VolumeRatio() float64 { return share(r.EngineVolume, r.FileVolume) }

func share(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// Compare replays the LOBSTER message file read from messages through the
// engine and compares its book after each message with the matching row of
// the orderbook file read from orderbook (whose first row also seeds the
// book, as engine run does). A malformed message line or orderbook row stops
// it with the error naming its line.
func Compare(messages, orderbook io.ReadSeeker, opt Options) (*Report, error) {
	if opt.Levels < 0 || opt.Levels > MaxLevels {
		return nil, fmt.Errorf("lobster: %d levels: want 0 (all) to %d", opt.Levels, MaxLevels)
	}
	if opt.Diffs <= 0 {
		opt.Diffs = DefaultDiffs
	}
	cfg := replay.Config{Matcher: matcher.DefaultConfig()}
	if opt.Logic != nil {
		cfg = *opt.Logic
	}
	logic, err := replay.NewLogic(cfg)
	if err != nil {
		return nil, err
	}
	book := wire.NewLOBSTERBookReader(orderbook)
	fileAsks, fileBids := make([]wire.LOBSTERLevel, MaxLevels), make([]wire.LOBSTERLevel, MaxLevels)
	if opt.Levels == 0 {
		// The first row says how many levels the file has.
		n, err := book.Next(fileAsks, fileBids)
		if err != nil {
			return nil, fmt.Errorf("lobster: orderbook: %w", err)
		}
		opt.Levels = min(n, MaxLevels)
	}
	if _, err := orderbook.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("lobster: orderbook: %w", err)
	}
	dec := wire.NewLOBSTERDecoder(messages, wire.DefaultLOBSTERConfig(opt.Symbol))
	if err := dec.SeedBook(orderbook); err != nil {
		return nil, fmt.Errorf("lobster: orderbook: %w", err)
	}
	if opt.SyncBook != nil {
		if err := dec.SyncBook(opt.SyncBook); err != nil {
			return nil, fmt.Errorf("lobster: %w", err)
		}
	}
	if _, err := orderbook.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("lobster: orderbook: %w", err)
	}
	book = wire.NewLOBSTERBookReader(orderbook)
	fileAsks, fileBids = fileAsks[:opt.Levels], fileBids[:opt.Levels]
	prevAsks, prevBids := make([]wire.LOBSTERLevel, opt.Levels), make([]wire.LOBSTERLevel, opt.Levels)
	// The row before the first message: the seeded book is the first row
	// with the first message undone, so every level of the first row that
	// the first message did not add was known.
	firstRow := true
	engAsks, engBids := make([]matcher.Level, opt.Levels), make([]matcher.Level, opt.Levels)
	outAsks, outBids := make([]wire.LOBSTERLevel, opt.Levels), make([]wire.LOBSTERLevel, opt.Levels)
	rep := &Report{Levels: opt.Levels, Synced: opt.SyncBook != nil}
	submitted := make(map[int64]struct{})
	var (
		m    wire.LOBSTERMessage
		ins  []event.In
		outs []event.Out
		row  []byte
	)
	sym := dec.SymbolID()
	for {
		ins, err = dec.NextMessage(&m, ins[:0])
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("lobster: messages: %w", err)
		}
		if _, err := book.Next(fileAsks, fileBids); err != nil {
			if err == io.EOF {
				return nil, fmt.Errorf("%w: it ends before message line %d", ErrRows, m.Line)
			}
			return nil, fmt.Errorf("lobster: orderbook: %w", err)
		}
		rep.Messages++
		var traded, fromNamed int64
		for i := range ins {
			outs = logic.Apply(&ins[i], outs[:0])
			for _, o := range outs {
				if o.Kind != event.OutTrade {
					continue
				}
				traded += o.Qty
				if o.Other == uint64(m.ID) {
					fromNamed += o.Qty
				}
			}
		}
		rep.EngineVolume += traded
		switch m.Type {
		case 1:
			if len(submitted) >= MaxSubmitted {
				return nil, fmt.Errorf("%w: more than %d new orders", ErrTooBig, MaxSubmitted)
			}
			submitted[m.ID] = struct{}{}
		case 4:
			rep.FileVolume += m.Size
			if _, ok := submitted[m.ID]; ok {
				rep.FIFOChecked++
				if traded == m.Size && fromNamed == m.Size {
					rep.FIFOAgree++
				}
			}
		case 5:
			rep.HiddenVolume += m.Size
		case 6:
			rep.CrossVolume += m.Size
		}
		logic.Matcher().Depth(sym, event.Sell, clearLevels(engAsks))
		logic.Matcher().Depth(sym, event.Buy, clearLevels(engBids))
		top, all, revealedOnly := true, true, true
		var diff *Diff
		for i := range opt.Levels {
			for _, s := range [2]struct {
				name string
				side event.Side
				f    wire.LOBSTERLevel
				e    matcher.Level
				prev []wire.LOBSTERLevel
			}{{"ask", event.Sell, fileAsks[i], engAsks[i], prevAsks}, {"bid", event.Buy, fileBids[i], engBids[i], prevBids}} {
				if s.f.Price == s.e.Price && s.f.Size == s.e.Qty {
					continue
				}
				all = false
				if firstRow || !revealed(s.f, s.prev, &m, s.side) {
					revealedOnly = false
				}
				if i == 0 {
					top = false
				}
				if diff == nil {
					diff = &Diff{Row: m.Line, Side: s.name, Level: i + 1,
						File: Level{s.f.Price, s.f.Size}, Engine: Level{s.e.Price, s.e.Qty}}
				}
			}
		}
		if top {
			rep.TopAgree++
		} else if rep.FirstTopDiff == 0 {
			rep.FirstTopDiff = m.Line
		}
		if !all && revealedOnly {
			rep.Revealed++
		}
		firstRow = false
		copy(prevAsks, fileAsks)
		copy(prevBids, fileBids)
		if all {
			rep.AllAgree++
		} else if len(rep.Diffs) < opt.Diffs {
			diff.Revealed = revealedOnly
			diff.Message = fmt.Sprintf("%d.%09d,%d,%d,%d,%d,%d", m.TS/1e9, m.TS%1e9, m.Type, m.ID, m.Size, m.Price, sideNum(m.Side))
			rep.Diffs = append(rep.Diffs, *diff)
		}
		if opt.BookOut != nil {
			for i := range opt.Levels {
				outAsks[i] = wire.LOBSTERLevel{Price: engAsks[i].Price, Size: engAsks[i].Qty}
				outBids[i] = wire.LOBSTERLevel{Price: engBids[i].Price, Size: engBids[i].Qty}
			}
			row = wire.AppendLOBSTERBookRow(row[:0], outAsks, outBids)
			if _, err := opt.BookOut.Write(row); err != nil {
				return nil, fmt.Errorf("lobster: book out: %w", err)
			}
		}
	}
	if _, err := book.Next(fileAsks, fileBids); err != io.EOF {
		if err == nil {
			return nil, fmt.Errorf("%w: it has more rows than the %d messages", ErrRows, rep.Messages)
		}
		return nil, fmt.Errorf("lobster: orderbook: %w", err)
	}
	rep.Import = dec.Stats()
	return rep, nil
}

// clearLevels zeroes l and returns it.
func clearLevels(l []matcher.Level) []matcher.Level {
	clear(l)
	return l
}

// sideNum returns LOBSTER's Direction for a side.
func sideNum(s event.Side) int {
	if s == event.Buy {
		return 1
	}
	return -1
}

// revealed says whether the file's level f appears without a cause in the
// file's messages: not in the previous row on its side, and not added by
// the message (a new order at its price and side).
func revealed(f wire.LOBSTERLevel, prev []wire.LOBSTERLevel, m *wire.LOBSTERMessage, side event.Side) bool {
	if f.Size <= 0 {
		return false // the file shows no level where the engine has one
	}
	if m.Type == 1 && m.Side == side && m.Price == f.Price {
		return false
	}
	for _, p := range prev {
		if p.Size > 0 && p.Price == f.Price {
			return false
		}
	}
	return true
}

// RevealedShare returns the share of rows that agree or differ only at
// levels the file reveals (see Report.Revealed).
func (r *Report) RevealedShare() float64 { return share(r.AllAgree+r.Revealed, r.Messages) }
