package replay

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/journal"
)

// FuzzAppendEvents: any record gives an error or exactly the events it
// covers, sequenced from its header; a block's events encode to a block
// that decodes to them again, a packed event packs back to its bytes.
func FuzzAppendEvents(f *testing.F) {
	in := event.In{Kind: event.KindNew, Side: event.Buy, Type: event.Limit, Symbol: 1, Account: 2, Seq: 3, TS: 4, ID: 5, Price: 6, Qty: 7}
	full := make([]byte, event.Size)
	in.Encode(full)
	packed := make([]byte, PackedSize)
	PutPacked(packed, &in)
	f.Add(RecordInputPacked, uint16(1), uint64(3), int64(4), packed)
	f.Add(RecordInput, uint16(1), uint64(3), int64(4), full)
	evs := []event.In{in, in, in}
	evs[1].Seq, evs[1].Kind, evs[1].ID, evs[1].TS = 4, event.KindCancel, 3, 9
	evs[2].Seq, evs[2].Price, evs[2].Aux = 5, -100, 1<<40
	b := blockRecord(evs)
	f.Add(RecordInputBlock, b.Count, b.Seq, b.TS, b.Payload)
	kill := event.In{Kind: event.KindKill, Account: 7, Symbol: event.Any, Arg: event.KillCancel, Seq: 3, TS: 4}
	f.Add(RecordCommand, uint16(1), uint64(3), int64(4), AppendCommand(nil, &Command{In: kill, UID: 1000, GID: 1000, PID: 42, Text: "kill account 7 cancel"}))
	f.Fuzz(func(t *testing.T, typ uint8, count uint16, seq uint64, ts int64, p []byte) {
		r := journal.Record{Seq: seq, TS: ts, Type: typ, Count: count, Payload: p}
		got, err := AppendEvents(nil, r)
		if err != nil {
			if !errors.Is(err, ErrRecord) || len(got) != 0 {
				t.Fatalf("%d events with error %v", len(got), err)
			}
			return
		}
		want := max(int(count), 1)
		if len(got) != want {
			t.Fatalf("%d events from a record of count %d", len(got), count)
		}
		for i := range got {
			if got[i].Seq != seq+uint64(i) || !got[i].Kind.Valid() {
				t.Fatalf("event %d: seq %d kind %d, record seq %d", i, got[i].Seq, got[i].Kind, seq)
			}
		}
		if got[0].TS != ts && typ != RecordInputBlock {
			t.Fatalf("decoded ts %d from a header with %d", got[0].TS, ts)
		}
		switch typ {
		case RecordInputPacked:
			again := make([]byte, PackedSize)
			PutPacked(again, &got[0])
			if string(again) != string(p) {
				t.Fatalf("packs back to %x, was %x", again, p)
			}
		case RecordInputBlock:
			again, err := AppendEvents(nil, blockRecord(got))
			if err != nil || !slices.Equal(again, got) {
				t.Fatalf("re-encoded block: %v", err)
			}
		case RecordCommand:
			c, err := DecodeCommand(r)
			if err != nil || c.In != got[0] {
				t.Fatalf("DecodeCommand: %+v, %v; AppendEvents gave %+v", c, err, got[0])
			}
			if again := AppendCommand(nil, &c); string(again) != string(p) {
				t.Fatalf("command encodes back to %x, was %x", again, p)
			}
		}
	})
}

// TestAppendEvents: every record type gives back its events; blocks of any
// size round-trip the generated flow and the extreme values of every field;
// bad records are refused with ErrRecord.
func TestAppendEvents(t *testing.T) {
	evs := stamped(genFlow(t, 20_000, 14))
	full := make([]byte, event.Size)
	packed := make([]byte, PackedSize)
	for _, in := range evs[:2000] {
		in.Encode(full)
		PutPacked(packed, &in)
		for _, r := range []journal.Record{
			{Seq: in.Seq, TS: in.TS, Type: RecordInput, Payload: full, Count: 1},
			{Seq: in.Seq, TS: in.TS, Type: RecordInputPacked, Payload: packed},
			blockRecord([]event.In{in}),
		} {
			got, err := AppendEvents(nil, r)
			if err != nil || len(got) != 1 || got[0] != in {
				t.Fatalf("type %d: %+v (%v), want %+v", r.Type, got, err, in)
			}
		}
	}
	for _, size := range []int{1, 2, 7, 256} {
		var got []event.In
		bytes := 0
		for lo := 0; lo < len(evs); lo += size {
			r := blockRecord(evs[lo:min(lo+size, len(evs))])
			bytes += journal.FrameSize(len(r.Payload))
			var err error
			if got, err = AppendEvents(got, r); err != nil {
				t.Fatalf("blocks of %d: %v", size, err)
			}
		}
		if !slices.Equal(got, evs) {
			t.Fatalf("blocks of %d do not give back the events", size)
		}
		// What the block format is for: a full block of the generated
		// flow costs under 16 bytes of journal per event (80 for
		// RecordInputPacked).
		if per := float64(bytes) / float64(len(evs)); size == 256 && per >= 16 {
			t.Errorf("blocks of %d: %.1f bytes of journal per event, want < 16", size, per)
		} else {
			t.Logf("blocks of %d: %.1f bytes of journal per event", size, per)
		}
	}
	// Extreme values, and every field changing or not from one event to
	// the next.
	ext := []event.In{
		{Kind: event.KindNew, Side: 255, Type: 255, STP: 255, Arg: 65535, Symbol: ^uint32(0), Account: ^uint32(0), ID: ^uint64(0), Price: math.MinInt64, Qty: math.MaxInt64, Aux: ^uint64(0), TS: math.MaxInt64},
		{Kind: event.KindCancel, ID: 0, Price: math.MaxInt64, Qty: math.MinInt64, TS: math.MinInt64},
		{Kind: event.KindParent, Arg: 1, Symbol: 1, Account: 1, ID: 1, Price: -1, Qty: -1, Aux: 1, TS: math.MinInt64},
		{Kind: event.KindParent, Arg: 1, Symbol: 1, Account: 1, ID: 1, Price: -1, Qty: -1, Aux: 1, TS: math.MinInt64},
	}
	for i := range ext {
		ext[i].Seq = uint64(100 + i)
	}
	if got, err := AppendEvents(nil, blockRecord(ext)); err != nil || !slices.Equal(got, ext) {
		t.Fatalf("extreme values: %v\n got %+v\nwant %+v", err, got, ext)
	}

	in := evs[len(evs)/2]
	in.Encode(full)
	PutPacked(packed, &in)
	blk := blockRecord(evs[:3])
	with := func(p []byte, count uint16) journal.Record {
		r := blk
		r.Payload, r.Count = p, count
		return r
	}
	edit := func(i int, b byte) []byte {
		p := slices.Clone(blk.Payload)
		p[i] = b
		return p
	}
	bad := []struct {
		name string
		r    journal.Record
	}{
		{"unknown type", journal.Record{Seq: in.Seq, TS: in.TS, Type: 9, Payload: full}},
		{"packed, short", journal.Record{Seq: in.Seq, TS: in.TS, Type: RecordInputPacked, Payload: packed[:40]}},
		{"packed, full size", journal.Record{Seq: in.Seq, TS: in.TS, Type: RecordInputPacked, Payload: full}},
		{"packed, two sequences", journal.Record{Seq: in.Seq, TS: in.TS, Type: RecordInputPacked, Payload: packed, Count: 2}},
		{"full, short", journal.Record{Seq: in.Seq, TS: in.TS, Type: RecordInput, Payload: packed}},
		{"full, header seq differs", journal.Record{Seq: in.Seq + 1, TS: in.TS, Type: RecordInput, Payload: full}},
		{"full, header time differs", journal.Record{Seq: in.Seq, TS: in.TS + 1, Type: RecordInput, Payload: full}},
		{"packed, bad kind", journal.Record{Seq: in.Seq, TS: in.TS, Type: RecordInputPacked, Payload: append([]byte{0xee}, packed[1:]...)}},
		{"block, no events", with(nil, 0)},
		{"block, fewer events than its count", with(blk.Payload, 4)},
		{"block, more events than its count", with(blk.Payload, 2)},
		{"block, truncated", with(blk.Payload[:len(blk.Payload)-1], 3)},
		{"block, bytes after the last event", with(append(slices.Clone(blk.Payload), 0), 3)},
		{"block, kind 0", with(edit(0, 0), 3)},
		{"block, kind out of range", with(edit(0, 0x3f), 3)},
		{"block, bit 7 of the kind byte", with(edit(0, blk.Payload[0]|0x80), 3)},
		{"block, symbol past 32 bits", with([]byte{byte(event.KindNew), blockSymbol, 0x80, 0x80, 0x80, 0x80, 0x10}, 1)},
		{"block, arg past 16 bits", with([]byte{byte(event.KindNew), blockArg, 0x80, 0x80, 0x04}, 1)},
		{"block, overlong varint", with([]byte{byte(event.KindNew), blockID, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 1)},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := AppendEvents(nil, tt.r); !errors.Is(err, ErrRecord) || len(got) != 0 {
				t.Fatalf("%d events, error %v, want ErrRecord", len(got), err)
			}
		})
	}
}

// TestBlockAllocs: encoding a full block into the journaler's buffer and
// decoding it into a slice with room allocate nothing.
func TestBlockAllocs(t *testing.T) {
	evs := stamped(genFlow(t, 256, 15))
	buf := make([]byte, 0, 256*BlockEventMax)
	dst := make([]event.In, 0, 256)
	var e BlockEncoder
	var rec journal.Record
	allocs := testing.AllocsPerRun(100, func() {
		e.Start(evs[0].TS)
		p := buf[:0]
		for i := range evs {
			p = e.Append(p, &evs[i])
		}
		rec = journal.Record{Seq: evs[0].Seq, TS: evs[0].TS, Type: RecordInputBlock, Count: uint16(len(evs)), Payload: p}
		var err error
		if dst, err = AppendEvents(dst[:0], rec); err != nil || len(dst) != len(evs) {
			t.Fatalf("%d events: %v", len(dst), err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per block, want 0", allocs)
	}
	if !slices.Equal(dst, evs) {
		t.Fatal("the block does not give back its events")
	}
}

// blockRecord encodes evs as one RecordInputBlock record.
func blockRecord(evs []event.In) journal.Record {
	var e BlockEncoder
	e.Start(evs[0].TS)
	var p []byte
	for i := range evs {
		p = e.Append(p, &evs[i])
	}
	return journal.Record{Seq: evs[0].Seq, TS: evs[0].TS, Type: RecordInputBlock, Count: uint16(len(evs)), Payload: p}
}

// genFlow returns n events of the generated flow over 4 symbols.
func genFlow(t testing.TB, n int, seed uint64) []event.In {
	t.Helper()
	gc := gen.DefaultConfig()
	gc.Events = n
	gc.Seed = seed
	gc.Symbols = 4
	evs, err := gen.Generate(gc)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// stamped returns evs as ingest sequences and time-stamps them (feed
// clock): sequences from 1, event time never decreasing.
func stamped(evs []event.In) []event.In {
	out := make([]event.In, len(evs))
	var last int64
	for i, e := range evs {
		e.Seq = uint64(i + 1)
		if e.TS < last {
			e.TS = last
		}
		last = e.TS
		out[i] = e
	}
	return out
}
