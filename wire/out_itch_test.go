package wire_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/matcher"
	"github.com/tradeengine/engine/wire"
	"github.com/tradeengine/engine/wire/itch"
)

// TestOutITCHRebuildsBooks: the engine's outputs published as ITCH, read
// back by the ITCH reader and replayed into books by a plain ITCH book
// builder (adds, executions, cancels, deletes), give the matcher's books
// level for level at the end: on the generated flow (cancels, replaces,
// every order type) and on the re-synchronised LOBSTER AMZN day (syncs,
// prints, halts).
func TestOutITCHRebuildsBooks(t *testing.T) {
	gc := gen.DefaultConfig()
	gc.Events = 200_000
	flow, err := gen.Generate(gc)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("generated", func(t *testing.T) { rebuild(t, flow) })
	t.Run("lobster-synced", func(t *testing.T) {
		dir := "../../shared/data/lobster_amzn_2012-06-21_L1/"
		msgs, book := dir+"AMZN_2012-06-21_34200000_57600000_message_1.csv", dir+"AMZN_2012-06-21_34200000_57600000_orderbook_1.csv"
		mf, err := os.Open(msgs)
		if err != nil {
			t.Skipf("LOBSTER data absent: %v", err)
		}
		defer mf.Close()
		seed, _ := os.Open(book)
		defer seed.Close()
		sync, _ := os.Open(book)
		defer sync.Close()
		d, err := wire.OpenFeed(wire.FormatLOBSTER, mf, wire.FeedOptions{LOBSTER: wire.DefaultLOBSTERConfig("AMZN"), Book: seed, SyncBook: sync})
		if err != nil {
			t.Fatal(err)
		}
		var day []event.In
		for {
			var in event.In
			err := d.Next(&in)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			day = append(day, in)
		}
		rebuild(t, day)
	})
}

type itchOrder struct {
	locate uint16
	side   byte
	price  uint32
	shares int64
}

func rebuild(t *testing.T, flow []event.In) {
	t.Helper()
	m, err := matcher.New(matcher.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := wire.NewOutITCH(&buf)
	var out []event.Out
	var adds int
	for i := range flow {
		flow[i].Seq = uint64(i + 1)
		out = m.Apply(&flow[i], out[:0])
		for j := range out {
			if err := w.Write(&out[j]); err != nil {
				t.Fatalf("event %d output %+v: %v", i, out[j], err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	size := buf.Len()
	orders := map[uint64]*itchOrder{}
	names := map[uint16]string{}
	r := itch.NewReader(&buf)
	var msg itch.Message
	for {
		err := r.Next(&msg)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch msg.Type {
		case itch.TypeStockDirectory:
			names[msg.StockLocate] = string(bytes.TrimRight(msg.Stock[:], " "))
		case itch.TypeAddOrder:
			adds++
			if _, dup := orders[msg.OrderRef]; dup {
				t.Fatalf("add of live order %d", msg.OrderRef)
			}
			orders[msg.OrderRef] = &itchOrder{msg.StockLocate, msg.Side, msg.Price, int64(msg.Shares)}
		case itch.TypeOrderExecuted, itch.TypeOrderCancel:
			o := orders[msg.OrderRef]
			n := int64(msg.ExecutedShares)
			if msg.Type == itch.TypeOrderCancel {
				n = int64(msg.CanceledShares)
			}
			if o == nil || o.shares < n {
				t.Fatalf("%c of %d shares of order %d: %+v", msg.Type, n, msg.OrderRef, o)
			}
			if o.shares -= n; o.shares == 0 {
				delete(orders, msg.OrderRef)
			}
		case itch.TypeOrderDelete:
			if orders[msg.OrderRef] == nil {
				t.Fatalf("delete of unknown order %d", msg.OrderRef)
			}
			delete(orders, msg.OrderRef)
		}
	}
	type key struct {
		locate uint16
		side   byte
		price  uint32
	}
	books := map[key]int64{}
	for _, o := range orders {
		books[key{o.locate, o.side, o.price}] += o.shares
	}
	if adds == 0 || len(names) == 0 {
		t.Fatalf("%d adds, %d stocks", adds, len(names))
	}
	lv := make([]matcher.Level, 1<<16)
	levels := 0
	for locate, name := range names {
		sym := uint32(locate - 1)
		if got, _ := m.SymbolName(sym); got != name {
			t.Errorf("locate %d is %q, the engine's symbol %d %q", locate, name, sym, got)
		}
		for _, side := range []event.Side{event.Buy, event.Sell} {
			b := byte('B')
			if side == event.Sell {
				b = 'S'
			}
			n := m.Depth(sym, side, lv)
			for _, l := range lv[:n] {
				k := key{locate, b, uint32(l.Price)}
				if books[k] != l.Qty {
					t.Errorf("%s %c %d: ITCH %d, engine %d", name, b, l.Price, books[k], l.Qty)
				}
				delete(books, k)
				levels++
			}
		}
	}
	for k, q := range books {
		t.Errorf("ITCH has %d at %+v, the engine nothing", q, k)
	}
	if levels == 0 {
		t.Error("no level to compare")
	}
	t.Logf("%d events, %d bytes of ITCH, %d adds, %d levels compared", len(flow), size, adds, levels)
}

// TestOutITCHRefuses: what ITCH cannot carry is an error, not a wrong
// message.
func TestOutITCHRefuses(t *testing.T) {
	for _, o := range []event.Out{
		{Kind: event.OutBook, Symbol: 1 << 16},
		{Kind: event.OutTrade, Price: 1 << 32},
		{Kind: event.OutReplaced, Reason: event.ReasonPriorityKept, ID: 5, Qty: 1},
	} {
		w := wire.NewOutITCH(io.Discard)
		if err := w.Write(&o); !errors.Is(err, wire.ErrUnencodable) {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
