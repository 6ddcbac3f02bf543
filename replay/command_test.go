package replay

import (
	"errors"
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
)

// TestCommandRecord: a command record decodes to what was encoded, and a
// record whose header and event disagree, whose text length lies or that is
// cut short is refused with ErrRecord.
func TestCommandRecord(t *testing.T) {
	c := Command{In: event.In{Kind: event.KindSetLimit, Seq: 10, TS: 99, Account: 3, Symbol: event.Any, Arg: 1, Qty: 500},
		UID: 1001, GID: 100, PID: 4242, Text: "set limit max_order_qty account 3 500"}
	p := AppendCommand(nil, &c)
	rec := journal.Record{Seq: 10, TS: 99, Type: RecordCommand, Count: 1, Payload: p}
	got, err := DecodeCommand(rec)
	if err != nil || got != c {
		t.Fatalf("DecodeCommand = %+v, %v; want %+v", got, err, c)
	}
	evs, err := AppendEvents(nil, rec)
	if err != nil || len(evs) != 1 || evs[0] != c.In {
		t.Fatalf("AppendEvents = %+v, %v", evs, err)
	}
	bad := map[string]journal.Record{
		"header seq":  {Seq: 11, TS: 99, Type: RecordCommand, Count: 1, Payload: p},
		"header ts":   {Seq: 10, TS: 98, Type: RecordCommand, Count: 1, Payload: p},
		"count 2":     {Seq: 10, TS: 99, Type: RecordCommand, Count: 2, Payload: p},
		"cut short":   {Seq: 10, TS: 99, Type: RecordCommand, Count: 1, Payload: p[:commandFixed-1]},
		"text longer": {Seq: 10, TS: 99, Type: RecordCommand, Count: 1, Payload: append(append([]byte{}, p...), 'x')},
		"text cut":    {Seq: 10, TS: 99, Type: RecordCommand, Count: 1, Payload: p[:len(p)-1]},
	}
	for name, r := range bad {
		if _, err := DecodeCommand(r); !errors.Is(err, ErrRecord) {
			t.Errorf("%s: error %v, want ErrRecord", name, err)
		}
	}
}
