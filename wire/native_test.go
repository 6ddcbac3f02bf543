package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/tradeengine/engine/event"
)

// encodeFeed returns the native feed of evs.
func encodeFeed(t testing.TB, evs []event.In) []byte {
	t.Helper()
	var buf bytes.Buffer
	e, err := NewNativeEncoder(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		if err := e.Encode(&evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// goldenFeed is the small feed pinned by testdata/feed.native.
func goldenFeed() []event.In {
	aapl, _ := event.PackName("AAPL")
	return []event.In{
		{Kind: event.KindSymbol, TS: 34200000000000, Symbol: 0, Aux: aapl},
		{Kind: event.KindNew, TS: 34200000000100, Symbol: 0, Account: 7, ID: 1, Side: event.Buy, Type: event.Limit, Price: 18950, Qty: 100, Aux: 42},
		{Kind: event.KindNew, TS: 34200000000200, Symbol: 0, Account: 8, ID: 2, Side: event.Sell, Type: event.IOC, Price: 18950, Qty: 60, STP: event.STPCancelBoth},
		{Kind: event.KindReplace, TS: 34200000000300, Account: 7, ID: 1, Price: 18949, Qty: 40},
		{Kind: event.KindCancel, TS: 34200000000400, Account: 7, ID: 1},
		{Kind: event.KindMassCancel, TS: 34200000000500, Account: event.Any, Symbol: 0},
		{Kind: event.KindHalt, TS: 34200000000600, Symbol: 0},
		{Kind: event.KindResume, TS: 34200000000700, Symbol: 0},
	}
}

func TestNativeGolden(t *testing.T) {
	evs := goldenFeed()
	b := encodeFeed(t, evs)
	golden(t, "feed.native", b)
	if len(b) != HeaderSize+len(evs)*FrameSize {
		t.Fatalf("feed is %d bytes, want %d", len(b), HeaderSize+len(evs)*FrameSize)
	}
	if !bytes.Equal(b[:8], []byte("TEFEED\r\n")) {
		t.Fatalf("magic %q", b[:8])
	}
	d, err := NewNativeDecoder(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	got, errs := decodeAll(t, d)
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if len(got) != len(evs) {
		t.Fatalf("got %d events, want %d", len(got), len(evs))
	}
	for i := range evs {
		if got[i] != evs[i] {
			t.Errorf("event %d: got %+v, want %+v", i, got[i], evs[i])
		}
	}
}

func TestNativeRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	evs := randFeed(r, 20, 5000)
	for i := range evs {
		evs[i].Seq = r.Uint64() // written as zero, read as zero
		evs[i].Arg = uint16(r.Uint32())
	}
	d, err := NewNativeDecoder(bytes.NewReader(encodeFeed(t, evs)))
	if err != nil {
		t.Fatal(err)
	}
	got, errs := decodeAll(t, d)
	if len(errs) != 0 || len(got) != len(evs) {
		t.Fatalf("got %d events and %d errors, want %d and 0", len(got), len(errs), len(evs))
	}
	for i := range evs {
		want := evs[i]
		want.Seq = 0
		if got[i] != want {
			t.Fatalf("event %d: got %+v, want %+v", i, got[i], want)
		}
	}
}

// TestNativeOperatorKinds: pause, unpause, approve and deny name no symbol,
// so they decode before any symbol frame, and their symbol field passes
// through unmapped like a cancel's.
func TestNativeOperatorKinds(t *testing.T) {
	evs := []event.In{
		{Kind: event.KindPause, TS: 1},
		{Kind: event.KindApprove, TS: 2, ID: 3},
		{Kind: event.KindDeny, TS: 3, ID: 1<<64 - 1},
		{Kind: event.KindUnpause, TS: 4, Symbol: 9},
		{Kind: event.KindSymbol, TS: 5, Symbol: 4, Aux: pack(t, "AAPL")}, // the feed's 4 is the table's 0
		{Kind: event.KindApprove, TS: 6, ID: 5, Symbol: 4},
	}
	d, err := NewNativeDecoder(bytes.NewReader(encodeFeed(t, evs)))
	if err != nil {
		t.Fatal(err)
	}
	got, errs := decodeAll(t, d)
	if len(errs) != 0 || len(got) != len(evs) {
		t.Fatalf("got %+v, errors %v", got, errs)
	}
	want := append([]event.In(nil), evs...)
	want[4].Symbol = 0
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func header(magic [8]byte, version, frameSize uint16, reserved uint32) []byte {
	b := make([]byte, HeaderSize)
	copy(b, magic[:])
	binary.LittleEndian.PutUint16(b[8:], version)
	binary.LittleEndian.PutUint16(b[10:], frameSize)
	binary.LittleEndian.PutUint32(b[12:], reserved)
	return b
}

func TestNativeHeaderErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrHeader},
		{"short", []byte("TEFEED\r\n\x01"), ErrHeader},
		{"bad magic", header([8]byte{'T', 'E', 'F', 'E', 'E', 'D', '\n', '\n'}, 1, 64, 0), ErrMagic},
		{"csv text", []byte("1,new,AAPL,1,1,buy,limit,100,1\n"), ErrMagic},
		{"output stream", header(OutMagic, 1, 64, 0), ErrOutStream},
		{"version 0", header(FeedMagic, 0, 64, 0), ErrVersion},
		{"version 2", header(FeedMagic, 2, 64, 0), ErrVersion},
		{"frame size 32", header(FeedMagic, 1, 32, 0), ErrFrameSize},
		{"frame size 128", header(FeedMagic, 1, 128, 0), ErrFrameSize},
		{"reserved", header(FeedMagic, 1, 64, 1<<24), ErrHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewNativeDecoder(bytes.NewReader(tt.data))
			if !errors.Is(err, tt.want) || d != nil {
				t.Fatalf("got %v, %v; want error %v", d, err, tt.want)
			}
		})
	}
	t.Run("read error", func(t *testing.T) {
		_, err := NewNativeDecoder(&errReader{data: FeedMagic[:4], err: errDisk})
		if !errors.Is(err, errDisk) {
			t.Fatalf("got %v, want %v", err, errDisk)
		}
	})
}

func TestNativeBadFrames(t *testing.T) {
	good := goldenFeed()
	tests := []struct {
		name  string
		spoil func(f []byte)
		cause error
	}{
		{"kind zero", func(f []byte) { f[0] = 0 }, event.ErrKind},
		{"kind unknown", func(f []byte) { f[0] = 99 }, event.ErrKind},
		{"version zero", func(f []byte) { f[1] = 0 }, event.ErrVersion},
		{"version future", func(f []byte) { f[1] = event.Version + 1 }, event.ErrVersion},
		{"reserved byte", func(f []byte) { f[5] = 7 }, event.ErrReserved},
		{"all zero", func(f []byte) { clear(f) }, event.ErrVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := encodeFeed(t, good)
			const bad = 3
			off := HeaderSize + bad*FrameSize
			tt.spoil(b[off : off+FrameSize])
			d, err := NewNativeDecoder(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			got, errs := decodeAll(t, d)
			if len(errs) != 1 {
				t.Fatalf("got %d decode errors, want 1: %v", len(errs), errs)
			}
			de := errs[0]
			if de.Offset != int64(off) || de.Line != 0 || !errors.Is(de, ErrFrame) || !errors.Is(de, tt.cause) {
				t.Fatalf("got %v (offset %d), want offset %d, ErrFrame and %v", de, de.Offset, off, tt.cause)
			}
			if !bytes.Equal(de.Record, b[off:off+FrameSize]) {
				t.Fatalf("record is not the bad frame")
			}
			want := append(append([]event.In(nil), good[:bad]...), good[bad+1:]...)
			if len(got) != len(want) {
				t.Fatalf("got %d events, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("event %d: got %+v, want %+v", i, got[i], want[i])
				}
			}
		})
	}
}

func TestNativeTruncated(t *testing.T) {
	for _, cut := range []int{1, 23, 63} {
		b := encodeFeed(t, goldenFeed())
		b = append(b, make([]byte, FrameSize)...)[:len(b)+cut]
		d, err := NewNativeDecoder(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		var in event.In
		for range goldenFeed() {
			if err := d.Next(&in); err != nil {
				t.Fatal(err)
			}
		}
		err = d.Next(&in)
		var de *DecodeError
		if !errors.As(err, &de) || !errors.Is(err, ErrTruncated) {
			t.Fatalf("cut %d: got %v, want a truncated-frame DecodeError", cut, err)
		}
		wantOff := int64(HeaderSize + len(goldenFeed())*FrameSize)
		if de.Offset != wantOff || len(de.Record) != cut {
			t.Fatalf("cut %d: offset %d record %d bytes; want %d and %d", cut, de.Offset, len(de.Record), wantOff, cut)
		}
		for range 2 {
			if err := d.Next(&in); err != io.EOF {
				t.Fatalf("cut %d: after the truncated frame got %v, want io.EOF", cut, err)
			}
		}
	}
}

func TestNativeReadErrorIsFatal(t *testing.T) {
	b := encodeFeed(t, goldenFeed()[:2])
	d, err := NewNativeDecoder(&errReader{data: b[:HeaderSize+FrameSize+10], err: errDisk})
	if err != nil {
		t.Fatal(err)
	}
	var in event.In
	if err := d.Next(&in); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		err := d.Next(&in)
		var de *DecodeError
		if !errors.Is(err, errDisk) || errors.As(err, &de) {
			t.Fatalf("got %v, want the fatal read error", err)
		}
	}
}

func TestNativeDecoderAllocs(t *testing.T) {
	evs := append(goldenFeed(),
		event.In{Kind: event.KindKill, Account: 7, Symbol: 0, Arg: event.KillCancel},
		event.In{Kind: event.KindSetLimit, Account: 8, Symbol: event.Any, Arg: 1, Qty: 5},
		goldenFeed()[0]) // a symbol defined again
	b := encodeFeed(t, evs)
	cr := &cycleReader{b: b[HeaderSize:]}
	d, err := NewNativeDecoder(io.MultiReader(bytes.NewReader(b[:HeaderSize]), cr))
	if err != nil {
		t.Fatal(err)
	}
	var in event.In
	if a := testing.AllocsPerRun(10000, func() {
		if err := d.Next(&in); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Fatalf("Next allocates %v times per frame, want 0", a)
	}
	e, err := NewNativeEncoder(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(10000, func() { e.Encode(&in) }); a != 0 {
		t.Fatalf("Encode allocates %v times per frame, want 0", a)
	}
}

func BenchmarkNativeDecoder(b *testing.B) {
	feed := encodeFeed(b, goldenFeed())
	d, err := NewNativeDecoder(io.MultiReader(bytes.NewReader(feed[:HeaderSize]), &cycleReader{b: feed[HeaderSize:]}))
	if err != nil {
		b.Fatal(err)
	}
	var in event.In
	b.ReportAllocs()
	b.SetBytes(FrameSize)
	for b.Loop() {
		if err := d.Next(&in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNativeEncoder(b *testing.B) {
	e, err := NewNativeEncoder(io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	in := goldenFeed()[1]
	b.ReportAllocs()
	b.SetBytes(FrameSize)
	for b.Loop() {
		e.Encode(&in)
	}
}
