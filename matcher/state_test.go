package matcher

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/tradeengine/engine/event"
)

// TestStateRoundTrip takes the state of an engine in the middle of a random
// flow, loads it into a fresh engine, and requires the copy to encode to the
// same bytes and to answer the rest of the flow exactly as the original.
func TestStateRoundTrip(t *testing.T) {
	ops := 40_000
	if raceEnabled {
		ops = 4_000
	}
	for _, seed := range []uint64{1, 2, 3} {
		dc := diffConfigs[int(seed-1)%len(diffConfigs)]
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			d, err := newDiffRun(dc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			g := newGen(seed, d.ref, dc.cfg, dc.settle)
			var copyE *Engine
			var out []event.Out
			for op := range ops {
				if op%5000 == 2500 {
					st := d.e.AppendState(nil)
					copyE, err = New(dc.cfg)
					if err != nil {
						t.Fatal(err)
					}
					if err := copyE.LoadState(st); err != nil {
						t.Fatalf("op %d: LoadState: %v", op, err)
					}
					if again := copyE.AppendState(nil); !bytes.Equal(again, st) {
						t.Fatalf("op %d: state of the loaded engine differs from the state loaded", op)
					}
					if err := copyE.checkInvariants(); err != nil {
						t.Fatalf("op %d: loaded engine: %v", op, err)
					}
				}
				in := g.next()
				if err := d.step(&in, false); err != nil {
					t.Fatalf("op %d: %v", op, err)
				}
				if copyE != nil {
					out = copyE.Apply(&in, out[:0])
					if !slices.Equal(out, d.out) {
						t.Fatalf("op %d: %s: loaded engine answers\n%s\noriginal\n%s", op, fmtIn(&in), fmtOuts(out), fmtOuts(d.out))
					}
				}
			}
		})
	}
}

func TestStateEmpty(t *testing.T) {
	e, _ := New(DefaultConfig())
	st := e.AppendState(nil)
	if len(st) != stateHeaderSize {
		t.Fatalf("empty state is %d bytes, want %d", len(st), stateHeaderSize)
	}
	e2, _ := New(DefaultConfig())
	if err := e2.LoadState(st); err != nil {
		t.Fatal(err)
	}
	if e2.Resting() != 0 {
		t.Fatal("loaded orders from an empty state")
	}
}

// stateOf builds a small engine state: AAPL with two bids at 100 and one
// ask at 105, MSFT halted and empty.
func stateOf(t *testing.T) []byte {
	t.Helper()
	e, _ := New(DefaultConfig())
	aapl, _ := event.PackName("AAPL")
	msft, _ := event.PackName("MSFT")
	var out []event.Out
	for i, in := range []event.In{
		{Kind: event.KindSymbol, Symbol: 0, Aux: aapl},
		{Kind: event.KindSymbol, Symbol: 1, Aux: msft},
		{Kind: event.KindHalt, Symbol: 1},
		{Kind: event.KindNew, Symbol: 0, Account: 1, ID: 10, Side: event.Buy, Type: event.Limit, Price: 100, Qty: 5},
		{Kind: event.KindNew, Symbol: 0, Account: 2, ID: 11, Side: event.Buy, Type: event.Limit, Price: 100, Qty: 7},
		{Kind: event.KindNew, Symbol: 0, Account: 3, ID: 12, Side: event.Sell, Type: event.PostOnly, Price: 105, Qty: 9},
	} {
		in.Seq = uint64(i + 1)
		out = e.Apply(&in, out[:0])
	}
	return e.AppendState(nil)
}

func TestStateLayout(t *testing.T) {
	st := stateOf(t)
	// header + 2 symbols + 3 orders
	if want := stateHeaderSize + 2*stateSymbolSize + 3*stateOrderSize; len(st) != want {
		t.Fatalf("state is %d bytes, want %d", len(st), want)
	}
	if string(st[:8]) != stateMagic || binary.LittleEndian.Uint32(st[12:]) != 2 || binary.LittleEndian.Uint16(st[8:]) != stateVersion {
		t.Fatalf("bad header % x", st[:16])
	}
	first := stateHeaderSize + stateSymbolSize // AAPL's first bid
	if id := binary.LittleEndian.Uint64(st[first:]); id != 10 {
		t.Fatalf("first order is %d, want 10 (time priority)", id)
	}
	e, _ := New(DefaultConfig())
	if err := e.LoadState(st); err != nil {
		t.Fatal(err)
	}
	if !e.Halted(1) || e.Halted(0) {
		t.Error("halt state not restored")
	}
	var lv [2]Level
	if n := e.Depth(0, event.Buy, lv[:]); n != 1 || lv[0] != (Level{Price: 100, Qty: 12, Orders: 2}) {
		t.Errorf("bid depth %v", lv[:n])
	}
	if o, ok := e.Lookup(12); !ok || o.Type != event.PostOnly || o.Account != 3 {
		t.Errorf("order 12: %+v %v", o, ok)
	}
}

func TestLoadStateErrors(t *testing.T) {
	good := stateOf(t)
	sym0 := stateHeaderSize
	ord0 := stateHeaderSize + stateSymbolSize
	ord2 := ord0 + 2*stateOrderSize // the ask
	put64 := func(off int, v uint64) func([]byte) []byte {
		return func(b []byte) []byte { binary.LittleEndian.PutUint64(b[off:], v); return b }
	}
	put32 := func(off int, v uint32) func([]byte) []byte {
		return func(b []byte) []byte { binary.LittleEndian.PutUint32(b[off:], v); return b }
	}
	tests := []struct {
		name string
		mod  func([]byte) []byte
		want string
	}{
		{"short header", func(b []byte) []byte { return b[:10] }, "header needs"},
		{"magic", func(b []byte) []byte { b[0] = 'X'; return b }, "magic"},
		{"version", func(b []byte) []byte { b[8] = 9; return b }, "version"},
		{"huge symbol count", put32(12, 1<<31), "do not fit"},
		{"truncated", func(b []byte) []byte { return b[:len(b)-1] }, "cut short"},
		{"truncated order", func(b []byte) []byte { return b[:ord2+5] }, "do not fit"},
		{"trailing bytes", func(b []byte) []byte { return append(b, 0) }, "after the last symbol"},
		{"huge order count", put32(sym0+16, 1<<30), "do not fit"},
		{"bad name", put64(sym0+4, 0x00ff), "bad name"},
		{"halted flag", func(b []byte) []byte { b[sym0+12] = 2; return b }, "bad flags"},
		{"price zero", put64(ord0+8, 0), "price"},
		{"qty negative", put64(ord0+16, ^uint64(0)), "quantity"},
		{"any account", put32(ord0+24, event.Any), "account"},
		{"ioc cannot rest", func(b []byte) []byte { b[ord0+28] = byte(event.IOC); return b }, "cannot rest"},
		{"bids out of order", put64(ord0+stateOrderSize+8, 101), "best to worst"},
		{"duplicate id", put64(ord2, 10), "twice"},
		{"crossed", put64(ord2+8, 100), "crossed"},
		{"symbol order", put32(stateHeaderSize+stateSymbolSize+3*stateOrderSize, 0), "ascending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.mod(slices.Clone(good))
			e, _ := New(DefaultConfig())
			err := e.LoadState(b)
			if !errors.Is(err, ErrState) || !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
				t.Fatalf("err = %v, want ErrState mentioning %q", err, tt.want)
			}
		})
	}
	t.Run("not empty", func(t *testing.T) {
		e, _ := New(DefaultConfig())
		if err := e.LoadState(good); err != nil {
			t.Fatal(err)
		}
		if err := e.LoadState(good); !errors.Is(err, ErrState) {
			t.Fatalf("second load: %v", err)
		}
	})
	t.Run("capacity", func(t *testing.T) {
		cfg := DefaultConfig()
		cfg.MaxOrders, cfg.InitialOrders = 2, 2
		e, _ := New(cfg)
		if err := e.LoadState(good); !errors.Is(err, ErrState) {
			t.Fatalf("3 orders into MaxOrders 2: %v", err)
		}
	})
}

func FuzzLoadState(f *testing.F) {
	f.Add([]byte{})
	e, _ := New(DefaultConfig())
	name, _ := event.PackName("A")
	var out []event.Out
	for i, in := range []event.In{
		{Kind: event.KindSymbol, Aux: name},
		{Kind: event.KindNew, Account: 1, ID: 1, Side: event.Buy, Type: event.Limit, Price: 10, Qty: 5},
		{Kind: event.KindNew, Account: 1, ID: 2, Side: event.Sell, Type: event.Limit, Price: 12, Qty: 5},
	} {
		in.Seq = uint64(i + 1)
		out = e.Apply(&in, out[:0])
	}
	f.Add(e.AppendState(nil))
	cfg := DefaultConfig()
	cfg.InitialOrders, cfg.MaxSymbols, cfg.InitialLevels = 64, 1024, 4
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.LoadState(b); err != nil {
			return
		}
		if err := e.checkInvariants(); err != nil {
			t.Fatalf("loaded state breaks invariants: %v", err)
		}
		again := e.AppendState(nil)
		if bytes.Equal(again, b) {
			return
		}
		// A version-1 state (no hash key) is written back in the current
		// version: that one must re-encode to itself.
		if len(b) < 10 || binary.LittleEndian.Uint16(b[8:]) != 1 {
			t.Fatalf("accepted state does not re-encode to itself")
		}
		e2, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := e2.LoadState(again); err != nil {
			t.Fatalf("state re-encoded from version 1 refused: %v", err)
		}
		if !bytes.Equal(e2.AppendState(nil), again) {
			t.Fatalf("state re-encoded from version 1 does not re-encode to itself")
		}
	})
}
