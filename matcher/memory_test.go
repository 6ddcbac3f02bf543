package matcher

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/tradeengine/engine/event"
)

// heapAfterGC returns the live heap after a collection.
func heapAfterGC() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestDefinedSymbolsAreCheap defines 65,536 symbols (the default
// MaxSymbols) and halts each, as a feed naming symbols only in halt lines
// would: the engine's live heap grows by less than 16 MB (measured: 6.7
// MB, about 100 bytes a symbol). Each book's level arrays, 256 levels of 32
// bytes a side, were allocated at definition, 1 GiB for these symbols (646
// MB resident, issue 12); they are now allocated on a side's first order.
func TestDefinedSymbolsAreCheap(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's allocations blur the heap figure")
	}
	const n = 1 << 16
	e, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	before := heapAfterGC() // after New's preallocated pool and index
	var out []event.Out
	for s := range uint32(n) {
		name, _ := event.PackName(fmt.Sprintf("S%d", s))
		out = e.Apply(&event.In{Seq: uint64(2 * s), Kind: event.KindSymbol, Symbol: s, Aux: name}, out[:0])
		out = e.Apply(&event.In{Seq: uint64(2*s + 1), Kind: event.KindHalt, Symbol: s}, out[:0])
		if len(out) != 1 || out[0].Kind != event.OutHalted {
			t.Fatalf("symbol %d: %+v", s, out)
		}
	}
	grown := int64(heapAfterGC()) - int64(before)
	t.Logf("%d symbols defined and halted: heap +%.1f MB", n, float64(grown)/1e6)
	runtime.KeepAlive(e)
	if grown > 16<<20 {
		t.Fatalf("symbols cost %.1f MB, want < 16 MB", float64(grown)/1e6)
	}
}
