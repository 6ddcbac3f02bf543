package bench

import (
	"testing"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/replay"
)

// TestLOBSTERSyncedFlow: the re-synchronised AMZN day holds sync inputs,
// ends emptying the books, and through the engine's logic trades exactly
// the shares the unsynchronised flow's takers ask for (every visible
// execution fills); LogicRun times whole passes of it.
func TestLOBSTERSyncedFlow(t *testing.T) {
	msgs, book, _ := FindLOBSTER("")
	if msgs == "" {
		t.Skip("LOBSTER AMZN day not found")
	}
	flow, err := LOBSTERSyncedFlow(msgs, book)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := LOBSTERFlow(msgs, book)
	if err != nil {
		t.Fatal(err)
	}
	var syncs, asked int64
	for _, in := range plain {
		if in.Kind == event.KindNew && in.Type == event.IOC {
			asked += in.Qty
		}
	}
	for _, in := range flow {
		if in.Kind == event.KindSync {
			syncs++
		}
	}
	if syncs == 0 || flow[len(flow)-1] != resetAll || len(flow) <= len(plain) {
		t.Fatalf("%d syncs in %d events (%d without), last %+v", syncs, len(flow), len(plain), flow[len(flow)-1])
	}
	l, err := replay.NewLogic(LogicConfig())
	if err != nil {
		t.Fatal(err)
	}
	var traded int64
	var out []event.Out
	for i := range flow {
		out = l.Apply(&flow[i], out[:0])
		for _, o := range out {
			if o.Kind == event.OutTrade {
				traded += o.Qty
			}
		}
	}
	if traded != asked {
		t.Errorf("traded %d shares, the day's visible executions %d", traded, asked)
	}
	tp, err := LogicRun(flow, LogicConfig(), time.Millisecond)
	if err != nil || tp.Events == 0 || tp.Events%int64(len(flow)) != 0 || tp.Elapsed <= 0 {
		t.Errorf("LogicRun: %+v, %v", tp, err)
	}
}
