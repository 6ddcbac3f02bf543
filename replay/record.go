package replay

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
)

// Journal record types of input events, beside RecordInputBlock (block.go),
// which is what a run writes. Part of the journal format; a run reads all
// three.
const (
	// RecordInput: one event, the payload its canonical 64-byte encoding
	// (96 bytes of journal per event; the first format).
	RecordInput uint8 = 1
	// RecordInputPacked: one event, the payload its canonical encoding
	// without bytes 16..32, the sequence and the time, which the record's
	// header carries (80 bytes of journal per event; written until
	// RecordInputBlock).
	RecordInputPacked uint8 = 2
)

// PutPacked encodes in as the payload of a RecordInputPacked record into
// b, which holds at least PackedSize bytes: engines no longer write the
// format, tools and tests that make older journals do.
func PutPacked(b []byte, in *event.In) {
	var full [event.Size]byte
	in.Encode(full[:])
	copy(b[:16], full[:16])
	copy(b[16:PackedSize], full[32:])
}

// PackedSize is the payload size of a RecordInputPacked record.
const PackedSize = event.Size - 16

// AppendEvents decodes the input events of rec, a record of any of the
// input types, and appends them to dst in sequence order: a
// RecordInputBlock's Count events; the event of a RecordCommand; the one
// event of a RecordInput,
// checking that its header and payload agree; the one of a
// RecordInputPacked, taking the sequence and the time from the header.
// Errors wrap ErrRecord.
func AppendEvents(dst []event.In, rec journal.Record) ([]event.In, error) {
	if rec.Type == RecordInputBlock {
		if rec.Count == 0 {
			return dst, fmt.Errorf("%w: record %d: block of 0 events", ErrRecord, rec.Seq)
		}
		return appendBlock(dst, rec)
	}
	if rec.Type == RecordCommand {
		c, err := DecodeCommand(rec)
		if err != nil {
			return dst, err
		}
		return append(dst, c.In), nil
	}
	if rec.Count > 1 {
		return dst, fmt.Errorf("%w: record %d: type %d covers %d sequences, want 1", ErrRecord, rec.Seq, rec.Type, rec.Count)
	}
	var in event.In
	if err := decodeSingle(rec, &in); err != nil {
		return dst, err
	}
	return append(dst, in), nil
}

// decodeSingle decodes a record of one of the single-event types into in.
func decodeSingle(rec journal.Record, in *event.In) error {
	switch rec.Type {
	case RecordInputPacked:
		if len(rec.Payload) != PackedSize {
			return fmt.Errorf("%w: record %d: packed input of %d bytes, want %d", ErrRecord, rec.Seq, len(rec.Payload), PackedSize)
		}
		var full [event.Size]byte
		copy(full[:16], rec.Payload[:16])
		binary.LittleEndian.PutUint64(full[16:], rec.Seq)
		binary.LittleEndian.PutUint64(full[24:], uint64(rec.TS))
		copy(full[32:], rec.Payload[16:])
		if err := in.Decode(full[:]); err != nil {
			return fmt.Errorf("%w: record %d: %w", ErrRecord, rec.Seq, err)
		}
		return nil
	case RecordInput:
		if err := in.Decode(rec.Payload); err != nil {
			return fmt.Errorf("%w: record %d: %w", ErrRecord, rec.Seq, err)
		}
		if in.Seq != rec.Seq || in.TS != rec.TS {
			return fmt.Errorf("%w: record %d: payload says seq %d ts %d, header ts %d", ErrRecord, rec.Seq, in.Seq, in.TS, rec.TS)
		}
		return nil
	}
	return fmt.Errorf("%w: record %d: type %d, want %d, %d, %d or %d (input)", ErrRecord, rec.Seq, rec.Type, RecordInputBlock, RecordCommand, RecordInputPacked, RecordInput)
}

// ErrRecord is wrapped by the errors of AppendEvents.
var ErrRecord = errors.New("replay: bad input record")
