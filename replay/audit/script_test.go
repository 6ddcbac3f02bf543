package audit

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tradeengine/engine/event"
)

// A script is a scripted day under testdata/: the inputs a replay would
// feed, each with the outputs the logic answered it with, and the operator
// commands with who sent them. One line each:
//
//	date 2024-03-05                       the day the clock times are on (UTC)
//	op SEQ CLOCK uid=N gid=N pid=N kind=K | the command as typed
//	in SEQ CLOCK KIND key=value...        an input (event.In)
//	out KIND key=value...                 an output of the last input (event.Out)
//
// Input keys: sym, acct, id, side, type, price, qty, aux, name (packed into
// Aux), arg. Output keys: sym, acct, oacct, id, other, side, price, qty,
// reason, name (packed into Other). "*" is event.Any; a value @CLOCK is
// that clock time's ns. Blank lines and lines from # are ignored.

// step is one input with its outputs, or one operator command.
type step struct {
	op   *Operator
	in   event.In
	outs []event.Out
}

// feed feeds steps to b.
func feed(b *Builder, steps []step) {
	for i := range steps {
		if s := &steps[i]; s.op != nil {
			b.Operator(*s.op)
		} else {
			b.Input(&s.in, s.outs)
		}
	}
}

func names[T ~uint8](n int, str func(T) string) map[string]T {
	m := map[string]T{}
	for v := 0; v < n; v++ {
		m[str(T(v))] = T(v)
	}
	return m
}

var (
	inKinds  = names(16, event.Kind.String)
	outKinds = names(19, event.OutKind.String)
	reasonOf = names(256, event.Reason.String)
	sides    = names(3, event.Side.String)
	types    = names(6, event.OrdType.String)
)

// loadScript reads a script.
func loadScript(t testing.TB, path string) (date string, steps []step) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line := 0
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s:%d: %s", path, line, fmt.Sprintf(format, args...))
	}
	clockNS := func(s string) int64 {
		ts, err := time.Parse(time.DateOnly+" 15:04:05.999999999", date+" "+s)
		if err != nil {
			fail("clock %q: %v", s, err)
		}
		return ts.UnixNano()
	}
	num := func(s string) int64 {
		switch {
		case s == "*":
			return int64(event.Any)
		case strings.HasPrefix(s, "@"):
			return clockNS(s[1:])
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			fail("number %q: %v", s, err)
		}
		return v
	}
	packed := func(s string) uint64 {
		v, err := event.PackName(s)
		if err != nil {
			fail("%v", err)
		}
		return v
	}
	lookup := func(m map[string]uint8, what, s string) uint8 {
		v, ok := m[s]
		if !ok {
			fail("unknown %s %q", what, s)
		}
		return v
	}
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		f := strings.Fields(text)
		switch f[0] {
		case "date":
			date = f[1]
		case "op":
			head, typed, ok := strings.Cut(text, "|")
			f = strings.Fields(head)
			if !ok || len(f) < 3 {
				fail("op SEQ CLOCK key=value... | text")
			}
			op := &Operator{Seq: uint64(num(f[1])), TS: clockNS(f[2]), Text: strings.TrimSpace(typed)}
			for _, kv := range f[3:] {
				k, v, _ := strings.Cut(kv, "=")
				switch k {
				case "uid":
					op.UID = uint32(num(v))
				case "gid":
					op.GID = uint32(num(v))
				case "pid":
					op.PID = int32(num(v))
				case "kind":
					op.Kind = event.Kind(lookup(asU8(inKinds), "kind", v))
				default:
					fail("op key %q", k)
				}
			}
			steps = append(steps, step{op: op})
		case "in":
			if len(f) < 4 {
				fail("in SEQ CLOCK KIND key=value...")
			}
			in := event.In{Seq: uint64(num(f[1])), TS: clockNS(f[2]), Kind: event.Kind(lookup(asU8(inKinds), "kind", f[3]))}
			for _, kv := range f[4:] {
				k, v, _ := strings.Cut(kv, "=")
				switch k {
				case "sym":
					in.Symbol = uint32(num(v))
				case "acct":
					in.Account = uint32(num(v))
				case "id":
					in.ID = uint64(num(v))
				case "side":
					in.Side = event.Side(lookup(asU8(sides), "side", v))
				case "type":
					in.Type = event.OrdType(lookup(asU8(types), "type", v))
				case "price":
					in.Price = num(v)
				case "qty":
					in.Qty = num(v)
				case "aux":
					in.Aux = uint64(num(v))
				case "name":
					in.Aux = packed(v)
				case "arg":
					in.Arg = uint16(num(v))
				default:
					fail("in key %q", k)
				}
			}
			steps = append(steps, step{in: in})
		case "out":
			if len(steps) == 0 || steps[len(steps)-1].op != nil {
				fail("out before its in")
			}
			last := &steps[len(steps)-1]
			o := event.Out{Seq: last.in.Seq, TS: last.in.TS, Kind: event.OutKind(lookup(asU8(outKinds), "output kind", f[1]))}
			for _, kv := range f[2:] {
				k, v, _ := strings.Cut(kv, "=")
				switch k {
				case "sym":
					o.Symbol = uint32(num(v))
				case "acct":
					o.Account = uint32(num(v))
				case "oacct":
					o.OtherAccount = uint32(num(v))
				case "id":
					o.ID = uint64(num(v))
				case "other":
					o.Other = uint64(num(v))
				case "side":
					o.Side = event.Side(lookup(asU8(sides), "side", v))
				case "price":
					o.Price = num(v)
				case "qty":
					o.Qty = num(v)
				case "reason":
					o.Reason = event.Reason(lookup(asU8(reasonOf), "reason", v))
				case "name":
					o.Other = packed(v)
				default:
					fail("out key %q", k)
				}
			}
			last.outs = append(last.outs, o)
		default:
			fail("unknown line %q", f[0])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return date, steps
}

// asU8 widens a name table to its underlying type for lookup.
func asU8[T ~uint8](m map[string]T) map[string]uint8 {
	out := make(map[string]uint8, len(m))
	for k, v := range m {
		out[k] = uint8(v)
	}
	return out
}
