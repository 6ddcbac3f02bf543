package bench

import (
	"errors"
	"io"
	"testing"

	"github.com/tradeengine/engine/event"
)

// smallFlow is a flow of three orders and a cancel, with ids 1 to 3.
var smallFlow = []event.In{
	{Kind: event.KindNew, ID: 1, Qty: 1},
	{Kind: event.KindNew, ID: 2, Qty: 2},
	{Kind: event.KindCancel, ID: 1},
	{Kind: event.KindNew, ID: 3, Qty: 3},
}

func TestPacedSource(t *testing.T) {
	clk := SystemClock()
	const n = 10
	// A high rate so that the test does not wait; correctness does not
	// depend on it.
	src := NewPacedSource(clk, smallFlow, n, 1e8, 2, nil)
	var got []event.In
	for {
		var in event.In
		err := src.Next(&in)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, in)
	}
	if len(got) != n {
		t.Fatalf("sent %d events, want %d: the source must never drop", len(got), n)
	}
	if err := src.Next(new(event.In)); !errors.Is(err, io.EOF) {
		t.Errorf("Next after the end = %v, want io.EOF", err)
	}
	if src.Passes() != 2 {
		t.Errorf("passes %d, want 2 (10 events of a flow of 4)", src.Passes())
	}
	for i, in := range got {
		base := smallFlow[i%len(smallFlow)]
		pass := uint64(i / len(smallFlow))
		if want := base.ID + pass*4; in.ID != want { // ids move past the flow's largest (3) each pass
			t.Errorf("event %d: id %d, want %d", i, in.ID, want)
		}
		if in.Kind != base.Kind || in.Qty != base.Qty {
			t.Errorf("event %d: %+v, want the flow's %+v", i, in, base)
		}
		if i > 0 && in.TS <= got[i-1].TS {
			t.Errorf("event %d: TS %d not after %d", i, in.TS, got[i-1].TS)
		}
		if src.Sent[i] < src.Due(i) {
			t.Errorf("event %d sent at %d, before it was due at %d", i, src.Sent[i], src.Due(i))
		}
	}
	if src.Buffered() != 0 {
		t.Errorf("Buffered after the end = %d, want 0", src.Buffered())
	}
}

func TestLatencySink(t *testing.T) {
	clk := SystemClock()
	src := NewPacedSource(clk, smallFlow, 4, 1e8, 1, nil)
	for range 4 {
		if err := src.Next(new(event.In)); err != nil {
			t.Fatal(err)
		}
	}
	lat := NewLatency("e2e", "t", "t", MethodIntended)
	k := NewLatencySink(clk, src, 1, lat)
	// Seq 1 is warm-up; seq 2 has three outputs, 3 one, 4 two.
	for _, seq := range []uint64{1, 2, 2, 2, 3, 4, 4} {
		if err := k.Write(&event.Out{Seq: seq}); err != nil {
			t.Fatal(err)
		}
	}
	if k.Inputs != 4 || k.Outputs != 7 || k.Gaps != 0 {
		t.Errorf("inputs %d outputs %d gaps %d, want 4 7 0", k.Inputs, k.Outputs, k.Gaps)
	}
	if lat.Corrected.TotalCount() != 3 || lat.Raw.TotalCount() != 3 {
		t.Errorf("recorded %d corrected, %d raw, want 3 each (the first output of inputs 2, 3 and 4)",
			lat.Corrected.TotalCount(), lat.Raw.TotalCount())
	}
	// Corrected counts from the intended time, raw from the send, which
	// is never earlier: corrected >= raw.
	if lat.Corrected.Max() < lat.Raw.Max() || lat.Corrected.Min() < lat.Raw.Min() {
		t.Errorf("corrected below raw: %d..%d vs %d..%d", lat.Corrected.Min(), lat.Corrected.Max(), lat.Raw.Min(), lat.Raw.Max())
	}
	k2 := NewLatencySink(clk, src, 1, NewLatency("e2e", "t", "t", MethodIntended))
	k2.Write(&event.Out{Seq: 1})
	k2.Write(&event.Out{Seq: 4})
	if k2.Gaps != 2 {
		t.Errorf("gaps %d, want 2 (inputs 2 and 3 had no output)", k2.Gaps)
	}
}

func TestHotPathAllocs(t *testing.T) {
	clk := SystemClock()
	const n = 100_000
	src := NewPacedSource(clk, smallFlow, n, 1e9, 0, nil)
	var in event.In
	if a := testing.AllocsPerRun(1000, func() { src.Next(&in) }); a != 0 {
		t.Errorf("PacedSource.Next allocates %v times", a)
	}
	k := NewLatencySink(clk, src, 1, NewLatency("e2e", "t", "t", MethodIntended))
	seq := uint64(0)
	if a := testing.AllocsPerRun(1000, func() { seq++; k.Write(&event.Out{Seq: seq}) }); a != 0 {
		t.Errorf("LatencySink.Write allocates %v times", a)
	}
}

func TestFlowPool(t *testing.T) {
	p, err := NewFlowPool(5000)
	if err != nil {
		t.Fatal(err)
	}
	p.Ensure(1000)
	first := append([]event.In(nil), p.Events()...)
	p.Ensure(100_000) // capped
	if len(first) != 1000 || len(p.Events()) != 5000 {
		t.Fatalf("pool holds %d then %d events, want 1000 then 5000", len(first), len(p.Events()))
	}
	for i := range first {
		if first[i] != p.Events()[i] {
			t.Fatalf("event %d changed when the pool grew", i)
		}
	}
}
