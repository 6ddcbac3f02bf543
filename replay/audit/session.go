package audit

import (
	"fmt"

	"github.com/tradeengine/engine/replay"
)

// FromSession replays s to its end into a report: every input with its
// outputs, each operator command with who sent it, and the journal's
// integrity as the session found it (journal.Verify, the digest
// checkpoints compared). tick, when not nil, is called once per input (a
// progress bar).
func FromSession(s *replay.Session, tick func()) (*Report, error) {
	b := New()
	for s.Next() {
		in := s.In()
		if s.IsCommand() {
			if c, ok := s.Command(); ok {
				b.Operator(Operator{Seq: in.Seq, TS: in.TS, UID: c.UID, GID: c.GID, PID: c.PID, Text: c.Text, Kind: in.Kind})
			}
		}
		b.Input(in, s.Outs())
		if tick != nil {
			tick()
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	res := s.Result()
	integ := Integrity{
		Verified: s.VerifyErr == nil, FirstSeq: s.Journal.FirstSeq, LastSeq: s.Journal.LastSeq,
		FirstTS: res.FirstTS, LastTS: res.LastTS,
		Checkpoints: res.Checkpoints, CheckpointsMatched: res.Matched,
	}
	if s.VerifyErr != nil {
		integ.VerifyError = s.VerifyErr.Error()
	}
	if d := res.Divergence; d != nil {
		integ.FirstDivergence = fmt.Sprintf("at the checkpoint after sequence %d (last match at %d); books %v, accounts %v differ", d.Seq, d.After, d.Books, d.Accounts)
	}
	return b.Report(integ), nil
}
