package replay

import (
	"encoding/binary"
	"fmt"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
)

// A RecordCommand record holds one operator command that came in over the
// admin socket: the input event it became, who sent it and what they typed,
// so that an audit of the journal says who did what, and a replay applies
// the event in sequence like any other. Part of the journal format:
//
//	+----------------------+---------+---------+---------+----------+------+
//	| event (canonical)    | uid     | gid     | pid     | text len | text |
//	| 64                   | u32     | u32     | i32     | u16      | len  |
//	+----------------------+---------+---------+---------+----------+------+
//
// little-endian; the event's Seq and TS equal the record header's, and the
// record covers one sequence. Text is at most MaxCommandText bytes.
const RecordCommand uint8 = 4

// MaxCommandText is the longest command text a RecordCommand holds: the
// admin socket's longest line.
const MaxCommandText = 4096

const commandFixed = event.Size + 4 + 4 + 4 + 2

// Command is an operator command as journaled: the event, the peer and the
// text.
type Command struct {
	In   event.In
	UID  uint32
	GID  uint32
	PID  int32
	Text string
}

// AppendCommand appends the payload of a RecordCommand for c to b.
func AppendCommand(b []byte, c *Command) []byte {
	text := c.Text
	if len(text) > MaxCommandText {
		text = text[:MaxCommandText]
	}
	var ev [event.Size]byte
	c.In.Encode(ev[:])
	b = append(b, ev[:]...)
	b = binary.LittleEndian.AppendUint32(b, c.UID)
	b = binary.LittleEndian.AppendUint32(b, c.GID)
	b = binary.LittleEndian.AppendUint32(b, uint32(c.PID))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(text)))
	return append(b, text...)
}

// DecodeCommand decodes a RecordCommand record. Errors wrap ErrRecord.
func DecodeCommand(rec journal.Record) (Command, error) {
	var c Command
	if rec.Type != RecordCommand {
		return c, fmt.Errorf("%w: record %d: type %d, want %d (command)", ErrRecord, rec.Seq, rec.Type, RecordCommand)
	}
	if rec.Count > 1 {
		return c, fmt.Errorf("%w: record %d: command covers %d sequences, want 1", ErrRecord, rec.Seq, rec.Count)
	}
	p := rec.Payload
	if len(p) < commandFixed {
		return c, fmt.Errorf("%w: record %d: command of %d bytes, want at least %d", ErrRecord, rec.Seq, len(p), commandFixed)
	}
	if err := c.In.Decode(p[:event.Size]); err != nil {
		return c, fmt.Errorf("%w: record %d: %w", ErrRecord, rec.Seq, err)
	}
	if c.In.Seq != rec.Seq || c.In.TS != rec.TS {
		return c, fmt.Errorf("%w: record %d: command event says seq %d ts %d, header ts %d", ErrRecord, rec.Seq, c.In.Seq, c.In.TS, rec.TS)
	}
	q := p[event.Size:]
	c.UID = binary.LittleEndian.Uint32(q)
	c.GID = binary.LittleEndian.Uint32(q[4:])
	c.PID = int32(binary.LittleEndian.Uint32(q[8:]))
	n := int(binary.LittleEndian.Uint16(q[12:]))
	if n > MaxCommandText || len(q)-14 != n {
		return c, fmt.Errorf("%w: record %d: command text of %d bytes in %d", ErrRecord, rec.Seq, n, len(q)-14)
	}
	c.Text = string(q[14:])
	return c, nil
}
