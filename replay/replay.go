package replay

import (
	"bytes"
	"fmt"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/risk"
)

// Replayer applies a journal's input events to the logic one at a time, in
// sequence, each under the configuration in force when it was journaled
// (see ConfigFile), and hands out each event with the outputs the logic
// answered it with. It is the one replay of the engine: a restart
// recovering its state, `engine replay` and the audit all run it.
//
//	for r.Next() {
//		use(r.In(), r.Outs())
//	}
//	if err := r.Err(); err != nil { ... }
//
// Next allocates nothing once the logic is warm.
type Replayer struct {
	base    Config       // what is not journaled: sizes, the hash key
	cfgs    []ConfigFile // the journaled configurations, oldest first
	cur     int          // index in cfgs of the one the logic runs under, -1: none
	risk    *risk.Config // the what-if risk configuration, when overridden
	over    bool
	logic   *Logic
	er      *EventReader
	next    uint64 // sequence of the next event
	to      uint64 // last sequence to apply, 0: to the journal's end
	toTS    int64  // apply no event later than this, 0: no limit
	stopped bool   // by toTS
	in      *event.In
	outs    []event.Out
	n       int64
	err     error

	alter func(in *event.In) // tests: an altered logic, which applies a changed copy of some inputs
	alt   event.In
}

// Start says where a replay starts.
type Start struct {
	// Snapshot, when not nil, is the state the logic starts from; the
	// first event applied is the one after it. Without one, the logic
	// starts fresh at From.
	Snapshot *journal.Snapshot
	// From is the first sequence applied without a snapshot (0: the
	// journal's first).
	From uint64
	// Logic, when not nil, is the logic to start with instead of fresh
	// logic, when it runs under the configuration in force at the start
	// (a restart has built it already); it is used as it is.
	Logic *Logic
	// Risk, when Override is set, replaces the risk configuration of every
	// journaled configuration: a what-if replay (nil turns the guard off).
	Risk     *risk.Config
	Override bool
}

// NewReplayer returns a replayer of the journal in dir. base gives what a
// journaled configuration does not say (sizes, the hash key: the journal's
// id); cfgs are the journal's configurations (ReadConfigs). It does not
// read the journal before the first Next.
func NewReplayer(dir string, base Config, cfgs []ConfigFile, st Start) (*Replayer, error) {
	r, err := start(base, cfgs, st)
	if err != nil {
		return nil, err
	}
	er, err := NewEventReader(dir, r.next)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	r.er = er
	return r, nil
}

// LogicAt returns the logic a replay starting at st starts with: under the
// configuration in force there, loaded from the snapshot when there is
// one.
func LogicAt(base Config, cfgs []ConfigFile, st Start) (*Logic, error) {
	r, err := start(base, cfgs, st)
	if err != nil {
		return nil, err
	}
	return r.logic, nil
}

func start(base Config, cfgs []ConfigFile, st Start) (*Replayer, error) {
	r := &Replayer{base: base, cfgs: cfgs, risk: st.Risk, over: st.Override}
	r.next = st.From
	at := r.next
	if st.Snapshot != nil {
		r.next, at = st.Snapshot.Seq+1, st.Snapshot.Seq
	}
	r.cur = InForce(cfgs, at)
	r.logic = st.Logic
	if r.logic == nil || r.over || (r.cur >= 0 && !bytes.Equal(EncodeConfig(&r.logic.cfg), r.configAt(r.cur))) {
		l, err := r.logicFor(r.cur)
		if err != nil {
			return nil, err
		}
		r.logic = l
	}
	if st.Snapshot != nil {
		if err := r.logic.LoadState(st.Snapshot.Payload); err != nil {
			return nil, fmt.Errorf("replay: snapshot %s: %w", st.Snapshot.Path, err)
		}
	}
	return r, nil
}

// configAt returns the encoded configuration cfgs[i] as the replay runs it
// (with the what-if risk configuration, when overridden).
func (r *Replayer) configAt(i int) []byte {
	c, err := r.configFor(i)
	if err != nil {
		return nil
	}
	return EncodeConfig(&c)
}

// configFor returns the configuration cfgs[i] (the base configuration for
// -1), with the what-if risk configuration when overridden.
func (r *Replayer) configFor(i int) (Config, error) {
	c := r.base
	if i >= 0 {
		var err error
		if c, err = ApplyConfig(r.base, r.cfgs[i].Raw); err != nil {
			return c, err
		}
	}
	if r.over {
		c.Risk = r.risk
	}
	return c, nil
}

// logicFor returns fresh logic under configFor(i).
func (r *Replayer) logicFor(i int) (*Logic, error) {
	c, err := r.configFor(i)
	if err != nil {
		return nil, err
	}
	return NewLogic(c)
}

// Until makes the replay stop after sequence seq (0: at the journal's end).
func (r *Replayer) Until(seq uint64) { r.to = seq }

// UntilTime makes the replay stop before the first event later than event
// time ts, in ns (0: no limit).
func (r *Replayer) UntilTime(ts int64) { r.toTS = ts }

// Next applies the next event. It returns false at the end (the journal's,
// or the one Until set) or on an error, which Err returns.
func (r *Replayer) Next() bool {
	if r.err != nil || r.stopped || (r.to != 0 && r.next > r.to) {
		return false
	}
	for r.cur+1 < len(r.cfgs) && r.cfgs[r.cur+1].Seq <= r.next {
		r.cur++
		if r.cur == 0 || !bytes.Equal(r.cfgs[r.cur].Raw, r.cfgs[r.cur-1].Raw) {
			if err := r.switchTo(r.cur); err != nil {
				r.err = fmt.Errorf("replay: at %d: %w", r.next, err)
				return false
			}
		}
	}
	in, ok := r.er.Next()
	if !ok {
		if err := r.er.Err(); err != nil {
			r.err = fmt.Errorf("replay: at %d: %w", r.next, err)
		}
		return false
	}
	if in.Seq != r.next {
		r.err = fmt.Errorf("replay: journal holds %d where %d was expected", in.Seq, r.next)
		return false
	}
	if r.toTS != 0 && in.TS > r.toTS {
		r.er.Unread()
		r.stopped = true
		return false
	}
	if r.alter != nil {
		r.alt = *in
		r.alter(&r.alt)
		r.outs = r.logic.Apply(&r.alt, r.outs[:0])
	} else {
		r.outs = r.logic.Apply(in, r.outs[:0])
	}
	r.in = in
	r.next++
	r.n++
	return true
}

// switchTo carries the logic's state over to fresh logic under cfgs[i]:
// where a journaled run changed its configuration.
func (r *Replayer) switchTo(i int) error {
	c, err := r.configFor(i)
	if err != nil {
		return err
	}
	nl, err := r.logic.Carry(c)
	if err != nil {
		return err
	}
	r.logic = nl
	return nil
}

// In returns the event Next applied last, valid until the next call.
func (r *Replayer) In() *event.In { return r.in }

// Outs returns the outputs of the event Next applied last, valid until the
// next call.
func (r *Replayer) Outs() []event.Out { return r.outs }

// Command returns the operator's command the event Next applied last came
// from, with who sent it; false for a feed's event.
func (r *Replayer) Command() (Command, bool) { return r.er.LastCommand() }

// IsCommand reports whether the event Next applied last is an operator's
// command (cheaper than Command: nothing is decoded).
func (r *Replayer) IsCommand() bool { return r.er.Command() }

// Logic returns the logic, in the state after the event Next applied last.
// A configuration change at a later sequence replaces it: call Logic again
// after Next.
func (r *Replayer) Logic() *Logic { return r.logic }

// NextSeq returns the sequence of the event Next applies next.
func (r *Replayer) NextSeq() uint64 { return r.next }

// Applied returns how many events the replay applied.
func (r *Replayer) Applied() int64 { return r.n }

// Err returns the error that stopped the replay, nil at the journal's end.
func (r *Replayer) Err() error { return r.err }

// Close releases the journal reader.
func (r *Replayer) Close() error { return r.er.Close() }
