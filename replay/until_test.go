package replay

import (
	"testing"
	"time"
)

func TestParseUntil(t *testing.T) {
	day := time.Date(2012, 6, 21, 0, 0, 0, 0, time.UTC).UnixNano()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("EDT", -4*3600)
	}
	nyDay := time.Date(2012, 6, 21, 0, 0, 0, 0, ny).UnixNano()
	tests := []struct {
		in      string
		firstTS int64
		loc     *time.Location
		seq     uint64
		ts      int64
	}{
		{"52411", 0, nil, 52411, 0},
		{"34200000000000ns", 0, nil, 0, 34200000000000},
		{"12:31:05.250", 34200e9, nil, 0, (12*3600+31*60+5)*1e9 + 250e6},
		{"12:31", 34200e9, nil, 0, (12*3600 + 31*60) * 1e9},
		{"09:30:00.000000001", 0, nil, 0, 34200e9 + 1},
		{"12:31:05.250", day + 5, time.UTC, 0, day + (12*3600+31*60+5)*1e9 + 250e6},
		{"12:31:05", nyDay + 3600e9, ny, 0, nyDay + (12*3600+31*60+5)*1e9},
		{"2012-06-21T12:31:05Z", 0, nil, 0, day + (12*3600+31*60+5)*1e9},
	}
	for _, tt := range tests {
		seq, ts, err := ParseUntil(tt.in, tt.firstTS, tt.loc)
		if err != nil || seq != tt.seq || ts != tt.ts {
			t.Errorf("ParseUntil(%q) = %d, %d, %v; want %d, %d", tt.in, seq, ts, err, tt.seq, tt.ts)
		}
	}
	for _, bad := range []string{"", "0", "-3", "abc", "24:00", "12:60", "1:2:3:4", "12:31:05.", "12:31:05.1234567890", "0ns", "-5ns", "12:+1", "1970-01-01T00:00:00Z", "00:00", "0:0:0"} {
		if _, _, err := ParseUntil(bad, 0, nil); err == nil {
			t.Errorf("ParseUntil(%q) accepted", bad)
		}
	}
}

// FuzzParseUntil: any text is a stop point or an error, never a panic, and
// a clock time lands within the day.
func FuzzParseUntil(f *testing.F) {
	for _, s := range []string{"52411", "34200000000000ns", "12:31:05.250", "2012-06-21T12:31:05Z", "9:3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seq, ts, err := ParseUntil(s, 0, nil)
		if err != nil {
			return
		}
		if (seq == 0) == (ts == 0) {
			t.Fatalf("%q: seq %d, ts %d: want exactly one", s, seq, ts)
		}
	})
}
