package replay

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dayNS is a day in nanoseconds: an event time below it is a time of day
// (LOBSTER's and the generator's: nanoseconds after midnight in the feed's
// time zone), one above it a time since the epoch.
const dayNS = int64(24 * time.Hour)

// ParseUntil parses where a replay stops: a sequence ("52411"), an event
// time in nanoseconds ("34200000000000ns"), a clock time in the feed's time
// zone ("12:31:05.250", "12:31"), or an RFC 3339 time. A clock time is a time
// of day when the journal's event times are (firstTS below a day), else that
// time on the day of firstTS in loc. It returns the sequence or the event
// time, the other 0.
func ParseUntil(s string, firstTS int64, loc *time.Location) (seq uint64, ts int64, err error) {
	s = strings.TrimSpace(s)
	bad := func(why string) (uint64, int64, error) {
		return 0, 0, fmt.Errorf("replay: until %q: %s; want a sequence, NANOSECONDSns, HH:MM[:SS[.fff]] or an RFC 3339 time", s, why)
	}
	switch {
	case s == "":
		return bad("empty")
	case strings.HasSuffix(s, "ns"):
		v, err := strconv.ParseInt(strings.TrimSuffix(s, "ns"), 10, 64)
		if err != nil || v <= 0 {
			return bad("not a positive number of nanoseconds")
		}
		return 0, v, nil
	case strings.Contains(s, "T"):
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return bad(err.Error())
		}
		if t.UnixNano() <= 0 {
			return bad("before 1970")
		}
		return 0, t.UnixNano(), nil
	case strings.Contains(s, ":"):
		tod, ok := parseClock(s)
		if !ok {
			return bad("not a clock time")
		}
		if firstTS < dayNS {
			if tod == 0 {
				return bad("midnight: no event is before it")
			}
			return 0, tod, nil
		}
		if loc == nil {
			loc = time.UTC
		}
		y, m, d := time.Unix(0, firstTS).In(loc).Date()
		return 0, time.Date(y, m, d, 0, 0, 0, 0, loc).UnixNano() + tod, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v == 0 {
		return bad("not a sequence")
	}
	return v, 0, nil
}

// parseClock parses HH:MM[:SS[.fraction]] into nanoseconds after midnight.
func parseClock(s string) (int64, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	num := func(p string, max int64) (int64, bool) {
		if len(p) == 0 || len(p) > 2 {
			return 0, false
		}
		v, err := strconv.ParseInt(p, 10, 64)
		return v, err == nil && v >= 0 && v <= max && p[0] != '+' && p[0] != '-'
	}
	h, ok1 := num(parts[0], 23)
	m, ok2 := num(parts[1], 59)
	if !ok1 || !ok2 {
		return 0, false
	}
	ns := (h*3600 + m*60) * int64(time.Second)
	if len(parts) == 3 {
		sec, frac, _ := strings.Cut(parts[2], ".")
		v, ok := num(sec, 60)
		if !ok || len(frac) > 9 || (strings.Contains(parts[2], ".") && frac == "") {
			return 0, false
		}
		ns += v * int64(time.Second)
		if frac != "" {
			f, err := strconv.ParseUint(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
			if err != nil {
				return 0, false
			}
			ns += int64(f)
		}
	}
	return ns, true
}
