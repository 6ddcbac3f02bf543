package matcher

import (
	"testing"

	"github.com/tradeengine/engine/event"
)

// fuzzChunk is the number of input bytes decoded into one event.
const fuzzChunk = 10

// fuzzConfig keeps the fuzzed engine tiny: three symbols (id 3 is out of
// range), 16 resting orders at most, a pool and levels that must grow.
var fuzzConfig = Config{MaxSymbols: 3, MaxOrders: 16, InitialOrders: 2, InitialLevels: 1, ProtectionBps: 500}

// special values that a byte at or above 250 selects, to reach the edges of
// every range check.
var (
	fuzzPrices = [...]int64{0, -1, event.MaxPrice, event.MaxPrice + 1, 1, -1 << 63}
	fuzzQtys   = [...]int64{0, -1, event.MaxQty, event.MaxQty + 1, 1 << 40, -1 << 63}
)

// fuzzEvent maps ten bytes to an input that is valid most of the time: ids,
// prices and accounts come from small ranges so orders meet, cross, collide
// and get cancelled, and high byte values select the edge cases.
func fuzzEvent(b []byte, seq uint64) event.In {
	in := event.In{Seq: seq, TS: int64(seq)}
	in.Symbol = uint32(b[1] % 4)
	if b[1] == 255 {
		in.Symbol = event.Any
	}
	in.Account = 1 + uint32(b[2]%3)
	if b[2] == 255 {
		in.Account = event.Any
	}
	in.Side = 1 + event.Side(b[3]%2)
	if b[3] >= 250 {
		in.Side = event.Side(b[3] - 250)
	}
	in.Type = 1 + event.OrdType(b[4]%5)
	if b[4] >= 250 {
		in.Type = event.OrdType(b[4] - 247) // 3..8: 6, 7 and 8 are undefined
	}
	in.STP = event.STP(b[5] % 4)
	if b[5] >= 250 {
		in.STP = event.STP(b[5])
	}
	in.Price = 95 + int64(b[6]%11)
	if b[6] >= 250 {
		in.Price = fuzzPrices[b[6]-250]
	}
	in.Qty = 1 + int64(b[7]%8)
	if b[7] >= 250 {
		in.Qty = fuzzQtys[b[7]-250]
	}
	in.ID = uint64(b[8] % 24)
	in.Aux = uint64(b[9])
	switch k := b[0] % 16; {
	case k <= 5 || k >= 13:
		in.Kind = event.KindNew
		if in.Type == event.Market && b[9]%2 == 0 {
			in.Price = 0
		}
	case k == 6:
		in.Kind = event.KindCancel
	case k == 7:
		in.Kind = event.KindReplace
	case k == 8:
		in.Kind = event.KindMassCancel
		if b[2]%4 == 3 {
			in.Account = event.Any
		}
	case k == 9:
		in.Kind = event.KindHalt
	case k == 10:
		in.Kind = event.KindResume
	case k == 11:
		in.Kind = event.KindSymbol
		switch b[9] % 4 {
		case 0, 1:
			in.Aux = symbolName(in.Symbol)
		case 2:
			in.Aux = symbolName(in.Symbol + 1)
		}
	default:
		in.Kind = event.Kind(b[9])
		if in.Kind.Valid() {
			in.Kind = event.KindInvalid
		}
	}
	return in
}

// FuzzApply decodes the input into events and applies them to the engine
// and the reference book: they must answer identically, keep every
// invariant, and never panic.
func FuzzApply(f *testing.F) {
	sym := func(s byte) []byte { return []byte{11, s, 0, 0, 0, 0, 0, 0, 0, 0} }
	order := func(side, typ, stp, px, qty, id, acct byte) []byte {
		return []byte{0, 0, acct, side, typ, stp, px, qty, id, 1}
	}
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	f.Add(cat(sym(0), order(0, 0, 0, 5, 3, 1, 0), order(1, 0, 0, 5, 2, 2, 1)))
	f.Add(cat(sym(0), order(0, 0, 0, 5, 3, 1, 0), order(1, 3, 3, 0, 7, 2, 0), order(1, 2, 1, 4, 9, 3, 0)))
	f.Add(cat(sym(0), sym(1), order(0, 4, 0, 5, 3, 1, 0), []byte{7, 0, 0, 0, 0, 0, 6, 5, 1, 0}, []byte{8, 255, 3, 0, 0, 0, 0, 0, 0, 0}))
	f.Add(cat(sym(0), []byte{9, 0, 0, 0, 0, 0, 0, 0, 0, 0}, order(0, 0, 0, 5, 3, 1, 0), []byte{10, 0, 0, 0, 0, 0, 0, 0, 0, 0}, []byte{12, 0, 0, 0, 0, 0, 0, 0, 0, 99}))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := newDiffRun(fuzzConfig)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+fuzzChunk <= len(data) && i < 400*fuzzChunk; i += fuzzChunk {
			in := fuzzEvent(data[i:i+fuzzChunk], uint64(i/fuzzChunk+1))
			if err := d.step(&in, true); err != nil {
				t.Fatalf("event %d: %s: %v", i/fuzzChunk, fmtIn(&in), err)
			}
		}
	})
}
