package bench

import (
	"testing"
)

// TestCorrectCoordinatedOmission checks the post-hoc correction against
// hdrhistogram's own RecordCorrectedValue on the same values: the
// percentiles must agree to the histogram's precision.
func TestCorrectCoordinatedOmission(t *testing.T) {
	for _, tc := range []struct {
		name     string
		values   []int64
		interval int64
	}{
		{"no stall", []int64{100, 110, 120, 100, 105}, 100},
		{"one stall", append(repeat(200, 1000), 1_000_000), 200},
		{"long stall", append(repeat(150, 10_000), 50_000_000, 3_000_000), 150},
		{"interval 1", []int64{1, 2, 3, 50}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, want := newHist(), newHist()
			for _, v := range tc.values {
				raw.RecordValue(v)
				want.RecordCorrectedValue(v, tc.interval)
			}
			got := CorrectCoordinatedOmission(raw, tc.interval)
			// The correction records runs of values closer than the
			// histogram's resolution as one value, so the counts may differ
			// by a few per mille.
			if d := got.TotalCount() - want.TotalCount(); d < -want.TotalCount()/500-1 || d > want.TotalCount()/500+1 {
				t.Errorf("total count %d, want %d", got.TotalCount(), want.TotalCount())
			}
			for _, q := range []float64{0, 50, 90, 99, 99.9, 99.99, 100} {
				g, w := got.ValueAtQuantile(q), want.ValueAtQuantile(q)
				if diff := g - w; diff*diff > (w/200+1)*(w/200+1) {
					t.Errorf("p%g = %d, want %d", q, g, w)
				}
			}
		})
	}
}

func repeat(v int64, n int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func TestLatencyRecord(t *testing.T) {
	l := NewLatency("x", "x", "x", MethodIntended)
	l.Record(500, 400)
	l.Record(-5, -5)               // a clock step backwards records 0
	l.Record(histMax*2, histMax*2) // beyond the range: clamped and counted
	if got := l.Corrected.TotalCount(); got != 3 {
		t.Fatalf("corrected count %d, want 3", got)
	}
	if l.Clamped != 2 {
		t.Errorf("clamped %d, want 2 (one per histogram)", l.Clamped)
	}
	if l.Corrected.Min() != 0 || l.Raw.Min() != 0 {
		t.Errorf("negative values not recorded as 0")
	}
	lad := LadderOf(l.Raw)
	if lad.Count != 3 || lad.P50 < 399 || lad.P50 > 401 {
		t.Errorf("ladder %+v", lad)
	}
	if (LadderOf(newHist()) != Ladder{}) {
		t.Errorf("empty histogram gives a non-zero ladder")
	}
}

func TestCorrectClosedLoop(t *testing.T) {
	l := NewLatency("x", "x", "x", "")
	for range 99 {
		l.RecordRaw(1000)
	}
	l.RecordRaw(100_000)
	l.CorrectClosedLoop()
	if l.Method != MethodClosedLoop || l.Interval < 999 || l.Interval > 1001 {
		t.Fatalf("method %q interval %d", l.Method, l.Interval)
	}
	// The stall of 100 intervals adds 99 samples: 199 in all.
	if got := l.Corrected.TotalCount(); got != 199 {
		t.Errorf("corrected count %d, want 199", got)
	}
	if l.Raw.TotalCount() != 100 {
		t.Errorf("raw count changed to %d", l.Raw.TotalCount())
	}
}

func TestRecordAllocs(t *testing.T) {
	l := NewLatency("x", "x", "x", MethodIntended)
	if n := testing.AllocsPerRun(1000, func() { l.Record(1234, 1000) }); n != 0 {
		t.Errorf("Record allocates %v times", n)
	}
}

func BenchmarkRecord(b *testing.B) {
	l := NewLatency("x", "x", "x", MethodIntended)
	b.ReportAllocs()
	v := int64(0)
	for b.Loop() {
		v = (v + 7919) & 0xfffff
		l.Record(v, v)
	}
}
