package gen

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/tradeengine/engine/event"
)

func small(seed uint64, n int) Config {
	c := DefaultConfig()
	c.Seed = seed
	c.Events = n
	return c
}

func TestDeterministic(t *testing.T) {
	a, err := Generate(small(42, 20000))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(small(42, 20000))
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("event %d differs between two runs: %+v vs %+v", i, a[i], b[i])
		}
	}
	c, _ := Generate(small(43, 20000))
	same := 0
	for i := range a {
		if a[i] == c[i] {
			same++
		}
	}
	// Only the symbol definitions may coincide.
	if same != DefaultConfig().Symbols {
		t.Fatalf("seeds 42 and 43 share %d of %d events", same, len(a))
	}
}

func TestDistribution(t *testing.T) {
	cfg := small(7, 100_000)
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	type order struct {
		account uint32
		symbol  uint32
		passive bool
	}
	orders := map[uint64]order{}
	var kinds [8]int
	symCount := make([]int, cfg.Symbols)
	var lastID uint64
	var lastTS, firstOrderTS int64 = math.MinInt64, 0
	roundLots, news := 0, 0
	cancelledPassive := 0
	var in event.In
	for i := 0; g.Next(&in); i++ {
		kinds[in.Kind]++
		if in.TS < lastTS {
			t.Fatalf("event %d: ts %d before %d", i, in.TS, lastTS)
		}
		lastTS = in.TS
		if i < cfg.Symbols {
			name, ok := event.UnpackName(in.Aux)
			if in.Kind != event.KindSymbol || in.Symbol != uint32(i) || !ok || name != SymbolName(i) || in.TS != cfg.StartTS {
				t.Fatalf("event %d: %+v, want the definition of symbol %d", i, in, i)
			}
			continue
		}
		if i == cfg.Symbols {
			firstOrderTS = in.TS
		}
		switch in.Kind {
		case event.KindNew:
			news++
			if in.ID <= lastID {
				t.Fatalf("event %d: id %d not above %d", i, in.ID, lastID)
			}
			lastID = in.ID
			if in.Account < 1 || in.Account > uint32(cfg.Accounts) || in.Symbol >= uint32(cfg.Symbols) {
				t.Fatalf("event %d: %+v", i, in)
			}
			if in.Qty <= 0 || in.Qty > event.MaxQty || in.Price < 0 || (in.Price == 0) != (in.Type == event.Market) {
				t.Fatalf("event %d: bad price or qty: %+v", i, in)
			}
			if !in.Side.Valid() || !in.Type.Valid() || in.STP != event.STPNone {
				t.Fatalf("event %d: %+v", i, in)
			}
			if in.Qty%100 == 0 {
				roundLots++
			}
			symCount[in.Symbol]++
			orders[in.ID] = order{in.Account, in.Symbol, true}
		case event.KindCancel, event.KindReplace:
			o, ok := orders[in.ID]
			if !ok || o.account != in.Account {
				t.Fatalf("event %d: %v of order %d (account %d) not placed by that account", i, in.Kind, in.ID, in.Account)
			}
			if in.Kind == event.KindCancel {
				delete(orders, in.ID)
				cancelledPassive++
			} else if in.Qty <= 0 || in.Price <= 0 {
				t.Fatalf("event %d: bad replace %+v", i, in)
			}
		default:
			t.Fatalf("event %d: unexpected kind %v", i, in.Kind)
		}
	}
	n := float64(cfg.Events - cfg.Symbols)
	st := g.Stats()
	if st.Events != cfg.Events || st.Cancels != kinds[event.KindCancel] || st.Passive+st.Marketable != kinds[event.KindNew] {
		t.Fatalf("stats %+v disagree with counts %v", st, kinds)
	}
	shares := []struct {
		name   string
		got    float64
		lo, hi float64
	}{
		{"passive new", float64(st.Passive) / n, 0.45, 0.55},
		{"cancel", float64(st.Cancels) / n, 0.38, 0.48},
		{"replace", float64(st.Replaces) / n, 0.02, 0.05},
		{"marketable", float64(st.Marketable) / n, 0.02, 0.05},
		{"passive cancelled", float64(st.Cancels) / float64(st.Passive), 0.87, 0.93},
		{"round lots", float64(roundLots) / float64(news), 0.7, 0.9},
		{"post-only of passive", float64(st.ByType[event.PostOnly]) / float64(st.Passive), 0.01, 0.03},
		{"FOK of marketable", float64(st.ByType[event.FOK]) / float64(st.Marketable), 0.02, 0.08},
		{"market of marketable", float64(st.ByType[event.Market]) / float64(st.Marketable), 0.1, 0.2},
		{"busiest symbol", float64(symCount[0]) / float64(news), 0.3, 0.45},
		{"quietest symbol", float64(symCount[cfg.Symbols-1]) / float64(news), 0.02, 0.08},
	}
	for _, s := range shares {
		if s.got < s.lo || s.got > s.hi {
			t.Errorf("%s share %.4f not in [%.2f, %.2f]", s.name, s.got, s.lo, s.hi)
		}
	}
	// Mean rate over the orders, in events per second of event time.
	rate := (n - 1) / float64(lastTS-firstOrderTS) * 1e9
	if math.Abs(rate/cfg.Rate-1) > 0.05 {
		t.Errorf("mean rate %.0f/s, want %.0f/s within 5%%", rate, cfg.Rate)
	}
	t.Logf("stats %+v, rate %.0f/s", st, rate)
}

func TestPricesFollowMids(t *testing.T) {
	cfg := small(9, 50_000)
	cfg.Symbols = 3
	cfg.Volatility = 0.5 // a fast walk must still keep prices positive and near the mid
	evs, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := make([]int64, cfg.Symbols), make([]int64, cfg.Symbols)
	for i := range lo {
		lo[i] = math.MaxInt64
	}
	for _, in := range evs {
		if in.Kind == event.KindNew && in.Type != event.Market {
			if in.Price < 1 {
				t.Fatalf("price %d: %+v", in.Price, in)
			}
			lo[in.Symbol] = min(lo[in.Symbol], in.Price)
			hi[in.Symbol] = max(hi[in.Symbol], in.Price)
		}
	}
	for s := range lo {
		if lo[s] < cfg.MinPrice/2 || hi[s] > cfg.MaxPrice*2 || hi[s]-lo[s] < 10 {
			t.Errorf("symbol %d prices %d..%d: outside the range or not moving", s, lo[s], hi[s])
		}
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		mod  func(c *Config)
	}{
		{"no symbols", func(c *Config) { c.Symbols = 0 }},
		{"too many symbols", func(c *Config) { c.Symbols = MaxSymbols + 1 }},
		{"no accounts", func(c *Config) { c.Accounts = 0 }},
		{"events below symbols", func(c *Config) { c.Events = c.Symbols - 1 }},
		{"zero rate", func(c *Config) { c.Rate = 0 }},
		{"nan rate", func(c *Config) { c.Rate = math.NaN() }},
		{"inf rate", func(c *Config) { c.Rate = math.Inf(1) }},
		{"negative start", func(c *Config) { c.StartTS = -1 }},
		{"zero price", func(c *Config) { c.MinPrice = 0 }},
		{"inverted prices", func(c *Config) { c.MaxPrice = c.MinPrice - 1 }},
		{"huge price", func(c *Config) { c.MaxPrice = event.MaxPrice }},
		{"zero half-spread", func(c *Config) { c.MaxHalfSpread = 0 }},
		{"zero depth decay", func(c *Config) { c.DepthDecay = 0 }},
		{"negative skew", func(c *Config) { c.Skew = -1 }},
		{"cancel share above 1", func(c *Config) { c.CancelFrac = 1.1 }},
		{"nan share", func(c *Config) { c.ReplaceFrac = math.NaN() }},
		{"no room for passive", func(c *Config) { c.ReplaceFrac, c.MarketableFrac = 0.5, 0.5 }},
		{"taker shares above 1", func(c *Config) { c.FOKFrac, c.MarketFrac, c.LimitTakeFrac = 0.5, 0.4, 0.2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.mod(&c)
			if _, err := New(c); !errors.Is(err, ErrConfig) {
				t.Fatalf("got %v, want ErrConfig", err)
			}
			if _, err := Generate(c); !errors.Is(err, ErrConfig) {
				t.Fatalf("Generate: got %v, want ErrConfig", err)
			}
		})
	}
}

func TestEdgeConfigs(t *testing.T) {
	tests := []struct {
		name string
		mod  func(c *Config)
	}{
		{"only definitions", func(c *Config) { c.Events = c.Symbols }},
		{"one symbol one account", func(c *Config) { c.Symbols, c.Accounts = 1, 1 }},
		{"no cancels", func(c *Config) { c.CancelFrac = 0 }},
		{"all cancelled", func(c *Config) { c.CancelFrac = 1 }},
		{"no skew", func(c *Config) { c.Skew = 0 }},
		{"one price", func(c *Config) { c.MinPrice, c.MaxPrice, c.MaxHalfSpread = 1, 1, 1 }},
		{"orders at the touch", func(c *Config) { c.DepthDecay = 1 }},
		{"many symbols", func(c *Config) { c.Symbols = 5000 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := small(1, 20_000)
			tt.mod(&c)
			evs, err := Generate(c)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != c.Events {
				t.Fatalf("%d events, want %d", len(evs), c.Events)
			}
			for i, in := range evs {
				if !in.Kind.Valid() || (in.Kind == event.KindNew && (in.Price < 0 || in.Qty <= 0)) {
					t.Fatalf("event %d: %+v", i, in)
				}
			}
		})
	}
}

func TestSymbolNames(t *testing.T) {
	seen := map[string]bool{}
	for i := range 20000 {
		name := SymbolName(i)
		if _, err := event.PackName(name); err != nil || seen[name] {
			t.Fatalf("symbol %d: %q: %v (seen %v)", i, name, err, seen[name])
		}
		seen[name] = true
	}
	if SymbolName(0) != "AAPL" || SymbolName(len(tickers)) != fmt.Sprintf("S%04d", len(tickers)) || SymbolName(12345) != "S12345" {
		t.Fatal(SymbolName(0), SymbolName(len(tickers)), SymbolName(12345))
	}
	if _, err := event.PackName(SymbolName(MaxSymbols - 1)); err != nil {
		t.Fatal(err)
	}
}

func TestNextAllocs(t *testing.T) {
	c := small(3, math.MaxInt32)
	g, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	var in event.In
	for range 200_000 { // past the warm-up of the cancel pool
		g.Next(&in)
	}
	if a := testing.AllocsPerRun(100_000, func() { g.Next(&in) }); a != 0 {
		t.Fatalf("Next allocates %v times per event, want 0", a)
	}
	g2, _ := New(small(3, 10))
	for g2.Next(&in) {
	}
	if g2.Next(&in) || g2.Stats().Events != 10 {
		t.Fatal("Next after the end")
	}
}

func BenchmarkNext(b *testing.B) {
	for _, syms := range []int{1, 8, 256, 4096} {
		b.Run(fmt.Sprintf("symbols=%d", syms), func(b *testing.B) {
			c := DefaultConfig()
			c.Symbols, c.Events = syms, math.MaxInt
			g, err := New(c)
			if err != nil {
				b.Fatal(err)
			}
			var in event.In
			for range 100_000 {
				g.Next(&in)
			}
			b.ReportAllocs()
			for b.Loop() {
				g.Next(&in)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
