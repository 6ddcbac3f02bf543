package gen

import (
	"errors"
	"testing"

	"github.com/tradeengine/engine/event"
)

func knightConfig(events int) Config {
	c := DefaultConfig()
	c.Events = events
	c.Scenario = ScenarioKnight
	return c
}

// TestKnight checks the shape of the knight scenario: the parents first,
// a router that stays within its parents before Start, then child orders at
// exactly the runaway rate, buying at the offer and selling at the bid, and
// no parent after Start.
func TestKnight(t *testing.T) {
	c := knightConfig(1_000_000)
	c.Knight.Start = 2e9 // within the 5 s of the flow
	g, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	router := KnightAccount(&c)
	if router != uint32(c.Accounts)+1 {
		t.Fatalf("router account %d, want %d", router, c.Accounts+1)
	}
	nsym := min(c.Knight.Symbols, c.Symbols)
	start := c.StartTS + c.Knight.Start
	granted := map[[2]int]int64{}
	sent := map[[2]int]int64{}
	var before, after, parentsAfter int
	var firstAfter, lastAfter int64
	var lastTS int64
	var in event.In
	for i := 0; g.Next(&in); i++ {
		if in.TS < lastTS {
			t.Fatalf("event %d: time goes back", i)
		}
		lastTS = in.TS
		switch {
		case i < c.Symbols:
			continue
		case i < c.Symbols+2*nsym:
			if in.Kind != event.KindParent || in.Account != router || in.TS != c.StartTS || in.Qty != c.Knight.ParentQty {
				t.Fatalf("event %d: %+v, want an initial parent", i, in)
			}
		}
		if in.Account != router {
			continue
		}
		k := [2]int{int(in.Symbol), int(in.Side)}
		if int(in.Symbol) >= nsym || !in.Side.Valid() {
			t.Fatalf("event %d: router event %+v outside its symbols", i, in)
		}
		switch in.Kind {
		case event.KindParent:
			granted[k] += in.Qty
			if in.TS >= start {
				parentsAfter++
			}
		case event.KindNew:
			if in.Type != event.IOC || in.Qty != c.Knight.ChildQty {
				t.Fatalf("event %d: child %+v, want an IOC of %d", i, in, c.Knight.ChildQty)
			}
			if in.TS < start {
				before++
				sent[k] += in.Qty
				if sent[k] > granted[k] {
					t.Fatalf("event %d: before the runaway, %d sent for %d granted in %v", i, sent[k], granted[k], k)
				}
				continue
			}
			if after == 0 {
				firstAfter = in.TS
			}
			after++
			lastAfter = in.TS
		default:
			t.Fatalf("event %d: router sent %v", i, in.Kind)
		}
	}
	st := g.Stats()
	if st.Router != before+after || st.Parents == 0 {
		t.Fatalf("stats %+v, counted %d children and parents %d", st, before+after, st.Parents)
	}
	if parentsAfter != 0 {
		t.Fatalf("%d parents after the runaway began", parentsAfter)
	}
	if firstAfter != start {
		t.Fatalf("runaway begins at %d, want %d", firstAfter, start)
	}
	span := float64(lastAfter-firstAfter) / 1e9
	if rate := float64(after-1) / span; rate < 0.999*c.Knight.Rate || rate > 1.001*c.Knight.Rate {
		t.Fatalf("runaway at %.0f orders/s, want %v", rate, c.Knight.Rate)
	}
	if secs := float64(c.Knight.Start) / 1e9; float64(before) < 0.3*c.Knight.NormalRate*secs || float64(before) > 1.5*c.Knight.NormalRate*secs {
		t.Fatalf("%d router children in %.1fs before the runaway, want about %.0f", before, secs, c.Knight.NormalRate*secs)
	}
	t.Logf("router %d: %d children before, %d in %.2fs of runaway, %d parents", router, before, after, span, st.Parents)
}

func TestKnightDeterministic(t *testing.T) {
	a, err := Generate(knightConfig(50_000))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(knightConfig(50_000))
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("event %d differs", i)
		}
	}
}

// TestOpenBurst checks that the opening burst runs at its factor times the
// rate, and the rest of the day at the rate.
func TestOpenBurst(t *testing.T) {
	c := DefaultConfig()
	c.Events = 1_500_000
	c.OpenBurst = 1e9
	c.OpenBurstFactor = 4
	evs, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	var open, rest int
	var last int64
	for _, e := range evs[c.Symbols:] {
		if e.TS < c.StartTS+c.OpenBurst {
			open++
		} else {
			rest++
			last = e.TS
		}
	}
	want := c.Rate * c.OpenBurstFactor
	if float64(open) < 0.98*want || float64(open) > 1.02*want {
		t.Fatalf("%d events in the opening second, want about %.0f", open, want)
	}
	restRate := float64(rest) / (float64(last-c.StartTS-c.OpenBurst) / 1e9)
	if restRate < 0.98*c.Rate || restRate > 1.02*c.Rate {
		t.Fatalf("%.0f events/s after the open, want about %v", restRate, c.Rate)
	}
}

func TestScenarioConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		edit func(c *Config)
	}{
		{"unknown scenario", func(c *Config) { c.Scenario = "flash" }},
		{"burst factor", func(c *Config) { c.OpenBurst, c.OpenBurstFactor = 1e9, 0.5 }},
		{"negative burst", func(c *Config) { c.OpenBurst = -1 }},
		{"knight rate", func(c *Config) { c.Scenario, c.Knight.Rate = ScenarioKnight, 0 }},
		{"knight account", func(c *Config) { c.Scenario, c.Knight.Account = ScenarioKnight, event.Any }},
		{"knight child above parent", func(c *Config) { c.Scenario, c.Knight.ChildQty = ScenarioKnight, c.Knight.ParentQty+1 }},
		{"knight symbols", func(c *Config) { c.Scenario, c.Knight.Symbols = ScenarioKnight, 0 }},
		{"knight start", func(c *Config) { c.Scenario, c.Knight.Start = ScenarioKnight, -1 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			if _, err := New(c); !errors.Is(err, ErrConfig) {
				t.Fatalf("New = %v, want ErrConfig", err)
			}
		})
	}
}

// TestKnightNoParents: without parents the flow is the one with parents
// with the parent instructions left out, event for event, and the router
// still runs away at Start.
func TestKnightNoParents(t *testing.T) {
	c := knightConfig(200_000)
	c.Knight.Start = 5e8
	with, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	c.Knight.NoParents = true
	without, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	router, start := KnightAccount(&c), c.StartTS+c.Knight.Start
	i, runaway := 0, 0
	for _, e := range with {
		if e.Kind == event.KindParent {
			continue
		}
		if i == len(without) {
			break
		}
		w := without[i]
		w.Seq = e.Seq
		if w != e {
			t.Fatalf("event %d without parents %+v, with parents %+v", i, without[i], e)
		}
		i++
	}
	for _, e := range without {
		if e.Kind == event.KindParent {
			t.Fatalf("a parent instruction in the flow without: %+v", e)
		}
		if e.Account == router && e.TS >= start {
			runaway++
		}
	}
	if len(without) != c.Events || runaway == 0 {
		t.Fatalf("%d events, %d runaway orders; want %d and some", len(without), runaway, c.Events)
	}
}

// TestEventsThrough: a flow of EventsThrough(t) events ends within a few
// milliseconds of t, with or without the knight and an opening burst.
func TestEventsThrough(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(c *Config)
	}{
		{"plain", func(c *Config) {}},
		{"burst", func(c *Config) { c.OpenBurst, c.OpenBurstFactor = 1e9, 4 }},
		{"knight", func(c *Config) { c.Scenario, c.Knight.Start = ScenarioKnight, 1e9 }},
		{"knight without parents", func(c *Config) { c.Scenario, c.Knight.Start, c.Knight.NoParents = ScenarioKnight, 1e9, true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			const through = 2e9
			c.Events = c.EventsThrough(through)
			evs, err := Generate(c)
			if err != nil {
				t.Fatal(err)
			}
			end := evs[len(evs)-1].TS - c.StartTS
			if d := end - through; d < -20e6 || d > 20e6 {
				t.Fatalf("%d events end at %.3fs, want about %.3fs", c.Events, float64(end)/1e9, float64(through)/1e9)
			}
		})
	}
}
