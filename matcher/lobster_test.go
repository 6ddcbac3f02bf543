package matcher

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
)

// lobsterDir holds the LOBSTER AMZN sample day (see
// ../shared/data/PROVENANCE.md); tests and benchmarks skip without it.
const lobsterDir = "../../shared/data/lobster_amzn_2012-06-21_L1"

// Accounts and ids the converter makes up: LOBSTER has no accounts, and its
// executions (the other side of a trade) are not orders of their own.
const (
	lobsterTaker  uint32 = 1_000_000 // account of the IOC orders that replay executions
	lobsterSeeder uint32 = 999_999   // account of the orders seeding the opening book
	lobsterIDBase uint64 = 1 << 40   // first id of the made-up orders
)

// lobsterAccount derives an account from a LOBSTER order id.
func lobsterAccount(id uint64) uint32 { return 1 + uint32(id%64) }

// loadLobster converts the message file of a LOBSTER day into inputs, after
// a symbol definition and the opening book from the first orderbook row, and
// closes with a resume and a mass cancel of everything so the flow can be
// applied again to the same engine:
//
//	1 new limit order -> KindNew Limit, account from the id
//	2 partial cancel  -> KindReplace to the remaining size (KindCancel when
//	                     none remains or the id is unknown)
//	3 deletion        -> KindCancel
//	4 execution       -> IOC from the taker account on the other side, at
//	                     the price and size, with a fresh id
//	5, 6              -> skipped (hidden executions, crosses)
//	7 halt            -> KindHalt (price -1) or KindResume (price 1)
//
// Remaining sizes are tracked through partial cancels and executions.
func loadLobster(dir string) ([]event.In, error) {
	msgs, err := filepath.Glob(filepath.Join(dir, "*_message_*.csv"))
	if err != nil || len(msgs) != 1 {
		return nil, fmt.Errorf("lobster: message file in %s: %v %w", dir, msgs, os.ErrNotExist)
	}
	books, err := filepath.Glob(filepath.Join(dir, "*_orderbook_*.csv"))
	if err != nil || len(books) != 1 {
		return nil, fmt.Errorf("lobster: orderbook file in %s: %v %w", dir, books, os.ErrNotExist)
	}
	name, _ := event.PackName("AMZN")
	flow := []event.In{{Kind: event.KindSymbol, Aux: name}}
	nextID := lobsterIDBase

	// The opening book: level 1 of the first row.
	row, err := firstLine(books[0])
	if err != nil {
		return nil, err
	}
	f, err := parseInts(row, 4)
	if err != nil {
		return nil, fmt.Errorf("lobster: %s row 1: %w", books[0], err)
	}
	for _, lv := range []struct {
		side       event.Side
		price, qty int64
	}{{event.Sell, f[0], f[1]}, {event.Buy, f[2], f[3]}} {
		if lv.qty > 0 && lv.price > 0 && lv.price < 9999999999 {
			flow = append(flow, event.In{Kind: event.KindNew, Account: lobsterSeeder, ID: nextID,
				Side: lv.side, Type: event.Limit, Price: lv.price, Qty: lv.qty})
			nextID++
		}
	}

	type rest struct {
		price, qty int64
	}
	open := map[uint64]rest{}
	file, err := os.Open(msgs[0])
	if err != nil {
		return nil, err
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for line := 1; sc.Scan(); line++ {
		parts := strings.Split(sc.Text(), ",")
		if len(parts) < 6 {
			return nil, fmt.Errorf("lobster: %s:%d: %d fields", msgs[0], line, len(parts))
		}
		ts, err := parseTime(parts[0])
		if err != nil {
			return nil, fmt.Errorf("lobster: %s:%d: %w", msgs[0], line, err)
		}
		v, err := parseInts(strings.Join(parts[1:6], ","), 5)
		if err != nil {
			return nil, fmt.Errorf("lobster: %s:%d: %w", msgs[0], line, err)
		}
		typ, id, size, price, dir := v[0], uint64(v[1]), v[2], v[3], v[4]
		side := event.Buy
		if dir < 0 {
			side = event.Sell
		}
		in := event.In{TS: ts, ID: id, Account: lobsterAccount(id)}
		switch typ {
		case 1:
			in.Kind, in.Side, in.Type, in.Price, in.Qty = event.KindNew, side, event.Limit, price, size
			open[id] = rest{price, size}
		case 2:
			in.Kind = event.KindCancel
			if o, ok := open[id]; ok && o.qty > size {
				o.qty -= size
				open[id] = o
				in.Kind, in.Price, in.Qty = event.KindReplace, o.price, o.qty
			} else {
				delete(open, id)
			}
		case 3:
			in.Kind = event.KindCancel
			delete(open, id)
		case 4:
			in = event.In{TS: ts, Kind: event.KindNew, ID: nextID, Account: lobsterTaker,
				Side: side.Opposite(), Type: event.IOC, Price: price, Qty: size}
			nextID++
			if o, ok := open[id]; ok {
				if o.qty -= size; o.qty > 0 {
					open[id] = o
				} else {
					delete(open, id)
				}
			}
		case 7:
			switch price {
			case -1:
				in = event.In{TS: ts, Kind: event.KindHalt}
			case 1:
				in = event.In{TS: ts, Kind: event.KindResume}
			default:
				continue // quoting resumes: nothing for the matcher
			}
		default:
			continue
		}
		flow = append(flow, in)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	flow = append(flow,
		event.In{Kind: event.KindResume},
		event.In{Kind: event.KindMassCancel, Account: event.Any, Symbol: event.Any})
	for i := range flow {
		flow[i].Seq = uint64(i + 1)
	}
	return flow, nil
}

func firstLine(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return "", fmt.Errorf("lobster: %s: empty", path)
	}
	return sc.Text(), nil
}

// parseInts parses the first n comma-separated integers of s.
func parseInts(s string, n int) ([]int64, error) {
	parts := strings.Split(s, ",")
	if len(parts) < n {
		return nil, fmt.Errorf("%d fields, want %d", len(parts), n)
	}
	v := make([]int64, n)
	for i := range v {
		var err error
		if v[i], err = strconv.ParseInt(parts[i], 10, 64); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// parseTime parses seconds after midnight with up to nine decimals into
// nanoseconds, without floating point.
func parseTime(s string) (int64, error) {
	sec, frac, _ := strings.Cut(s, ".")
	if len(frac) > 9 {
		return 0, fmt.Errorf("time %q: more than 9 decimals", s)
	}
	secs, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("time %q: %w", s, err)
	}
	var ns uint64
	if frac != "" {
		if ns, err = strconv.ParseUint(frac+strings.Repeat("0", 9-len(frac)), 10, 64); err != nil {
			return 0, fmt.Errorf("time %q: %w", s, err)
		}
	}
	return secs*1_000_000_000 + int64(ns), nil
}

// lobsterFlow loads the AMZN day, skipping the test or benchmark when the
// data is absent.
func lobsterFlow(tb testing.TB) []event.In {
	tb.Helper()
	flow, err := loadLobster(lobsterDir)
	if errors.Is(err, os.ErrNotExist) {
		tb.Skipf("LOBSTER data not available: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return flow
}

func TestParseTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"34200.017459617", 34200_017459617},
		{"34200.18960767", 34200_189607670},
		{"57599.5", 57599_500000000},
		{"0", 0},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, err := parseTime(c.in)
			if err != nil || got != c.want {
				t.Fatalf("parseTime(%q) = %d, %v; want %d", c.in, got, err, c.want)
			}
		})
	}
	for _, bad := range []string{"x.1", "1.1234567890", "1.-5"} {
		if _, err := parseTime(bad); err == nil {
			t.Errorf("parseTime(%q) succeeded", bad)
		}
	}
}

// TestLobsterDay replays the real AMZN day through the engine and the
// reference book: identical outputs, invariants at regular points, trades
// that really happen, and an empty book after the closing mass cancel.
func TestLobsterDay(t *testing.T) {
	flow := lobsterFlow(t)
	cfg := Config{MaxSymbols: 1, MaxOrders: 1 << 20, InitialOrders: 1 << 12, InitialLevels: 64, ProtectionBps: 500}
	d, err := newDiffRun(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := len(flow)
	if raceEnabled || testing.Short() {
		n = min(n, 5000)
	}
	trades := 0
	for i := range flow[:n] {
		d.hist = d.hist[:0]
		if err := d.step(&flow[i], i%1000 == 0); err != nil {
			t.Fatalf("event %d: %s: %v", i, fmtIn(&flow[i]), err)
		}
		for j := range d.out {
			if d.out[j].Kind == event.OutTrade {
				trades++
			}
		}
	}
	t.Logf("%d events, %d trades", n, trades)
	if trades < n/20 {
		t.Errorf("only %d trades in %d events", trades, n)
	}
	if n == len(flow) && d.e.Resting() != 0 {
		t.Errorf("%d orders rest after the closing mass cancel", d.e.Resting())
	}
}
