package risk

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/matcher"
)

// TestDefinedSymbolsCost defines 65,536 symbols through the guard and halts
// each (a feed naming symbols only in halt lines): the live heap of the
// guard and the matcher grows by less than 160 MB (measured: 116 MB, 1.8 KB
// a symbol), almost all of it the guard's per-symbol limits (400 bytes) and
// output-volume windows (about 1 KB), with the slices' doubling slack.
// Before the matcher allocated a book's level arrays on its first order,
// the same flow allocated 1 GiB more (646 MB resident, issue 12).
func TestDefinedSymbolsCost(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's allocations blur the heap figure")
	}
	const n = 1 << 16
	m, err := matcher.New(matcher.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(DefaultConfig(), m)
	if err != nil {
		t.Fatal(err)
	}
	before := heapAfterGC()
	var out []event.Out
	for s := range uint32(n) {
		name, _ := event.PackName(fmt.Sprintf("S%d", s))
		out = g.Apply(&event.In{Seq: uint64(2 * s), Kind: event.KindSymbol, Symbol: s, Aux: name}, out[:0])
		out = g.Apply(&event.In{Seq: uint64(2*s + 1), Kind: event.KindHalt, Symbol: s}, out[:0])
		if len(out) != 1 || out[0].Kind != event.OutHalted {
			t.Fatalf("symbol %d: %+v", s, out)
		}
	}
	grown := int64(heapAfterGC()) - int64(before)
	runtime.KeepAlive(g)
	t.Logf("%d symbols defined and halted: heap +%.1f MB, %.0f bytes a symbol", n, float64(grown)/1e6, float64(grown)/n)
	if grown > 160e6 {
		t.Fatalf("symbols cost %.1f MB, want < 160 MB", float64(grown)/1e6)
	}
}

func heapAfterGC() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
