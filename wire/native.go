package wire

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"github.com/tradeengine/engine/event"
)

// NativeDecoder reads a native binary feed (see the package documentation).
// Next does not allocate for a good frame.
//
// The feed's symbol ids are its own: the decoder keeps a [Symbols] table,
// numbered densely from 0 in order of definition (or continuing a seed, see
// [NativeDecoder.Seed]), and maps the id each symbol frame defines to the
// table's id of its name, so that a feed numbered densely from 0 and not
// seeded keeps its ids. A frame naming a symbol id no symbol frame (or seed)
// defined, a symbol frame redefining an id with another name or a name that
// differs from a known one only by case, and an account scope (mass cancel,
// kill, clear, setlimit) naming an account no new order named are malformed.
// The kinds that name no symbol (cancel, replace, pause, unpause, approve,
// deny) keep their symbol field as it is, unchecked.
type NativeDecoder struct {
	fr      frameReader
	syms    Symbols
	feedIDs []uint32 // by feed symbol id: table id + 1, | feedDefined once a frame defined it; 0 = undefined
	accts   accounts
	guard   formatGuard
	started bool
	seeded  bool
}

// feedDefined marks an entry of NativeDecoder.feedIDs set by a symbol frame
// (not by a seed).
const feedDefined = 1 << 31

// NewNativeDecoder reads and checks the stream header from r: a bad magic,
// an unsupported version or a wrong frame size is an error.
func NewNativeDecoder(r io.Reader) (*NativeDecoder, error) {
	fr, err := newFrameReader(r, FeedMagic, "native feed")
	if err != nil {
		return nil, err
	}
	return &NativeDecoder{fr: fr, guard: formatGuard{format: "native feed", unit: "records"}}, nil
}

// Seed makes syms and accounts known before the first Next, as [Seeder]
// says. A seeded id that no symbol frame of the feed redefines keeps its
// meaning: the feed continues the journal's numbering. A symbol frame maps
// its id to the table's id of its name, or to the next id for a new name.
func (d *NativeDecoder) Seed(syms []SymbolDef, accounts []uint32) error {
	s, a, err := seedTables("native feed", d.started || d.seeded, syms, accounts)
	if err != nil {
		return err
	}
	d.feedIDs = make([]uint32, s.Len())
	for i := range d.feedIDs {
		d.feedIDs[i] = uint32(i) + 1
	}
	d.syms, d.accts, d.seeded = s, a, true
	return nil
}

// Symbols returns the decoder's symbol table (ids as the decoder emits them).
func (d *NativeDecoder) Symbols() *Symbols { return &d.syms }

// Next decodes the next frame into in, with in.Seq zero and the symbol id
// mapped (see [NativeDecoder]). It returns io.EOF at the clean end; a
// *DecodeError for a frame that does not decode or is malformed (Next may be
// called again: the frame was skipped) or for a truncated last frame (then
// io.EOF); any other error is fatal, among them one wrapping
// [ErrNotThisFormat] in place of the [MaxLeadingMalformed]th malformed frame
// when no frame before it was valid, or in place of io.EOF when every frame
// was malformed.
func (d *NativeDecoder) Next(in *event.In) error {
	err := d.next(in)
	if err == nil && d.guard.valid {
		return nil
	}
	return d.guard.check(err)
}

func (d *NativeDecoder) next(in *event.In) error {
	d.started = true
	if d.guard.err != nil {
		return d.guard.err
	}
	off, err := d.fr.next()
	if err != nil {
		return err
	}
	if err := in.Decode(d.fr.frame[:]); err != nil {
		return d.fr.frameError(off, err)
	}
	in.Seq = 0
	if p := d.resolve(in); p != nil {
		return &DecodeError{Offset: off, Record: append([]byte(nil), d.fr.frame[:]...), Err: p}
	}
	return nil
}

// resolve maps in's symbol id and checks its account scope; on a problem it
// changes nothing but in.
func (d *NativeDecoder) resolve(in *event.In) *problem {
	scope := false
	switch in.Kind {
	case event.KindCancel, event.KindReplace, event.KindPause, event.KindUnpause, event.KindApprove, event.KindDeny:
		return nil // their symbol means nothing
	case event.KindSymbol:
		return d.define(in)
	case event.KindMassCancel, event.KindKill, event.KindClear, event.KindSetLimit:
		scope = true
	}
	if !scope || in.Symbol != event.Any {
		fid := in.Symbol
		if int64(fid) >= int64(len(d.feedIDs)) || d.feedIDs[fid] == 0 {
			return &problem{sentinel: ErrUnknownSymbol, text: "unknown symbol id " + strconv.FormatUint(uint64(fid), 10),
				detail: "only symbol frames define one"}
		}
		in.Symbol = d.feedIDs[fid]&^feedDefined - 1
	}
	switch {
	case scope:
		if in.Account != event.Any && !d.accts.known(in.Account) {
			return &problem{sentinel: ErrUnknownAccount, text: "unknown account " + strconv.FormatUint(uint64(in.Account), 10),
				detail: "only a new order makes an account known; 4294967295 is all accounts"}
		}
	case in.Kind == event.KindNew && in.Account != event.Any && !d.accts.known(in.Account):
		if d.accts.full() {
			return &problem{sentinel: ErrTooManyAccounts, text: "too many accounts: account " + strconv.FormatUint(uint64(in.Account), 10),
				detail: "limit " + strconv.Itoa(MaxAccounts)}
		}
		d.accts.add(in.Account)
	}
	return nil
}

// define applies a symbol frame to the table and maps its id.
func (d *NativeDecoder) define(in *event.In) *problem {
	fid := in.Symbol
	if fid >= MaxSymbols {
		return &problem{sentinel: ErrTooManySymbols, text: "too many symbols: symbol id " + strconv.FormatUint(uint64(fid), 10),
			detail: "limit " + strconv.Itoa(MaxSymbols)}
	}
	if int(fid) < len(d.feedIDs) && d.feedIDs[fid]&feedDefined != 0 {
		tid := d.feedIDs[fid]&^feedDefined - 1
		if p, _ := d.syms.Packed(tid); p != in.Aux {
			old, _ := d.syms.Name(tid)
			return &problem{sentinel: ErrSymbolOrder, text: "symbol id " + strconv.FormatUint(uint64(fid), 10) + " is " +
				strconv.Quote(old) + ", redefined as " + strconv.Quote(packedText(in.Aux))}
		}
		in.Symbol = tid
		return nil
	}
	name, ok := event.UnpackName(in.Aux)
	if !ok {
		return &problem{sentinel: ErrSymbolName, detail: "symbol id " + strconv.FormatUint(uint64(fid), 10) +
			": aux " + strconv.FormatUint(in.Aux, 16) + " (hex) is not a packed name"}
	}
	tid, known := d.syms.Lookup(name)
	if !known {
		if twin, ok := d.syms.caseTwin([]byte(name)); ok {
			return caseProblem(name, twin)
		}
		if d.syms.Len() >= MaxSymbols {
			return &problem{sentinel: ErrTooManySymbols, text: "too many symbols: " + strconv.Quote(name),
				detail: "limit " + strconv.Itoa(MaxSymbols)}
		}
		tid = d.syms.add(name, in.Aux)
	}
	for int(fid) >= len(d.feedIDs) {
		d.feedIDs = append(d.feedIDs, 0)
	}
	d.feedIDs[fid] = (tid + 1) | feedDefined
	in.Symbol = tid
	return nil
}

// packedText is a packed name for a message: the name if it is one, else
// its hex value.
func packedText(p uint64) string {
	if n, ok := event.UnpackName(p); ok {
		return n
	}
	return "0x" + strconv.FormatUint(p, 16)
}

// Offset returns the byte offset of the next frame.
func (d *NativeDecoder) Offset() int64 { return d.fr.off }

// NativeEncoder writes a native binary feed.
type NativeEncoder struct {
	bw    *bufio.Writer
	frame [FrameSize]byte
}

// NewNativeEncoder writes the stream header to w and returns an encoder for
// the frames that follow.
func NewNativeEncoder(w io.Writer) (*NativeEncoder, error) {
	var h [HeaderSize]byte
	putHeader(h[:], FeedMagic)
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("wire: native feed: write header: %w", err)
	}
	return &NativeEncoder{bw: bufio.NewWriterSize(w, bufSize)}, nil
}

// Encode writes in as one frame, with the seq field zero. It does not
// allocate.
func (e *NativeEncoder) Encode(in *event.In) error {
	in.Encode(e.frame[:])
	clear(e.frame[16:24])
	if _, err := e.bw.Write(e.frame[:]); err != nil {
		return fmt.Errorf("wire: native feed: write frame: %w", err)
	}
	return nil
}

// Flush writes any buffered frames to the underlying writer.
func (e *NativeEncoder) Flush() error {
	if err := e.bw.Flush(); err != nil {
		return fmt.Errorf("wire: native feed: flush: %w", err)
	}
	return nil
}

// Buffered returns how many bytes the decoder holds that it can decode
// without reading again. A caller batching events from a live stream
// publishes what it has before calling Next when Buffered is 0, since that
// Next may block.
func (d *NativeDecoder) Buffered() int { return d.fr.br.Buffered() }
