package audit

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tradeengine/engine/event"
)

// TestSeries feeds days of different spans and checks that the buckets
// stay within SeriesBuckets, that a long day fills more than half of them,
// and that every event is in the bucket its time says.
func TestSeries(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events int
		span   int64 // ns
	}{
		{"one-event", 1, 0},
		{"same-time", 100, 0},
		{"microseconds", 1000, 300_000},
		{"trading-day", 200_000, 23_400e9},
		{"week", 50_000, 7 * 86_400e9},
		{"huge-span", 1000, 1 << 62},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.events)))
			start := int64(1_709_631_000e9)
			ts := make([]int64, tc.events)
			for i := range ts {
				if tc.span > 0 {
					ts[i] = start + rng.Int64N(tc.span)
				} else {
					ts[i] = start
				}
			}
			ts[0] = start
			slices.Sort(ts)
			b := New()
			for i, at := range ts {
				in := event.In{Seq: uint64(i + 1), TS: at, Kind: event.KindNew}
				b.Input(&in, []event.Out{{Seq: in.Seq, TS: at, Kind: event.OutTrade, Price: 100, Qty: int64(i%7 + 1)}})
			}
			r := b.Report(Integrity{})
			s := r.Series
			n := len(s.NewOrders)
			if n == 0 || n > SeriesBuckets || len(s.Trades) != n || len(s.Notional) != n {
				t.Fatalf("%d buckets (%d, %d), want 1..%d", n, len(s.Trades), len(s.Notional), SeriesBuckets)
			}
			if last := ts[len(ts)-1] - start; last >= SeriesBuckets && n <= SeriesBuckets/2 {
				t.Errorf("span %d ns in %d buckets, want more than %d", last, n, SeriesBuckets/2)
			}
			if s.StartTS != start || s.WidthNS <= 0 || s.WidthNS&(s.WidthNS-1) != 0 {
				t.Errorf("start %d width %d, want start %d and a power of two", s.StartTS, s.WidthNS, start)
			}
			want := make([]int64, n)
			wantNotional := make([]Int128, n)
			for i, at := range ts {
				k := (at - start) / s.WidthNS
				want[k]++
				wantNotional[k].addMul(100, int64(i%7+1))
			}
			for k := range want {
				if s.NewOrders[k] != want[k] || s.Trades[k] != want[k] || s.Notional[k] != wantNotional[k] {
					t.Fatalf("bucket %d: %d orders, %d trades, notional %s; want %d, %d, %s",
						k, s.NewOrders[k], s.Trades[k], s.Notional[k], want[k], want[k], wantNotional[k])
				}
			}
		})
	}
}

// TestSeriesEarlyEvent checks that an event time before the first one
// counts in the first bucket.
func TestSeriesEarlyEvent(t *testing.T) {
	b := New()
	for i, ts := range []int64{1000, 5000, 10} {
		b.Input(&event.In{Seq: uint64(i + 1), TS: ts, Kind: event.KindNew}, nil)
	}
	s := b.Report(Integrity{}).Series
	if s.NewOrders[0] != 2 {
		t.Errorf("first bucket %d orders, want 2 (the first event and the early one)", s.NewOrders[0])
	}
}
