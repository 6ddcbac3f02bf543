package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
)

// goldenOut is a small output stream with one event of every kind, pinned by
// testdata/out.native.
func goldenOut() []event.Out {
	aapl, _ := event.PackName("AAPL")
	const ts = 34200000000100
	return []event.Out{
		{Seq: 1, TS: ts - 100, Kind: event.OutSymbol, Symbol: 0, Other: aapl},
		{Seq: 2, TS: ts, Kind: event.OutAccepted, Symbol: 0, ID: 1, Account: 7, Side: event.Buy, Price: 18950, Qty: 100, Other: 42},
		{Seq: 2, TS: ts, Kind: event.OutBook, Symbol: 0, Side: event.Buy, Price: 18950, Qty: 100, Other: 1},
		{Seq: 3, TS: ts + 100, Kind: event.OutAccepted, Symbol: 0, ID: 2, Account: 8, Side: event.Sell, Price: 18950, Qty: 60},
		{Seq: 3, TS: ts + 100, Kind: event.OutTrade, Symbol: 0, ID: 2, Account: 8, Side: event.Sell, Other: 1, OtherAccount: 7, Price: 18950, Qty: 60},
		{Seq: 3, TS: ts + 100, Kind: event.OutBook, Symbol: 0, Side: event.Buy, Price: 18950, Qty: 40, Other: 1},
		{Seq: 4, TS: ts + 200, Kind: event.OutReplaced, Symbol: 0, ID: 1, Account: 7, Side: event.Buy, Price: 18950, Qty: 30, Reason: event.ReasonPriorityKept},
		{Seq: 5, TS: ts + 300, Kind: event.OutRejected, Symbol: 9, ID: 3, Account: 7, Side: event.Buy, Price: 1, Qty: 1, Reason: event.ReasonUnknownSymbol},
		{Seq: 6, TS: ts + 400, Kind: event.OutCancelled, Symbol: 0, ID: 1, Account: 7, Side: event.Buy, Price: 18950, Qty: 30, Reason: event.ReasonUser},
		{Seq: 7, TS: ts + 500, Kind: event.OutHalted, Symbol: 0},
		{Seq: 8, TS: ts + 600, Kind: event.OutResumed, Symbol: 0},
		{Seq: 9, TS: ts + 700, Kind: event.OutMassCancelled, Symbol: event.Any, Account: event.Any, Qty: 0},
		{Seq: 10, TS: ts + 800, Kind: event.OutMassCancelled, Symbol: 0, Account: 7, Qty: 2},
	}
}

func writeAll(t testing.TB, w OutWriter, outs []event.Out) {
	t.Helper()
	for i := range outs {
		if err := w.Write(&outs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

func TestOutNativeGolden(t *testing.T) {
	outs := goldenOut()
	var buf bytes.Buffer
	w, err := NewOutNative(&buf)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, outs)
	golden(t, "out.native", buf.Bytes())
	if !bytes.Equal(buf.Bytes()[:8], []byte("TEOUTS\r\n")) || buf.Len() != HeaderSize+len(outs)*FrameSize {
		t.Fatalf("stream of %d bytes starting %q", buf.Len(), buf.Bytes()[:8])
	}
	d, err := NewOutNativeDecoder(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range outs {
		var o event.Out
		if err := d.Next(&o); err != nil {
			t.Fatal(err)
		}
		if o != outs[i] {
			t.Fatalf("event %d: got %+v, want %+v", i, o, outs[i])
		}
	}
	var o event.Out
	if err := d.Next(&o); err != io.EOF {
		t.Fatalf("got %v, want io.EOF", err)
	}
}

func TestOutNativeDecoderErrors(t *testing.T) {
	t.Run("feed magic", func(t *testing.T) {
		if _, err := NewOutNativeDecoder(bytes.NewReader(header(FeedMagic, 1, 64, 0))); !errors.Is(err, ErrMagic) {
			t.Fatalf("got %v, want ErrMagic", err)
		}
	})
	t.Run("version", func(t *testing.T) {
		if _, err := NewOutNativeDecoder(bytes.NewReader(header(OutMagic, 9, 64, 0))); !errors.Is(err, ErrVersion) {
			t.Fatalf("got %v, want ErrVersion", err)
		}
	})
	t.Run("bad frame then good ones then a torn one", func(t *testing.T) {
		var buf bytes.Buffer
		w, _ := NewOutNative(&buf)
		outs := goldenOut()
		writeAll(t, w, outs)
		b := append(buf.Bytes(), 1, 1, 1)
		off := HeaderSize + 2*FrameSize
		b[off] = 0 // kind 0
		d, err := NewOutNativeDecoder(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		var got []event.Out
		var errs []*DecodeError
		for {
			var o event.Out
			err := d.Next(&o)
			if err == io.EOF {
				break
			}
			var de *DecodeError
			if errors.As(err, &de) {
				errs = append(errs, de)
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, o)
		}
		if len(errs) != 2 || errs[0].Offset != int64(off) || !errors.Is(errs[0], event.ErrKind) ||
			!errors.Is(errs[1], ErrTruncated) || errs[1].Offset != int64(HeaderSize+len(outs)*FrameSize) {
			t.Fatalf("errors %v", errs)
		}
		if len(got) != len(outs)-1 || got[2] != outs[3] {
			t.Fatalf("got %d events", len(got))
		}
	})
}

func TestOutCSV(t *testing.T) {
	var buf bytes.Buffer
	outs := goldenOut()
	// An event before the symbol is named shows the id.
	outs = append([]event.Out{{Seq: 0, Kind: event.OutHalted, Symbol: 0}}, outs...)
	outs = append(outs, event.Out{Seq: 11, Kind: 77, Symbol: 70000, Side: 9, Reason: 200})
	writeAll(t, NewOutCSV(&buf), outs)
	const want = `seq,ts,kind,symbol,account,id,side,price,qty,other,other_account,reason
0,0,halted,0,0,0,,0,0,0,0,
1,34200000000000,symbol,AAPL,0,0,,0,0,1280328001,0,
2,34200000000100,accepted,AAPL,7,1,buy,18950,100,42,0,
2,34200000000100,book,AAPL,0,0,buy,18950,100,1,0,
3,34200000000200,accepted,AAPL,8,2,sell,18950,60,0,0,
3,34200000000200,trade,AAPL,8,2,sell,18950,60,1,7,
3,34200000000200,book,AAPL,0,0,buy,18950,40,1,0,
4,34200000000300,replaced,AAPL,7,1,buy,18950,30,0,0,priority_kept
5,34200000000400,rejected,9,7,3,buy,1,1,0,0,unknown_symbol
6,34200000000500,cancelled,AAPL,7,1,buy,18950,30,0,0,user
7,34200000000600,halted,AAPL,0,0,,0,0,0,0,
8,34200000000700,resumed,AAPL,0,0,,0,0,0,0,
9,34200000000800,masscancelled,*,*,0,,0,0,0,0,
10,34200000000900,masscancelled,AAPL,7,0,,0,2,0,0,
11,0,kind_77,70000,0,0,side_9,0,0,0,0,reason_200
`
	if got := buf.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestOutJSON(t *testing.T) {
	var buf bytes.Buffer
	outs := goldenOut()
	writeAll(t, NewOutJSON(&buf), outs)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != len(outs) {
		t.Fatalf("%d lines, want %d", len(lines), len(outs))
	}
	// The keys each kind must have, beyond seq, ts, kind and symbol.
	keys := map[event.OutKind]string{
		event.OutAccepted:      "id account side price qty clordid",
		event.OutRejected:      "reason id account side price qty clordid",
		event.OutTrade:         "id account side price qty maker maker_account",
		event.OutCancelled:     "reason id account side price qty",
		event.OutReplaced:      "reason id account side price qty",
		event.OutBook:          "side price qty orders",
		event.OutHalted:        "",
		event.OutResumed:       "",
		event.OutMassCancelled: "account count",
		event.OutSymbol:        "symbol_id name",
	}
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d %q: %v", i, line, err)
		}
		want := append([]string{"seq", "ts", "kind", "symbol"}, strings.Fields(keys[outs[i].Kind])...)
		if len(m) != len(want) {
			t.Errorf("line %d %s: %d keys, want %v", i, line, len(m), want)
		}
		for _, k := range want {
			if _, ok := m[k]; !ok {
				t.Errorf("line %d %s: no key %q", i, line, k)
			}
		}
		if m["kind"] != outs[i].Kind.String() || m["seq"] != float64(outs[i].Seq) {
			t.Errorf("line %d: %s", i, line)
		}
	}
	const trade = `{"seq":3,"ts":34200000000200,"kind":"trade","symbol":"AAPL","id":2,"account":8,"side":"sell","price":18950,"qty":60,"maker":1,"maker_account":7}`
	if lines[4] != trade {
		t.Fatalf("trade line\n%s\nwant\n%s", lines[4], trade)
	}
	const mass = `{"seq":9,"ts":34200000000800,"kind":"masscancelled","symbol":"*","account":"*","count":0}`
	if lines[11] != mass {
		t.Fatalf("mass cancel line\n%s\nwant\n%s", lines[11], mass)
	}
}

func TestOutJSONAlwaysValid(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var buf bytes.Buffer
	w := NewOutJSON(&buf)
	var outs []event.Out
	for range 5000 {
		o := event.Out{Seq: r.Uint64(), TS: r.Int64() - r.Int64(), ID: r.Uint64(), Other: r.Uint64(),
			Price: r.Int64() - r.Int64(), Qty: r.Int64() - r.Int64(), Symbol: r.Uint32N(8), Account: r.Uint32(),
			OtherAccount: r.Uint32(), Kind: event.OutKind(r.UintN(21)), Side: event.Side(r.UintN(256)), Reason: event.Reason(r.UintN(256))}
		if r.IntN(3) == 0 {
			o.Kind, o.Other = event.OutSymbol, pack(t, randName(r))
		}
		outs = append(outs, o)
	}
	writeAll(t, w, outs)
	dec := json.NewDecoder(&buf)
	for i := range outs {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("event %d %+v: %v", i, outs[i], err)
		}
		if _, ok := m["kind"].(string); !ok {
			t.Fatalf("event %d: kind %v is not a string", i, m["kind"])
		}
		if _, ok := m["symbol"].(string); !ok {
			t.Fatalf("event %d: symbol %v is not a string", i, m["symbol"])
		}
		if s, ok := m["seq"].(float64); !ok || (outs[i].Seq < 1<<53 && uint64(s) != outs[i].Seq) {
			t.Fatalf("event %d: seq %v, want %d", i, m["seq"], outs[i].Seq)
		}
	}
	if dec.More() {
		t.Fatal("more JSON values than events")
	}
}

func TestOutWritersAllocs(t *testing.T) {
	outs := goldenOut()
	on, err := NewOutNative(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	writers := []struct {
		name string
		w    OutWriter
	}{
		{"csv", NewOutCSV(io.Discard)},
		{"json", NewOutJSON(io.Discard)},
		{"native", on},
	}
	for _, tt := range writers {
		t.Run(tt.name, func(t *testing.T) {
			tt.w.Write(&outs[0]) // names the symbol
			if a := testing.AllocsPerRun(1000, func() {
				for i := 1; i < len(outs); i++ {
					if err := tt.w.Write(&outs[i]); err != nil {
						t.Fatal(err)
					}
				}
			}); a != 0 {
				t.Fatalf("%v allocations per run, want 0", a)
			}
		})
	}
	t.Run("native decoder", func(t *testing.T) {
		var buf bytes.Buffer
		w, _ := NewOutNative(&buf)
		writeAll(t, w, outs)
		d, err := NewOutNativeDecoder(io.MultiReader(bytes.NewReader(buf.Bytes()[:HeaderSize]), &cycleReader{b: buf.Bytes()[HeaderSize:]}))
		if err != nil {
			t.Fatal(err)
		}
		var o event.Out
		if a := testing.AllocsPerRun(10000, func() {
			if err := d.Next(&o); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Fatalf("%v allocations per frame, want 0", a)
		}
	})
}

// errWriter fails every write.
type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errDisk }

func TestOutWriteErrors(t *testing.T) {
	if _, err := NewOutNative(errWriter{}); !errors.Is(err, errDisk) {
		t.Fatalf("NewOutNative: %v", err)
	}
	if _, err := NewNativeEncoder(errWriter{}); !errors.Is(err, errDisk) {
		t.Fatalf("NewNativeEncoder: %v", err)
	}
	for _, w := range []OutWriter{NewOutCSV(errWriter{}), NewOutJSON(errWriter{})} {
		w.Write(&goldenOut()[1])
		if err := w.Flush(); !errors.Is(err, errDisk) {
			t.Fatalf("%T.Flush: %v", w, err)
		}
	}
	e := NewCSVEncoder(errWriter{})
	if err := e.Flush(); !errors.Is(err, errDisk) {
		t.Fatalf("CSVEncoder.Flush: %v", err)
	}
}

func BenchmarkOutWriters(b *testing.B) {
	outs := goldenOut()
	on, _ := NewOutNative(io.Discard)
	for _, bb := range []struct {
		name string
		w    OutWriter
	}{{"csv", NewOutCSV(io.Discard)}, {"json", NewOutJSON(io.Discard)}, {"native", on}} {
		b.Run(bb.name, func(b *testing.B) {
			bb.w.Write(&outs[0])
			trade := outs[4]
			b.ReportAllocs()
			for b.Loop() {
				bb.w.Write(&trade)
			}
		})
	}
}

// riskOut is an output stream with one event of each of the risk guard's
// and the operator's kinds.
func riskOut(t testing.TB) []event.Out {
	const ts = 34200000000000
	return []event.Out{
		{Seq: 1, TS: ts, Kind: event.OutSymbol, Symbol: 0, Other: pack(t, "AAPL")},
		{Seq: 2, TS: ts + 1, Kind: event.OutKill, Account: 101, Symbol: event.Any, Reason: event.ReasonOutVsIn, Qty: 1600, Price: 1500, Other: 1e9},
		{Seq: 3, TS: ts + 2, Kind: event.OutKill, Account: event.Any, Symbol: 0, Reason: event.ReasonOperator},
		{Seq: 4, TS: ts + 3, Kind: event.OutClear, Account: event.Any, Symbol: 0},
		{Seq: 5, TS: ts + 4, Kind: event.OutLimit, Account: 42, Symbol: event.Any, Other: 1, Qty: 1000},
		{Seq: 6, TS: ts + 5, Kind: event.OutBreaker, Account: event.Any, Symbol: event.Any, Reason: event.ReasonBreakerOpen, Qty: 20, Other: ts + 5e9},
		{Seq: 7, TS: ts + 6, Kind: event.OutParent, ID: 9, Account: 7, Symbol: 0, Side: event.Buy, Qty: 500},
		{Seq: 8, TS: ts + 7, Kind: event.OutPaused},
		{Seq: 9, TS: ts + 8, Kind: event.OutUnpaused},
		{Seq: 10, TS: ts + 9, Kind: event.OutHeld, ID: 11, Account: 7, Symbol: 0, Side: event.Sell, Price: 18950, Qty: 250000, Other: 10, Reason: event.ReasonApproveQty},
		{Seq: 11, TS: ts + 10, Kind: event.OutHeld, ID: 12, Account: 8, Symbol: 0, Side: event.Buy, Price: 18951, Qty: 100, Other: 11, Reason: event.ReasonApproveNotional},
	}
}

// TestOutNativeRisk: the native output carries every kind, the risk
// guard's and the operator's among them, and reads back the same.
func TestOutNativeRisk(t *testing.T) {
	outs := riskOut(t)
	var buf bytes.Buffer
	w, err := NewOutNative(&buf)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, outs)
	d, err := NewOutNativeDecoder(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range outs {
		var o event.Out
		if err := d.Next(&o); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if o != outs[i] {
			t.Fatalf("event %d: got %+v, want %+v", i, o, outs[i])
		}
	}
	var o event.Out
	if err := d.Next(&o); err != io.EOF {
		t.Fatalf("got %v, want io.EOF", err)
	}
}

func TestOutCSVRisk(t *testing.T) {
	var buf bytes.Buffer
	writeAll(t, NewOutCSV(&buf), riskOut(t))
	const want = `seq,ts,kind,symbol,account,id,side,price,qty,other,other_account,reason
1,34200000000000,symbol,AAPL,0,0,,0,0,1280328001,0,
2,34200000000001,kill,*,101,0,,1500,1600,1000000000,0,out_vs_in
3,34200000000002,kill,AAPL,*,0,,0,0,0,0,operator
4,34200000000003,clear,AAPL,*,0,,0,0,0,0,
5,34200000000004,limit,*,42,0,,0,1000,1,0,
6,34200000000005,breaker,*,*,0,,0,20,34205000000000,0,breaker_open
7,34200000000006,parent,AAPL,7,9,buy,0,500,0,0,
8,34200000000007,paused,AAPL,0,0,,0,0,0,0,
9,34200000000008,unpaused,AAPL,0,0,,0,0,0,0,
10,34200000000009,held,AAPL,7,11,sell,18950,250000,10,0,approve_qty
11,34200000000010,held,AAPL,8,12,buy,18951,100,11,0,approve_notional
`
	if got := buf.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestOutJSONRisk(t *testing.T) {
	var buf bytes.Buffer
	writeAll(t, NewOutJSON(&buf), riskOut(t))
	want := []string{
		`{"seq":1,"ts":34200000000000,"kind":"symbol","symbol":"AAPL","symbol_id":0,"name":"AAPL"}`,
		`{"seq":2,"ts":34200000000001,"kind":"kill","symbol":"*","account":101,"reason":"out_vs_in","measured":1600,"limit":1500,"window_ns":1000000000}`,
		`{"seq":3,"ts":34200000000002,"kind":"kill","symbol":"AAPL","account":"*","reason":"operator","measured":0,"limit":0,"window_ns":0}`,
		`{"seq":4,"ts":34200000000003,"kind":"clear","symbol":"AAPL","account":"*"}`,
		`{"seq":5,"ts":34200000000004,"kind":"limit","symbol":"*","account":42,"limit":1,"value":1000}`,
		`{"seq":6,"ts":34200000000005,"kind":"breaker","symbol":"*","account":"*","reason":"breaker_open","breaches":20,"until":34205000000000}`,
		`{"seq":7,"ts":34200000000006,"kind":"parent","symbol":"AAPL","id":9,"account":7,"side":"buy","allowance":500}`,
		`{"seq":8,"ts":34200000000007,"kind":"paused","symbol":"AAPL"}`,
		`{"seq":9,"ts":34200000000008,"kind":"unpaused","symbol":"AAPL"}`,
		`{"seq":10,"ts":34200000000009,"kind":"held","symbol":"AAPL","reason":"approve_qty","id":11,"account":7,"side":"sell","price":18950,"qty":250000,"pending_id":10}`,
		`{"seq":11,"ts":34200000000010,"kind":"held","symbol":"AAPL","reason":"approve_notional","id":12,"account":8,"side":"buy","price":18951,"qty":100,"pending_id":11}`,
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d\n%s\nwant\n%s", i, lines[i], want[i])
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &m); err != nil {
			t.Errorf("line %d: %v", i, err)
		}
	}
}
