package wire

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
)

// dataDir is the shared real market data, absent outside the project's
// machines.
const dataDir = "../../shared/data"

func TestLOBSTERMapping(t *testing.T) {
	const msgs = `34200.000000001,1,1000,100,2238100,1
34200.5,1,1001,50,2239000,-1
34201,2,1000,30,2238100,1
34201.1,2,1000,70,2238100,1
34201.2,1,1002,200,2238000,1
34201.3,4,1002,80,2238000,1
34201.4,4,1002,120,2238000,1
34201.5,3,1001,50,2239000,-1
34201.6,3,999,10,2237000,1
34201.7,2,998,10,2237000,-1
34201.8,4,997,10,2240000,-1
34201.9,5,0,100,2238500,-1
34202,6,-1,500,2238500,-1,null
34203,7,0,0,-1,-1
34204,7,0,0,0,-1
34205,7,0,0,1,-1,12345
`
	cfg := LOBSTERConfig{Symbol: "AMZN", SymbolID: 3, TakerAccount: 900}
	d := NewLOBSTERDecoder(strings.NewReader(msgs), cfg)
	got, errs := decodeAll(t, d)
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	const s = 3
	ns := func(sec, frac int64) int64 { return sec*1e9 + frac }
	want := []event.In{
		{Kind: event.KindSymbol, TS: ns(34200, 1), Symbol: s, Aux: pack(t, "AMZN")},
		{Kind: event.KindNew, TS: ns(34200, 1), Symbol: s, Account: 1 + 1000%64, ID: 1000, Side: event.Buy, Type: event.Limit, Price: 2238100, Qty: 100},
		{Kind: event.KindNew, TS: ns(34200, 5e8), Symbol: s, Account: 1 + 1001%64, ID: 1001, Side: event.Sell, Type: event.Limit, Price: 2239000, Qty: 50},
		{Kind: event.KindReplace, TS: ns(34201, 0), Account: 1 + 1000%64, ID: 1000, Price: 2238100, Qty: 70},
		{Kind: event.KindCancel, TS: ns(34201, 1e8), Account: 1 + 1000%64, ID: 1000}, // partial cancel of all that is left
		{Kind: event.KindNew, TS: ns(34201, 2e8), Symbol: s, Account: 1 + 1002%64, ID: 1002, Side: event.Buy, Type: event.Limit, Price: 2238000, Qty: 200},
		{Kind: event.KindNew, TS: ns(34201, 3e8), Symbol: s, Account: 900, ID: LOBSTERTakerIDBase, Side: event.Sell, Type: event.IOC, Price: 2238000, Qty: 80},
		{Kind: event.KindNew, TS: ns(34201, 4e8), Symbol: s, Account: 900, ID: LOBSTERTakerIDBase + 1, Side: event.Sell, Type: event.IOC, Price: 2238000, Qty: 120},
		{Kind: event.KindCancel, TS: ns(34201, 5e8), Account: 1 + 1001%64, ID: 1001},
		{Kind: event.KindCancel, TS: ns(34201, 6e8), Account: 1 + 999%64, ID: 999},
		{Kind: event.KindCancel, TS: ns(34201, 7e8), Account: 1 + 998%64, ID: 998},
		{Kind: event.KindNew, TS: ns(34201, 8e8), Symbol: s, Account: 900, ID: LOBSTERTakerIDBase + 2, Side: event.Buy, Type: event.IOC, Price: 2240000, Qty: 10},
		// The hidden execution and the cross on the trade tape.
		{Kind: event.KindPrint, TS: ns(34201, 9e8), Symbol: s, Side: event.Sell, Price: 2238500, Qty: 100, Arg: event.PrintHidden},
		{Kind: event.KindPrint, TS: ns(34202, 0), Symbol: s, Price: 2238500, Qty: 500, Arg: event.PrintCross},
		{Kind: event.KindHalt, TS: ns(34203, 0), Symbol: s},
		{Kind: event.KindResume, TS: ns(34205, 0), Symbol: s},
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
	wantStats := LOBSTERStats{Messages: 16, New: 3, PartialCancels: 3, Deletes: 2, VisibleExecutions: 3,
		HiddenExecutions: 1, Crosses: 1, Halts: 1, Quotings: 1, Resumes: 1, UnknownOrders: 3, Events: int64(len(want))}
	if st != wantStats {
		t.Fatalf("stats %+v\nwant %+v", st, wantStats)
	}
	if len(d.orders) != 0 {
		t.Fatalf("%d orders still tracked, want 0: %v", len(d.orders), d.orders)
	}
}

func TestLOBSTERSeed(t *testing.T) {
	tests := []struct {
		name  string
		first string // first message
		book  string // first orderbook row: the book after the first message
		want  []bookLevel
	}{
		{"hidden execution", "34200.1,5,0,1,2238200,-1", "2239500,100,2231800,100,2240000,5,-9999999999,0",
			[]bookLevel{{event.Sell, 2239500, 100}, {event.Buy, 2231800, 100}, {event.Sell, 2240000, 5}}},
		{"new at a new level", "34200.1,1,7,21,2238100,1", "2239500,100,2238100,21,2239900,100,2231800,100",
			[]bookLevel{{event.Sell, 2239500, 100}, {event.Sell, 2239900, 100}, {event.Buy, 2231800, 100}}},
		{"new joining a level", "34200.1,1,7,21,2238100,1", "2239500,100,2238100,121",
			[]bookLevel{{event.Sell, 2239500, 100}, {event.Buy, 2238100, 100}}},
		{"execution emptying a level", "34200.1,4,7,30,2239500,-1", "2239900,100,2238100,21",
			[]bookLevel{{event.Sell, 2239900, 100}, {event.Buy, 2238100, 21}, {event.Sell, 2239500, 30}}},
		{"delete at a level", "34200.1,3,7,30,2238100,1", "9999999999,0,2238100,21",
			[]bookLevel{{event.Buy, 2238100, 51}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultLOBSTERConfig("AMZN")
			d := NewLOBSTERDecoder(strings.NewReader(tt.first+"\n"), cfg)
			if err := d.SeedBook(strings.NewReader(tt.book + "\nignored,second,row\n")); err != nil {
				t.Fatal(err)
			}
			got, errs := decodeAll(t, d)
			if len(errs) != 0 {
				t.Fatal(errs)
			}
			if got[0].Kind != event.KindSymbol || got[0].TS != 34200100000000 {
				t.Fatalf("first event %+v, want the symbol definition at the first message's time", got[0])
			}
			seeds := got[1 : 1+len(tt.want)]
			for i, l := range tt.want {
				w := event.In{Kind: event.KindNew, TS: 34200100000000, Account: cfg.SeedAccount, ID: LOBSTERSeedIDBase + uint64(i),
					Side: l.side, Type: event.Limit, Price: l.price, Qty: l.size}
				if seeds[i] != w {
					t.Errorf("seed %d: got %+v\nwant %+v", i, seeds[i], w)
				}
			}
			if st := d.Stats(); st.Seeded != int64(len(tt.want)) || st.Events != int64(len(got)) {
				t.Fatalf("stats %+v, want %d seeded", st, len(tt.want))
			}
			for _, ev := range got[1+len(tt.want):] {
				if ev.ID >= LOBSTERSeedIDBase && ev.ID < LOBSTERTakerIDBase {
					t.Fatalf("more seeds than levels: %+v", ev)
				}
			}
		})
	}
	t.Run("bad rows", func(t *testing.T) {
		for _, row := range []string{"", "1,2,3", "1,2,3,x", "1,2,3,4,5"} {
			d := NewLOBSTERDecoder(strings.NewReader(""), DefaultLOBSTERConfig("AMZN"))
			var de *DecodeError
			if err := d.SeedBook(strings.NewReader(row)); !errors.As(err, &de) || de.Line != 1 {
				t.Errorf("row %q: got %v, want a DecodeError at line 1", row, err)
			}
		}
	})
	t.Run("after start", func(t *testing.T) {
		d := NewLOBSTERDecoder(strings.NewReader("1,1,1,1,1,1\n"), DefaultLOBSTERConfig("AMZN"))
		var in event.In
		d.Next(&in)
		if err := d.SeedBook(strings.NewReader("1,1,1,1")); !errors.Is(err, ErrConfig) {
			t.Fatalf("got %v, want ErrConfig", err)
		}
	})
}

func TestLOBSTERErrors(t *testing.T) {
	tests := []struct {
		name string
		line string
		want error
	}{
		{"too few fields", "34200.1,1,1,1,1", ErrFieldCount},
		{"too many fields", "34200.1,1,1,1,1,1,null,x", ErrFieldCount},
		{"empty time", ",1,1,1,1,1", ErrTime},
		{"bad time", "34200.1x,1,1,1,1,1", ErrTime},
		{"time dot only", "34200.,1,1,1,1,1", ErrTime},
		{"time no int", ".5,1,1,1,1,1", ErrTime},
		{"time negative", "-1.5,1,1,1,1,1", ErrTime},
		{"time sub-ns", "34200.0000000001,1,1,1,1,1", ErrTime},
		{"time overflow", "99999999999999999999,1,1,1,1,1", ErrTime},
		{"type 0", "34200.1,0,1,1,1,1", ErrMessageType},
		{"type 8", "34200.1,8,1,1,1,1", ErrMessageType},
		{"type x", "34200.1,x,1,1,1,1", ErrMessageType},
		{"bad id", "34200.1,1,x,1,1,1", ErrNumber},
		{"negative id", "34200.1,3,-1,1,1,1", ErrOrderID},
		{"bad size", "34200.1,1,1,1.5,1,1", ErrNumber},
		{"bad price", "34200.1,1,1,1,22.5,1", ErrNumber},
		{"direction 0", "34200.1,1,1,1,1,0", ErrDirection},
		{"direction empty", "34200.1,1,1,1,1,", ErrDirection},
		{"halt price 2", "34200.1,7,0,0,2,-1", ErrHaltPrice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := "34200.0,1,5,10,100,1\n" + tt.line + "\n34201,3,5,10,100,1\n"
			d := NewLOBSTERDecoder(strings.NewReader(msgs), LOBSTERConfig{Symbol: "X"})
			got, errs := decodeAll(t, d)
			if len(errs) != 1 || !errors.Is(errs[0], tt.want) || errs[0].Line != 2 || errs[0].Offset != 21 {
				t.Fatalf("errors %v, want one %v at line 2 offset 21", errs, tt.want)
			}
			if len(got) != 3 || got[2].Kind != event.KindCancel || d.Stats().Malformed != 1 {
				t.Fatalf("got %+v, want symbol, new, cancel", got)
			}
		})
	}
	t.Run("bad symbol config", func(t *testing.T) {
		for _, cfg := range []LOBSTERConfig{{Symbol: ""}, {Symbol: "TOOLONGNAME"}, {Symbol: "A", SymbolID: event.Any}} {
			var in event.In
			d := NewLOBSTERDecoder(strings.NewReader("34200.0,1,5,10,100,1\n"), cfg)
			if err := d.Next(&in); !errors.Is(err, ErrConfig) {
				t.Fatalf("config %+v: got %v, want ErrConfig", cfg, err)
			}
		}
	})
	t.Run("empty file", func(t *testing.T) {
		got, errs := decodeAll(t, NewLOBSTERDecoder(strings.NewReader(""), LOBSTERConfig{Symbol: "X"}))
		if len(errs) != 0 || len(got) != 1 || got[0].Kind != event.KindSymbol {
			t.Fatalf("got %+v %v, want just the symbol definition", got, errs)
		}
	})
}

func TestParseSecondsNs(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"34200", 34200e9, true},
		{"34200.1", 34200e9 + 1e8, true},
		{"34200.18960767", 34200189607670, true},
		{"34200.017459617", 34200017459617, true},
		{"57599.999999999", 57599999999999, true},
		{"0.000000001", 1, true},
		{"1.0000000010000", 1e9 + 1, true},
		{"9223372035.999999999", 9223372035999999999, true},
		{"9223372036", 0, false},
		{"1.0000000001", 0, false},
		{"1.", 0, false},
		{"", 0, false},
		{"1e9", 0, false},
		{"+1", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseSecondsNs([]byte(tt.in))
			if ok != tt.ok || got != tt.want {
				t.Fatalf("got %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestLOBSTERRealAMZN(t *testing.T) {
	dir := filepath.Join(dataDir, "lobster_amzn_2012-06-21_L1")
	msgs := filepath.Join(dir, "AMZN_2012-06-21_34200000_57600000_message_1.csv")
	book := filepath.Join(dir, "AMZN_2012-06-21_34200000_57600000_orderbook_1.csv")
	if _, err := os.Stat(msgs); err != nil {
		t.Skipf("real data absent: %v", err)
	}
	for _, seed := range []bool{false, true} {
		cfg := DefaultLOBSTERConfig("AMZN")
		cfg.SeedFromBook = seed
		evs, st, err := LoadLOBSTER(msgs, book, cfg)
		if err != nil {
			t.Fatal(err)
		}
		// The event mix of PROVENANCE.md.
		if st.New != 27845 || st.PartialCancels != 16 || st.Deletes != 18235 || st.VisibleExecutions != 8974 || st.HiddenExecutions != 2445 {
			t.Fatalf("stats %+v, want 27845 new, 16 partial cancels, 18235 deletes, 8974 visible and 2445 hidden executions", st)
		}
		if st.Messages != 57515 || st.Crosses != 0 || st.Halts != 0 || st.Malformed != 0 {
			t.Fatalf("stats %+v", st)
		}
		var seeded int64
		if seed {
			seeded = 2 // one ask level and one bid level
		}
		if st.Seeded != seeded {
			t.Fatalf("seeded %d, want %d", st.Seeded, seeded)
		}
		if want := 1 + seeded + st.New + st.PartialCancels + st.Deletes + st.VisibleExecutions + st.HiddenExecutions; int64(len(evs)) != want || st.Events != want {
			t.Fatalf("%d events (stats say %d), want %d", len(evs), st.Events, want)
		}
		counts := map[event.Kind]int64{}
		var last int64
		for i, ev := range evs {
			counts[ev.Kind]++
			if ev.TS < last {
				t.Fatalf("event %d goes back in time: %d < %d", i, ev.TS, last)
			}
			last = ev.TS
		}
		if counts[event.KindNew] != seeded+st.New+st.VisibleExecutions ||
			counts[event.KindCancel]+counts[event.KindReplace] != st.PartialCancels+st.Deletes ||
			counts[event.KindPrint] != st.HiddenExecutions {
			t.Fatalf("kind counts %v", counts)
		}
		if evs[0].TS != 34200017459617 || last > 57600e9 {
			t.Fatalf("times %d..%d, want within 09:30-16:00", evs[0].TS, last)
		}
		if seed {
			w := event.In{Kind: event.KindNew, TS: evs[0].TS, Account: cfg.SeedAccount, ID: LOBSTERSeedIDBase,
				Side: event.Sell, Type: event.Limit, Price: 2239500, Qty: 100}
			if evs[1] != w {
				t.Fatalf("first seed %+v, want %+v", evs[1], w)
			}
		}
	}
}

func TestLOBSTERRealOthers(t *testing.T) {
	files := []struct{ msgs, book, name string }{
		{"lobster_aapl_2012-06-21_L10_first999/AAPL_2012-06-21_34200000_57600000_message_10.csv",
			"lobster_aapl_2012-06-21_L10_first999/AAPL_2012-06-21_34200000_57600000_orderbook_10.csv", "AAPL"},
		{"lobster_amzn_2012-06-21_L5_first1000/AMZN_2012-06-21_34200000_57600000_message_5_subset.csv",
			"lobster_amzn_2012-06-21_L5_first1000/AMZN_2012-06-21_34200000_57600000_orderbook_5_subset.csv", "AMZN"},
		{"lobster_tsla_2015-01-07_L10_first50/TSLA_2015-01-07_34200000_57600000_message_10_SAMPLE.csv",
			"lobster_tsla_2015-01-07_L10_first50/TSLA_2015-01-07_34200000_57600000_orderbook_10_SAMPLE.csv", "TSLA"},
		{"lobster_amzn_2021-04-12_L10_messages/AMZN_2021-04-12_34200000_57600000_message_10.csv", "", "AMZN"},
	}
	for _, f := range files {
		t.Run(f.name+"/"+filepath.Base(f.msgs), func(t *testing.T) {
			msgs := filepath.Join(dataDir, f.msgs)
			if _, err := os.Stat(msgs); err != nil {
				t.Skipf("real data absent: %v", err)
			}
			cfg := DefaultLOBSTERConfig(f.name)
			book := ""
			if f.book == "" {
				cfg.SeedFromBook = false
			} else {
				book = filepath.Join(dataDir, f.book)
			}
			evs, st, err := LoadLOBSTER(msgs, book, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if st.Messages == 0 || int64(len(evs)) != st.Events || (cfg.SeedFromBook && st.Seeded < 4) {
				t.Fatalf("%d events, stats %+v", len(evs), st)
			}
			t.Logf("%d events, stats %+v", len(evs), st)
		})
	}
}

func TestLoadLOBSTERErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "m.csv")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(good, []byte("34200.0,1,5,10,100,1\n"), 0o644)
	os.WriteFile(bad, []byte("34200.0,1,5,10,100,1\n34200.0,9,5,10,100,1\n"), 0o644)
	cfg := DefaultLOBSTERConfig("X")
	if _, _, err := LoadLOBSTER(filepath.Join(dir, "missing.csv"), "", LOBSTERConfig{Symbol: "X"}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, _, err := LoadLOBSTER(good, "", cfg); !errors.Is(err, ErrConfig) {
		t.Errorf("seed without a book: %v", err)
	}
	if _, _, err := LoadLOBSTER(good, filepath.Join(dir, "missing.csv"), cfg); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing book: %v", err)
	}
	var de *DecodeError
	if _, _, err := LoadLOBSTER(bad, "", LOBSTERConfig{Symbol: "X"}); !errors.As(err, &de) || de.Line != 2 || !errors.Is(err, ErrMessageType) {
		t.Errorf("bad line: %v", err)
	}
}

// TestLOBSTERSyncBook: re-synchronising queues the previous row's levels
// before every message but the first, and turns a delete of an order the
// file never showed into a sync of its level.
func TestLOBSTERSyncBook(t *testing.T) {
	msgs := "34200.1,1,1,100,1000,1\n34200.2,3,99,40,990,1\n34200.3,1,2,5,1010,-1\n"
	book := "9999999999,0,1000,100,9999999999,0,990,60\n9999999999,0,1000,100,9999999999,0,990,20\n1010,5,1000,100,9999999999,0,990,20\n"
	cfg := DefaultLOBSTERConfig("AMZN")
	d := NewLOBSTERDecoder(strings.NewReader(msgs), cfg)
	if err := d.SeedBook(strings.NewReader(book)); err != nil {
		t.Fatal(err)
	}
	if err := d.SyncBook(strings.NewReader(book)); err != nil {
		t.Fatal(err)
	}
	got, errs := decodeAll(t, d)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	ns := func(sec, frac int64) int64 { return sec*1e9 + frac }
	sa := cfg.SyncAccount
	sync := func(ts int64, n uint64, side event.Side, price, qty int64, above uint64) event.In {
		return event.In{Kind: event.KindSync, TS: ts, Side: side, Price: price, Qty: qty, Aux: above, Account: sa, ID: LOBSTERSyncIDBase + n}
	}
	want := []event.In{
		{Kind: event.KindSymbol, TS: ns(34200, 1e8), Aux: pack(t, "AMZN")},
		{Kind: event.KindNew, TS: ns(34200, 1e8), Account: cfg.SeedAccount, ID: LOBSTERSeedIDBase, Side: event.Buy, Type: event.Limit, Price: 990, Qty: 60},
		{Kind: event.KindNew, TS: ns(34200, 1e8), Account: 1 + 1%64, ID: 1, Side: event.Buy, Type: event.Limit, Price: 1000, Qty: 100},
		// Before message 2: row 1, asks (none), then bids.
		sync(ns(34200, 2e8), 0, event.Sell, 0, 0, 0),
		sync(ns(34200, 2e8), 1, event.Buy, 1000, 100, 0),
		sync(ns(34200, 2e8), 2, event.Buy, 990, 60, 1000),
		// The delete of an order the file never showed: its level loses 40.
		sync(ns(34200, 2e8), 3, event.Buy, 990, 20, 1000),
		// Before message 3: row 2.
		sync(ns(34200, 3e8), 4, event.Sell, 0, 0, 0),
		sync(ns(34200, 3e8), 5, event.Buy, 1000, 100, 0),
		sync(ns(34200, 3e8), 6, event.Buy, 990, 20, 1000),
		{Kind: event.KindNew, TS: ns(34200, 3e8), Account: 1 + 2%64, ID: 2, Side: event.Sell, Type: event.Limit, Price: 1010, Qty: 5},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if st := d.Stats(); st.Syncs != 7 || st.UnknownOrders != 1 {
		t.Errorf("stats %+v", st)
	}
	// An orderbook file shorter than the messages stops the feed.
	d = NewLOBSTERDecoder(strings.NewReader(msgs), cfg)
	short := strings.Join(strings.SplitAfter(book, "\n")[:2], "")
	if err := d.SyncBook(strings.NewReader(short)); err != nil {
		t.Fatal(err)
	}
	_, err := decodeAllErr(d)
	if err == nil || !strings.Contains(err.Error(), "ends before message line 3") {
		t.Errorf("short orderbook: %v", err)
	}
}

// decodeAllErr reads d to its end and returns the fatal error, nil at a
// clean end.
func decodeAllErr(d Decoder) ([]event.In, error) {
	var evs []event.In
	for range 1 << 20 {
		var in event.In
		err := d.Next(&in)
		if err == io.EOF {
			return evs, nil
		}
		if _, ok := err.(*DecodeError); ok {
			continue
		}
		if err != nil {
			return evs, err
		}
		evs = append(evs, in)
	}
	return evs, nil
}
