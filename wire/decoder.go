package wire

import "github.com/tradeengine/engine/event"

// Decoder reads input events from a feed.
//
// Next returns io.EOF at the clean end of the feed; a *[DecodeError] for one
// malformed record, after which Next may be called again (the decoder has
// skipped that record); any other error is fatal (an I/O error) and is
// returned again by every later call.
type Decoder interface {
	Next(in *event.In) error
}

// Interface checks.
var (
	_ Decoder   = (*NativeDecoder)(nil)
	_ Decoder   = (*CSVDecoder)(nil)
	_ Decoder   = (*LOBSTERDecoder)(nil)
	_ OutWriter = (*OutCSV)(nil)
	_ OutWriter = (*OutJSON)(nil)
	_ OutWriter = (*OutNative)(nil)
)
