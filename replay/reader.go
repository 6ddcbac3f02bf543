package replay

import (
	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
)

// EventReader reads the input events of a journal one at a time, from a
// given sequence on: it decodes each record, of any input type, and hands
// out its events in order, skipping those before the sequence asked for
// (a block record that starts earlier).
type EventReader struct {
	rd   *journal.Reader
	from uint64
	evs  []event.In // the events of the record being read
	i    int        // the next of them
	cmd  bool       // they come from a RecordCommand
	err  error
}

// Command reports whether the event Next returned last is an operator's
// command from the admin socket (a RecordCommand), not a feed's event.
func (r *EventReader) Command() bool { return r.cmd }

// LastCommand returns the operator's command the event Next returned last
// came from, with who sent it and what they typed; false for a feed's
// event.
func (r *EventReader) LastCommand() (Command, bool) {
	if !r.cmd {
		return Command{}, false
	}
	c, err := DecodeCommand(r.rd.Record())
	return c, err == nil
}

// Unread makes the next Next return the event the last one returned again.
func (r *EventReader) Unread() {
	if r.i > 0 {
		r.i--
	}
}

// NewEventReader returns a reader of the events of the journal in dir from
// sequence from (0: the oldest kept); see [journal.NewReader].
func NewEventReader(dir string, from uint64) (*EventReader, error) {
	rd, err := journal.NewReader(dir, from)
	if err != nil {
		return nil, err
	}
	return &EventReader{rd: rd, from: from}, nil
}

// Next returns the next event, valid until the following call, or false at
// the end of what is written or on an error (Err says which).
func (r *EventReader) Next() (*event.In, bool) {
	for r.err == nil {
		for ; r.i < len(r.evs); r.i++ {
			if in := &r.evs[r.i]; in.Seq >= r.from {
				r.i++
				return in, true
			}
		}
		if !r.rd.Next() {
			r.err = r.rd.Err()
			return nil, false
		}
		rec := r.rd.Record()
		r.evs, r.err = AppendEvents(r.evs[:0], rec)
		r.cmd = rec.Type == RecordCommand
		r.i = 0
	}
	return nil, false
}

// Err returns the error that stopped the reader: the journal's, or a record
// that does not decode (ErrRecord).
func (r *EventReader) Err() error { return r.err }

// Close releases the journal reader.
func (r *EventReader) Close() error { return r.rd.Close() }
