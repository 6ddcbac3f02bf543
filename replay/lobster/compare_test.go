package lobster

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/wire"
)

// A hand-written day the engine reproduces exactly: LOBSTER's
// Time,Type,OrderID,Size,Price,Direction, and the book after each message
// at two levels (AskPrice1,AskSize1,BidPrice1,BidSize1,AskPrice2,...).
const handMessages = `34200.000000001,1,1,100,1000,1
34200.000000002,1,2,50,1010,-1
34200.000000003,1,3,30,1000,1
34200.000000004,4,1,40,1000,1
34200.000000005,2,3,10,1000,1
34200.000000006,3,2,50,1010,-1
34200.000000007,5,0,7,1005,1
34200.000000008,1,4,20,990,1
`

var handBook = []string{
	"9999999999,0,1000,100,9999999999,0,-9999999999,0",
	"1010,50,1000,100,9999999999,0,-9999999999,0",
	"1010,50,1000,130,9999999999,0,-9999999999,0",
	"1010,50,1000,90,9999999999,0,-9999999999,0",
	"1010,50,1000,80,9999999999,0,-9999999999,0",
	"9999999999,0,1000,80,9999999999,0,-9999999999,0",
	"9999999999,0,1000,80,9999999999,0,-9999999999,0",
	"9999999999,0,1000,80,9999999999,0,990,20",
}

func bookFile(rows []string) string { return strings.Join(rows, "\n") + "\n" }

func compare(t *testing.T, msgs, book string, opt Options) (*Report, error) {
	t.Helper()
	if opt.Symbol == "" {
		opt.Symbol = "TEST"
	}
	return Compare(strings.NewReader(msgs), strings.NewReader(book), opt)
}

func TestCompareHandWritten(t *testing.T) {
	var out bytes.Buffer
	r, err := compare(t, handMessages, bookFile(handBook), Options{BookOut: &out})
	if err != nil {
		t.Fatal(err)
	}
	if r.Messages != 8 || r.Levels != 2 || r.TopAgree != 8 || r.AllAgree != 8 || r.FirstTopDiff != 0 || len(r.Diffs) != 0 {
		t.Errorf("report %+v: want all 8 rows to agree at 2 levels", r)
	}
	if r.FIFOChecked != 1 || r.FIFOAgree != 1 || r.FileVolume != 40 || r.EngineVolume != 40 || r.HiddenVolume != 7 {
		t.Errorf("fifo %d/%d, volume %d/%d, hidden %d: want 1/1, 40/40, 7", r.FIFOAgree, r.FIFOChecked, r.EngineVolume, r.FileVolume, r.HiddenVolume)
	}
	if got := out.String(); got != bookFile(handBook) {
		t.Errorf("book out:\n%s\nwant the orderbook file:\n%s", got, bookFile(handBook))
	}
}

func TestCompareFindsDifferences(t *testing.T) {
	t.Run("a size", func(t *testing.T) {
		rows := append([]string(nil), handBook...)
		rows[4] = "1010,50,1000,81,9999999999,0,-9999999999,0"
		r, err := compare(t, handMessages, bookFile(rows), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.TopAgree != 7 || r.AllAgree != 7 || r.FirstTopDiff != 5 || len(r.Diffs) != 1 {
			t.Fatalf("report %+v: want row 5 alone to differ", r)
		}
		d := r.Diffs[0]
		if d.Row != 5 || d.Side != "bid" || d.Level != 1 || d.File != (Level{1000, 81}) || d.Engine != (Level{1000, 80}) || !strings.HasPrefix(d.Message, "34200.000000005,2,3,10,1000,1") {
			t.Errorf("diff %+v", d)
		}
	})
	t.Run("a second level", func(t *testing.T) {
		rows := append([]string(nil), handBook...)
		rows[7] = "9999999999,0,1000,80,9999999999,0,980,20"
		r, err := compare(t, handMessages, bookFile(rows), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.TopAgree != 8 || r.AllAgree != 7 || len(r.Diffs) != 1 || r.Diffs[0].Level != 2 {
			t.Errorf("report %+v: want row 8's second bid level to differ, its top to agree", r)
		}
		r1, err := compare(t, handMessages, bookFile(rows), Options{Levels: 1})
		if err != nil || r1.AllAgree != 8 || r1.Levels != 1 {
			t.Errorf("one level: %+v, %v: want every row to agree", r1, err)
		}
	})
	t.Run("fifo", func(t *testing.T) {
		// The execution names order 3, behind order 1 at the same price:
		// price-time priority fills order 1.
		msgs := strings.Replace(handMessages, "34200.000000004,4,1,40", "34200.000000004,4,3,20", 1)
		r, err := compare(t, msgs, bookFile(handBook), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.FIFOChecked != 1 || r.FIFOAgree != 0 || r.FileVolume != 20 || r.EngineVolume != 20 {
			t.Errorf("fifo %d/%d volume %d/%d: want 0/1 and 20/20", r.FIFOAgree, r.FIFOChecked, r.EngineVolume, r.FileVolume)
		}
	})
}

func TestCompareRejects(t *testing.T) {
	tests := []struct {
		name       string
		msgs, book string
		opt        Options
		want       error
		has        string
	}{
		{"fewer rows", handMessages, bookFile(handBook[:7]), Options{}, ErrRows, "before message line 8"},
		{"more rows", handMessages, bookFile(append(handBook, handBook[7])), Options{}, ErrRows, "more rows"},
		{"bad row", handMessages, bookFile(append(append([]string(nil), handBook[:3]...), "1010,x")), Options{}, nil, "orderbook: wire: line 4"},
		{"bad message", strings.Replace(handMessages, "34200.000000003,1,3", "34200.000000003,9,3", 1), bookFile(handBook), Options{}, nil, "line 3"},
		{"levels", handMessages, bookFile(handBook), Options{Levels: MaxLevels + 1}, nil, "levels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compare(t, tc.msgs, tc.book, tc.opt)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.has) {
				t.Errorf("err %v, want %v saying %q", err, tc.want, tc.has)
			}
		})
	}
}

func TestReportWriters(t *testing.T) {
	rows := append([]string(nil), handBook...)
	rows[4] = "1010,50,1000,81,9999999999,0,-9999999999,0"
	r, err := compare(t, handMessages, bookFile(rows), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var txt, js bytes.Buffer
	if err := r.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"top of book agrees  87.50% (7 rows), first differs at row 5", "row 5: bid 1: file 1000 x 81, engine 1000 x 80"} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, txt.String())
		}
	}
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Report
		Shares struct{ Top float64 } `json:"shares"`
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.TopAgree != 7 || back.Shares.Top != 0.875 || len(back.Diffs) != 1 || back.Diffs[0].Row != 5 {
		t.Errorf("json: %+v", back)
	}
}

// TestCompareRealDays runs every message+orderbook pair in ../shared/data:
// the comparison covers every message, the seeded book agrees with the
// file's first row, and the file's visible volume is what an independent
// read of the message file sums.
func TestCompareRealDays(t *testing.T) {
	msgs, _ := filepath.Glob("../../../shared/data/lobster_*/*_message_*.csv")
	n := 0
	for _, m := range msgs {
		b := strings.Replace(m, "_message_", "_orderbook_", 1)
		if _, err := os.Stat(b); err != nil {
			continue
		}
		n++
		t.Run(filepath.Base(filepath.Dir(m)), func(t *testing.T) {
			mf, err := os.Open(m)
			if err != nil {
				t.Fatal(err)
			}
			defer mf.Close()
			bf, err := os.Open(b)
			if err != nil {
				t.Fatal(err)
			}
			defer bf.Close()
			sym, _, _ := strings.Cut(filepath.Base(m), "_")
			r, err := Compare(mf, bf, Options{Symbol: sym})
			if err != nil {
				t.Fatal(err)
			}
			lines, volume := messageStats(t, m)
			if r.Messages != lines || r.FileVolume != volume {
				t.Errorf("%d messages, visible volume %d; the file has %d and %d", r.Messages, r.FileVolume, lines, volume)
			}
			// Re-synchronised: every row agrees or differs only by a level
			// the file reveals, and the engine trades the file's volume.
			mf.Seek(0, io.SeekStart)
			bf.Seek(0, io.SeekStart)
			sf, err := os.Open(b)
			if err != nil {
				t.Fatal(err)
			}
			defer sf.Close()
			rs, err := Compare(mf, bf, Options{Symbol: sym, SyncBook: sf})
			if err != nil {
				t.Fatal(err)
			}
			if rs.AllAgree+rs.Revealed != rs.Messages || rs.EngineVolume != rs.FileVolume || rs.TopAgree < r.TopAgree {
				t.Errorf("synced: %d rows agree, %d differ by revealed levels, of %d; volume %d of %d", rs.AllAgree, rs.Revealed, rs.Messages, rs.EngineVolume, rs.FileVolume)
			}
			t.Logf("%s synced: step top %.2f%%, all %.2f%%, all or revealed %.2f%%, fifo %.2f%%", sym, 100*rs.TopShare(), 100*rs.AllShare(), 100*rs.RevealedShare(), 100*rs.FIFOShare())
			if len(r.Diffs) > 0 && r.Diffs[0].Row == 1 {
				t.Errorf("row 1 differs: %+v (the book is seeded from it)", r.Diffs[0])
			}
			if r.AllAgree > r.TopAgree || r.TopAgree > r.Messages || r.FIFOAgree > r.FIFOChecked || r.Levels < 1 {
				t.Errorf("inconsistent report %+v", r)
			}
			t.Logf("%s: top %.2f%%, all %.2f%%, fifo %.2f%%, volume ratio %.4f", sym, 100*r.TopShare(), 100*r.AllShare(), 100*r.FIFOShare(), r.VolumeRatio())
		})
	}
	if n == 0 {
		t.Skip("no LOBSTER message+orderbook pair in ../shared/data")
	}
}

// messageStats reads a message file with encoding/csv: its lines and the
// shares of its visible executions (type 4).
func messageStats(t *testing.T, path string) (lines, volume int64) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := csv.NewReader(f)
	rd.FieldsPerRecord = -1
	recs, err := rd.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		lines++
		if rec[1] == "4" {
			v, err := strconv.ParseInt(rec[3], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			volume += v
		}
	}
	return lines, volume
}

// TestCompareSync: re-synchronised, the hand-written day agrees row for
// row; a level the file reveals from below its depth is the only
// difference left, and is counted as such.
func TestCompareSync(t *testing.T) {
	r, err := Compare(strings.NewReader(handMessages), strings.NewReader(bookFile(handBook)),
		Options{Symbol: "TEST", SyncBook: strings.NewReader(bookFile(handBook))})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Synced || r.AllAgree != 8 || r.Revealed != 0 || r.Import.Syncs == 0 {
		t.Errorf("report %+v", r)
	}
	// Level 1 only: the delete of the best ask reveals 1020, which no
	// message placed.
	msgs := "34200.1,1,1,10,1010,-1\n34200.2,3,1,10,1010,-1\n"
	book := bookFile([]string{"1010,10,1000,50", "1020,30,1000,50"})
	r, err = Compare(strings.NewReader(msgs), strings.NewReader(book), Options{Symbol: "TEST", SyncBook: strings.NewReader(book)})
	if err != nil {
		t.Fatal(err)
	}
	if r.AllAgree != 1 || r.Revealed != 1 || r.RevealedShare() != 1 || len(r.Diffs) != 1 || !r.Diffs[0].Revealed || r.Diffs[0].Row != 2 {
		t.Errorf("report %+v, diffs %+v: want row 2 to differ only by the revealed ask", r, r.Diffs)
	}
	// Unsynced, the same difference is not excused if a message explains
	// the level: a new order at 1020 that the engine lost would count.
	if revealed(wire.LOBSTERLevel{Price: 1020, Size: 30}, nil, &wire.LOBSTERMessage{Type: 1, Side: event.Sell, Price: 1020}, event.Sell) {
		t.Error("a level a new order placed was taken for revealed")
	}
}
