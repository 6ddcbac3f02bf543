package replay

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/matcher"
	"github.com/tradeengine/engine/risk"
)

// Options says how to replay a journal on its own (Open).
type Options struct {
	// FromStart replays from the journal's first event. Otherwise the
	// replay starts from the newest usable snapshot at or before where it
	// stops (Until, or the journal's end), or from the first event when
	// there is none.
	FromStart bool
	// Until stops after this sequence (0: at the journal's end).
	Until uint64
	// UntilTS stops before the first event later than this event time, in
	// ns since the epoch (0: no limit).
	UntilTS int64
	// Override replays under Risk instead of the journaled risk
	// configurations: a what-if (Risk nil turns the guard off). The
	// checkpoints are then not compared: the outputs differ by design.
	Risk     *risk.Config
	Override bool
	// Base gives what a journaled configuration does not say (sizes);
	// zero: DefaultConfig's.
	Base *Config

	alter func(in *event.In) // tests: an altered logic
}

// Session is a replay of a journal on its own, for `engine replay` and
// `engine audit`: it verifies the journal's records, starts from a snapshot
// or the start, runs the journal through the logic (a Replayer) and, under
// the journaled configuration, compares the state and the output digest at
// every digest checkpoint the live run recorded.
type Session struct {
	Dir string
	ID  uint64 // the journal's id
	// Journal is what journal.Verify found; VerifyErr its error, if any
	// (the replay still runs over the valid records).
	Journal   *journal.Report
	VerifyErr error
	// Digests are the live run's digest checkpoints.
	Digests []Checkpoint
	// Snapshot is the snapshot the replay started from, nil for the
	// journal's first event.
	Snapshot *journal.Snapshot
	// Continuous says the output digest covers the journal's whole output
	// stream from its first event, as the live run's summary does: the
	// replay started there, or at a snapshot with a digest checkpoint.
	Continuous bool

	opts   Options
	r      *Replayer
	digest *event.Digest
	ck     int // next checkpoint to compare
	// lastMatch is the sequence of the last checkpoint that matched, or
	// the one before the replay's first event: a divergence lies after it.
	lastMatch uint64
	res       Result
	cur       Checkpoint
	scratch   []byte
}

// Result is what a Session found.
type Result struct {
	Applied     int64       `json:"applied"`              // events replayed
	FirstSeq    uint64      `json:"first_seq"`            // first event replayed, 0 for none
	LastSeq     uint64      `json:"last_seq"`             // last event replayed
	FirstTS     int64       `json:"first_ts"`             // its time
	LastTS      int64       `json:"last_ts"`              // ...
	Checkpoints int         `json:"checkpoints"`          // live checkpoints compared
	Matched     int         `json:"checkpoints_matched"`  // of which equal
	Divergence  *Divergence `json:"divergence,omitempty"` // the first checkpoint that differs
}

// Divergence is the first digest checkpoint at which the replay differs
// from the live run.
type Divergence struct {
	Seq   uint64 `json:"seq"`   // the checkpoint's sequence
	TS    int64  `json:"ts"`    // its event time
	After uint64 `json:"after"` // the last checkpoint that matched, else the sequence before the replay's first event: the divergence is in After+1..Seq
	// What differs.
	State    bool     `json:"state"`
	Output   bool     `json:"output"`
	Global   bool     `json:"guard_global"`
	Books    []uint32 `json:"books,omitempty"`    // symbols whose book differs
	Accounts []uint32 `json:"accounts,omitempty"` // accounts whose guard state (positions, limits, kill switches...) differs
	// Names of the symbols in Books, from the replay's symbol table.
	Names map[uint32]string `json:"names,omitempty"`
	// FirstSeq is the first input whose outputs differ, when Narrow found
	// it; Live and Replayed are its outputs, as the live output file and
	// the replay encode them.
	FirstSeq uint64 `json:"first_seq,omitempty"`
	Live     string `json:"live,omitempty"`
	Replayed string `json:"replayed,omitempty"`
	// Later counts the checkpoints after this one that differ too.
	Later int `json:"later_divergent"`
}

// replayInitialOrders is the matcher's InitialOrders of a Session without
// Options.Base. The live engine allocates room for 1M resting orders up
// front (matcher.DefaultConfig), so that its latency never pays for the
// pool's growth; touching that memory for the first time costs a replay
// 30 to 90 ms (BenchmarkReplay, profiled), as much as replaying 100K to
// 500K events. A replay grows the pool and the id index as the book needs,
// which changes no answer: the pool hands out the same slots either way
// (the free list is the released slots, then the unused ones in order) and
// the index in use starts small in both (see matcher.Config).
const replayInitialOrders = 1 << 14

// ErrNoJournal is wrapped by Open's error for a directory without a
// journal.
var ErrNoJournal = errors.New("replay: no journal")

// Open verifies the journal in dir, reads its configurations and digest
// checkpoints, and returns a session positioned at its start point.
func Open(dir string, o Options) (*Session, error) {
	s := &Session{Dir: dir, opts: o}
	rep, err := journal.Verify(dir)
	s.Journal = rep
	if err != nil {
		if errors.Is(err, journal.ErrNotFound) || rep == nil || len(rep.Segments) == 0 {
			return nil, fmt.Errorf("%w in %s: %w", ErrNoJournal, dir, err)
		}
		s.VerifyErr = err
	}
	s.ID = rep.Segments[len(rep.Segments)-1].ID
	if rep.LastSeq < rep.FirstSeq {
		return nil, fmt.Errorf("%w in %s: it holds no events", ErrNoJournal, dir)
	}
	cfgs, err := ReadConfigs(dir)
	if err != nil {
		return nil, err
	}
	if s.Digests, err = ReadDigests(dir, s.ID); err != nil {
		return nil, err
	}
	base := DefaultConfig()
	base.Matcher.InitialOrders = replayInitialOrders
	if o.Base != nil {
		base = *o.Base
	}
	base.Matcher.HashKey = s.ID // as the live run keyed its tables

	// The start: the newest snapshot at or before the stop, unless asked
	// for the journal's start, or needed when retention removed it.
	st := Start{From: rep.FirstSeq, Risk: o.Risk, Override: o.Override}
	if o.Override {
		// A snapshot's guard state holds the limits in force live, which
		// would silently replace the what-if's own: a what-if starts at
		// the journal's first event.
		if rep.FirstSeq > 1 {
			return nil, fmt.Errorf("%w: %s starts at sequence %d", ErrWhatIfSnapshot, dir, rep.FirstSeq)
		}
		o.FromStart = true
	}
	if !o.FromStart || rep.FirstSeq > 1 {
		maxSeq := rep.LastSeq
		if o.Until != 0 {
			maxSeq = min(maxSeq, o.Until)
		}
		snap, _, err := journal.LoadLatestSnapshot(dir, journal.SnapshotSelect{ID: s.ID, MaxSeq: maxSeq})
		switch {
		case err == nil && (o.UntilTS == 0 || s.snapshotBefore(snap, o.UntilTS)):
			st.Snapshot, s.Snapshot = snap, snap
		case err != nil && !errors.Is(err, journal.ErrNoSnapshot):
			return nil, fmt.Errorf("replay: snapshots: %w", err)
		}
		if s.Snapshot == nil && rep.FirstSeq > 1 {
			return nil, fmt.Errorf("replay: %s starts at sequence %d (retention) and no snapshot before the stop can start a replay", dir, rep.FirstSeq)
		}
	}
	s.digest = event.NewDigest()
	s.Continuous = s.Snapshot == nil && rep.FirstSeq == 1
	if s.Snapshot != nil {
		i, found := slices.BinarySearchFunc(s.Digests, s.Snapshot.Seq, func(c Checkpoint, seq uint64) int { return cmp.Compare(c.Seq, seq) })
		if found && len(s.Digests[i].OutputState) > 0 && s.digest.UnmarshalBinary(s.Digests[i].OutputState) == nil {
			s.Continuous = true
		}
	}
	if s.r, err = NewReplayer(dir, base, cfgs, st); err != nil {
		return nil, err
	}
	s.r.alter = o.alter
	s.r.Until(o.Until)
	s.r.UntilTime(o.UntilTS)
	first := s.r.NextSeq()
	s.lastMatch = first - 1
	s.ck, _ = slices.BinarySearchFunc(s.Digests, first, func(c Checkpoint, seq uint64) int { return cmp.Compare(c.Seq, seq) })
	if o.Override {
		s.ck = len(s.Digests) // a what-if compares nothing
	}
	return s, nil
}

// snapshotBefore reports whether the event at snap's sequence is at or
// before event time ts, so the snapshot may start a replay stopping at ts.
func (s *Session) snapshotBefore(snap *journal.Snapshot, ts int64) bool {
	er, err := NewEventReader(s.Dir, snap.Seq)
	if err != nil {
		return false
	}
	defer er.Close()
	in, ok := er.Next()
	return ok && in.Seq == snap.Seq && in.TS <= ts
}

// Next replays the next event and compares the checkpoint the live run took
// after it, if any. It returns false at the end or on an error (Err).
func (s *Session) Next() bool {
	if !s.r.Next() {
		return false
	}
	in := s.r.In()
	s.digest.AddAll(s.r.Outs())
	res := &s.res
	if res.Applied == 0 {
		res.FirstSeq, res.FirstTS = in.Seq, in.TS
	}
	res.Applied++
	res.LastSeq, res.LastTS = in.Seq, in.TS
	if s.ck < len(s.Digests) && s.Digests[s.ck].Seq == in.Seq {
		s.compare(&s.Digests[s.ck])
		s.ck++
	}
	return true
}

// compare compares the live checkpoint live with the replay's state now.
func (s *Session) compare(live *Checkpoint) {
	l := s.r.Logic()
	s.scratch = l.TakeDigest(&s.cur, live.Seq, live.TS, s.scratch)
	s.cur.Output = s.digest.Sum64()
	res := &s.res
	res.Checkpoints++
	d := Divergence{Seq: live.Seq, TS: live.TS}
	d.State = s.cur.State != live.State
	d.Output = s.Continuous && s.cur.Output != live.Output
	d.Global = s.cur.Global != live.Global
	if !d.State && !d.Output && !d.Global {
		res.Matched++
		s.lastMatch = live.Seq
		return
	}
	if res.Divergence != nil {
		res.Divergence.Later++
		return
	}
	d.After = s.lastMatch
	d.Books = diffParts(live.Books, s.cur.Books, func(h matcher.BookHash) (uint32, uint64) { return h.Symbol, h.Hash })
	d.Accounts = diffParts(live.Accounts, s.cur.Accounts, func(h risk.AccountHash) (uint32, uint64) { return h.Account, h.Hash })
	if len(d.Books) > 0 {
		d.Names = map[uint32]string{}
		for _, id := range d.Books {
			if name, ok := l.m.SymbolName(id); ok {
				d.Names[id] = name
			}
		}
	}
	res.Divergence = &d
}

// diffParts returns the ids whose hash differs between a and b, both
// sorted by id, or that only one holds.
func diffParts[T any](a, b []T, key func(T) (uint32, uint64)) []uint32 {
	var ids []uint32
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b):
			id, _ := key(a[i])
			ids, i = append(ids, id), i+1
		case i == len(a):
			id, _ := key(b[j])
			ids, j = append(ids, id), j+1
		default:
			ia, ha := key(a[i])
			ib, hb := key(b[j])
			switch {
			case ia < ib:
				ids, i = append(ids, ia), i+1
			case ib < ia:
				ids, j = append(ids, ib), j+1
			default:
				if ha != hb {
					ids = append(ids, ia)
				}
				i, j = i+1, j+1
			}
		}
	}
	return ids
}

// In returns the event Next replayed last.
func (s *Session) In() *event.In { return s.r.In() }

// Outs returns its outputs.
func (s *Session) Outs() []event.Out { return s.r.Outs() }

// Command returns the operator's command the event came from, if it did.
func (s *Session) Command() (Command, bool) { return s.r.Command() }

// IsCommand reports whether the event Next replayed last is an operator's
// command.
func (s *Session) IsCommand() bool { return s.r.IsCommand() }

// Logic returns the logic in its state after the event Next replayed last.
func (s *Session) Logic() *Logic { return s.r.Logic() }

// NextSeq returns the sequence Next replays next.
func (s *Session) NextSeq() uint64 { return s.r.NextSeq() }

// OutputDigest returns the output digest so far, in hex: the live run's
// summary's output_digest when Continuous and the replay reached its end.
func (s *Session) OutputDigest() string { return s.digest.Hex() }

// Result returns what the replay found so far.
func (s *Session) Result() Result { return s.res }

// Err returns the error that stopped the replay, nil at its end.
func (s *Session) Err() error { return s.r.Err() }

// Close releases the journal.
func (s *Session) Close() error { return s.r.Close() }

// WriteText writes what the replay found for people: the events replayed,
// the output digest, the checkpoints compared and, on a divergence, where
// and what differs.
func (s *Session) WriteText(w io.Writer) error {
	res := s.res
	var b strings.Builder
	from := "the journal's start"
	if s.Snapshot != nil {
		from = fmt.Sprintf("the snapshot at %d", s.Snapshot.Seq)
	}
	fmt.Fprintf(&b, "replayed %d events, sequences %d..%d, from %s\n", res.Applied, res.FirstSeq, res.LastSeq, from)
	if s.Continuous {
		fmt.Fprintf(&b, "output digest %s\n", s.OutputDigest())
	} else {
		fmt.Fprintf(&b, "output digest %s (of the replayed part only: no checkpoint at the snapshot)\n", s.OutputDigest())
	}
	if s.VerifyErr != nil {
		fmt.Fprintf(&b, "journal: NOT clean: %v\n", s.VerifyErr)
	}
	switch {
	case s.opts.Override:
		fmt.Fprintf(&b, "checkpoints: not compared (another risk configuration)\n")
	case len(s.Digests) == 0:
		fmt.Fprintf(&b, "checkpoints: the journal has none (a run before digest checkpoints, or none taken yet)\n")
	default:
		fmt.Fprintf(&b, "checkpoints: %d of %d compared matched\n", res.Matched, res.Checkpoints)
	}
	if d := res.Divergence; d != nil {
		fmt.Fprintf(&b, "DIVERGENCE at the checkpoint after sequence %d (the last matching one, or the replay's start, is at %d): the replay differs in", d.Seq, d.After)
		var what []string
		if d.State {
			what = append(what, "state")
		}
		if d.Output {
			what = append(what, "outputs")
		}
		if d.Global {
			what = append(what, "the risk guard's global state")
		}
		fmt.Fprintf(&b, " %s\n", strings.Join(what, ", "))
		for _, id := range d.Books {
			name := d.Names[id]
			if name == "" {
				name = "?"
			}
			fmt.Fprintf(&b, "  book of symbol %d (%s) differs\n", id, name)
		}
		for _, a := range d.Accounts {
			fmt.Fprintf(&b, "  account %d's guard state (positions, open orders, limits, kill switch) differs\n", a)
		}
		if d.FirstSeq != 0 {
			fmt.Fprintf(&b, "first divergent input: sequence %d\n  live:\n%s  replayed:\n%s", d.FirstSeq, indent(d.Live), indent(d.Replayed))
		}
		if d.Later > 0 {
			fmt.Fprintf(&b, "%d later checkpoints differ too\n", d.Later)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// indent indents every line of s.
func indent(s string) string {
	if s == "" {
		return "    (nothing)\n"
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString("    ")
			b.WriteString(l)
		}
	}
	if !strings.HasSuffix(s, "\n") {
		b.WriteByte('\n')
	}
	return b.String()
}
