package wire

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
)

// nextAll calls next until io.EOF or ErrNotThisFormat, at most limit times,
// failing the test on another fatal error or if a decoder does not make
// progress.
func nextAll(t *testing.T, limit int, next func() error) {
	t.Helper()
	for range limit {
		err := next()
		if err == io.EOF || errors.Is(err, ErrNotThisFormat) {
			return
		}
		var de *DecodeError
		if err != nil && !errors.As(err, &de) {
			t.Fatalf("fatal error from an in-memory reader: %v", err)
		}
		if de != nil && (de.Err == nil || len(de.Record) > MaxLineLen || de.Error() == "") {
			t.Fatalf("malformed DecodeError %#v", de)
		}
	}
	t.Fatalf("no io.EOF after %d calls", limit)
}

// checkKnown fails the test unless in names only symbols defined in syms
// (a symbol event: the last one defined) and, in an account scope, only
// accounts of earlier new orders (recorded in accts) or all of them. The
// kinds that name no symbol are not checked.
func checkKnown(t *testing.T, in *event.In, syms *Symbols, accts map[uint32]bool) {
	t.Helper()
	switch in.Kind {
	case event.KindCancel, event.KindReplace, event.KindPause, event.KindUnpause, event.KindApprove, event.KindDeny:
		return
	case event.KindNew:
		accts[in.Account] = true
	case event.KindMassCancel, event.KindKill, event.KindClear, event.KindSetLimit:
		if !accts[in.Account] {
			t.Fatalf("%+v names an unknown account", in)
		}
		if in.Symbol == event.Any {
			return
		}
	}
	if int(in.Symbol) >= syms.Len() {
		t.Fatalf("%+v names symbol %d, %d defined", in, in.Symbol, syms.Len())
	}
	if p, _ := syms.Packed(in.Symbol); in.Kind == event.KindSymbol && p != in.Aux {
		t.Fatalf("%+v defines a name the table has not", in)
	}
}

func FuzzNativeDecoder(f *testing.F) {
	var buf bytes.Buffer
	e, _ := NewNativeEncoder(&buf)
	for _, in := range goldenFeed() {
		e.Encode(&in)
	}
	e.Flush()
	feed := buf.Bytes()
	f.Add(feed)
	f.Add(feed[:HeaderSize])
	f.Add(feed[:len(feed)-5])
	spoiled := bytes.Clone(feed)
	spoiled[HeaderSize+FrameSize] = 0
	f.Add(spoiled)
	f.Add([]byte("TEFEED\r\n"))
	msft, _ := event.PackName("MSFT")
	f.Add(encodeFeed(f, []event.In{
		{Kind: event.KindSymbol, Symbol: 3, Aux: msft},
		{Kind: event.KindHalt, Symbol: 3},
		{Kind: event.KindHalt, Symbol: 0},
		{Kind: event.KindKill, Account: 7, Symbol: event.Any},
		{Kind: event.KindSymbol, Symbol: 3, Aux: msft + 1},
	}))
	f.Add(encodeFeed(f, []event.In{
		{Kind: event.KindPause, Symbol: 7},
		{Kind: event.KindApprove, ID: 3},
		{Kind: event.KindDeny, ID: 1<<64 - 1, Symbol: event.Any},
		{Kind: event.KindUnpause},
	}))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := NewNativeDecoder(bytes.NewReader(data))
		if err != nil {
			return
		}
		var frame [FrameSize]byte
		accts := map[uint32]bool{event.Any: true}
		nextAll(t, len(data)/FrameSize+3, func() error {
			var in event.In
			off := d.Offset()
			err := d.Next(&in)
			var de *DecodeError
			if errors.As(err, &de) && de.Offset != off {
				t.Fatalf("DecodeError at offset %d, frame was at %d", de.Offset, off)
			}
			if err != nil {
				return err
			}
			if in.Seq != 0 {
				t.Fatalf("seq %d, want 0", in.Seq)
			}
			checkKnown(t, &in, d.Symbols(), accts)
			in.Encode(frame[:])
			clear(frame[16:24])
			var again event.In
			if err := again.Decode(frame[:]); err != nil || again != in {
				t.Fatalf("round trip: %+v -> %+v, %v", in, again, err)
			}
			return nil
		})
	})
}

func FuzzOutNativeDecoder(f *testing.F) {
	var buf bytes.Buffer
	w, _ := NewOutNative(&buf)
	for _, o := range goldenOut() {
		w.Write(&o)
	}
	w.Flush()
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:HeaderSize+FrameSize+9])
	f.Add([]byte("TEOUTS\r\n\x01\x00\x40\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := NewOutNativeDecoder(bytes.NewReader(data))
		if err != nil {
			return
		}
		var frame [FrameSize]byte
		nextAll(t, len(data)/FrameSize+3, func() error {
			var o event.Out
			if err := d.Next(&o); err != nil {
				return err
			}
			o.Encode(frame[:])
			var again event.Out
			if err := again.Decode(frame[:]); err != nil || again != o {
				t.Fatalf("round trip: %+v -> %+v, %v", o, again, err)
			}
			return nil
		})
	})
}

func FuzzCSVDecoder(f *testing.F) {
	f.Add([]byte("100,new,AAPL,7,1,buy,limit,18950,100\n 101 , NEW , AAPL , 8 , 2 , S , IOC , 18950 , 60 , CB , 99\n"))
	f.Add([]byte("# c\n\n,cancel,7,1\r\n105,replace,8,2,18949,40\n106,masscancel,*,*\n107,masscancel,7,MSFT\n"))
	f.Add([]byte("109,halt,AAPL\n110,resume,AAPL\n111,symbol,AAPL\n112,symbol,BRK.A\n-1,new,X,4294967295,1,b,fok,0,0\n"))
	f.Add([]byte("1,new,A B,1,1,buy,limit,1,1\n1,foo\n1\n\n,,,,,,,,,,,,,,"))
	f.Add([]byte("1,kill,7,*\n2,kill,*,AAPL,cancel\n3,clear,*,*\n4,setlimit,*,*,32780,2000000\n5,parent,7,AAPL,buy,500,9\n6,kill,*,*,x\n"))
	f.Add([]byte("1,new,AAPL,7,1,buy,limit,1,1\n2,kill,*,APPL,cancel\n3,halt,aapl\n4,new,aApl,7,2,s,ioc,1,1\n5,kill,8,*\n6,kill,7,AAPL\n"))
	f.Add([]byte(strings.Repeat("x\n", MaxLeadingMalformed+1) + "1,symbol,A\n"))
	f.Add([]byte("1,pause\n2,approve,3\n3,DENY,18446744073709551615\n,unpause\n4,approve\n5,deny,-1\n6,pause,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewCSVDecoder(bytes.NewReader(data))
		var evs []event.In
		accts := map[uint32]bool{event.Any: true}
		nextAll(t, 2*len(data)+3, func() error {
			var in event.In
			if err := d.Next(&in); err != nil {
				return err
			}
			checkKnown(t, &in, d.Symbols(), accts)
			evs = append(evs, in)
			return nil
		})
		// Whatever decodes encodes, and decodes again to the same events.
		var buf bytes.Buffer
		e := NewCSVEncoder(&buf)
		for i := range evs {
			if err := e.Encode(&evs[i]); err != nil {
				t.Fatalf("encode %+v: %v", evs[i], err)
			}
		}
		e.Flush()
		got, errs := decodeAll(t, NewCSVDecoder(&buf))
		if len(errs) != 0 || len(got) != len(evs) {
			t.Fatalf("re-decoded %d events and %v, want %d events", len(got), errs, len(evs))
		}
		for i := range evs {
			if got[i] != evs[i] {
				t.Fatalf("event %d: %+v re-decoded as %+v", i, evs[i], got[i])
			}
		}
	})
}

func FuzzLOBSTERDecoder(f *testing.F) {
	f.Add([]byte("34200.017459617,5,0,1,2238200,-1\n34200.18960767,1,11885113,21,2238100,1\n34200.190226476,4,11885113,21,2238100,1\n"),
		[]byte("2239500,100,2231800,100\n"))
	f.Add([]byte("34200.1,2,5,10,1,1\n34200.2,3,5,10,1,-1\n34201,6,-1,45725,33552100,-1,null\n34203,7,0,0,-1,-1\n34205,7,0,0,1,-1\n"),
		[]byte("1,2,3,4,5,6,7,8"))
	f.Add([]byte("x\n,,,,,,\n1.0000000001,1,1,1,1,1\n"), []byte(""))
	f.Fuzz(func(t *testing.T, msgs, book []byte) {
		d := NewLOBSTERDecoder(bytes.NewReader(msgs), DefaultLOBSTERConfig("X"))
		seeded := d.SeedBook(bytes.NewReader(book)) == nil
		var n int64
		nextAll(t, 2*len(msgs)+len(book)+3, func() error {
			var in event.In
			if err := d.Next(&in); err != nil {
				return err
			}
			if n == 0 && in.Kind != event.KindSymbol {
				t.Fatalf("first event %+v, want the symbol definition", in)
			}
			if !in.Kind.Valid() || in.Symbol != 0 {
				t.Fatalf("event %+v", in)
			}
			if in.ID >= LOBSTERSeedIDBase && in.ID < LOBSTERTakerIDBase && (!seeded || in.Account != 65) {
				t.Fatalf("seed id outside seeding: %+v", in)
			}
			n++
			return nil
		})
		if st := d.Stats(); st.Events != n || st.Messages < st.New+st.Deletes+st.PartialCancels {
			t.Fatalf("%d events, stats %+v", n, st)
		}
	})
}

// FuzzLOBSTERMessages: reading a LOBSTER file message by message gives the
// events Next gives, in order, whatever the bytes.
func FuzzLOBSTERMessages(f *testing.F) {
	f.Add([]byte("34200.017459617,5,0,1,2238200,-1\n34200.18960767,1,11885113,21,2238100,1\n34200.190226476,4,11885113,21,2238100,1\n"),
		[]byte("2239500,100,2231800,100\n"))
	f.Add([]byte("34200.1,2,5,10,1,1\nbad\n34200.2,3,5,10,1,-1\n34203,7,0,0,-1,-1\n34205,7,0,0,1,-1\n"), []byte("1,2,3,4,5,6,7,8"))
	f.Add([]byte("34200.1,1,1,100,1000,1\n34200.2,3,99,40,990,1\n34200.3,1,2,5,1010,-1\n"),
		[]byte("9999999999,0,1000,100,9999999999,0,990,60\n9999999999,0,1000,100,9999999999,0,990,20\n1010,5,1000,100,9999999999,0,990,20\n"))
	f.Fuzz(func(t *testing.T, msgs, book []byte) {
		a := NewLOBSTERDecoder(bytes.NewReader(msgs), DefaultLOBSTERConfig("X"))
		b := NewLOBSTERDecoder(bytes.NewReader(msgs), DefaultLOBSTERConfig("X"))
		if (a.SeedBook(bytes.NewReader(book)) == nil) != (b.SeedBook(bytes.NewReader(book)) == nil) {
			t.Fatal("seeding differs")
		}
		synced := false
		if len(msgs) > 0 && msgs[0]%2 == 1 {
			// Re-synchronised from the same orderbook bytes: a book that
			// runs out before the messages stops both at the same message.
			ea, eb := a.SyncBook(bytes.NewReader(book)), b.SyncBook(bytes.NewReader(book))
			if (ea == nil) != (eb == nil) {
				t.Fatal("sync differs")
			}
			synced = ea == nil
		}
		var viaNext []event.In
		guarded := false
		for range 2*len(msgs) + len(book) + 3 {
			var in event.In
			err := a.Next(&in)
			if err == io.EOF {
				break
			}
			if errors.Is(err, ErrNotThisFormat) {
				guarded = true
				break
			}
			var de *DecodeError
			if err != nil && !errors.As(err, &de) {
				if !synced {
					t.Fatalf("fatal error from an in-memory reader: %v", err)
				}
				break
			}
			if err == nil {
				viaNext = append(viaNext, in)
			}
		}
		var viaMsg []event.In
		var m LOBSTERMessage
		msgsRead := 0
		for range 2*len(msgs) + 3 {
			var err error
			n := len(viaMsg)
			viaMsg, err = b.NextMessage(&m, viaMsg)
			if err == io.EOF {
				break
			}
			var de *DecodeError
			if err != nil && !errors.As(err, &de) {
				if !synced {
					t.Fatalf("fatal error from an in-memory reader: %v", err)
				}
				break
			}
			if err == nil {
				msgsRead++
				if m.Type < 1 || m.Type > 7 || m.Line < 1 {
					t.Fatalf("message %+v", m)
				}
			} else if len(viaMsg) != n {
				t.Fatal("a malformed line gave events")
			}
		}
		if guarded || msgsRead == 0 {
			return
		}
		if len(viaNext) != len(viaMsg) {
			t.Fatalf("Next gave %d events, NextMessage %d", len(viaNext), len(viaMsg))
		}
		for i := range viaNext {
			if viaNext[i] != viaMsg[i] {
				t.Fatalf("event %d: Next %+v, NextMessage %+v", i, viaNext[i], viaMsg[i])
			}
		}
	})
}

// FuzzLOBSTERBookReader: any bytes read as rows or errors, never a panic;
// a row read and written again reads back the same.
func FuzzLOBSTERBookReader(f *testing.F) {
	f.Add([]byte("2239500,100,2231800,100\n9999999999,0,-9999999999,0\n"), 1)
	f.Add([]byte("1,2,3,4,5,6,7,8\n1,2,3\n,,,\n"), 2)
	f.Fuzz(func(t *testing.T, data []byte, levels int) {
		levels = 1 + (levels&0x7fffffff)%12
		r := NewLOBSTERBookReader(bytes.NewReader(data))
		asks, bids := make([]LOBSTERLevel, levels), make([]LOBSTERLevel, levels)
		for range len(data) + 2 {
			n, err := r.Next(asks, bids)
			if err == io.EOF {
				return
			}
			var de *DecodeError
			if err != nil {
				if !errors.As(err, &de) && !strings.Contains(err.Error(), "longer than") {
					t.Fatalf("error %v", err)
				}
				continue
			}
			if n < 1 {
				t.Fatalf("a row of %d levels", n)
			}
			row := AppendLOBSTERBookRow(nil, asks, bids)
			back := NewLOBSTERBookReader(bytes.NewReader(row))
			a2, b2 := make([]LOBSTERLevel, levels), make([]LOBSTERLevel, levels)
			if m, err := back.Next(a2, b2); err != nil || m != levels || !slices.Equal(a2, asks) || !slices.Equal(b2, bids) {
				t.Fatalf("row %q read back as %v %v (%d, %v), want %v %v", row, a2, b2, m, err, asks, bids)
			}
		}
		t.Fatal("no io.EOF")
	})
}

// FuzzITCHDecoder: any bytes read as events or malformed records, every
// event of a valid kind, never a panic or a loop.
func FuzzITCHDecoder(f *testing.F) {
	f.Add(itchStream(f, itchDay()))
	f.Add([]byte{0, 3, 'A', 0, 0, 0, 12, 'S', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'O'})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewITCHDecoder(bytes.NewReader(data))
		nextAll(t, len(data)+3, func() error {
			var in event.In
			err := d.Next(&in)
			if err == nil && !in.Kind.Valid() {
				t.Fatalf("event %+v", in)
			}
			return err
		})
	})
}
