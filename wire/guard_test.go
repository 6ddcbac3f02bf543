package wire

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
)

// csvPrelude defines AAPL and makes account 7 known.
const csvPrelude = "1,symbol,AAPL\n2,new,AAPL,7,1,buy,limit,100,1\n"

// TestCSVOnlyNewAndSymbolDefine: a line other than new and symbol naming an
// unknown symbol is malformed, and defines nothing. Before, the typo APPL
// defined a symbol and the kill acted on it while AAPL kept trading.
func TestCSVOnlyNewAndSymbolDefine(t *testing.T) {
	for _, line := range []string{
		"3,kill,*,APPL,cancel",
		"3,kill,7,APPL",
		"3,clear,*,APPL",
		"3,setlimit,*,APPL,1,5",
		"3,masscancel,*,APPL",
		"3,halt,APPL",
		"3,resume,APPL",
		"3,parent,7,APPL,buy,5",
	} {
		t.Run(line, func(t *testing.T) {
			d := NewCSVDecoder(strings.NewReader(csvPrelude + line + "\n4,halt,AAPL\n"))
			got, errs := decodeAll(t, d)
			if len(errs) != 1 || !errors.Is(errs[0], ErrUnknownSymbol) || errs[0].Line != 3 {
				t.Fatalf("errors %v, want one ErrUnknownSymbol at line 3", errs)
			}
			if msg := errs[0].Error(); !strings.Contains(msg, `unknown symbol "APPL"`) || !strings.Contains(msg, "only new and symbol lines define one") {
				t.Fatalf("message %q", msg)
			}
			if len(got) != 3 || got[2].Kind != event.KindHalt || got[2].Symbol != 0 || d.Symbols().Len() != 1 {
				t.Fatalf("got %+v, %d symbols; want the prelude and the halt of AAPL, 1 symbol", got, d.Symbols().Len())
			}
		})
	}
	t.Run("new and symbol define", func(t *testing.T) {
		got, errs := decodeAll(t, NewCSVDecoder(strings.NewReader("1,new,MSFT,7,1,buy,limit,1,1\n2,symbol,GOOG\n3,halt,GOOG\n")))
		if len(errs) != 0 || len(got) != 4 || got[0].Kind != event.KindSymbol || got[2].Symbol != 1 || got[3].Symbol != 1 {
			t.Fatalf("got %+v %v", got, errs)
		}
	})
}

// TestCSVSymbolCase: names are case-sensitive, and one that differs from a
// known name only by case is malformed wherever it appears.
func TestCSVSymbolCase(t *testing.T) {
	for _, tt := range []struct{ line, name, field string }{
		{"3,new,aapl,7,2,buy,limit,100,1", "aapl", "3"},
		{"3,symbol,Aapl", "Aapl", "3"},
		{"3,kill,*,aapl", "aapl", "4"},
		{"3,halt,aaPL", "aaPL", "3"},
	} {
		t.Run(tt.line, func(t *testing.T) {
			d := NewCSVDecoder(strings.NewReader(csvPrelude + tt.line + "\n"))
			_, errs := decodeAll(t, d)
			if len(errs) != 1 || !errors.Is(errs[0], ErrSymbolCase) {
				t.Fatalf("errors %v, want one ErrSymbolCase", errs)
			}
			want := `symbol "` + tt.name + `" differs from known "AAPL" only by case (field ` + tt.field + ", symbol)"
			if msg := errs[0].Error(); !strings.Contains(msg, want) {
				t.Fatalf("message %q, want %q", msg, want)
			}
			if d.Symbols().Len() != 1 {
				t.Fatalf("%d symbols", d.Symbols().Len())
			}
		})
	}
	t.Run("Define", func(t *testing.T) {
		var s Symbols
		s.Define("AAPL")
		_, _, err := s.Define("aapl")
		if !errors.Is(err, ErrSymbolCase) || err.Error() != `wire: symbol "aapl" differs from known "AAPL" only by case` {
			t.Fatalf("got %v", err)
		}
		if id, isNew, err := s.Define("AAPL"); id != 0 || isNew || err != nil {
			t.Fatalf("Define(AAPL) again = %d %v %v", id, isNew, err)
		}
		if s.Len() != 1 {
			t.Fatalf("Len %d", s.Len())
		}
	})
}

// TestCSVUnknownAccount: an account scope names a known account or *.
func TestCSVUnknownAccount(t *testing.T) {
	for _, line := range []string{"3,kill,42,*", "3,clear,42,AAPL", "3,setlimit,42,*,1,5", "3,masscancel,42,*"} {
		t.Run(line, func(t *testing.T) {
			_, errs := decodeAll(t, NewCSVDecoder(strings.NewReader(csvPrelude+line+"\n")))
			if len(errs) != 1 || !errors.Is(errs[0], ErrUnknownAccount) || !strings.Contains(errs[0].Error(), `unknown account "42" (field 3, account)`) {
				t.Fatalf("errors %v, want one ErrUnknownAccount", errs)
			}
			known := strings.Replace(line, "42", "7", 1)
			all := strings.Replace(line, "42", "*", 1)
			later := csvPrelude + "3,new,AAPL,42,2,buy,limit,100,1\n" + line + "\n"
			for _, feed := range []string{csvPrelude + known + "\n", csvPrelude + all + "\n", later} {
				if _, errs := decodeAll(t, NewCSVDecoder(strings.NewReader(feed))); len(errs) != 0 {
					t.Fatalf("%q: errors %v", feed, errs)
				}
			}
		})
	}
	t.Run("cancel and parent need none", func(t *testing.T) {
		if _, errs := decodeAll(t, NewCSVDecoder(strings.NewReader(csvPrelude+"3,cancel,42,1\n4,replace,42,1,1,1\n5,parent,42,AAPL,buy,5\n"))); len(errs) != 0 {
			t.Fatalf("errors %v", errs)
		}
	})
}

// TestCSVTooManyAccounts: a new order from one account more than
// MaxAccounts is malformed.
func TestCSVTooManyAccounts(t *testing.T) {
	ids := make([]uint32, MaxAccounts)
	for i := range ids {
		ids[i] = uint32(i)
	}
	d := NewCSVDecoder(strings.NewReader("1,new,AAPL,5,1,buy,limit,1,1\n2,new,AAPL,4000000000,1,buy,limit,1,1\n"))
	if err := d.Seed(nil, ids); err != nil {
		t.Fatal(err)
	}
	got, errs := decodeAll(t, d)
	if len(got) != 2 || len(errs) != 1 || !errors.Is(errs[0], ErrTooManyAccounts) || errs[0].Line != 2 {
		t.Fatalf("got %d events, errors %v; want 2 and one ErrTooManyAccounts at line 2", len(got), errs)
	}
	if err := NewCSVDecoder(nil).Seed(nil, append(ids, 1<<30)); !errors.Is(err, ErrTooManyAccounts) {
		t.Fatalf("seed of MaxAccounts+1: %v", err)
	}
}

// TestNativeUnknownSymbolAndAccount: the native decoder's frames name only
// symbol ids a symbol frame defined and, in account scopes, known accounts.
func TestNativeUnknownSymbolAndAccount(t *testing.T) {
	aapl, msft := pack(t, "AAPL"), pack(t, "MSFT")
	prelude := []event.In{
		{Kind: event.KindSymbol, Symbol: 0, Aux: aapl},
		{Kind: event.KindNew, Symbol: 0, Account: 7, ID: 1, Side: event.Buy, Type: event.Limit, Price: 1, Qty: 1},
	}
	tests := []struct {
		name string
		in   event.In
		want error
	}{
		{"kill undefined id", event.In{Kind: event.KindKill, Account: event.Any, Symbol: 1}, ErrUnknownSymbol},
		{"halt undefined id", event.In{Kind: event.KindHalt, Symbol: 5}, ErrUnknownSymbol},
		{"new undefined id", event.In{Kind: event.KindNew, Symbol: 1, Account: 7, ID: 2, Side: event.Buy, Type: event.Limit, Price: 1, Qty: 1}, ErrUnknownSymbol},
		{"parent for all", event.In{Kind: event.KindParent, Symbol: event.Any, Account: 7, Side: event.Buy, Qty: 1}, ErrUnknownSymbol},
		{"kill unknown account", event.In{Kind: event.KindKill, Account: 42, Symbol: event.Any}, ErrUnknownAccount},
		{"setlimit unknown account", event.In{Kind: event.KindSetLimit, Account: 42, Symbol: 0}, ErrUnknownAccount},
		{"redefined", event.In{Kind: event.KindSymbol, Symbol: 0, Aux: msft}, ErrSymbolOrder},
		{"case twin", event.In{Kind: event.KindSymbol, Symbol: 1, Aux: pack(t, "aapl")}, ErrSymbolCase},
		{"id too big", event.In{Kind: event.KindSymbol, Symbol: MaxSymbols, Aux: msft}, ErrTooManySymbols},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs := append(append([]event.In(nil), prelude...), tt.in, event.In{Kind: event.KindHalt, Symbol: 0})
			d, err := NewNativeDecoder(bytes.NewReader(encodeFeed(t, evs)))
			if err != nil {
				t.Fatal(err)
			}
			got, errs := decodeAll(t, d)
			if len(errs) != 1 || !errors.Is(errs[0], tt.want) || errs[0].Offset != HeaderSize+2*FrameSize {
				t.Fatalf("errors %v, want one %v at the third frame", errs, tt.want)
			}
			if len(got) != 3 || d.Symbols().Len() != 1 {
				t.Fatalf("got %+v, %d symbols", got, d.Symbols().Len())
			}
		})
	}
	t.Run("sparse ids numbered densely", func(t *testing.T) {
		evs := []event.In{
			{Kind: event.KindSymbol, Symbol: 5, Aux: aapl},
			{Kind: event.KindSymbol, Symbol: 9, Aux: msft},
			{Kind: event.KindHalt, Symbol: 9},
			{Kind: event.KindSymbol, Symbol: 9, Aux: msft},
		}
		d, _ := NewNativeDecoder(bytes.NewReader(encodeFeed(t, evs)))
		got, errs := decodeAll(t, d)
		if len(errs) != 0 || len(got) != 4 || got[0].Symbol != 0 || got[1].Symbol != 1 || got[2].Symbol != 1 || got[3].Symbol != 1 {
			t.Fatalf("got %+v %v", got, errs)
		}
	})
}

// TestNotThisFormat: a feed whose first MaxLeadingMalformed records are all
// malformed, or that holds only malformed records, is a fatal error wrapping
// ErrNotThisFormat, not a stream of DecodeErrors; once a record was valid,
// malformed ones stay DecodeErrors.
func TestNotThisFormat(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 12))
	junk := make([]byte, 64<<10)
	for i := range junk {
		junk[i] = byte(r.Uint32())
	}
	header := make([]byte, HeaderSize)
	putHeader(header, FeedMagic)
	decoders := map[string]func(b []byte) Decoder{
		"csv":     func(b []byte) Decoder { return NewCSVDecoder(bytes.NewReader(b)) },
		"lobster": func(b []byte) Decoder { return NewLOBSTERDecoder(bytes.NewReader(b), DefaultLOBSTERConfig("X")) },
		"native": func(b []byte) Decoder {
			d, err := NewNativeDecoder(bytes.NewReader(append(bytes.Clone(header), b...)))
			if err != nil {
				t.Fatal(err)
			}
			return d
		},
	}
	for _, name := range []string{"csv", "lobster", "native"} {
		mk := decoders[name]
		t.Run(name+"/random bytes", func(t *testing.T) {
			d := mk(junk)
			var in event.In
			var err error
			n := 0
			for n = 0; n < 10*MaxLeadingMalformed; n++ {
				var de *DecodeError
				if err = d.Next(&in); !errors.As(err, &de) {
					break
				}
			}
			if !errors.Is(err, ErrNotThisFormat) || n != MaxLeadingMalformed-1 {
				t.Fatalf("after %d decode errors: %v, want ErrNotThisFormat after %d", n, err, MaxLeadingMalformed-1)
			}
			unit := "lines"
			if name == "native" {
				unit = "records"
			}
			want := "no valid record in the first 100 " + unit + ": is this the right --format?"
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("message %q, want %q", err.Error(), want)
			}
			if again := d.Next(&in); again != err {
				t.Fatalf("then %v, want the same error again", again)
			}
		})
	}
	// A feed of 3 malformed records and nothing else.
	short := map[string][]byte{
		"csv":     []byte("a\nb\nc\n"),
		"lobster": []byte("a\nb\nc\n"),
		"native":  bytes.Repeat([]byte{0xff}, 3*FrameSize),
	}
	for name, feed := range short {
		t.Run(name+"/only malformed", func(t *testing.T) {
			d := decoders[name](feed)
			var in event.In
			for i := range 3 {
				var de *DecodeError
				if err := d.Next(&in); !errors.As(err, &de) {
					t.Fatalf("record %d: %v, want a DecodeError", i, err)
				}
			}
			if err := d.Next(&in); !errors.Is(err, ErrNotThisFormat) || !strings.Contains(err.Error(), "no valid record in 3 ") {
				t.Fatalf("at the end: %v, want ErrNotThisFormat", err)
			}
		})
	}
	good := map[string][]byte{
		"csv":     []byte("1,symbol,A\n"),
		"lobster": []byte("34200.0,1,5,10,100,1\n"),
		"native":  encodeFeed(t, goldenFeed()[:1])[HeaderSize:],
	}
	bad := map[string][]byte{
		"csv":     []byte("x\n"),
		"lobster": []byte("x\n"),
		"native":  bytes.Repeat([]byte{0xff}, FrameSize),
	}
	for _, name := range []string{"csv", "lobster", "native"} {
		t.Run(name+"/valid record first", func(t *testing.T) {
			feed := bytes.Repeat(bad[name], MaxLeadingMalformed-1)
			feed = append(feed, good[name]...)
			feed = append(feed, bytes.Repeat(bad[name], 2*MaxLeadingMalformed)...)
			got, errs := decodeAll(t, decoders[name](feed))
			if len(got) == 0 || len(errs) != 3*MaxLeadingMalformed-1 {
				t.Fatalf("got %d events and %d errors, want some and %d", len(got), len(errs), 3*MaxLeadingMalformed-1)
			}
		})
		t.Run(name+"/empty", func(t *testing.T) {
			var in event.In
			d := decoders[name](nil)
			err := d.Next(&in)
			if name == "lobster" {
				err = d.Next(&in) // after the symbol definition
			}
			if err != io.EOF {
				t.Fatalf("got %v, want io.EOF", err)
			}
		})
	}
	t.Run("blank lines and comments are not records", func(t *testing.T) {
		feed := strings.Repeat("# c\n\n", 1000) + "1,symbol,A\n"
		if got, errs := decodeAll(t, NewCSVDecoder(strings.NewReader(feed))); len(got) != 1 || len(errs) != 0 {
			t.Fatalf("got %d events, errors %v", len(got), errs)
		}
	})
}
