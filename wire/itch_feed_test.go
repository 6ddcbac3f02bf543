package wire

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/wire/itch"
)

// itchStream frames msgs as a BinaryFILE stream.
func itchStream(t testing.TB, msgs []itch.Message) []byte {
	t.Helper()
	var b bytes.Buffer
	w := itch.NewWriter(&b)
	for i := range msgs {
		if err := w.Write(&msgs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func stock(s string) [8]byte {
	var b [8]byte
	copy(b[:], s+"        ")
	return b
}

// itchDay is a small day that uses every message the importer maps.
func itchDay() []itch.Message {
	aapl, msft := stock("AAPL"), stock("MSFT")
	return []itch.Message{
		{Type: itch.TypeSystemEvent, Timestamp: 1, EventCode: 'O'},
		{Type: itch.TypeStockDirectory, StockLocate: 1, Timestamp: 2, Stock: aapl},
		{Type: itch.TypeStockDirectory, StockLocate: 2, Timestamp: 3, Stock: msft},
		{Type: itch.TypeAddOrder, StockLocate: 1, Timestamp: 10, OrderRef: 1, Side: 'B', Shares: 100, Stock: aapl, Price: 1000000},
		{Type: itch.TypeAddOrderMPID, StockLocate: 1, Timestamp: 11, OrderRef: 2, Side: 'S', Shares: 50, Stock: aapl, Price: 1010000, Attribution: [4]byte{'G', 'S', 'C', 'O'}},
		{Type: itch.TypeAddOrder, StockLocate: 1, Timestamp: 12, OrderRef: 3, Side: 'B', Shares: 30, Stock: aapl, Price: 1000000},
		{Type: itch.TypeOrderExecuted, StockLocate: 1, Timestamp: 13, OrderRef: 1, ExecutedShares: 40, MatchNumber: 7},
		{Type: itch.TypeOrderCancel, StockLocate: 1, Timestamp: 14, OrderRef: 3, CanceledShares: 10},
		{Type: itch.TypeOrderExecutedWithPrice, StockLocate: 1, Timestamp: 15, OrderRef: 3, ExecutedShares: 5, MatchNumber: 8, Printable: 'Y', ExecutionPrice: 999900},
		{Type: itch.TypeOrderReplace, StockLocate: 1, Timestamp: 16, OrderRef: 2, NewOrderRef: 4, Shares: 60, Price: 1005000},
		{Type: itch.TypeOrderDelete, StockLocate: 1, Timestamp: 17, OrderRef: 4},
		{Type: itch.TypeTrade, StockLocate: 2, Timestamp: 18, Side: 'S', Shares: 200, Stock: msft, Price: 3002000, MatchNumber: 9},
		{Type: itch.TypeCrossTrade, StockLocate: 2, Timestamp: 19, Shares: 1000, Stock: msft, CrossPrice: 3001000, MatchNumber: 10, CrossType: 'O'},
		{Type: itch.TypeStockTradingAction, StockLocate: 1, Timestamp: 20, Stock: aapl, TradingState: 'H'},
		{Type: itch.TypeStockTradingAction, StockLocate: 1, Timestamp: 21, Stock: aapl, TradingState: 'T'},
		{Type: itch.TypeOrderExecuted, StockLocate: 1, Timestamp: 22, OrderRef: 99, ExecutedShares: 1},
		{Type: itch.TypeOrderDelete, StockLocate: 1, Timestamp: 23, OrderRef: 98},
		{Type: itch.TypeRegSHORestriction, StockLocate: 1, Timestamp: 24, Stock: aapl, RegSHOAction: '0'},
	}
}

func TestITCHMapping(t *testing.T) {
	d := NewITCHDecoder(bytes.NewReader(itchStream(t, itchDay())))
	got, errs := decodeAll(t, d)
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	own := func(ref uint64) uint32 { return 1 + uint32(ref%ITCHAccounts) }
	want := []event.In{
		{Kind: event.KindSymbol, TS: 2, Symbol: 0, Aux: pack(t, "AAPL")},
		{Kind: event.KindSymbol, TS: 3, Symbol: 1, Aux: pack(t, "MSFT")},
		{Kind: event.KindNew, TS: 10, Symbol: 0, Account: own(1), ID: 1, Side: event.Buy, Type: event.Limit, Price: 1000000, Qty: 100},
		{Kind: event.KindNew, TS: 11, Symbol: 0, Account: own(2), ID: 2, Side: event.Sell, Type: event.Limit, Price: 1010000, Qty: 50},
		{Kind: event.KindNew, TS: 12, Symbol: 0, Account: own(3), ID: 3, Side: event.Buy, Type: event.Limit, Price: 1000000, Qty: 30},
		{Kind: event.KindNew, TS: 13, Symbol: 0, Account: ITCHTakerAccount, ID: ITCHTakerIDBase, Side: event.Sell, Type: event.IOC, Price: 1000000, Qty: 40},
		{Kind: event.KindReplace, TS: 14, Account: own(3), ID: 3, Price: 1000000, Qty: 20},
		{Kind: event.KindReplace, TS: 15, Account: own(3), ID: 3, Price: 1000000, Qty: 15},
		{Kind: event.KindPrint, TS: 15, Symbol: 0, Side: event.Buy, ID: 3, Price: 999900, Qty: 5},
		{Kind: event.KindCancel, TS: 16, Account: own(2), ID: 2},
		{Kind: event.KindNew, TS: 16, Symbol: 0, Account: own(4), ID: 4, Side: event.Sell, Type: event.Limit, Price: 1005000, Qty: 60},
		{Kind: event.KindCancel, TS: 17, Account: own(4), ID: 4},
		{Kind: event.KindPrint, TS: 18, Symbol: 1, Side: event.Sell, ID: 9, Price: 3002000, Qty: 200, Arg: event.PrintHidden},
		{Kind: event.KindPrint, TS: 19, Symbol: 1, ID: 10, Price: 3001000, Qty: 1000, Arg: event.PrintCross},
		{Kind: event.KindHalt, TS: 20, Symbol: 0},
		{Kind: event.KindResume, TS: 21, Symbol: 0},
		{Kind: event.KindCancel, TS: 23, Account: own(98), ID: 98},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	st := d.Stats()
	wantStats := ITCHStats{Messages: 18, Directory: 2, Adds: 3, Executions: 2, ExecutionsAt: 1, Cancels: 1, Deletes: 2, Replaces: 1,
		Trades: 1, Crosses: 1, TradingActions: 2, Other: 2, UnknownOrders: 2, Events: int64(len(want))}
	if st != wantStats {
		t.Errorf("stats %+v\nwant %+v", st, wantStats)
	}
	if len(d.orders) != 2 { // order 1 (60 left) and order 3 (15 left)
		t.Errorf("tracked orders %v", d.orders)
	}
}

func TestITCHMalformed(t *testing.T) {
	good := itchStream(t, itchDay()[:4])
	tests := []struct {
		name  string
		bytes []byte
		want  error
	}{
		{"bad frame", append(append([]byte(nil), good...), 0, 3, 'A', 0, 0), ErrFrame},
		{"taker range", itchStream(t, []itch.Message{{Type: itch.TypeAddOrder, StockLocate: 1, OrderRef: ITCHTakerIDBase, Side: 'B', Shares: 1, Stock: stock("AAPL"), Price: 1}}), ErrOrderID},
		{"stock name", itchStream(t, []itch.Message{{Type: itch.TypeStockDirectory, StockLocate: 1, Stock: [8]byte{'A', ' ', 'B'}}}), ErrSymbolName},
		{"side", itchStream(t, []itch.Message{{Type: itch.TypeAddOrder, StockLocate: 1, OrderRef: 1, Side: 'X', Shares: 1, Stock: stock("AAPL"), Price: 1}}), ErrSide},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A good message after the bad one is still read.
			tail := itchStream(t, []itch.Message{{Type: itch.TypeStockDirectory, StockLocate: 9, Stock: stock("ZZZ")}})
			d := NewITCHDecoder(bytes.NewReader(append(append([]byte(nil), tc.bytes...), tail...)))
			got, errs := decodeAll(t, d)
			if len(errs) != 1 || !errors.Is(errs[0], tc.want) {
				t.Fatalf("errors %v, want one wrapping %v", errs, tc.want)
			}
			if len(got) == 0 || got[len(got)-1].Kind != event.KindSymbol || got[len(got)-1].Aux != pack(t, "ZZZ") {
				t.Errorf("events after the bad record: %+v", got)
			}
		})
	}
}

// TestITCHRealSample: the first 1,000 messages of a real NASDAQ day decode
// completely: a symbol for every stock of the directory, the trading
// actions, no order (the sample has none).
func TestITCHRealSample(t *testing.T) {
	b, err := os.ReadFile("../../shared/data/itch50_real_head1000/sample.itch")
	if err != nil {
		t.Skipf("ITCH sample absent: %v", err)
	}
	d := NewITCHDecoder(bytes.NewReader(b))
	counts := map[event.Kind]int{}
	for {
		var in event.In
		err := d.Next(&in)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		counts[in.Kind]++
	}
	st := d.Stats()
	if st.Messages != 1000 || st.Malformed != 0 || st.Directory == 0 || counts[event.KindSymbol] != int(st.Directory) {
		t.Errorf("stats %+v, events %v", st, counts)
	}
	if counts[event.KindHalt]+counts[event.KindResume] > int(st.TradingActions) || counts[event.KindNew] != 0 {
		t.Errorf("events %v for %d trading actions", counts, st.TradingActions)
	}
}
