package risk

import "testing"

// TestLimitValueRoundTrip: every limit's values, written by
// FormatLimitValue, read back by ParseLimitValue to the same value; a
// value beyond a limit's range and a word that is not a value are refused.
func TestLimitValueRoundTrip(t *testing.T) {
	n := 0
	for l := Limit(1); l < numLimits; l++ {
		li, _, ok := l.info()
		if !ok {
			continue
		}
		n++
		for _, v := range []int64{0, 1, li.max / 3, li.max, 250e6, 1500} {
			if v > li.max {
				continue
			}
			s := FormatLimitValue(l, v)
			got, err := ParseLimitValue(l, s)
			if err != nil || got != v {
				t.Errorf("%s: %d formats as %q, parses to %d, %v", l, v, s, got, err)
			}
		}
		if _, err := ParseLimitValue(l, FormatLimitValue(l, li.max)+"0"); err == nil && li.unit != unitSwitch {
			t.Errorf("%s: ten times the maximum accepted", l)
		}
		if _, err := ParseLimitValue(l, "lots"); err == nil {
			t.Errorf("%s: \"lots\" accepted", l)
		}
	}
	if n < 40 {
		t.Fatalf("only %d limits checked", n)
	}
	if FormatLimitValue(LimitBreakerWindow, 250e6) != "250ms" || FormatLimitValue(LimitRequireReference, 1) != "yes" {
		t.Fatal("durations and switches are not written in their units")
	}
}
