package wire

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
)

func pack(t testing.TB, name string) uint64 {
	t.Helper()
	p, err := event.PackName(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCSVDecode(t *testing.T) {
	const feed = `# a comment
   # an indented comment

100,new,AAPL,7,1,buy,limit,18950,100
 101 , NEW , AAPL , 8 , 2 , S , IOC , 18950 , 60 , CB , 99
,new,MSFT,9,3,Sell,market,0,10,,
102,new,MSFT,9,4,b,post,41000,5,cancel-resting
103,new,MSFT,9,5,b,fok,-1,-5,ci,18446744073709551615
104,cancel,7,1
105,Replace,8,2,18949,40
106,masscancel,*,*
107,masscancel,7,AAPL
108,symbol,GOOG
108,masscancel,*,GOOG
109,halt,AAPL
110,resume,AAPL
111,symbol,AAPL
112,symbol,TSLA
113,new,BRK.A,4294967294,18446744073709551615,sell,limit,9223372036854775807,-9223372036854775808,none` + "\r\n" +
		`-5,cancel,0,0`
	d := NewCSVDecoder(strings.NewReader(feed))
	got, errs := decodeAll(t, d)
	if len(errs) != 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	sym := func(ts int64, id uint32, name string) event.In {
		return event.In{Kind: event.KindSymbol, TS: ts, Symbol: id, Aux: pack(t, name)}
	}
	want := []event.In{
		sym(100, 0, "AAPL"),
		{Kind: event.KindNew, TS: 100, Symbol: 0, Account: 7, ID: 1, Side: event.Buy, Type: event.Limit, Price: 18950, Qty: 100},
		{Kind: event.KindNew, TS: 101, Symbol: 0, Account: 8, ID: 2, Side: event.Sell, Type: event.IOC, Price: 18950, Qty: 60, STP: event.STPCancelBoth, Aux: 99},
		sym(0, 1, "MSFT"),
		{Kind: event.KindNew, TS: 0, Symbol: 1, Account: 9, ID: 3, Side: event.Sell, Type: event.Market, Price: 0, Qty: 10},
		{Kind: event.KindNew, TS: 102, Symbol: 1, Account: 9, ID: 4, Side: event.Buy, Type: event.PostOnly, Price: 41000, Qty: 5, STP: event.STPCancelResting},
		{Kind: event.KindNew, TS: 103, Symbol: 1, Account: 9, ID: 5, Side: event.Buy, Type: event.FOK, Price: -1, Qty: -5, STP: event.STPCancelIncoming, Aux: 1<<64 - 1},
		{Kind: event.KindCancel, TS: 104, Account: 7, ID: 1},
		{Kind: event.KindReplace, TS: 105, Account: 8, ID: 2, Price: 18949, Qty: 40},
		{Kind: event.KindMassCancel, TS: 106, Account: event.Any, Symbol: event.Any},
		{Kind: event.KindMassCancel, TS: 107, Account: 7, Symbol: 0},
		sym(108, 2, "GOOG"),
		{Kind: event.KindMassCancel, TS: 108, Account: event.Any, Symbol: 2},
		{Kind: event.KindHalt, TS: 109, Symbol: 0},
		{Kind: event.KindResume, TS: 110, Symbol: 0},
		sym(112, 3, "TSLA"),
		sym(113, 4, "BRK.A"),
		{Kind: event.KindNew, TS: 113, Symbol: 4, Account: 4294967294, ID: 1<<64 - 1, Side: event.Sell, Type: event.Limit, Price: 1<<63 - 1, Qty: -1 << 63},
		{Kind: event.KindCancel, TS: -5},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	s := d.Symbols()
	if s.Len() != 5 {
		t.Fatalf("%d symbols, want 5", s.Len())
	}
	if id, ok := s.Lookup("GOOG"); !ok || id != 2 {
		t.Fatalf("Lookup(GOOG) = %d, %v", id, ok)
	}
}

// TestCSVDecodeRisk decodes the risk guard's and the operator's commands.
func TestCSVDecodeRisk(t *testing.T) {
	const feed = `0,pause
1,symbol,AAPL
2,symbol,MSFT
3,new,AAPL,7,1,buy,limit,100,1
4,new,MSFT,42,2,buy,limit,100,1
100,kill,7,*
101,KILL,*,AAPL,cancel
102,kill,*,*,1
103,kill,7,AAPL,
104,clear,*,*
105,clear,7,MSFT
106,setlimit,*,*,32780,2000000
107,setlimit,42,*,1,-5
108,setlimit,*,AAPL,5,1000
109,parent,7,AAPL,buy,500
110,parent,7,AAPL,S,300,99
111,approve,3
112, DENY , 18446744073709551615
113,Pause
114,unpause
,approve,0
`
	got, errs := decodeAll(t, NewCSVDecoder(strings.NewReader(feed)))
	if len(errs) != 0 {
		t.Fatalf("errors %v", errs)
	}
	const any = event.Any
	want := []event.In{
		{Kind: event.KindPause, TS: 0},
		{Kind: event.KindSymbol, TS: 1, Symbol: 0, Aux: pack(t, "AAPL")},
		{Kind: event.KindSymbol, TS: 2, Symbol: 1, Aux: pack(t, "MSFT")},
		{Kind: event.KindNew, TS: 3, Symbol: 0, Account: 7, ID: 1, Side: event.Buy, Type: event.Limit, Price: 100, Qty: 1},
		{Kind: event.KindNew, TS: 4, Symbol: 1, Account: 42, ID: 2, Side: event.Buy, Type: event.Limit, Price: 100, Qty: 1},
		{Kind: event.KindKill, TS: 100, Account: 7, Symbol: any},
		{Kind: event.KindKill, TS: 101, Account: any, Symbol: 0, Arg: event.KillCancel},
		{Kind: event.KindKill, TS: 102, Account: any, Symbol: any, Arg: event.KillCancel},
		{Kind: event.KindKill, TS: 103, Account: 7, Symbol: 0},
		{Kind: event.KindClear, TS: 104, Account: any, Symbol: any},
		{Kind: event.KindClear, TS: 105, Account: 7, Symbol: 1},
		{Kind: event.KindSetLimit, TS: 106, Account: any, Symbol: any, Arg: 32780, Qty: 2000000},
		{Kind: event.KindSetLimit, TS: 107, Account: 42, Symbol: any, Arg: 1, Qty: -5},
		{Kind: event.KindSetLimit, TS: 108, Account: any, Symbol: 0, Arg: 5, Qty: 1000},
		{Kind: event.KindParent, TS: 109, Account: 7, Symbol: 0, Side: event.Buy, Qty: 500},
		{Kind: event.KindParent, TS: 110, Account: 7, Symbol: 0, Side: event.Sell, Qty: 300, ID: 99},
		{Kind: event.KindApprove, TS: 111, ID: 3},
		{Kind: event.KindDeny, TS: 112, ID: 1<<64 - 1},
		{Kind: event.KindPause, TS: 113},
		{Kind: event.KindUnpause, TS: 114},
		{Kind: event.KindApprove, ID: 0},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestCSVEncodeRisk writes the risk guard's and the operator's commands.
func TestCSVEncodeRisk(t *testing.T) {
	const any = event.Any
	var buf bytes.Buffer
	e := NewCSVEncoder(&buf)
	for _, in := range []event.In{
		{Kind: event.KindSymbol, TS: 1, Symbol: 0, Aux: pack(t, "AAPL")},
		{Kind: event.KindKill, TS: 2, Account: 7, Symbol: any},
		{Kind: event.KindKill, TS: 3, Account: any, Symbol: 0, Arg: event.KillCancel},
		{Kind: event.KindClear, TS: 4, Account: any, Symbol: any},
		{Kind: event.KindSetLimit, TS: 5, Account: 42, Symbol: any, Arg: 32780, Qty: -7},
		{Kind: event.KindParent, TS: 6, Account: 7, Symbol: 0, Side: event.Sell, Qty: 300},
		{Kind: event.KindParent, TS: 7, Account: 7, Symbol: 0, Side: event.Buy, Qty: 5, ID: 99},
		{Kind: event.KindPause, TS: 8},
		{Kind: event.KindApprove, TS: 9, ID: 3},
		{Kind: event.KindDeny, ID: 1<<64 - 1},
		{Kind: event.KindUnpause, TS: 10},
	} {
		if err := e.Encode(&in); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	const want = csvHeader + `1,symbol,AAPL
2,kill,7,*
3,kill,*,AAPL,cancel
4,clear,*,*
5,setlimit,42,*,32780,-7
6,parent,7,AAPL,sell,300
7,parent,7,AAPL,buy,5,99
8,pause
9,approve,3
,deny,18446744073709551615
10,unpause
`
	if buf.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestCSVDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		line string
		want error
		msg  string // substring of the message
	}{
		{"one field", "100", ErrFieldCount, "1 field"},
		{"unknown kind", "100,buy,AAPL", ErrKind, `unknown kind "buy" (field 2, kind)`},
		{"empty kind", "100,,AAPL", ErrKind, `""`},
		{"new too few", "100,new,AAPL,1,1,buy,limit,100", ErrFieldCount, "new has 8 fields, want 9 to 11"},
		{"new too many", "100,new,AAPL,1,1,buy,limit,100,1,none,5,6", ErrFieldCount, "new has 12 fields"},
		{"cancel too many", "100,cancel,1,2,3", ErrFieldCount, "cancel has 5 fields, want 4"},
		{"replace too few", "100,replace,1,2,3", ErrFieldCount, "replace has 5 fields, want 6"},
		{"masscancel too few", "100,masscancel,*", ErrFieldCount, "masscancel has 3 fields"},
		{"halt too many", "100,halt,AAPL,1", ErrFieldCount, "halt has 4 fields"},
		{"symbol too few", "100,symbol", ErrFieldCount, "symbol has 2 fields"},
		{"bad ts", "1x,new,AAPL,1,1,buy,limit,100,1", ErrNumber, `bad number "1x" (field 1, ts)`},
		{"ts overflow", "9223372036854775808,halt,AAPL", ErrOverflow, "(field 1, ts)"},
		{"ts double sign", "--1,halt,AAPL", ErrNumber, "(field 1, ts)"},
		{"bad account", "100,new,AAPL,x,1,buy,limit,100,1", ErrNumber, `"x" (field 4, account)`},
		{"negative account", "100,new,AAPL,-1,1,buy,limit,100,1", ErrNumber, "(field 4, account)"},
		{"account overflow", "100,new,AAPL,4294967296,1,buy,limit,100,1", ErrOverflow, "(field 4, account)"},
		{"account any", "100,new,AAPL,4294967295,1,buy,limit,100,1", ErrAccount, "reserved"},
		{"account star in new", "100,new,AAPL,*,1,buy,limit,100,1", ErrNumber, "(field 4, account)"},
		{"empty id", "100,new,AAPL,1,,buy,limit,100,1", ErrNumber, `"" (field 5, id)`},
		{"id overflow", "100,new,AAPL,1,18446744073709551616,buy,limit,100,1", ErrOverflow, "(field 5, id)"},
		{"bad side", "100,new,AAPL,1,1,x,limit,100,1", ErrSide, `bad side "x" (field 6, side)`},
		{"bad type", "100,new,AAPL,1,1,buy,gtc,100,1", ErrType, `bad order type "gtc" (field 7, type)`},
		{"bad price", "100,new,AAPL,1,1,buy,limit,1.5,1", ErrNumber, `"1.5" (field 8, price)`},
		{"price overflow", "100,new,AAPL,1,1,buy,limit,99999999999999999999,1", ErrOverflow, "(field 8, price)"},
		{"empty qty", "100,new,AAPL,1,1,buy,limit,100,", ErrNumber, "(field 9, qty)"},
		{"bad stp", "100,new,AAPL,1,1,buy,limit,100,1,maybe", ErrSTP, `bad stp mode "maybe" (field 10, stp)`},
		{"bad clordid", "100,new,AAPL,1,1,buy,limit,100,1,none,-3", ErrNumber, "(field 11, clordid)"},
		{"bad symbol", "100,new,A B,1,1,buy,limit,100,1", ErrSymbolName, `bad symbol name "A B" (field 3, symbol)`},
		{"symbol too long", "100,halt,ABCDEFGHI", ErrSymbolName, "(field 3, symbol)"},
		{"empty symbol", "100,symbol,", ErrSymbolName, "(field 3, symbol)"},
		{"star symbol in halt", "100,halt,*", ErrSymbolName, "(field 3, symbol)"},
		{"bad mass account", "100,masscancel,**,AAPL", ErrNumber, "(field 3, account)"},
		{"bad mass symbol", "100,masscancel,*,A;B", ErrSymbolName, "(field 4, symbol)"},
		{"cancel bad account", "100,cancel,x,1", ErrNumber, "(field 3, account)"},
		{"cancel bad id", "100,cancel,1,x", ErrNumber, "(field 4, id)"},
		{"replace bad price", "100,replace,1,2,x,3", ErrNumber, "(field 5, price)"},
		{"replace bad qty", "100,replace,1,2,3,x", ErrNumber, "(field 6, qty)"},
		{"kill too few", "100,kill,*", ErrFieldCount, "kill has 3 fields, want 4 to 5"},
		{"kill bad flag", "100,kill,7,*,now", ErrNumber, `"now" (field 5, cancel)`},
		{"kill bad account", "100,kill,x,*", ErrNumber, "(field 3, account)"},
		{"clear too many", "100,clear,*,*,cancel", ErrFieldCount, "clear has 5 fields, want 4"},
		{"setlimit bad limit", "100,setlimit,7,*,max_qty,5", ErrNumber, "(field 5, limit)"},
		{"setlimit limit overflow", "100,setlimit,7,*,65536,5", ErrOverflow, "(field 5, limit)"},
		{"setlimit bad value", "100,setlimit,7,*,1,5x", ErrNumber, "(field 6, value)"},
		{"setlimit bad symbol", "100,setlimit,7,A B,1,5", ErrSymbolName, "(field 4, symbol)"},
		{"parent star account", "100,parent,*,ZZZ,buy,5", ErrNumber, "(field 3, account)"},
		{"parent bad side", "100,parent,7,ZZZ,up,5", ErrSide, `"up" (field 5, side)`},
		{"parent bad qty", "100,parent,7,ZZZ,buy,x", ErrNumber, "(field 6, qty)"},
		{"parent bad id", "100,parent,7,ZZZ,buy,5,-1", ErrNumber, "(field 7, id)"},
		{"parent star symbol", "100,parent,7,*,buy,5", ErrSymbolName, "(field 4, symbol)"},
		{"pause with a field", "100,pause,1", ErrFieldCount, "pause has 3 fields, want 2"},
		{"unpause with an empty field", "100,unpause,", ErrFieldCount, "unpause has 3 fields, want 2"},
		{"approve without id", "100,approve", ErrFieldCount, "approve has 2 fields, want 3"},
		{"deny too many", "100,deny,1,2", ErrFieldCount, "deny has 4 fields, want 3"},
		{"approve empty id", "100,approve,", ErrNumber, `"" (field 3, pending)`},
		{"approve bad id", "100,approve,x", ErrNumber, `"x" (field 3, pending)`},
		{"deny negative id", "100,deny,-1", ErrNumber, "(field 3, pending)"},
		{"deny id overflow", "100,deny,18446744073709551616", ErrOverflow, "(field 3, pending)"},
		{"approve star", "100,approve,*", ErrNumber, "(field 3, pending)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feed := "1,symbol,ZZZ\n" + tt.line + "\n2,halt,ZZZ\n"
			d := NewCSVDecoder(strings.NewReader(feed))
			got, errs := decodeAll(t, d)
			if len(errs) != 1 {
				t.Fatalf("got %d decode errors, want 1: %v", len(errs), errs)
			}
			de := errs[0]
			if !errors.Is(de, tt.want) {
				t.Fatalf("got %v, want %v", de, tt.want)
			}
			if de.Line != 2 || de.Offset != int64(len("1,symbol,ZZZ\n")) || string(de.Record) != tt.line {
				t.Fatalf("line %d offset %d record %q; want line 2 offset 13 record %q", de.Line, de.Offset, de.Record, tt.line)
			}
			msg := de.Error()
			if !strings.HasPrefix(msg, "wire: line 2: ") || !strings.Contains(msg, tt.msg) {
				t.Fatalf("message %q, want prefix \"wire: line 2: \" and %q", msg, tt.msg)
			}
			// The bad line changed nothing; the good ones around it decode.
			if len(got) != 2 || got[1].Kind != event.KindHalt || d.Symbols().Len() != 1 {
				t.Fatalf("got %+v and %d symbols; want the symbol and the halt only", got, d.Symbols().Len())
			}
		})
	}
}

func TestCSVLongLines(t *testing.T) {
	for _, n := range []int{MaxLineLen + 1, 3 * MaxLineLen, bufSize + 100, 3*bufSize + 7} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			long := "1,halt," + strings.Repeat("A", n-7)
			feed := "1,symbol,ZZZ\n" + long + "\n2,halt,ZZZ\n" + long // the last one without a newline
			d := NewCSVDecoder(strings.NewReader(feed))
			got, errs := decodeAll(t, d)
			if len(got) != 2 || len(errs) != 2 {
				t.Fatalf("got %d events and %d errors, want 2 and 2", len(got), len(errs))
			}
			for i, de := range errs {
				wantLine := int64(2 + 2*i)
				if !errors.Is(de, ErrLineTooLong) || de.Line != wantLine || len(de.Record) != MaxLineLen {
					t.Fatalf("error %d: %v line %d record %d bytes; want ErrLineTooLong at line %d", i, de, de.Line, len(de.Record), wantLine)
				}
				if !strings.Contains(de.Error(), strconv.Itoa(n)+" bytes") {
					t.Fatalf("message %q does not give the length %d", de.Error(), n)
				}
			}
			if want := int64(len("1,symbol,ZZZ\n") + n + 1 + len("2,halt,ZZZ\n")); errs[1].Offset != want {
				t.Fatalf("offset %d, want %d", errs[1].Offset, want)
			}
		})
	}
	t.Run("exactly the limit", func(t *testing.T) {
		line := "1,symbol,A" + strings.Repeat(" ", MaxLineLen-10)
		got, errs := decodeAll(t, NewCSVDecoder(strings.NewReader(line+"\r\n")))
		if len(errs) != 0 || len(got) != 1 {
			t.Fatalf("got %d events, errors %v", len(got), errs)
		}
	})
}

func TestCSVTooManySymbols(t *testing.T) {
	var b strings.Builder
	for i := range MaxSymbols + 1 {
		b.WriteString(",symbol,S")
		b.WriteString(strconv.Itoa(i))
		b.WriteByte('\n')
	}
	b.WriteString(",halt,S0\n")
	d := NewCSVDecoder(strings.NewReader(b.String()))
	got, errs := decodeAll(t, d)
	if len(errs) != 1 || !errors.Is(errs[0], ErrTooManySymbols) || errs[0].Line != MaxSymbols+1 {
		t.Fatalf("errors %v, want one ErrTooManySymbols at line %d", errs, MaxSymbols+1)
	}
	if len(got) != MaxSymbols+1 || got[MaxSymbols].Kind != event.KindHalt {
		t.Fatalf("got %d events, want %d definitions and the halt", len(got), MaxSymbols)
	}
}

func TestCSVReadErrorIsFatal(t *testing.T) {
	d := NewCSVDecoder(&errReader{data: []byte("1,symbol,A\n2,halt,A\n3,ha"), err: errDisk})
	var in event.In
	for range 2 {
		if err := d.Next(&in); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		err := d.Next(&in)
		var de *DecodeError
		if !errors.Is(err, errDisk) || errors.As(err, &de) {
			t.Fatalf("got %v, want the fatal read error", err)
		}
	}
}

func TestCSVRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for round := range 20 {
		evs := randFeed(r, 1+r.IntN(30), 2000)
		var buf bytes.Buffer
		e := NewCSVEncoder(&buf)
		for i := range evs {
			if err := e.Encode(&evs[i]); err != nil {
				t.Fatalf("round %d: encode %+v: %v", round, evs[i], err)
			}
		}
		if err := e.Flush(); err != nil {
			t.Fatal(err)
		}
		got, errs := decodeAll(t, NewCSVDecoder(&buf))
		if len(errs) != 0 {
			t.Fatalf("round %d: errors %v", round, errs)
		}
		if len(got) != len(evs) {
			t.Fatalf("round %d: got %d events, want %d", round, len(got), len(evs))
		}
		for i := range evs {
			if got[i] != evs[i] {
				t.Fatalf("round %d event %d: got %+v, want %+v", round, i, got[i], evs[i])
			}
		}
	}
}

func TestCSVEncode(t *testing.T) {
	var buf bytes.Buffer
	e := NewCSVEncoder(&buf)
	for _, in := range goldenFeed() {
		if err := e.Encode(&in); err != nil {
			t.Fatal(err)
		}
	}
	// A repeated definition of a known symbol writes nothing.
	if err := e.Encode(&goldenFeed()[0]); err != nil {
		t.Fatal(err)
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	const want = csvHeader + `34200000000000,symbol,AAPL
34200000000100,new,AAPL,7,1,buy,limit,18950,100,none,42
34200000000200,new,AAPL,8,2,sell,ioc,18950,60,cancel-both
34200000000300,replace,7,1,18949,40
34200000000400,cancel,7,1
34200000000500,masscancel,*,AAPL
34200000000600,halt,AAPL
34200000000700,resume,AAPL
`
	if buf.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestCSVEncodeErrors(t *testing.T) {
	aapl := pack(t, "AAPL")
	tests := []struct {
		name string
		in   event.In
		want error
	}{
		{"invalid kind", event.In{Kind: 0}, ErrUnencodable},
		{"future kind", event.In{Kind: 42}, ErrUnencodable},
		{"undefined symbol", event.In{Kind: event.KindNew, Symbol: 1, Side: event.Buy, Type: event.Limit}, ErrUnknownSymbol},
		{"halt undefined symbol", event.In{Kind: event.KindHalt, Symbol: 7}, ErrUnknownSymbol},
		{"mass cancel undefined symbol", event.In{Kind: event.KindMassCancel, Symbol: 7}, ErrUnknownSymbol},
		{"bad side", event.In{Kind: event.KindNew, Side: 0, Type: event.Limit}, ErrUnencodable},
		{"bad type", event.In{Kind: event.KindNew, Side: event.Buy, Type: 9}, ErrUnencodable},
		{"bad stp", event.In{Kind: event.KindNew, Side: event.Buy, Type: event.Limit, STP: 4}, ErrUnencodable},
		{"new from any", event.In{Kind: event.KindNew, Account: event.Any, Side: event.Buy, Type: event.Limit}, ErrUnencodable},
		{"cancel from any", event.In{Kind: event.KindCancel, Account: event.Any}, ErrUnencodable},
		{"symbol not packed", event.In{Kind: event.KindSymbol, Symbol: 1, Aux: 0x4100}, ErrUnencodable},
		{"symbol id gap", event.In{Kind: event.KindSymbol, Symbol: 2, Aux: pack(t, "MSFT")}, ErrSymbolOrder},
		{"symbol renumbered", event.In{Kind: event.KindSymbol, Symbol: 1, Aux: aapl}, ErrSymbolOrder},
		{"kill with a bad arg", event.In{Kind: event.KindKill, Arg: 2}, ErrUnencodable},
		{"clear with an arg", event.In{Kind: event.KindClear, Arg: 1}, ErrUnencodable},
		{"kill undefined symbol", event.In{Kind: event.KindKill, Symbol: 7}, ErrUnknownSymbol},
		{"parent from any", event.In{Kind: event.KindParent, Account: event.Any, Side: event.Buy}, ErrUnencodable},
		{"parent bad side", event.In{Kind: event.KindParent, Side: 3}, ErrUnencodable},
		{"parent for all symbols", event.In{Kind: event.KindParent, Symbol: event.Any, Side: event.Buy}, ErrUnknownSymbol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			e := NewCSVEncoder(&buf)
			if err := e.Encode(&event.In{Kind: event.KindSymbol, Aux: aapl}); err != nil {
				t.Fatal(err)
			}
			if err := e.Encode(&tt.in); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			e.Flush()
			if strings.Count(buf.String(), "\n") != strings.Count(csvHeader, "\n")+1 {
				t.Fatalf("a refused event was written:\n%s", buf.String())
			}
		})
	}
}

func TestCSVAllocs(t *testing.T) {
	const feed = "1,symbol,AAPL\n" +
		"100,new,AAPL,7,1,buy,limit,18950,100\n" +
		" 101 , NEW , AAPL , 8 , 2 , S , IOC , 18950 , 60 , CB , 99\n" +
		"# comment\n\n" +
		"104,cancel,7,1\n105,replace,8,2,18949,40\n106,masscancel,*,AAPL\n109,halt,AAPL\n" +
		"110,kill,7,AAPL,cancel\n111,setlimit,8,*,1,5\n112,clear,7,AAPL\n113,symbol,AAPL\n" +
		"114,pause\n115,approve,9\n116,deny,10\n117,unpause\n"
	d := NewCSVDecoder(&cycleReader{b: []byte(feed)})
	var in event.In
	for range 20 { // define the symbol
		if err := d.Next(&in); err != nil {
			t.Fatal(err)
		}
	}
	if a := testing.AllocsPerRun(10000, func() {
		if err := d.Next(&in); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Fatalf("CSVDecoder.Next allocates %v times per event, want 0", a)
	}
	e := NewCSVEncoder(io.Discard)
	evs := goldenFeed()
	e.Encode(&evs[0])
	if a := testing.AllocsPerRun(10000, func() {
		for i := 1; i < len(evs); i++ {
			if err := e.Encode(&evs[i]); err != nil {
				t.Fatal(err)
			}
		}
	}); a != 0 {
		t.Fatalf("CSVEncoder.Encode allocates %v times per run, want 0", a)
	}
}

func TestSymbols(t *testing.T) {
	var s Symbols
	for i, name := range []string{"AAPL", "MSFT", "BRK.A"} {
		id, isNew, err := s.Define(name)
		if err != nil || !isNew || id != uint32(i) {
			t.Fatalf("Define(%q) = %d, %v, %v", name, id, isNew, err)
		}
	}
	if id, isNew, err := s.Define("MSFT"); err != nil || isNew || id != 1 {
		t.Fatalf("Define(MSFT) again = %d, %v, %v", id, isNew, err)
	}
	if n, ok := s.Name(2); !ok || n != "BRK.A" {
		t.Fatalf("Name(2) = %q, %v", n, ok)
	}
	for _, id := range []uint32{3, event.Any} {
		if _, ok := s.Name(id); ok {
			t.Fatalf("Name(%d) ok", id)
		}
	}
	if _, ok := s.Lookup("GOOG"); ok {
		t.Fatal("Lookup(GOOG) ok")
	}
	for _, bad := range []string{"", "ABCDEFGHI", "A B", "É"} {
		if _, _, err := s.Define(bad); !errors.Is(err, ErrSymbolName) || !errors.Is(err, event.ErrName) {
			t.Fatalf("Define(%q) = %v, want ErrSymbolName", bad, err)
		}
	}
	if s.Len() != 3 {
		t.Fatalf("Len = %d", s.Len())
	}
	var full Symbols
	for i := range MaxSymbols {
		if _, _, err := full.Define("S" + strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := full.Define("ONEMORE"); !errors.Is(err, ErrTooManySymbols) {
		t.Fatalf("got %v, want ErrTooManySymbols", err)
	}
	if id, _, err := full.Define("S65535"); err != nil || id != MaxSymbols-1 {
		t.Fatalf("known name in a full table: %d, %v", id, err)
	}
}

func BenchmarkCSVEncoder(b *testing.B) {
	e := NewCSVEncoder(io.Discard)
	evs := goldenFeed()
	e.Encode(&evs[0])
	in := evs[1]
	b.ReportAllocs()
	for b.Loop() {
		e.Encode(&in)
	}
}

// TestCSVEncodeComment: a comment goes out in order with the events, a line
// feed in it does not start a line, and the decoder skips it.
func TestCSVEncodeComment(t *testing.T) {
	var buf bytes.Buffer
	enc := NewCSVEncoder(&buf)
	sym, _ := event.PackName("AAPL")
	evs := []event.In{
		{Kind: event.KindSymbol, Symbol: 0, Aux: sym, TS: 5},
		{Kind: event.KindKill, Account: event.Any, Symbol: 0, TS: 6},
	}
	if err := enc.Encode(&evs[0]); err != nil {
		t.Fatal(err)
	}
	if err := enc.Comment("operator uid 7:\n6,kill,*,AAPL"); err != nil {
		t.Fatal(err)
	}
	if err := enc.Encode(&evs[1]); err != nil {
		t.Fatal(err)
	}
	if err := enc.Flush(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\n# operator uid 7: 6,kill,*,AAPL\n6,kill,*,AAPL\n") {
		t.Fatalf("comment not in place:\n%s", buf.String())
	}
	dec := NewCSVDecoder(&buf)
	var got []event.In
	for {
		var in event.In
		err := dec.Next(&in)
		if err != nil {
			break
		}
		got = append(got, in)
	}
	if len(got) != 2 || got[1].Kind != event.KindKill {
		t.Fatalf("decoded %+v", got)
	}
}

// TestCSVPrint: print lines (a trade outside the book) decode with or
// without side, id and what, and encode back.
func TestCSVPrint(t *testing.T) {
	feed := "1,new,AAPL,1,1,buy,limit,100,10\n" +
		"5,print,AAPL,sell,101,50,77,hidden\n" +
		"6,print,AAPL,,102,500,,cross\n" +
		"7,print,AAPL,none,103,1\n"
	got, errs := decodeAll(t, NewCSVDecoder(strings.NewReader(feed)))
	if len(errs) != 0 || len(got) != 5 {
		t.Fatalf("%d events, errors %v", len(got), errs)
	}
	want := []event.In{
		{Kind: event.KindPrint, TS: 5, Side: event.Sell, Price: 101, Qty: 50, ID: 77, Arg: event.PrintHidden},
		{Kind: event.KindPrint, TS: 6, Price: 102, Qty: 500, Arg: event.PrintCross},
		{Kind: event.KindPrint, TS: 7, Price: 103, Qty: 1},
	}
	for i, w := range want {
		if got[2+i] != w {
			t.Errorf("print %d: %+v, want %+v", i, got[2+i], w)
		}
	}
	var b bytes.Buffer
	e := NewCSVEncoder(&b)
	for i := range got {
		if err := e.Encode(&got[i]); err != nil {
			t.Fatal(err)
		}
	}
	e.Flush()
	if !strings.Contains(b.String(), "5,print,AAPL,sell,101,50,77,hidden\n6,print,AAPL,none,102,500,0,cross\n") {
		t.Errorf("encoded:\n%s", b.String())
	}
	for _, bad := range []string{"5,print,AAPL,up,1,1\n", "5,print,AAPL,buy,1,1,2,auction\n", "5,print,MSFT,buy,1,1\n", "5,print,AAPL,buy,1\n"} {
		if _, errs := decodeAll(t, NewCSVDecoder(strings.NewReader("1,new,AAPL,1,1,buy,limit,100,10\n"+bad))); len(errs) != 1 {
			t.Errorf("%q: errors %v, want one", bad, errs)
		}
	}
}
