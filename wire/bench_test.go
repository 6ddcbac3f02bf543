package wire

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
)

// benchFeed is a CSV feed of orders, cancels and replaces with one symbol.
const benchFeed = "1,symbol,AAPL\n" +
	"34200000000100,new,AAPL,7,1,buy,limit,18950,100\n" +
	"34200000000200,new,AAPL,8,2,sell,ioc,18950,60,cancel-both,99\n" +
	"34200000000300,replace,7,1,18949,40\n" +
	"34200000000400,cancel,7,1\n"

// BenchmarkCSVDecode compares the decoder with a baseline built on
// encoding/csv and strconv, parsing the same lines into the same events.
func BenchmarkCSVDecode(b *testing.B) {
	lines := strings.SplitAfter(benchFeed, "\n")
	body := []byte(strings.Join(lines[1:], ""))
	per := int64(len(body)) / 4
	b.Run("wire", func(b *testing.B) {
		d := NewCSVDecoder(io.MultiReader(strings.NewReader(lines[0]), &cycleReader{b: body}))
		var in event.In
		d.Next(&in)
		b.ReportAllocs()
		b.SetBytes(per)
		for b.Loop() {
			if err := d.Next(&in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline=encoding-csv", func(b *testing.B) {
		r := csv.NewReader(&cycleReader{b: body})
		r.FieldsPerRecord = -1
		r.ReuseRecord = true
		syms := map[string]uint32{"AAPL": 0}
		var in event.In
		b.ReportAllocs()
		b.SetBytes(per)
		for b.Loop() {
			rec, err := r.Read()
			if err != nil {
				b.Fatal(err)
			}
			in = event.In{}
			in.TS, _ = strconv.ParseInt(rec[0], 10, 64)
			switch strings.ToLower(rec[1]) {
			case "new":
				in.Kind, in.Symbol = event.KindNew, syms[rec[2]]
				a, _ := strconv.ParseUint(rec[3], 10, 32)
				in.Account = uint32(a)
				in.ID, _ = strconv.ParseUint(rec[4], 10, 64)
				in.Price, _ = strconv.ParseInt(rec[7], 10, 64)
				in.Qty, _ = strconv.ParseInt(rec[8], 10, 64)
			case "cancel", "replace":
				in.Kind = event.KindCancel
				a, _ := strconv.ParseUint(rec[2], 10, 32)
				in.Account = uint32(a)
				in.ID, _ = strconv.ParseUint(rec[3], 10, 64)
			}
		}
		_ = in
	})
}

// BenchmarkOutJSONBaseline is encoding/json marshalling a struct with the
// fields OutJSON writes for a trade, the baseline for BenchmarkOutWriters/json.
func BenchmarkOutJSONBaseline(b *testing.B) {
	type trade struct {
		Seq          uint64 `json:"seq"`
		TS           int64  `json:"ts"`
		Kind         string `json:"kind"`
		Symbol       string `json:"symbol"`
		ID           uint64 `json:"id"`
		Account      uint32 `json:"account"`
		Side         string `json:"side"`
		Price        int64  `json:"price"`
		Qty          int64  `json:"qty"`
		Maker        uint64 `json:"maker"`
		MakerAccount uint32 `json:"maker_account"`
	}
	o := goldenOut()[4]
	enc := json.NewEncoder(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		enc.Encode(trade{o.Seq, o.TS, o.Kind.String(), "AAPL", o.ID, o.Account, o.Side.String(), o.Price, o.Qty, o.Other, o.OtherAccount})
	}
}
