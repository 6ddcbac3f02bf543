package wire

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file (%d bytes, want %d); if the format changed on purpose, run go test -update", name, len(got), len(want))
	}
}

// cycleReader returns the bytes of b over and over, for allocation tests
// that must never reach the end of the stream.
type cycleReader struct {
	b   []byte
	off int
}

func (c *cycleReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], c.b[c.off:])
		n += k
		c.off = (c.off + k) % len(c.b)
	}
	return n, nil
}

// errReader returns data, then err.
type errReader struct {
	data []byte
	err  error
}

func (e *errReader) Read(p []byte) (int, error) {
	if len(e.data) == 0 {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

var errDisk = errors.New("disk on fire")

const nameAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_/^"

func randName(r *rand.Rand) string {
	b := make([]byte, 1+r.IntN(event.MaxNameLen))
	for i := range b {
		b[i] = nameAlphabet[r.IntN(len(nameAlphabet))]
	}
	return string(b)
}

// randFeed returns a random valid feed: nsym symbol definitions (ids dense
// from 0, names distinct even ignoring case) interleaved with events naming
// only defined symbols, each with only its kind's fields set, account scopes
// naming only accounts of earlier new orders (or all).
func randFeed(r *rand.Rand, nsym, n int) []event.In {
	var evs []event.In
	seen := map[string]bool{}
	var accts []uint32
	defined := 0
	randTS := func() int64 {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return -r.Int64()
		}
		return r.Int64()
	}
	randAcct := func() uint32 { return r.Uint32N(event.Any) }
	scopeAcct := func() uint32 {
		if len(accts) == 0 || r.IntN(3) == 0 {
			return event.Any
		}
		return accts[r.IntN(len(accts))]
	}
	for len(evs) < n {
		if defined < nsym && (defined == 0 || r.IntN(8) == 0) {
			name := randName(r)
			if seen[strings.ToUpper(name)] {
				continue
			}
			seen[strings.ToUpper(name)] = true
			p, _ := event.PackName(name)
			evs = append(evs, event.In{Kind: event.KindSymbol, TS: randTS(), Symbol: uint32(defined), Aux: p})
			defined++
			continue
		}
		sym := r.Uint32N(uint32(defined))
		var in event.In
		in.TS = randTS()
		k := event.Kind(1 + r.IntN(16)) // every kind but KindSymbol
		if k >= event.KindSymbol {
			k++
		}
		switch k {
		case event.KindNew:
			in = event.In{Kind: k, TS: in.TS, Symbol: sym, Account: randAcct(), ID: r.Uint64(),
				Side: event.Side(1 + r.IntN(2)), Type: event.OrdType(1 + r.IntN(5)), STP: event.STP(r.IntN(4)),
				Price: r.Int64() - r.Int64(), Qty: r.Int64N(1 << 40)}
			if r.IntN(2) == 0 {
				in.Aux = r.Uint64()
			}
			accts = append(accts, in.Account)
		case event.KindCancel:
			in = event.In{Kind: k, TS: in.TS, Account: randAcct(), ID: r.Uint64()}
		case event.KindReplace:
			in = event.In{Kind: k, TS: in.TS, Account: randAcct(), ID: r.Uint64(), Price: r.Int64(), Qty: -r.Int64()}
		case event.KindMassCancel:
			in = event.In{Kind: k, TS: in.TS, Account: scopeAcct(), Symbol: sym}
			if r.IntN(3) == 0 {
				in.Symbol = event.Any
			}
		case event.KindHalt, event.KindResume:
			in = event.In{Kind: k, TS: in.TS, Symbol: sym}
		case event.KindKill, event.KindClear, event.KindSetLimit:
			in = event.In{Kind: k, TS: in.TS, Account: scopeAcct(), Symbol: sym}
			if r.IntN(3) == 0 {
				in.Symbol = event.Any
			}
			switch k {
			case event.KindKill:
				in.Arg = uint16(r.IntN(2))
			case event.KindSetLimit:
				in.Arg, in.Qty = uint16(r.Uint32()), r.Int64()-r.Int64()
			}
		case event.KindParent:
			in = event.In{Kind: k, TS: in.TS, Account: randAcct(), Symbol: sym, Side: event.Side(1 + r.IntN(2)), Qty: r.Int64() - r.Int64()}
			if r.IntN(2) == 0 {
				in.ID = r.Uint64()
			}
		case event.KindPause, event.KindUnpause:
			in = event.In{Kind: k, TS: in.TS}
		case event.KindApprove, event.KindDeny:
			in = event.In{Kind: k, TS: in.TS, ID: r.Uint64N(1 << 40)}
			if r.IntN(4) == 0 {
				in.ID = r.Uint64()
			}
		case event.KindSync:
			in = event.In{Kind: k, TS: in.TS, Symbol: sym, Side: event.Side(1 + r.IntN(2)), Price: r.Int64() - r.Int64(),
				Qty: r.Int64() - r.Int64(), Aux: r.Uint64(), Account: randAcct(), ID: r.Uint64()}
		case event.KindPrint:
			in = event.In{Kind: k, TS: in.TS, Symbol: sym, Side: event.Side(r.IntN(3)), Price: r.Int64() - r.Int64(),
				Qty: r.Int64() - r.Int64(), ID: r.Uint64(), Arg: uint16(r.IntN(3))}
		}
		evs = append(evs, in)
	}
	return evs
}

// decodeAll reads d to its end, returning the events and the decode errors;
// a fatal error fails the test.
func decodeAll(t testing.TB, d Decoder) ([]event.In, []*DecodeError) {
	t.Helper()
	var evs []event.In
	var errs []*DecodeError
	for {
		var in event.In
		err := d.Next(&in)
		if err == io.EOF {
			return evs, errs
		}
		var de *DecodeError
		if errors.As(err, &de) {
			errs = append(errs, de)
			continue
		}
		if err != nil {
			t.Fatalf("fatal error after %d events: %v", len(evs), err)
		}
		evs = append(evs, in)
	}
}
