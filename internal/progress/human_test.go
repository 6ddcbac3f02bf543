package progress

import "testing"

func TestAppendHuman(t *testing.T) {
	for _, tc := range []struct {
		v    int64
		want string
	}{
		{0, "0"},
		{7, "7"},
		{999, "999"},
		{1000, "1.0K"},
		{1049, "1.0K"},
		{1050, "1.1K"},
		{523_400, "523.4K"},
		{999_949, "999.9K"},
		{999_950, "1.0M"},
		{5_249_999, "5.2M"},
		{5_250_000, "5.3M"},
		{10_000_000, "10.0M"},
		{11_764_706, "11.8M"},
		{2_500_000_000, "2.5G"},
		{7_000_000_000_000, "7.0T"},
		{999_950_000_000_000_000, "1.0E"},
		{9_223_372_036_854_775_807, "9.2E"},
		{-5, "-5"},
	} {
		if got := string(appendHuman(nil, tc.v)); got != tc.want {
			t.Errorf("%d: %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestAppendLeft(t *testing.T) {
	for _, tc := range []struct {
		name      string
		remaining int64
		rate      float64
		want      string
	}{
		{"none", 0, 100, "0:00:00"},
		{"negative", -5, 100, "0:00:00"},
		{"rounded up", 1, 100, "0:00:01"},
		{"minute", 6000, 100, "0:01:00"},
		{"hours", 3600*12 + 61, 1, "12:01:01"},
		{"stalled", 10, 0, "-:--:--"},
		{"forever", 1 << 62, 1, "-:--:--"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(appendLeft(nil, tc.remaining, tc.rate)); got != tc.want {
				t.Errorf("%q, want %q", got, tc.want)
			}
		})
	}
}
