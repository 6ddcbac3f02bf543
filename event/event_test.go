package event

import (
	"errors"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/cespare/xxhash/v2"
)

func TestLayout(t *testing.T) {
	if s := unsafe.Sizeof(In{}); s != Size {
		t.Fatalf("sizeof In = %d, want %d", s, Size)
	}
	if s := unsafe.Sizeof(Out{}); s != Size {
		t.Fatalf("sizeof Out = %d, want %d", s, Size)
	}
	var in In
	offs := []struct {
		name string
		got  uintptr
		want uintptr
	}{
		{"In.TS", unsafe.Offsetof(in.TS), 8},
		{"In.ID", unsafe.Offsetof(in.ID), 16},
		{"In.Aux", unsafe.Offsetof(in.Aux), 40},
		{"In.Symbol", unsafe.Offsetof(in.Symbol), 48},
		{"In.Arg", unsafe.Offsetof(in.Arg), 56},
		{"In.STP", unsafe.Offsetof(in.STP), 61},
	}
	var out Out
	offs = append(offs, []struct {
		name string
		got  uintptr
		want uintptr
	}{
		{"Out.Other", unsafe.Offsetof(out.Other), 24},
		{"Out.Symbol", unsafe.Offsetof(out.Symbol), 48},
		{"Out.OtherAccount", unsafe.Offsetof(out.OtherAccount), 56},
		{"Out.Reason", unsafe.Offsetof(out.Reason), 62},
	}...)
	for _, o := range offs {
		if o.got != o.want {
			t.Errorf("offset of %s = %d, want %d", o.name, o.got, o.want)
		}
	}
}

func randIn(r *rand.Rand) In {
	return In{
		Seq: r.Uint64(), TS: r.Int64(), ID: r.Uint64(), Price: r.Int64(), Qty: r.Int64(), Aux: r.Uint64(),
		Symbol: r.Uint32(), Account: r.Uint32(), Arg: uint16(r.Uint32()),
		Kind: Kind(1 + r.IntN(int(kindCount)-1)), Side: Side(r.UintN(256)), Type: OrdType(r.UintN(256)), STP: STP(r.UintN(256)),
	}
}

func randOut(r *rand.Rand) Out {
	return Out{
		Seq: r.Uint64(), TS: r.Int64(), ID: r.Uint64(), Other: r.Uint64(), Price: r.Int64(), Qty: r.Int64(),
		Symbol: r.Uint32(), Account: r.Uint32(), OtherAccount: r.Uint32(),
		Kind: OutKind(1 + r.IntN(int(outKindCount)-1)), Side: Side(r.UintN(256)), Reason: Reason(r.UintN(256)),
	}
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var b [Size]byte
	for range 10000 {
		in := randIn(r)
		in.Encode(b[:])
		var got In
		if err := got.Decode(b[:]); err != nil {
			t.Fatalf("decode %+v: %v", in, err)
		}
		if got != in {
			t.Fatalf("in round trip: got %+v, want %+v", got, in)
		}
		out := randOut(r)
		out.Encode(b[:])
		var gotOut Out
		if err := gotOut.Decode(b[:]); err != nil {
			t.Fatalf("decode %+v: %v", out, err)
		}
		if gotOut != out {
			t.Fatalf("out round trip: got %+v, want %+v", gotOut, out)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	good := In{Kind: KindNew, Side: Buy, Type: Limit, Qty: 1, Price: 1}
	var b [Size]byte
	tests := []struct {
		name string
		mod  func(b []byte) []byte
		want error
	}{
		{"short", func(b []byte) []byte { return b[:63] }, ErrShort},
		{"kind zero", func(b []byte) []byte { b[0] = 0; return b }, ErrKind},
		{"kind unknown", func(b []byte) []byte { b[0] = 200; return b }, ErrKind},
		{"version zero", func(b []byte) []byte { b[1] = 0; return b }, ErrVersion},
		{"version future", func(b []byte) []byte { b[1] = Version + 1; return b }, ErrVersion},
		{"reserved", func(b []byte) []byte { b[5] = 1; return b }, ErrReserved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			good.Encode(b[:])
			var in In
			if err := in.Decode(tt.mod(b[:])); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	var out Out
	if err := out.Decode(make([]byte, Size)); !errors.Is(err, ErrVersion) {
		t.Fatalf("zero out: got %v, want ErrVersion", err)
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"AAPL", true}, {"A", true}, {"BRK.A", true}, {"ABCDEFGH", true},
		{"", false}, {"ABCDEFGHI", false}, {"A B", false}, {"A,B", false}, {"É", false},
		// NASDAQ's suffixes (ITCH stock directory): a warrant, a unit, a
		// called issue; "*" alone means all symbols in the feed formats.
		{"ACEL+", true}, {"ACAHU=", true}, {"ALL-A*", true}, {"*", false}, {"A#", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := PackName(tt.name)
			if (err == nil) != tt.ok {
				t.Fatalf("PackName(%q) err = %v, want ok=%v", tt.name, err, tt.ok)
			}
			if !tt.ok {
				return
			}
			got, ok := UnpackName(v)
			if !ok || got != tt.name {
				t.Fatalf("UnpackName = %q, %v; want %q", got, ok, tt.name)
			}
		})
	}
	for _, v := range []uint64{0, 0x4100, 0x01, 0x2041, '*'} {
		if s, ok := UnpackName(v); ok {
			t.Errorf("UnpackName(%#x) = %q, want not ok", v, s)
		}
	}
}

func TestReasonNames(t *testing.T) {
	seen := map[string]Reason{}
	for r := range 256 {
		reason := Reason(r)
		if !reason.Known() {
			continue
		}
		n := reason.String()
		if prev, dup := seen[n]; dup {
			t.Errorf("reasons %d and %d share the name %q", prev, r, n)
		}
		seen[n] = reason
	}
	if got := ReasonBadLimit.String(); got != "bad_limit" || ReasonBadLimit != 79 {
		t.Errorf("ReasonBadLimit = %d %q, want 79 bad_limit (appended, never renumbered)", ReasonBadLimit, got)
	}
	if got := Reason(250).String(); got != "reason_250" {
		t.Errorf("unnamed reason = %q", got)
	}
}

func TestDigestOrderMatters(t *testing.T) {
	a := Out{Kind: OutTrade, Seq: 1, Qty: 5}
	b := Out{Kind: OutTrade, Seq: 2, Qty: 5}
	d1, d2 := NewDigest(), NewDigest()
	d1.Add(&a)
	d1.Add(&b)
	d2.Add(&b)
	d2.Add(&a)
	if d1.Sum64() == d2.Sum64() {
		t.Fatal("digest does not depend on order")
	}
	d3 := NewDigest()
	d3.Add(&a)
	d3.Add(&b)
	if d3.Hex() != d1.Hex() || len(d1.Hex()) != 16 {
		t.Fatalf("digest not reproducible: %s vs %s", d3.Hex(), d1.Hex())
	}
}

func TestDigestNoAlloc(t *testing.T) {
	d := NewDigest()
	o := Out{Kind: OutBook}
	if n := testing.AllocsPerRun(100, func() { d.Add(&o) }); n != 0 {
		t.Fatalf("Digest.Add allocates %v times", n)
	}
}

func FuzzDecodeIn(f *testing.F) {
	var b [Size]byte
	in := In{Kind: KindNew, Side: Buy, Type: Limit, Qty: 10, Price: 100, Symbol: 1, Account: 2, ID: 3}
	in.Encode(b[:])
	f.Add(b[:])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var e In
		if err := e.Decode(data); err != nil {
			return
		}
		var re [Size]byte
		e.Encode(re[:])
		var e2 In
		if err := e2.Decode(re[:]); err != nil || e2 != e {
			t.Fatalf("re-encode mismatch: %v %+v %+v", err, e, e2)
		}
	})
}

func FuzzDecodeOut(f *testing.F) {
	var b [Size]byte
	o := Out{Kind: OutTrade, Qty: 10, Price: 100}
	o.Encode(b[:])
	f.Add(b[:])
	f.Fuzz(func(t *testing.T, data []byte) {
		var e Out
		if err := e.Decode(data); err != nil {
			return
		}
		var re [Size]byte
		e.Encode(re[:])
		var e2 Out
		if err := e2.Decode(re[:]); err != nil || e2 != e {
			t.Fatalf("re-encode mismatch: %v %+v %+v", err, e, e2)
		}
	})
}

// TestDigestState: a digest saved half way and restored into a new one ends
// where one digest over everything ends.
func TestDigestState(t *testing.T) {
	outs := make([]Out, 100)
	for i := range outs {
		outs[i] = Out{Seq: uint64(i + 1), Kind: OutAccepted, Qty: int64(i)}
	}
	whole := NewDigest()
	for i := range outs {
		whole.Add(&outs[i])
	}
	first := NewDigest()
	for i := range outs[:37] {
		first.Add(&outs[i])
	}
	st, err := first.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	second := NewDigest()
	if err := second.UnmarshalBinary(st); err != nil {
		t.Fatal(err)
	}
	for i := range outs[37:] {
		second.Add(&outs[37+i])
	}
	if second.Sum64() != whole.Sum64() {
		t.Fatalf("restored digest %s, want %s", second.Hex(), whole.Hex())
	}
	if err := second.UnmarshalBinary([]byte("junk")); err == nil {
		t.Fatal("junk state accepted")
	}
}

// TestDigestIsXXHash: the digest is xxhash64 of the outputs' canonical
// encodings, its state xxhash's own encoding: a state saved by either
// continues in the other.
func TestDigestIsXXHash(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	outs := make([]Out, 1000)
	all := NewDigest()
	for i := range outs {
		outs[i] = Out{Seq: rng.Uint64(), TS: rng.Int64(), ID: rng.Uint64(), Other: rng.Uint64(), Price: rng.Int64(), Qty: rng.Int64(),
			Symbol: rng.Uint32(), Account: rng.Uint32(), OtherAccount: rng.Uint32(), Kind: OutKind(rng.IntN(19) + 1), Side: Side(rng.IntN(3)), Reason: Reason(rng.IntN(90))}
	}
	x := xxhash.New()
	var buf [Size]byte
	d := NewDigest()
	for i := range outs {
		if i == 500 {
			// Continue the library's state in the digest and the other way.
			st, _ := x.MarshalBinary()
			var e Digest
			if err := e.UnmarshalBinary(st); err != nil {
				t.Fatal(err)
			}
			if e.Sum64() != d.Sum64() || e.Sum64() != x.Sum64() {
				t.Fatalf("at 500: from xxhash's state %x, digest %x, xxhash %x", e.Sum64(), d.Sum64(), x.Sum64())
			}
			ds, _ := d.MarshalBinary()
			y := xxhash.New()
			if err := y.UnmarshalBinary(ds); err != nil || y.Sum64() != x.Sum64() {
				t.Fatalf("xxhash from the digest's state: %v %x %x", err, y.Sum64(), x.Sum64())
			}
		}
		outs[i].Encode(buf[:])
		x.Write(buf[:])
		if i%2 == 0 {
			d.Add(&outs[i])
		} else {
			d.AddAll(outs[i : i+1])
		}
	}
	all.AddAll(outs)
	if d.Sum64() != x.Sum64() || all.Sum64() != x.Sum64() {
		t.Fatalf("digest %x (all at once %x), xxhash of the encodings %x", d.Sum64(), all.Sum64(), x.Sum64())
	}
	x.Write(buf[:7])
	st, _ := x.MarshalBinary()
	var e Digest
	if err := e.UnmarshalBinary(st); err == nil {
		t.Fatal("a state inside an output accepted")
	}
}
