package replay

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/risk"
)

// WhatIfOptions says how far a what-if replays and how much it lists.
type WhatIfOptions struct {
	// Until stops after this sequence (0: at the journal's end).
	Until uint64
	// UntilTS stops before the first event later than this event time, in
	// ns since the epoch (0: no limit).
	UntilTS int64
	// MaxListed bounds each list of the report (the trips of each side,
	// the orders answered differently); the counts cover everything.
	// 0: 1000.
	MaxListed int
	// Progress, when not nil, is called with the events replayed so far
	// every 65,536 events.
	Progress func(done int64)
	// Base gives what a journaled configuration does not say (sizes);
	// nil: DefaultConfig's.
	Base *Config
}

// defaultMaxListed is WhatIfOptions.MaxListed's default.
const defaultMaxListed = 1000

// progressEvery is how often, in events, WhatIf calls Progress (a power of
// two).
const progressEvery = 1 << 16

// WhatIfReport is what a what-if found: the kill-switch trips that
// happened and those that would have, and the inputs that would have been
// answered differently. Times are event times, ns since the epoch.
type WhatIfReport struct {
	Dir    string `json:"dir"`
	Events int64  `json:"events"` // events replayed (each twice)
	// Replay is what the replay under the journaled configuration found:
	// the span replayed, and how it compared with the live run's digest
	// checkpoints (the "what happened" side is what the live run did only
	// when they match).
	Replay Result `json:"replay"`
	// VerifyErr is what journal verification found wrong, if anything (the
	// replays ran over the valid records).
	VerifyErr string `json:"verify_error,omitempty"`
	// FromSnapshot is the sequence of the snapshot both replays started
	// from (0: the journal's first event), when retention removed the start.
	FromSnapshot uint64 `json:"from_snapshot,omitempty"`

	// Live and WhatIf are the kill-switch trips and rate breaker openings
	// under the journaled configuration and under the what-if one, in
	// order, at most MaxListed each; LiveTrips and WhatIfTrips count them
	// all.
	Live        []TripInfo `json:"live"`
	WhatIf      []TripInfo `json:"what_if"`
	LiveTrips   int64      `json:"live_trips"`
	WhatIfTrips int64      `json:"what_if_trips"`

	// Orders are the inputs the two answered differently (see OrderDiff),
	// in order, at most MaxListed; OrdersDiffering counts them all.
	Orders          []OrderDiff `json:"orders"`
	OrdersDiffering int64       `json:"orders_differing"`
	// EventsDiffering counts the inputs whose outputs differ at all (an
	// order answered alike can still fill differently); FirstDiffering is
	// the first of them, 0 for none.
	EventsDiffering int64  `json:"events_differing"`
	FirstDiffering  uint64 `json:"first_differing,omitempty"`

	// RejectedLive and RejectedWhatIf count the rejections by the risk
	// guard (reasons from event.ReasonRiskBase) in each.
	RejectedLive   int64 `json:"rejected_live"`
	RejectedWhatIf int64 `json:"rejected_what_if"`

	// LiveDigest and WhatIfDigest are the output digests of the two
	// replays. LiveDigest is the live run's output_digest when the replay
	// reached the journal's end and Replay's checkpoints all matched.
	LiveDigest   string `json:"live_digest"`
	WhatIfDigest string `json:"what_if_digest"`
}

// TripInfo is one kill-switch trip (event.OutKill) or rate breaker opening
// (event.OutBreaker with event.ReasonBreakerOpen).
type TripInfo struct {
	Seq     uint64 `json:"seq"`     // the input that tripped it
	TS      int64  `json:"ts"`      // its event time
	Kind    string `json:"kind"`    // "kill" or "breaker"
	Account string `json:"account"` // "*" for all
	Symbol  string `json:"symbol"`  // the symbol's name (its id when undefined), "*" for all
	Reason  string `json:"reason"`  // the guard that tripped, event.Reason's name
	// Measured is the figure that crossed Limit in a window of WindowNS
	// (0 when the guard has none); for a breaker, the breaches counted.
	Measured int64 `json:"measured"`
	Limit    int64 `json:"limit"`
	WindowNS int64 `json:"window_ns"`
}

// OrderDiff is one input the two replays answered differently. An input's
// answer is its first acceptance, rejection or hold (for a new order, of
// that order), else its first other answer (cancelled, replaced, parent
// granted...), else "no answer".
type OrderDiff struct {
	Seq     uint64 `json:"seq"`
	TS      int64  `json:"ts"`
	Kind    string `json:"kind"` // the input's kind, as in the CSV feed
	Account uint32 `json:"account"`
	Symbol  string `json:"symbol"` // name, or id when undefined, "*" for all
	ID      uint64 `json:"id"`
	Live    string `json:"live"`    // "accepted", "rejected: max_qty", "held: approve_qty", ...
	WhatIf  string `json:"what_if"` // ...
}

// ErrWhatIfSnapshot is wrapped by WhatIf's error when the journal's start
// is gone and the risk configuration differs from the journaled one: a
// replay would start from a snapshot, whose guard state carries the
// journaled limits. Only the journaled configuration and the guard off can
// start there.
var ErrWhatIfSnapshot = errors.New("replay: a what-if under another risk configuration needs the journal from its first event")

// WhatIf replays the journal in dir twice in lockstep, under its journaled
// configuration and under rc (nil: the guard off), and reports how the
// outputs differ. Both replays start at the journal's first event or, when
// retention removed it, at the newest usable snapshot before the stop,
// under the journaled risk configuration or the guard off only (see
// ErrWhatIfSnapshot). The journal is only read.
//
// Per event it allocates nothing once both logics are warm, but for the
// entries of the report's bounded lists.
func WhatIf(dir string, rc *risk.Config, o WhatIfOptions) (*WhatIfReport, error) {
	if o.MaxListed <= 0 {
		o.MaxListed = defaultMaxListed
	}
	live, err := Open(dir, Options{FromStart: true, Until: o.Until, UntilTS: o.UntilTS, Base: o.Base})
	if err != nil {
		return nil, err
	}
	defer live.Close()
	w, err := whatIfReplayer(live, rc, o)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	wd := event.NewDigest()
	if live.Snapshot != nil && live.Continuous {
		// Continue the digest as the live side does.
		i, found := slices.BinarySearchFunc(live.Digests, live.Snapshot.Seq, func(c Checkpoint, seq uint64) int { return cmp.Compare(c.Seq, seq) })
		if found {
			if err := wd.UnmarshalBinary(live.Digests[i].OutputState); err != nil {
				return nil, fmt.Errorf("replay: what-if: output digest at %d: %w", live.Snapshot.Seq, err)
			}
		}
	}

	r := &WhatIfReport{Dir: dir, Live: []TripInfo{}, WhatIf: []TripInfo{}, Orders: []OrderDiff{}}
	if live.VerifyErr != nil {
		r.VerifyErr = live.VerifyErr.Error()
	}
	if live.Snapshot != nil {
		r.FromSnapshot = live.Snapshot.Seq
	}
	for live.Next() {
		if !w.Next() {
			if err := w.Err(); err != nil {
				return nil, fmt.Errorf("replay: what-if: %w", err)
			}
			return nil, fmt.Errorf("replay: what-if: the what-if replay ended before %d", live.In().Seq)
		}
		in, lo, wo := live.In(), live.Outs(), w.Outs()
		if w.In().Seq != in.Seq {
			return nil, fmt.Errorf("replay: what-if: the replays are out of step: %d and %d", in.Seq, w.In().Seq)
		}
		r.Events++
		for i := range wo {
			wd.Add(&wo[i])
		}
		r.RejectedLive += r.scan(live.Logic(), lo, &r.Live, &r.LiveTrips, o.MaxListed)
		r.RejectedWhatIf += r.scan(w.Logic(), wo, &r.WhatIf, &r.WhatIfTrips, o.MaxListed)
		if !slices.Equal(lo, wo) {
			r.differ(live.Logic(), in, lo, wo, o.MaxListed)
		}
		if o.Progress != nil && r.Events&(progressEvery-1) == 0 {
			o.Progress(r.Events)
		}
	}
	if err := live.Err(); err != nil {
		return nil, err
	}
	r.Replay = live.Result()
	if w.Next() {
		return nil, fmt.Errorf("replay: what-if: the what-if replay goes on after %d", r.Replay.LastSeq)
	}
	if err := w.Err(); err != nil {
		return nil, fmt.Errorf("replay: what-if: %w", err)
	}
	r.LiveDigest, r.WhatIfDigest = live.OutputDigest(), wd.Hex()
	return r, nil
}

// whatIfReplayer returns the replayer of the what-if side: at the live
// session's start, under each journaled configuration's matcher settings
// with rc for the guard. (A Start with Override would load a snapshot's
// guard state strictly, which fails with the guard off; here it is
// carried across as a configuration change is.)
func whatIfReplayer(live *Session, rc *risk.Config, o WhatIfOptions) (*Replayer, error) {
	base := DefaultConfig()
	if o.Base != nil {
		base = *o.Base
	}
	base.Matcher.HashKey = live.ID
	cfgs, err := ReadConfigs(live.Dir)
	if err != nil {
		return nil, err
	}
	from := live.NextSeq()
	// The journaled configurations with rc for the risk guard; before the
	// first, the base configuration is in force.
	wcfgs := make([]ConfigFile, 0, len(cfgs)+1)
	if len(cfgs) == 0 || cfgs[0].Seq > 0 {
		c := base
		c.Risk = rc
		wcfgs = append(wcfgs, ConfigFile{Seq: 0, Raw: EncodeConfig(&c)})
	}
	for _, cf := range cfgs {
		c, err := ApplyConfig(base, cf.Raw)
		if err != nil {
			return nil, err
		}
		c.Risk = rc
		wcfgs = append(wcfgs, ConfigFile{Seq: cf.Seq, Raw: EncodeConfig(&c)})
	}
	st := Start{From: from}
	if snap := live.Snapshot; snap != nil {
		// The guard's state holds its limits (the configured ones and
		// those set since): loaded, they would replace rc's.
		jr := base.Risk
		if i := InForce(cfgs, snap.Seq); i >= 0 {
			c, err := ApplyConfig(base, cfgs[i].Raw)
			if err != nil {
				return nil, err
			}
			jr = c.Risk
		}
		if rc != nil && !bytes.Equal(EncodeConfig(&Config{Risk: rc}), EncodeConfig(&Config{Risk: jr})) {
			return nil, fmt.Errorf("%w: retention removed the journal's start (it begins at %d) and the snapshot at %d holds the guard's limits as they were",
				ErrWhatIfSnapshot, live.Journal.FirstSeq, snap.Seq)
		}
		c, err := ApplyConfig(base, wcfgs[InForce(wcfgs, from)].Raw)
		if err != nil {
			return nil, err
		}
		l, err := NewLogic(c)
		if err != nil {
			return nil, err
		}
		if err := l.LoadStateAcross(snap.Payload); err != nil {
			return nil, fmt.Errorf("replay: what-if from the snapshot at %d: %w", snap.Seq, err)
		}
		st.Logic = l
	}
	w, err := NewReplayer(live.Dir, base, wcfgs, st)
	if err != nil {
		return nil, err
	}
	w.Until(o.Until)
	w.UntilTime(o.UntilTS)
	return w, nil
}

// scan adds the trips among outs to list (at most max listed) and n, and
// returns the rejections by the guard among them.
func (r *WhatIfReport) scan(l *Logic, outs []event.Out, list *[]TripInfo, n *int64, max int) (rejected int64) {
	for i := range outs {
		o := &outs[i]
		switch {
		case o.Kind == event.OutRejected:
			if o.Reason >= event.ReasonRiskBase && o.Reason < event.ReasonOperator {
				rejected++
			}
		case o.Kind == event.OutKill, o.Kind == event.OutBreaker && o.Reason == event.ReasonBreakerOpen:
			*n++
			if len(*list) < max {
				*list = append(*list, tripInfo(l, o))
			}
		}
	}
	return rejected
}

// tripInfo describes the trip o.
func tripInfo(l *Logic, o *event.Out) TripInfo {
	t := TripInfo{Seq: o.Seq, TS: o.TS, Kind: o.Kind.String(), Account: accountName(o.Account), Symbol: symbolName(l, o.Symbol),
		Reason: o.Reason.String(), Measured: o.Qty}
	if o.Kind == event.OutKill {
		t.Limit, t.WindowNS = o.Price, int64(o.Other)
	} else {
		t.Symbol = "*" // a breaker is an account's, or the engine's
	}
	return t
}

// differ counts an input whose outputs differ, and lists it when its
// answer does.
func (r *WhatIfReport) differ(l *Logic, in *event.In, lo, wo []event.Out, max int) {
	r.EventsDiffering++
	if r.FirstDiffering == 0 {
		r.FirstDiffering = in.Seq
	}
	la, wa := answerOf(in, lo), answerOf(in, wo)
	if la == wa {
		return
	}
	r.OrdersDiffering++
	if len(r.Orders) >= max {
		return
	}
	r.Orders = append(r.Orders, OrderDiff{Seq: in.Seq, TS: in.TS, Kind: in.Kind.String(), Account: in.Account,
		Symbol: symbolName(l, in.Symbol), ID: in.ID, Live: la.String(), WhatIf: wa.String()})
}

// answer is how an input was answered: the kind of its answering output
// and the reason, OutInvalid for no answer.
type answer struct {
	kind   event.OutKind
	reason event.Reason
}

// answerOf returns the answer to in among its outputs outs.
func answerOf(in *event.In, outs []event.Out) answer {
	ownID := in.Kind == event.KindNew || in.Kind == event.KindCancel || in.Kind == event.KindReplace
	var other answer
	for i := range outs {
		o := &outs[i]
		if ownID && o.ID != in.ID {
			continue
		}
		switch o.Kind {
		case event.OutAccepted, event.OutRejected, event.OutHeld:
			if !ownID && o.Reason == event.ReasonApprovalTimeout {
				continue // another held order timed out at this input
			}
			return answer{o.Kind, o.Reason}
		case event.OutTrade, event.OutBook, event.OutSymbol:
		default:
			if other.kind == event.OutInvalid {
				other = answer{o.Kind, o.Reason}
			}
		}
	}
	return other
}

// String names the answer: "accepted", "rejected: max_qty", "held:
// approve_qty", "cancelled: user", "kill: operator", "no answer".
func (a answer) String() string {
	switch a.kind {
	case event.OutInvalid:
		return "no answer"
	case event.OutAccepted, event.OutReplaced, event.OutMassCancelled, event.OutParent, event.OutPaused, event.OutUnpaused,
		event.OutHalted, event.OutResumed, event.OutClear, event.OutLimit:
		return a.kind.String()
	}
	return a.kind.String() + ": " + a.reason.String()
}

// accountName names an account of a scope.
func accountName(a uint32) string {
	if a == event.Any {
		return "*"
	}
	return strconv.FormatUint(uint64(a), 10)
}

// symbolName names a symbol by the symbol table of l.
func symbolName(l *Logic, s uint32) string {
	if s == event.Any {
		return "*"
	}
	if name, ok := l.m.SymbolName(s); ok {
		return name
	}
	return strconv.FormatUint(uint64(s), 10)
}

// Same reports whether the what-if answered everything as the live
// configuration did.
func (r *WhatIfReport) Same() bool {
	return r.EventsDiffering == 0 && r.LiveDigest == r.WhatIfDigest
}

// WriteJSON writes r as indented JSON.
func (r *WhatIfReport) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("replay: what-if report: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteText writes r for people, as aligned tables: the figures, the trips
// side by side (what happened, what would have happened; a trip both had
// on one line), then the orders answered differently.
func (r *WhatIfReport) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 8, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	res := &r.Replay
	date := ""
	if res.Applied > 0 {
		date = time.Unix(0, res.FirstTS).UTC().Format(time.DateOnly)
	}
	p("engine replay what-if %s (times UTC)\n", r.Dir)
	if r.VerifyErr != "" {
		p("note: journal: %s\n", r.VerifyErr)
	}
	if d := res.Divergence; d != nil {
		p("note: the replay under the journaled configuration differs from the live run at checkpoint %d: \"what happened\" is not what the live run did\n", d.Seq)
	}

	if res.Applied > 0 {
		p("replayed %d events twice: seq %d..%d, %s .. %s\n", r.Events, res.FirstSeq, res.LastSeq, clockAt(date, res.FirstTS), clockAt(date, res.LastTS))
	} else {
		p("replayed no events\n")
	}
	if r.FromSnapshot != 0 {
		p("note: retention removed the journal's start: both replays start from the snapshot at %d\n", r.FromSnapshot)
	}

	p("\nSUMMARY\n")
	p("\tlive\twhat-if\n")
	p("checkpoints matched\t%d of %d\t-\n", res.Matched, res.Checkpoints)
	p("trips\t%d\t%d\n", r.LiveTrips, r.WhatIfTrips)
	p("rejected by the guard\t%d\t%d\n", r.RejectedLive, r.RejectedWhatIf)
	p("orders answered differently\t\t%d\n", r.OrdersDiffering)
	first := "-"
	if r.FirstDiffering != 0 {
		first = strconv.FormatUint(r.FirstDiffering, 10)
	}
	p("inputs with other outputs\t\t%d (first %s)\n", r.EventsDiffering, first)
	p("output digest\t%s\t%s\n", r.LiveDigest, r.WhatIfDigest)

	p("\nTRIPS\n")
	if len(r.Live) == 0 && len(r.WhatIf) == 0 {
		p("(none)\n")
	} else {
		p("seq\ttime\twhat happened\twhat would have happened\n")
		i, j := 0, 0
		for i < len(r.Live) || j < len(r.WhatIf) {
			switch {
			case i < len(r.Live) && j < len(r.WhatIf) && r.Live[i] == r.WhatIf[j]:
				t := &r.Live[i]
				p("%d\t%s\t%s\t%s\n", t.Seq, clockAt(date, t.TS), t.text(), t.text())
				i, j = i+1, j+1
			case j == len(r.WhatIf) || i < len(r.Live) && r.Live[i].Seq <= r.WhatIf[j].Seq:
				t := &r.Live[i]
				p("%d\t%s\t%s\t-\n", t.Seq, clockAt(date, t.TS), t.text())
				i++
			default:
				t := &r.WhatIf[j]
				p("%d\t%s\t-\t%s\n", t.Seq, clockAt(date, t.TS), t.text())
				j++
			}
		}
		if n := r.LiveTrips - int64(len(r.Live)); n > 0 {
			p("(%d more trips live not listed)\n", n)
		}
		if n := r.WhatIfTrips - int64(len(r.WhatIf)); n > 0 {
			p("(%d more trips in the what-if not listed)\n", n)
		}
	}

	p("\nORDERS ANSWERED DIFFERENTLY (%d)\n", r.OrdersDiffering)
	if len(r.Orders) == 0 {
		p("(none)\n")
	} else {
		p("seq\ttime\tkind\taccount\tsymbol\tid\twhat happened\twhat would have happened\n")
		for k := range r.Orders {
			d := &r.Orders[k]
			p("%d\t%s\t%s\t%d\t%s\t%d\t%s\t%s\n", d.Seq, clockAt(date, d.TS), d.Kind, d.Account, d.Symbol, d.ID, d.Live, d.WhatIf)
		}
		if n := r.OrdersDiffering - int64(len(r.Orders)); n > 0 {
			p("(%d more not listed)\n", n)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// text describes the trip in one cell: "kill account 7: exec_ceiling 1001
// > 1000 in 1s".
func (t *TripInfo) text() string {
	scope := "all"
	switch {
	case t.Account != "*" && t.Symbol != "*":
		scope = "account " + t.Account + " symbol " + t.Symbol
	case t.Account != "*":
		scope = "account " + t.Account
	case t.Symbol != "*":
		scope = "symbol " + t.Symbol
	}
	s := t.Kind + " " + scope + ": " + t.Reason
	switch {
	case t.Kind == event.OutBreaker.String():
		s += fmt.Sprintf(", %d breaches", t.Measured)
	case t.Limit != 0 || t.Measured != 0:
		s += fmt.Sprintf(" %d > %d", t.Measured, t.Limit)
		if t.WindowNS != 0 {
			s += " in " + time.Duration(t.WindowNS).String()
		}
	}
	return s
}

// clockAt shows event time ts as a UTC clock time, with its date in front
// when that is not date.
func clockAt(date string, ts int64) string {
	t := time.Unix(0, ts).UTC()
	if d := t.Format(time.DateOnly); d != date {
		return d + " " + t.Format("15:04:05.000000000")
	}
	return t.Format("15:04:05.000000000")
}
