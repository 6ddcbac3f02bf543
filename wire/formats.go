package wire

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tradeengine/engine/event"
)

// Stream is what a format carries.
type Stream uint8

// Streams.
const (
	// StreamFeed is input events: what engine run reads (--format), and
	// what engine gen and engine journal dump write (--out-format).
	StreamFeed Stream = 1 + iota
	// StreamOutput is output events: what engine run and engine replay
	// write (--out-format).
	StreamOutput
)

// String returns "feed" or "output".
func (s Stream) String() string {
	switch s {
	case StreamFeed:
		return "feed"
	case StreamOutput:
		return "output"
	}
	return "stream?"
}

// FormatSpec is one row of [Formats]: a format of one stream, the names it
// goes by on the command line, and how a path says it is that format.
type FormatSpec struct {
	Name   string
	Stream Stream
	// Feed is the feed format for StreamFeed rows that can be read (the
	// decoder [OpenFeed] makes), FormatUnknown otherwise.
	Feed Format
	// Exts are the extensions (lower case, with the dot) that name this
	// format for a path of this stream; Pattern, when set, is a
	// filepath.Match pattern on the base name that names it before any
	// extension does (a LOBSTER message file is a .csv).
	Exts    []string
	Pattern string
	// Read and Write say what the engine does with the format: read it as
	// input, write it as output.
	Read, Write bool
	// What describes the format for help texts.
	What string
}

// Formats is the one table of the engine's formats and extensions: every
// subcommand parses --format (the input's format) and --out-format (the
// output's) and guesses a format from a path through it. An extension names
// at most one format per stream (TestFormatsTable); .bin is the native
// format of either stream, which the magic at the start of the file tells
// apart.
var Formats = []FormatSpec{
	{Name: "csv", Stream: StreamFeed, Feed: FormatCSV, Exts: []string{".csv", ".txt"}, Read: true, Write: true,
		What: "the CSV feed for people"},
	{Name: "native", Stream: StreamFeed, Feed: FormatNative, Exts: []string{".feed", ".bin", ".native"}, Read: true, Write: true,
		What: "native binary feed frames"},
	{Name: "lobster", Stream: StreamFeed, Feed: FormatLOBSTER, Pattern: "*_message_*.csv", Read: true,
		What: "a LOBSTER message file (TICKER_DATE_START_END_message_LEVEL.csv)"},
	{Name: "itch", Stream: StreamFeed, Feed: FormatITCH, Exts: []string{".itch"}, Read: true,
		What: "NASDAQ TotalView-ITCH 5.0 in BinaryFILE framing"},
	{Name: "jsonl", Stream: StreamFeed, Exts: []string{".jsonl", ".json", ".ndjson"}, Write: true,
		What: "input events as JSON lines (engine journal dump)"},
	{Name: "csv", Stream: StreamOutput, Exts: []string{".csv", ".txt"}, Read: false, Write: true,
		What: "output events as CSV"},
	{Name: "jsonl", Stream: StreamOutput, Exts: []string{".jsonl", ".json", ".ndjson"}, Write: true,
		What: "output events as JSON lines"},
	{Name: "native", Stream: StreamOutput, Exts: []string{".out", ".bin", ".native"}, Write: true,
		What: "native binary output frames"},
	{Name: "itch", Stream: StreamOutput, Exts: []string{".itch"}, Write: true,
		What: "the engine's market data as NASDAQ ITCH 5.0 (BinaryFILE)"},
}

// FormatNames returns the names of the formats of stream that the engine
// reads (read set) or writes, in the table's order, for flag help and
// errors.
func FormatNames(stream Stream, read bool) []string {
	var names []string
	for _, f := range Formats {
		if f.Stream == stream && (read && f.Read || !read && f.Write) && !slices.Contains(names, f.Name) {
			names = append(names, f.Name)
		}
	}
	return names
}

// LookupFormat returns the format of stream named name (ignoring case) that
// the engine reads (read set) or writes. An unknown name, or one the engine
// does not read or write in that stream, is an error wrapping [ErrFormat]
// that lists the names it would take.
func LookupFormat(stream Stream, name string, read bool) (FormatSpec, error) {
	verb := "write"
	if read {
		verb = "read"
	}
	for _, f := range Formats {
		if f.Stream != stream || !strings.EqualFold(f.Name, name) {
			continue
		}
		if read && f.Read || !read && f.Write {
			return f, nil
		}
		return FormatSpec{}, fmt.Errorf("%w: %q: the engine does not %s %s as a %s (want %s)", ErrFormat, name, verb, f.Name, stream, strings.Join(FormatNames(stream, read), ", "))
	}
	return FormatSpec{}, fmt.Errorf("%w: %q (want %s)", ErrFormat, name, strings.Join(FormatNames(stream, read), ", "))
}

// FormatOfPath returns the format of stream that path's name says, by the
// table's patterns first and then its extensions, and whether one did.
func FormatOfPath(stream Stream, path string) (FormatSpec, bool) {
	base := strings.ToLower(filepath.Base(path))
	for _, f := range Formats {
		if f.Stream == stream && f.Pattern != "" {
			if ok, _ := filepath.Match(f.Pattern, base); ok {
				return f, true
			}
		}
	}
	ext := filepath.Ext(base)
	for _, f := range Formats {
		if f.Stream == stream && ext != "" && slices.Contains(f.Exts, ext) {
			return f, true
		}
	}
	return FormatSpec{}, false
}

// FeedFormat decides the format of a feed to read: the name given (an
// explicit --format; "" or "auto" to guess), else the magic at the start of
// r (a native feed), else the path's name (see [FormatOfPath]), else CSV. A
// path of "" or "-" (stdin) has no name to go by.
func FeedFormat(name, path string, r *bufio.Reader) (Format, error) {
	if name != "" && !strings.EqualFold(name, "auto") {
		f, err := LookupFormat(StreamFeed, name, true)
		if err != nil {
			return FormatUnknown, err
		}
		return f.Feed, nil
	}
	sniffed, err := Sniff(r)
	if err != nil || sniffed == FormatNative {
		return sniffed, err
	}
	if f, ok := FormatOfPath(StreamFeed, path); ok && f.Read && path != "-" {
		return f.Feed, nil
	}
	return FormatCSV, nil
}

// FeedOptions are what opening a feed may need beyond its bytes.
type FeedOptions struct {
	// LOBSTER is the configuration of a LOBSTER message file (the symbol
	// name among others), and Book, when not nil, the orderbook file whose
	// first row seeds the book.
	LOBSTER LOBSTERConfig
	Book    io.Reader
	// SyncBook, when not nil, is the orderbook file again (its own
	// reader), to re-synchronise the book before every message (see
	// LOBSTERDecoder.SyncBook).
	SyncBook io.ReadSeeker
}

// OpenFeed returns the decoder of a feed in format f over r.
func OpenFeed(f Format, r io.Reader, opt FeedOptions) (Decoder, error) {
	switch f {
	case FormatNative:
		d, err := NewNativeDecoder(r)
		if err != nil {
			return nil, err
		}
		return d, nil
	case FormatCSV:
		return NewCSVDecoder(r), nil
	case FormatLOBSTER:
		d := NewLOBSTERDecoder(r, opt.LOBSTER)
		if opt.Book != nil {
			if err := d.SeedBook(opt.Book); err != nil {
				return nil, fmt.Errorf("wire: lobster book: %w", err)
			}
		}
		if opt.SyncBook != nil {
			if err := d.SyncBook(opt.SyncBook); err != nil {
				return nil, err
			}
		}
		return d, nil
	case FormatITCH:
		return NewITCHDecoder(r), nil
	}
	return nil, fmt.Errorf("%w: %v cannot be read as a feed", ErrFormat, f)
}

// FeedEncoder writes input events in a feed format: [CSVEncoder] and
// [NativeEncoder].
type FeedEncoder interface {
	Encode(in *event.In) error
	Flush() error
}

// NewFeedEncoder returns the encoder of the feed format named name (one
// [FormatNames](StreamFeed, false) gives, other than jsonl, which engine
// journal dump writes itself) over w.
func NewFeedEncoder(name string, w io.Writer) (FeedEncoder, error) {
	f, err := LookupFormat(StreamFeed, name, false)
	if err != nil {
		return nil, err
	}
	switch f.Feed {
	case FormatCSV:
		return NewCSVEncoder(w), nil
	case FormatNative:
		e, err := NewNativeEncoder(w)
		if err != nil {
			return nil, err
		}
		return e, nil
	}
	return nil, fmt.Errorf("%w: %q: no encoder of that feed format here", ErrFormat, name)
}

// NewOutWriter returns the writer of the output format named name over w;
// appending says that w continues a stream an earlier run began (no header,
// no magic).
func NewOutWriter(name string, w io.Writer, appending bool) (OutWriter, error) {
	f, err := LookupFormat(StreamOutput, name, false)
	if err != nil {
		return nil, err
	}
	switch f.Name {
	case "csv":
		if appending {
			return NewOutCSVAppend(w), nil
		}
		return NewOutCSV(w), nil
	case "jsonl":
		return NewOutJSON(w), nil
	case "native":
		if appending {
			return NewOutNativeAppend(w), nil
		}
		o, err := NewOutNative(w)
		if err != nil {
			return nil, err
		}
		return o, nil
	case "itch":
		if appending {
			// Its adds, executions and cancels refer to orders an earlier
			// run published: the writer would need their sizes.
			return nil, fmt.Errorf("%w: itch output cannot continue a stream an earlier run began", ErrUnencodable)
		}
		return NewOutITCH(w), nil
	}
	return nil, fmt.Errorf("%w: %q: no writer of that output format here", ErrFormat, name)
}
