package audit

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/pipeline"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// dayIntegrity is the integrity the golden day is reported with.
var dayIntegrity = Integrity{Verified: true, FirstSeq: 1, LastSeq: 21, FirstTS: 1709631000000000000,
	LastTS: 1709654400000000000, Checkpoints: 2, CheckpointsMatched: 2}

func buildDay(t testing.TB) (*Report, []step) {
	t.Helper()
	_, steps := loadScript(t, filepath.Join("testdata", "day.txt"))
	b := New()
	feed(b, steps)
	return b.Report(dayIntegrity), steps
}

// TestTotalsMatchSummary checks that the totals are what pipeline's
// summary counts on the same outputs, and what the script says by hand.
func TestTotalsMatchSummary(t *testing.T) {
	r, steps := buildDay(t)
	// The run summary's own tally (engine run's and engine replay's).
	tally := pipeline.NewTally(false)
	var inputs int64
	for _, s := range steps {
		if s.op == nil {
			inputs++
			tally.Add(&s.in, s.outs)
		}
	}
	sum := tally.Summary("", 0)
	got := r.Totals
	for _, tc := range []struct {
		name      string
		got, want int64
		hand      int64 // counted by hand from day.txt
	}{
		{"inputs", got.Inputs, inputs, 21},
		{"orders_accepted", got.OrdersAccepted, sum.OrdersAccepted, 7},
		{"rejected_total", got.RejectedTotal, sum.RejectedTotal, 5},
		{"cancelled", got.Cancelled, sum.Cancelled, 2},
		{"trades", got.Trades, sum.Trades, 5},
		{"traded_quantity", got.TradedQuantity, sum.TradedQuantity, 240},
		{"events_out", got.EventsOut, sum.EventsOut, 39},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want || tc.got != tc.hand {
				t.Errorf("%s = %d, summary counts %d, by hand %d", tc.name, tc.got, tc.want, tc.hand)
			}
		})
	}
	if !reflect.DeepEqual(got.OrdersRejected, sum.OrdersRejected) {
		t.Errorf("orders_rejected %v, summary counts %v", got.OrdersRejected, sum.OrdersRejected)
	}
	// 30*1000 + 70*1000 + 30*1010 + 50*500 + 60*500
	if got.TradedNotional.String() != "185300" {
		t.Errorf("traded notional %s, want 185300", got.TradedNotional)
	}
	if got.FirstSeq != 1 || got.LastSeq != 21 || got.KillTrips != 2 || got.KillClears != 1 ||
		got.BreakerChanges != 1 || got.Pauses != 2 || got.Halts != 1 || got.Operators != 6 {
		t.Errorf("totals %+v", got)
	}
}

// TestDayAccountsAndSymbols checks the per-account and per-symbol figures
// of the scripted day, counted by hand.
func TestDayAccountsAndSymbols(t *testing.T) {
	r, _ := buildDay(t)
	want := []Account{
		{ID: 10, Orders: 2, MakerFills: 3, Cancels: 1, TradedQuantity: 130, TradedNotional: NewInt128(130300),
			RejectsByReason: map[string]int64{}, Positions: []Position{{1, "AAPL", -130}}, KillTrips: 1},
		{ID: 20, Orders: 2, TakerFills: 3, Rejects: 1, TradedQuantity: 130, TradedNotional: NewInt128(130300),
			RejectsByReason: map[string]int64{"breaker_open": 1}, Positions: []Position{{1, "AAPL", 130}}, BreakerOpens: 1},
		{ID: 30, Orders: 1, MakerFills: 2, Rejects: 3, Cancels: 1, TradedQuantity: 110, TradedNotional: NewInt128(55000),
			RejectsByReason: map[string]int64{"bad_qty": 1, "unknown_symbol": 1, "unknown_order": 1},
			Positions:       []Position{{2, "MSFT", 110}}},
		{ID: 40, Orders: 2, TakerFills: 2, Rejects: 1, TradedQuantity: 110, TradedNotional: NewInt128(55000),
			RejectsByReason: map[string]int64{"killed": 1}, Positions: []Position{{2, "MSFT", -110}}, KillTrips: 1},
	}
	if !reflect.DeepEqual(r.Accounts, want) {
		t.Errorf("accounts\n got %+v\nwant %+v", r.Accounts, want)
	}
	wantSyms := []Symbol{
		// The unknown-symbol reject (symbol 9) and the unknown-order one
		// (symbol 0) are not a symbol's.
		{ID: 1, Name: "AAPL", Orders: 4, Trades: 3, TradedQuantity: 130, TradedNotional: NewInt128(130300),
			VWAP: 130300.0 / 130, FirstPrice: 1000, LastPrice: 1010, Rejects: 1, Cancels: 1},
		{ID: 2, Name: "MSFT", Orders: 3, Trades: 2, TradedQuantity: 110, TradedNotional: NewInt128(55000),
			VWAP: 500, FirstPrice: 500, LastPrice: 500, Rejects: 2, Cancels: 1, Halts: 1},
	}
	if !reflect.DeepEqual(r.Symbols, wantSyms) {
		t.Errorf("symbols\n got %+v\nwant %+v", r.Symbols, wantSyms)
	}
}

// TestPositionsAndVWAP checks positions, fills and VWAP on a hand-checked
// example with both taker sides and a self-trade.
func TestPositionsAndVWAP(t *testing.T) {
	const sym = 3
	b := New()
	ins := []struct {
		taker, maker uint32
		side         event.Side
		price, qty   int64
	}{
		{1, 2, event.Buy, 100, 10},  // 1 buys 10 from 2 at 100
		{2, 1, event.Buy, 102, 5},   // 2 buys 5 from 1 at 102 (1 is the maker, selling)
		{3, 1, event.Sell, 99, 20},  // 3 sells 20 to 1 at 99 (1 buys as maker)
		{3, 3, event.Sell, 101, 4},  // 3 trades with itself
		{2, 3, event.Sell, 98, 100}, // 2 sells 100 to 3 at 98
	}
	for i, tr := range ins {
		in := event.In{Seq: uint64(i + 1), TS: int64(i+1) * 1e9, Kind: event.KindNew}
		b.Input(&in, []event.Out{{Seq: in.Seq, TS: in.TS, Kind: event.OutTrade, Symbol: sym, Account: tr.taker,
			OtherAccount: tr.maker, Side: tr.side, Price: tr.price, Qty: tr.qty}})
	}
	r := b.Report(Integrity{})
	// Account 1: +10 -5 +20 = 25. Account 2: -10 +5 -100 = -105.
	// Account 3: -20, +4 -4 (self), +100 = 80. The net over accounts is 0.
	wantPos := map[uint32]int64{1: 25, 2: -105, 3: 80}
	wantFills := map[uint32][2]int64{1: {1, 2}, 2: {2, 1}, 3: {2, 2}}
	// Traded quantity counts both sides: account 3 has 20 + 4 + 4 + 100.
	wantQty := map[uint32]int64{1: 35, 2: 115, 3: 128}
	for _, a := range r.Accounts {
		if len(a.Positions) != 1 || a.Positions[0].Symbol != sym || a.Positions[0].Qty != wantPos[a.ID] {
			t.Errorf("account %d positions %+v, want %d", a.ID, a.Positions, wantPos[a.ID])
		}
		if f := [2]int64{a.TakerFills, a.MakerFills}; f != wantFills[a.ID] {
			t.Errorf("account %d taker, maker fills %v, want %v", a.ID, f, wantFills[a.ID])
		}
		if a.TradedQuantity != wantQty[a.ID] {
			t.Errorf("account %d traded quantity %d, want %d", a.ID, a.TradedQuantity, wantQty[a.ID])
		}
	}
	if len(r.Accounts) != 3 {
		t.Fatalf("%d accounts, want 3", len(r.Accounts))
	}
	// 1000 + 510 + 1980 + 404 + 9800 = 13694 over 139 lots.
	s := r.Symbols[0]
	if s.TradedNotional.String() != "13694" || s.TradedQuantity != 139 || s.VWAP != 13694.0/139 {
		t.Errorf("symbol %+v, want notional 13694, quantity 139, vwap %v", s, 13694.0/139)
	}
	if s.FirstPrice != 100 || s.LastPrice != 98 || s.Trades != 5 {
		t.Errorf("symbol %+v: first 100, last 98, 5 trades", s)
	}
}

// TestGolden compares the text report of the scripted day with
// testdata/day.golden, byte for byte; -update rewrites it.
func TestGolden(t *testing.T) {
	r, _ := buildDay(t)
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "day.golden")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./replay/audit -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("text report differs from %s (go test ./replay/audit -update rewrites it):\n%s", path, buf.String())
	}
}

// TestOperatorEffects checks that a command's effect comes from the
// outputs of the input of its sequence, and what is said when that input
// never came or came first.
func TestOperatorEffects(t *testing.T) {
	r, _ := buildDay(t)
	want := map[uint64]string{
		13: "halted MSFT",
		17: "paused",
		18: "unpaused",
		19: "kill tripped for account 10 symbol * (operator); cancelled 1 order (20 lots)",
		20: "kill cleared for account 40 symbol *",
		21: "resumed MSFT",
	}
	if len(r.Operators) != len(want) {
		t.Fatalf("%d operator commands, want %d", len(r.Operators), len(want))
	}
	for _, o := range r.Operators {
		if o.Effect != want[o.Seq] {
			t.Errorf("seq %d effect %q, want %q", o.Seq, o.Effect, want[o.Seq])
		}
	}
	if o := r.Operators[3]; o.UID != 1001 || o.GID != 100 || o.PID != 4242 || o.Kind != "kill" || o.Text != "kill account 10 cancel" {
		t.Errorf("kill command %+v", o)
	}

	b := New()
	in := func(seq uint64, outs ...event.Out) { b.Input(&event.In{Seq: seq, Kind: event.KindKill}, outs) }
	b.Operator(Operator{Seq: 2, Kind: event.KindPause}) // its input is skipped: 1 then 3
	b.Operator(Operator{Seq: 3, Kind: event.KindKill})
	in(1)
	in(3, event.Out{Seq: 3, Kind: event.OutRejected, Reason: event.ReasonBadLimit})
	in(4)
	b.Operator(Operator{Seq: 4, Kind: event.KindPause}) // too late: after its input
	r = b.Report(Integrity{})
	got := []string{r.Operators[0].Effect, r.Operators[1].Effect, r.Operators[2].Effect}
	if w := []string{"input not seen", "rejected: bad_limit", "input not seen"}; !reflect.DeepEqual(got, w) {
		t.Errorf("effects %q, want %q", got, w)
	}
}

// TestTimeline checks the timeline's entries and figures.
func TestTimeline(t *testing.T) {
	r, _ := buildDay(t)
	want := []Mark{
		{Seq: 11, TS: r.Timeline[0].TS, Event: "kill", Account: "40", Symbol: "*", Reason: "exec_ceiling", Qty: 2, Price: 1, Other: 1e9},
		{Seq: 16, TS: r.Timeline[1].TS, Event: "breaker", Account: "20", Reason: "breaker_open", Qty: 3, Other: r.Timeline[1].TS + 5e9},
		{Seq: 17, TS: r.Timeline[2].TS, Event: "paused"},
		{Seq: 18, TS: r.Timeline[3].TS, Event: "unpaused"},
		{Seq: 19, TS: r.Timeline[4].TS, Event: "kill", Account: "10", Symbol: "*", Reason: "operator"},
		{Seq: 20, TS: r.Timeline[5].TS, Event: "clear", Account: "40", Symbol: "*"},
	}
	if !reflect.DeepEqual(r.Timeline, want) {
		t.Errorf("timeline\n got %+v\nwant %+v", r.Timeline, want)
	}
	trips := 0
	for i := range r.Timeline {
		if r.Timeline[i].Trip() {
			trips++
		}
	}
	if trips != 3 {
		t.Errorf("%d trips to mark, want 3 (two kills and a breaker opening)", trips)
	}
}

// TestLimits checks that what does not fit the limits is counted and said.
func TestLimits(t *testing.T) {
	_, steps := loadScript(t, filepath.Join("testdata", "day.txt"))
	b := NewLimits(Limits{Accounts: 2, Symbols: 1, Pairs: 1, Timeline: 3, Operators: 2})
	feed(b, steps)
	r := b.Report(dayIntegrity)
	full, _ := buildDay(t)
	if !reflect.DeepEqual(r.Totals, full.Totals) {
		t.Errorf("totals under limits differ:\n got %+v\nwant %+v", r.Totals, full.Totals)
	}
	if len(r.Accounts) != 2 || len(r.Symbols) != 1 || len(r.Timeline) != 3 || len(r.Operators) != 2 {
		t.Errorf("tables %d accounts, %d symbols, %d timeline, %d operators; want 2, 1, 3, 2",
			len(r.Accounts), len(r.Symbols), len(r.Timeline), len(r.Operators))
	}
	o := r.Overflow
	// Accounts 10 and 20 come first. Account 30 is out with 3 rejects, an
	// order, 2 maker sides and a cancel; account 40 with 2 orders, 2 taker
	// sides, a kill and a reject. Symbol 1 comes first; symbol 2 is out with
	// its definition, 3 orders, 2 trades, a halt and a cancel (its rejects
	// are not a tracked symbol's, and not counted). The one position held is
	// account 20's (the taker comes first), so account 10's 3 maker sides
	// are out; account 20's reject by reason is the only one of a tracked
	// account.
	want := Overflow{Accounts: 13, Symbols: 8, Positions: 3, AccountRejects: 0, Operators: 4, Timeline: 3}
	if o != want {
		t.Errorf("overflow %+v, want %+v", o, want)
	}
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"(4 more not shown)", "(3 more not shown)", "not counted per account", "not counted per symbol"} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("text report does not say %q:\n%s", s, buf.String())
		}
	}
}

// TestInputAllocs checks that Input does not allocate once the accounts
// and symbols have been seen.
func TestInputAllocs(t *testing.T) {
	_, steps := loadScript(t, filepath.Join("testdata", "day.txt"))
	b := NewLimits(Limits{Timeline: 1, Operators: 1})
	feed(b, steps)
	var ins []step
	for _, s := range steps {
		if s.op == nil {
			ins = append(ins, s)
		}
	}
	ts := int64(0)
	allocs := testing.AllocsPerRun(100, func() {
		for i := range ins {
			ts += 1e6
			in := ins[i].in
			in.TS += ts
			b.Input(&in, ins[i].outs)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per day fed again, want 0", allocs)
	}
}
