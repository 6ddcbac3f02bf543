package itch

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"
)

// stock returns an 8-byte alpha, space-padded.
func stock(s string) [8]byte {
	var a [8]byte
	copy(a[:], s+strings.Repeat(" ", 8))
	return a
}

// Widest values of each width, so that a field written or read at the wrong
// width or offset shows.
const (
	max16 = 1<<16 - 1
	max32 = 1<<32 - 1
	max48 = 1<<48 - 1
	max64 = 1<<64 - 1
)

// sampleMessages returns a message of every type with every field the type
// uses set to a distinct, non-zero value (several at their widest).
func sampleMessages() []Message {
	h := func(t byte, locate uint16) Message {
		return Message{Type: t, StockLocate: locate, TrackingNumber: 0xa1b2, Timestamp: 0x0102_0304_0506}
	}
	var ms []Message
	add := func(m Message, f func(*Message)) {
		f(&m)
		ms = append(ms, m)
	}
	add(h(TypeSystemEvent, 0), func(m *Message) { m.EventCode = 'Q'; m.Timestamp = max48 })
	add(h(TypeStockDirectory, 7), func(m *Message) {
		m.Stock = stock("ZVZZT")
		m.MarketCategory = 'G'
		m.FinancialStatusIndicator = 'D'
		m.RoundLotSize = max32
		m.RoundLotsOnly = 'Y'
		m.IssueClassification = 'A'
		m.IssueSubType = [2]byte{'C', 'F'}
		m.Authenticity = 'T'
		m.ShortSaleThresholdIndicator = 'Y'
		m.IPOFlag = ' '
		m.LULDReferencePriceTier = '2'
		m.ETPFlag = 'Y'
		m.ETPLeverageFactor = 0x0a0b0c0d
		m.InverseIndicator = 'Y'
	})
	add(h(TypeStockTradingAction, max16), func(m *Message) {
		m.Stock = stock("AAPL")
		m.TradingState = 'T'
		m.Reserved = 'r'
		m.Reason = [4]byte{'L', 'U', 'D', 'P'}
	})
	add(h(TypeRegSHORestriction, 2), func(m *Message) { m.Stock = stock("MSFT"); m.RegSHOAction = '2' })
	add(h(TypeMarketParticipantPosition, 3), func(m *Message) {
		m.MPID = [4]byte{'G', 'S', 'C', 'O'}
		m.Stock = stock("ABCDEFGH")
		m.PrimaryMarketMaker = 'Y'
		m.MarketMakerMode = 'P'
		m.MarketParticipantState = 'E'
	})
	add(h(TypeMWCBDeclineLevel, 0), func(m *Message) {
		m.Level1 = 0x0102030405060708
		m.Level2 = max64
		m.Level3 = 1
	})
	add(h(TypeMWCBStatus, 0), func(m *Message) { m.BreachedLevel = '3' })
	add(h(TypeIPOQuotingPeriodUpdate, 4), func(m *Message) {
		m.Stock = stock("NEWCO")
		m.IPOQuotationReleaseTime = 36000
		m.IPOQuotationReleaseQualifier = 'C'
		m.IPOPrice = max32
	})
	add(h(TypeLULDAuctionCollar, 5), func(m *Message) {
		m.Stock = stock("TSLA")
		m.AuctionCollarReferencePrice = 1
		m.UpperAuctionCollarPrice = max32
		m.LowerAuctionCollarPrice = 0x11223344
		m.AuctionCollarExtension = 9
	})
	add(h(TypeOperationalHalt, 6), func(m *Message) {
		m.Stock = stock("AMZN")
		m.MarketCode = 'B'
		m.OperationalHaltAction = 'T'
	})
	add(h(TypeAddOrder, 8), func(m *Message) {
		m.OrderRef = max64
		m.Side = 'S'
		m.Shares = max32
		m.Stock = stock("SPY")
		m.Price = 0x89abcdef
	})
	add(h(TypeAddOrderMPID, 9), func(m *Message) {
		m.OrderRef = 0x1122334455667788
		m.Side = 'B'
		m.Shares = 100
		m.Stock = stock("QQQ")
		m.Price = 3_500_000
		m.Attribution = [4]byte{'M', 'S', 'C', 'O'}
	})
	add(h(TypeOrderExecuted, 10), func(m *Message) {
		m.OrderRef = 42
		m.ExecutedShares = max32
		m.MatchNumber = max64
	})
	add(h(TypeOrderExecutedWithPrice, 11), func(m *Message) {
		m.OrderRef = 43
		m.ExecutedShares = 7
		m.MatchNumber = 0x0f0e0d0c0b0a0908
		m.Printable = 'N'
		m.ExecutionPrice = max32
	})
	add(h(TypeOrderCancel, 12), func(m *Message) { m.OrderRef = 44; m.CanceledShares = max32 })
	add(h(TypeOrderDelete, 13), func(m *Message) { m.OrderRef = max64 })
	add(h(TypeOrderReplace, 14), func(m *Message) {
		m.OrderRef = 45
		m.NewOrderRef = max64
		m.Shares = max32
		m.Price = 0x01020304
	})
	add(h(TypeTrade, 15), func(m *Message) {
		m.OrderRef = 46
		m.Side = 'S'
		m.Shares = 0x7fffffff
		m.Stock = stock("IBM")
		m.Price = max32
		m.MatchNumber = max64
	})
	add(h(TypeCrossTrade, 16), func(m *Message) {
		m.Shares = 0x0102030405060708 // wider than 32 bits: Q's shares are 8 bytes
		m.Stock = stock("GOOG")
		m.CrossPrice = max32
		m.MatchNumber = 99
		m.CrossType = 'C'
	})
	add(h(TypeBrokenTrade, 17), func(m *Message) { m.MatchNumber = max64 })
	add(h(TypeNetOrderImbalanceIndicator, 18), func(m *Message) {
		m.PairedShares = max64
		m.ImbalanceShares = 0x0102030405060708
		m.ImbalanceDirection = 'O'
		m.Stock = stock("NVDA")
		m.FarPrice = max32
		m.NearPrice = 0x01020304
		m.CurrentReferencePrice = 5
		m.CrossType = 'H'
		m.PriceVariationIndicator = 'A'
	})
	add(h(TypeRetailPriceImprovementIndicator, 19), func(m *Message) { m.Stock = stock("META"); m.InterestFlag = 'A' })
	add(h(TypeDirectListingCapitalRaise, 20), func(m *Message) {
		m.Stock = stock("DLCR")
		m.OpenEligibilityStatus = 'N'
		m.MinimumAllowablePrice = 1
		m.MaximumAllowablePrice = max32
		m.NearExecutionPrice = 0x01020304
		m.NearExecutionTime = max64
		m.LowerPriceRangeCollar = 0x0a0b0c0d
		m.UpperPriceRangeCollar = 0x7fffffff
	})
	return ms
}

func TestRoundTrip(t *testing.T) {
	ms := sampleMessages()
	types := map[byte]bool{}
	for _, m := range ms {
		types[m.Type] = true
		t.Run(string(m.Type), func(t *testing.T) {
			b := Append(nil, &m)
			if n, _ := BodyLen(m.Type); len(b) != n {
				t.Fatalf("Append wrote %d bytes, want %d", len(b), n)
			}
			var got Message
			if err := Decode(b, &got); err != nil {
				t.Fatalf("Decode(Append(m)): %v", err)
			}
			if got != m {
				t.Errorf("Decode(Append(m)) =\n%+v\nwant\n%+v", got, m)
			}
			// Append appends: a prefix stays, and the body follows it.
			prefixed := Append([]byte("xy"), &m)
			if string(prefixed[:2]) != "xy" || !bytes.Equal(prefixed[2:], b) {
				t.Errorf("Append to a non-empty slice = % x", prefixed)
			}
		})
	}
	for t0 := range 256 {
		if _, ok := BodyLen(byte(t0)); ok != types[byte(t0)] {
			t.Errorf("type %q: known %v, in sampleMessages %v", byte(t0), ok, types[byte(t0)])
		}
	}
}

// TestRandomBodies decodes random bodies of every type and checks that
// Append gives back every byte: no byte of a body is dropped or read twice.
func TestRandomBodies(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for t0 := range 256 {
		n, ok := BodyLen(byte(t0))
		if !ok {
			continue
		}
		for range 200 {
			body := make([]byte, n)
			for i := range body {
				body[i] = byte(rng.Uint32())
			}
			body[0] = byte(t0)
			var m Message
			if err := Decode(body, &m); err != nil {
				t.Fatalf("Decode(% x): %v", body, err)
			}
			if got := Append(nil, &m); !bytes.Equal(got, body) {
				t.Fatalf("type %q: Append(Decode(b)) =\n% x\nwant\n% x", byte(t0), got, body)
			}
		}
	}
}

// TestDecodeOverwrites: decoding into a used Message leaves nothing of the
// previous message behind.
func TestDecodeOverwrites(t *testing.T) {
	ms := sampleMessages()
	for i, m := range ms {
		prev := ms[(i+1)%len(ms)]
		got := prev
		if err := Decode(Append(nil, &m), &got); err != nil {
			t.Fatal(err)
		}
		if got != m {
			t.Errorf("type %q decoded over type %q:\n%+v\nwant\n%+v", m.Type, prev.Type, got, m)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	add := Append(nil, &sampleMessages()[10])
	if add[0] != TypeAddOrder {
		t.Fatalf("sampleMessages()[10] is type %q", add[0])
	}
	tests := []struct {
		name     string
		body     []byte
		want     error
		contains []string
	}{
		{"empty", nil, ErrSize, []string{"empty"}},
		{"unknown type", []byte{'Z', 0, 0}, ErrUnknownType, []string{"'Z'"}},
		{"type zero", make([]byte, 12), ErrUnknownType, []string{`'\x00'`}},
		{"lowercase a", append([]byte{'a'}, add[1:]...), ErrUnknownType, []string{"'a'"}},
		{"header only", add[:HeaderLen], ErrSize, []string{"'A'", "11", "36"}},
		{"one short", add[:len(add)-1], ErrSize, []string{"'A'", "35", "36"}},
		{"one long", append(add[:len(add):len(add)], 0), ErrSize, []string{"'A'", "37", "36"}},
		{"type byte only", []byte{'S'}, ErrSize, []string{"'S'", "length 1", "12"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Message{Type: 'x', Price: 1}
			err := Decode(tc.body, &m)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Decode = %v, want %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "itch: ") || strings.Count(err.Error(), "itch:") != 1 {
				t.Errorf("error %q: want one \"itch: \" prefix", err)
			}
			for _, s := range tc.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %s", err, s)
				}
			}
			if m != (Message{Type: 'x', Price: 1}) {
				t.Errorf("failed Decode changed m: %+v", m)
			}
		})
	}
}

func TestAppendUnknownType(t *testing.T) {
	m := sampleMessages()[0]
	m.Type = 'Z'
	if got := Append([]byte("keep"), &m); string(got) != "keep" {
		t.Errorf("Append of type 'Z' = %q, want dst unchanged", got)
	}
}

// TestAppendTruncatesWide: a value wider than its field keeps its low-order
// bytes, and the body keeps its length.
func TestAppendTruncatesWide(t *testing.T) {
	m := Message{Type: TypeAddOrder, Timestamp: 1<<48 | 5, Shares: 1<<32 | 7}
	var got Message
	if err := Decode(Append(nil, &m), &got); err != nil {
		t.Fatal(err)
	}
	if got.Timestamp != 5 || got.Shares != 7 {
		t.Errorf("Timestamp %d, Shares %d; want 5 and 7", got.Timestamp, got.Shares)
	}
}

func TestDecodeAllocs(t *testing.T) {
	ms := sampleMessages()
	var bodies [][]byte
	for _, m := range ms {
		bodies = append(bodies, Append(nil, &m))
	}
	var m Message
	allocs := testing.AllocsPerRun(100, func() {
		for _, b := range bodies {
			if err := Decode(b, &m); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("Decode allocates %.1f times per %d messages", allocs, len(bodies))
	}
	buf := make([]byte, 0, MaxBodyLen)
	allocs = testing.AllocsPerRun(100, func() {
		for i := range ms {
			buf = Append(buf[:0], &ms[i])
		}
	})
	if allocs != 0 {
		t.Errorf("Append to a large enough slice allocates %.1f times", allocs)
	}
}

// TestMessageLayout pins the size and the hot prefix the Message
// documentation states.
func TestMessageLayout(t *testing.T) {
	var m Message
	if got := unsafe.Sizeof(m); got != 240 {
		t.Errorf("Sizeof(Message) = %d, documented 240", got)
	}
	if got := unsafe.Offsetof(m.Attribution) + unsafe.Sizeof(m.Attribution); got != 83 {
		t.Errorf("header and order fields end at %d, documented 83", got)
	}
	for _, off := range []uintptr{unsafe.Offsetof(m.Timestamp), unsafe.Offsetof(m.OrderRef), unsafe.Offsetof(m.Stock),
		unsafe.Offsetof(m.Price), unsafe.Offsetof(m.Side)} {
		if off >= 83 {
			t.Errorf("a hot field at offset %d", off)
		}
	}
}

// TestBodyLenTable: every length is at least the header, at most
// MaxBodyLen, and MaxBodyLen is reached.
func TestBodyLenTable(t *testing.T) {
	known, longest := 0, 0
	for t0 := range 256 {
		n, ok := BodyLen(byte(t0))
		if !ok {
			continue
		}
		known++
		longest = max(longest, n)
		if n < HeaderLen+1 || n > MaxBodyLen {
			t.Errorf("type %q: length %d", byte(t0), n)
		}
	}
	if known != 23 || longest != MaxBodyLen {
		t.Errorf("%d types known, longest %d; want 23 and %d", known, longest, MaxBodyLen)
	}
}
