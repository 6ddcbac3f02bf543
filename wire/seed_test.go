package wire

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
)

var journalSyms = []SymbolDef{{ID: 1, Name: "MSFT"}, {ID: 0, Name: "AAPL"}} // any order

// TestCSVSeed: a seeded decoder maps known names to their journal ids
// without a symbol event, numbers new names from the next id, and knows the
// seeded accounts. Before, a restarted run numbered from 0 and MSFT's orders
// went into AAPL's book.
func TestCSVSeed(t *testing.T) {
	d := NewCSVDecoder(strings.NewReader("1,new,MSFT,7,1,buy,limit,1,1\n2,kill,9,AAPL\n3,new,GOOG,7,2,buy,limit,1,1\n4,symbol,AAPL\n5,halt,AAPL\n"))
	if err := d.Seed(journalSyms, []uint32{9}); err != nil {
		t.Fatal(err)
	}
	got, errs := decodeAll(t, d)
	want := []event.In{
		{Kind: event.KindNew, TS: 1, Symbol: 1, Account: 7, ID: 1, Side: event.Buy, Type: event.Limit, Price: 1, Qty: 1},
		{Kind: event.KindKill, TS: 2, Symbol: 0, Account: 9},
		{Kind: event.KindSymbol, TS: 3, Symbol: 2, Aux: pack(t, "GOOG")},
		{Kind: event.KindNew, TS: 3, Symbol: 2, Account: 7, ID: 2, Side: event.Buy, Type: event.Limit, Price: 1, Qty: 1},
		{Kind: event.KindHalt, TS: 5, Symbol: 0},
	}
	if len(errs) != 0 || len(got) != len(want) {
		t.Fatalf("got %+v, errors %v", got, errs)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestSeedErrors: every decoder refuses a seed that is not a journal's
// table, and a seed after the first event; a refused seed changes nothing.
func TestSeedErrors(t *testing.T) {
	tests := []struct {
		name  string
		syms  []SymbolDef
		accts []uint32
		want  error
	}{
		{"gap", []SymbolDef{{0, "A"}, {2, "B"}}, nil, ErrSymbolOrder},
		{"id twice", []SymbolDef{{0, "A"}, {0, "B"}}, nil, ErrSymbolOrder},
		{"name twice", []SymbolDef{{0, "A"}, {1, "A"}}, nil, ErrSymbolOrder},
		{"case twins", []SymbolDef{{0, "AAPL"}, {1, "aapl"}}, nil, ErrSymbolCase},
		{"bad name", []SymbolDef{{0, "A B"}}, nil, ErrSymbolName},
		{"account any", nil, []uint32{event.Any}, ErrAccount},
	}
	decoders := map[string]func() interface {
		Decoder
		Seeder
	}{
		"csv": func() interface {
			Decoder
			Seeder
		} {
			return NewCSVDecoder(strings.NewReader("1,symbol,A\n"))
		},
		"native": func() interface {
			Decoder
			Seeder
		} {
			d, _ := NewNativeDecoder(bytes.NewReader(encodeFeed(t, goldenFeed())))
			return d
		},
		"lobster": func() interface {
			Decoder
			Seeder
		} {
			return NewLOBSTERDecoder(strings.NewReader("34200.0,1,5,10,100,1\n"), DefaultLOBSTERConfig("A"))
		},
	}
	for name, mk := range decoders {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				d := mk()
				if err := d.Seed(tt.syms, tt.accts); !errors.Is(err, tt.want) {
					t.Fatalf("got %v, want %v", err, tt.want)
				}
				if err := d.Seed([]SymbolDef{{0, "A"}}, nil); err != nil {
					t.Fatalf("a good seed after a refused one: %v", err)
				}
			})
		}
		t.Run(name+"/after Next", func(t *testing.T) {
			d := mk()
			var in event.In
			d.Next(&in)
			if err := d.Seed(nil, nil); !errors.Is(err, ErrConfig) {
				t.Fatalf("got %v, want ErrConfig", err)
			}
		})
		t.Run(name+"/twice", func(t *testing.T) {
			d := mk()
			d.Seed(nil, nil)
			if err := d.Seed(nil, nil); !errors.Is(err, ErrConfig) {
				t.Fatalf("got %v, want ErrConfig", err)
			}
		})
	}
}

// TestNativeSeed: seeded ids keep their meaning unless a symbol frame maps
// its id to a name; a new name takes the next id.
func TestNativeSeed(t *testing.T) {
	evs := []event.In{
		{Kind: event.KindHalt, Symbol: 0},                         // seeded AAPL, not redefined
		{Kind: event.KindSymbol, Symbol: 0, Aux: pack(t, "MSFT")}, // the feed's 0 is MSFT: journal id 1
		{Kind: event.KindHalt, Symbol: 0},                         // MSFT
		{Kind: event.KindSymbol, Symbol: 1, Aux: pack(t, "GOOG")}, // new: id 2
		{Kind: event.KindResume, Symbol: 1},                       // GOOG
		{Kind: event.KindKill, Account: 9, Symbol: event.Any},     // seeded account
		{Kind: event.KindSymbol, Symbol: 2, Aux: pack(t, "msft")}, // case twin
		{Kind: event.KindHalt, Symbol: 2},                         // undefined
	}
	d, err := NewNativeDecoder(bytes.NewReader(encodeFeed(t, evs)))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Seed(journalSyms, []uint32{9}); err != nil {
		t.Fatal(err)
	}
	got, errs := decodeAll(t, d)
	want := []event.In{
		{Kind: event.KindHalt, Symbol: 0},
		{Kind: event.KindSymbol, Symbol: 1, Aux: pack(t, "MSFT")},
		{Kind: event.KindHalt, Symbol: 1},
		{Kind: event.KindSymbol, Symbol: 2, Aux: pack(t, "GOOG")},
		{Kind: event.KindResume, Symbol: 2},
		{Kind: event.KindKill, Account: 9, Symbol: event.Any},
	}
	if len(got) != len(want) || len(errs) != 2 || !errors.Is(errs[0], ErrSymbolCase) || !errors.Is(errs[1], ErrUnknownSymbol) {
		t.Fatalf("got %+v, errors %v", got, errs)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestLOBSTERSeedSymbols: the decoder's symbol takes the journal's id for its name
// (and is not defined again), or the next id.
func TestLOBSTERSeedSymbols(t *testing.T) {
	for _, tt := range []struct {
		name    string
		id      uint32
		defines bool
	}{{"MSFT", 1, false}, {"AMZN", 2, true}} {
		d := NewLOBSTERDecoder(strings.NewReader("34200.0,1,5,10,100,1\n34200.1,7,0,0,-1,-1\n"), DefaultLOBSTERConfig(tt.name))
		if err := d.Seed(journalSyms, nil); err != nil {
			t.Fatal(err)
		}
		got, errs := decodeAll(t, d)
		if len(errs) != 0 || d.SymbolID() != tt.id {
			t.Fatalf("%s: errors %v, id %d", tt.name, errs, d.SymbolID())
		}
		if defines := got[0].Kind == event.KindSymbol; defines != tt.defines {
			t.Fatalf("%s: got %+v, defines %v, want %v", tt.name, got, defines, tt.defines)
		}
		for _, in := range got {
			if in.Kind != event.KindCancel && in.Kind != event.KindReplace && in.Symbol != tt.id {
				t.Fatalf("%s: event %+v, want symbol %d", tt.name, in, tt.id)
			}
		}
	}
	d := NewLOBSTERDecoder(strings.NewReader(""), DefaultLOBSTERConfig("Msft"))
	if err := d.Seed(journalSyms, nil); !errors.Is(err, ErrSymbolCase) {
		t.Fatalf("case twin: %v", err)
	}
}

// TestOutWritersAppend: a stream written 0..k by one writer and continued
// k+1..n by a second writer opened to append and seeded with the symbols the
// first learned is byte for byte the stream of one writer, for every k and
// every format. Before, the second writer wrote a second header and named
// symbols by number.
func TestOutWritersAppend(t *testing.T) {
	msft := pack(t, "MSFT")
	outs := append(goldenOut(), []event.Out{
		{Seq: 11, TS: 1, Kind: event.OutSymbol, Symbol: 1, Other: msft},
		{Seq: 12, TS: 2, Kind: event.OutHalted, Symbol: 1},
		{Seq: 13, TS: 3, Kind: event.OutAccepted, Symbol: 0, ID: 5, Account: 7, Side: event.Sell, Price: 1, Qty: 1},
	}...)
	type pair struct {
		fresh  func(*bytes.Buffer) OutWriter
		append func(*bytes.Buffer) OutWriter
	}
	formats := map[string]pair{
		"csv":  {func(b *bytes.Buffer) OutWriter { return NewOutCSV(b) }, func(b *bytes.Buffer) OutWriter { return NewOutCSVAppend(b) }},
		"json": {func(b *bytes.Buffer) OutWriter { return NewOutJSON(b) }, func(b *bytes.Buffer) OutWriter { return NewOutJSON(b) }},
		"native": {func(b *bytes.Buffer) OutWriter { w, _ := NewOutNative(b); return w },
			func(b *bytes.Buffer) OutWriter { return NewOutNativeAppend(b) }},
	}
	for name, f := range formats {
		t.Run(name, func(t *testing.T) {
			var whole bytes.Buffer
			writeAll(t, f.fresh(&whole), outs)
			for k := 0; k <= len(outs); k++ {
				var split bytes.Buffer
				writeAll(t, f.fresh(&split), outs[:k])
				var learned []SymbolDef
				for _, o := range outs[:k] {
					if o.Kind == event.OutSymbol {
						n, _ := event.UnpackName(o.Other)
						learned = append(learned, SymbolDef{ID: o.Symbol, Name: n})
					}
				}
				w := f.append(&split)
				if err := w.(OutSeeder).SeedSymbols(learned); err != nil {
					t.Fatal(err)
				}
				writeAll(t, w, outs[k:])
				if !bytes.Equal(split.Bytes(), whole.Bytes()) {
					t.Fatalf("split at %d:\n%s\nwant\n%s", k, split.Bytes(), whole.Bytes())
				}
			}
		})
	}
	t.Run("bad seed", func(t *testing.T) {
		for _, w := range []OutSeeder{NewOutCSV(&bytes.Buffer{}), NewOutJSON(&bytes.Buffer{}), NewOutNativeAppend(&bytes.Buffer{})} {
			if err := w.SeedSymbols([]SymbolDef{{0, "A B"}}); !errors.Is(err, ErrSymbolName) {
				t.Fatalf("%T: %v", w, err)
			}
			if err := w.SeedSymbols([]SymbolDef{{MaxSymbols, "A"}}); !errors.Is(err, ErrTooManySymbols) {
				t.Fatalf("%T: %v", w, err)
			}
		}
	})
}
