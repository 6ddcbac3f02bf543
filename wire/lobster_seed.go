package wire

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/tradeengine/engine/event"
)

// lobDummyPrice is the magnitude of the price LOBSTER writes for an empty
// level (-9999999999 for a bid, 9999999999 for an ask).
const lobDummyPrice = 9999999999

// SeedBook reads the first row of a LOBSTER orderbook file
// (AskPrice1,AskSize1,BidPrice1,BidSize1,AskPrice2,...) and makes the decoder
// place one synthetic resting Limit order per non-empty level, owned by
// Config.SeedAccount with ids from [LOBSTERSeedIDBase] up, right after the
// symbol definition. Row 1 is the book after message 1, so the decoder
// first undoes message 1 on it to get the book the file starts from. It must
// be called before the first Next.
func (d *LOBSTERDecoder) SeedBook(orderbook io.Reader) error {
	if d.started {
		return fmt.Errorf("%w: lobster: seed after the first event", ErrConfig)
	}
	br := bufio.NewReaderSize(orderbook, bufSize)
	line, err := br.ReadSlice('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("wire: lobster orderbook: read line 1: %w", err)
	}
	levels, p := parseBookRow(trimEOL(line))
	if p != nil {
		return &DecodeError{Line: 1, Record: append([]byte(nil), line...), Err: p}
	}
	d.seed = levels
	return nil
}

// parseBookRow parses one orderbook row into its non-empty levels, best
// first, asks and bids interleaved.
func parseBookRow(row []byte) ([]bookLevel, *problem) {
	var levels []bookLevel
	var vals [4]int64
	n, start := 0, 0
	for i := 0; i <= len(row); i++ {
		if i < len(row) && row[i] != ',' {
			continue
		}
		f := trimSpace(row[start:i])
		start = i + 1
		v, e := parseInt(f)
		if e != numOK {
			name := [...]string{"ask price", "ask size", "bid price", "bid size"}[n%4]
			return nil, badValue(e.sentinel(), f, n+1, name)
		}
		vals[n%4] = v
		n++
		if n%4 != 0 {
			continue
		}
		if vals[1] > 0 && vals[0] != lobDummyPrice {
			levels = append(levels, bookLevel{side: event.Sell, price: vals[0], size: vals[1]})
		}
		if vals[3] > 0 && vals[2] != -lobDummyPrice {
			levels = append(levels, bookLevel{side: event.Buy, price: vals[2], size: vals[3]})
		}
	}
	if n%4 != 0 || n == 0 {
		return nil, &problem{sentinel: ErrFieldCount, detail: strconv.Itoa(n) + " fields, want a multiple of 4"}
	}
	return levels, nil
}

// undo takes message m's effect off the seeding book, turning the book after
// message 1 into the book before it.
func (d *LOBSTERDecoder) undo(m *lobMsg) {
	if len(d.seed) == 0 {
		return
	}
	var delta int64
	switch m.typ {
	case 1:
		delta = -m.size
	case 2, 3, 4:
		delta = m.size
	default:
		return
	}
	for i := range d.seed {
		if l := &d.seed[i]; l.side == m.side && l.price == m.price {
			l.size += delta
			return
		}
	}
	if delta > 0 {
		d.seed = append(d.seed, bookLevel{side: m.side, price: m.price, size: delta})
	}
}

// LoadLOBSTER reads a whole LOBSTER message file into input events (see
// [LOBSTERDecoder] for the mapping). With cfg.SeedFromBook, the first row of
// the orderbook file at orderbookPath seeds the book; otherwise orderbookPath
// may be "". The first malformed line stops the load with its DecodeError.
func LoadLOBSTER(messagePath, orderbookPath string, cfg LOBSTERConfig) ([]event.In, LOBSTERStats, error) {
	mf, err := os.Open(messagePath)
	if err != nil {
		return nil, LOBSTERStats{}, fmt.Errorf("wire: lobster: %w", err)
	}
	defer mf.Close()
	d := NewLOBSTERDecoder(mf, cfg)
	if cfg.SeedFromBook {
		if orderbookPath == "" {
			return nil, LOBSTERStats{}, fmt.Errorf("%w: lobster: seeding from the book needs the orderbook file", ErrConfig)
		}
		bf, err := os.Open(orderbookPath)
		if err != nil {
			return nil, LOBSTERStats{}, fmt.Errorf("wire: lobster: %w", err)
		}
		err = d.SeedBook(bf)
		bf.Close()
		if err != nil {
			return nil, LOBSTERStats{}, fmt.Errorf("wire: lobster: %s: %w", orderbookPath, err)
		}
	}
	var evs []event.In
	if fi, err := mf.Stat(); err == nil {
		evs = make([]event.In, 0, fi.Size()/40+16) // a message line is about 40 bytes
	}
	for {
		var in event.In
		err := d.Next(&in)
		if err == io.EOF {
			return evs, d.Stats(), nil
		}
		if err != nil {
			return nil, d.Stats(), fmt.Errorf("wire: lobster: %s: %w", messagePath, err)
		}
		evs = append(evs, in)
	}
}

// LOBSTERLevel is one level of one side of a LOBSTER orderbook row; an empty
// level (LOBSTER's ±9999999999 padding) has Size 0 and Price 0.
type LOBSTERLevel struct {
	Price int64
	Size  int64
}

// LOBSTERBookReader reads a LOBSTER orderbook file row by row.
type LOBSTERBookReader struct {
	br   *bufio.Reader
	line int64
	off  int64
}

// NewLOBSTERBookReader returns a reader of the orderbook file read from r.
func NewLOBSTERBookReader(r io.Reader) *LOBSTERBookReader {
	return &LOBSTERBookReader{br: bufio.NewReaderSize(r, bufSize)}
}

// Next reads the next row into asks and bids, best first, up to len(asks)
// and len(bids) levels (the rest of the row is checked and ignored; levels
// the row does not have are empty), and returns how many levels the row
// holds. It returns io.EOF after the last row and a *[DecodeError] naming
// the row for a malformed one (the reader goes on with the next).
func (b *LOBSTERBookReader) Next(asks, bids []LOBSTERLevel) (int, error) {
	line, err := b.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return 0, fmt.Errorf("wire: lobster orderbook: row %d longer than %d bytes", b.line+1, bufSize)
	}
	if err != nil && (err != io.EOF || len(line) == 0) {
		if err == io.EOF {
			return 0, io.EOF
		}
		return 0, fmt.Errorf("wire: lobster orderbook: row %d: %w", b.line+1, err)
	}
	b.line++
	off := b.off
	b.off += int64(len(line))
	clear(asks)
	clear(bids)
	row := trimEOL(line)
	var vals [4]int64
	n, start, lv := 0, 0, 0
	for i := 0; i <= len(row); i++ {
		if i < len(row) && row[i] != ',' {
			continue
		}
		f := trimSpace(row[start:i])
		start = i + 1
		v, e := parseInt(f)
		if e != numOK {
			name := [...]string{"ask price", "ask size", "bid price", "bid size"}[n%4]
			return 0, &DecodeError{Line: b.line, Offset: off, Record: append([]byte(nil), line...), Err: badValue(e.sentinel(), f, n+1, name)}
		}
		vals[n%4] = v
		n++
		if n%4 != 0 {
			continue
		}
		if lv < len(asks) && vals[1] > 0 && vals[0] != lobDummyPrice {
			asks[lv] = LOBSTERLevel{Price: vals[0], Size: vals[1]}
		}
		if lv < len(bids) && vals[3] > 0 && vals[2] != -lobDummyPrice {
			bids[lv] = LOBSTERLevel{Price: vals[2], Size: vals[3]}
		}
		lv++
	}
	if n%4 != 0 || n == 0 {
		return 0, &DecodeError{Line: b.line, Offset: off, Record: append([]byte(nil), line...),
			Err: &problem{sentinel: ErrFieldCount, detail: strconv.Itoa(n) + " fields, want a multiple of 4"}}
	}
	return lv, nil
}

// AppendLOBSTERBookRow appends one orderbook row in LOBSTER's format:
// AskPrice1,AskSize1,BidPrice1,BidSize1,... for len(asks) levels (asks and
// bids the same length), empty levels padded as LOBSTER pads them, and a
// line feed.
func AppendLOBSTERBookRow(dst []byte, asks, bids []LOBSTERLevel) []byte {
	for i := range asks {
		if i > 0 {
			dst = append(dst, ',')
		}
		a, b := asks[i], bids[i]
		if a.Size <= 0 {
			a = LOBSTERLevel{Price: lobDummyPrice}
		}
		if b.Size <= 0 {
			b = LOBSTERLevel{Price: -lobDummyPrice}
		}
		dst = strconv.AppendInt(dst, a.Price, 10)
		dst = append(dst, ',')
		dst = strconv.AppendInt(dst, a.Size, 10)
		dst = append(dst, ',')
		dst = strconv.AppendInt(dst, b.Price, 10)
		dst = append(dst, ',')
		dst = strconv.AppendInt(dst, b.Size, 10)
	}
	return append(dst, '\n')
}
