package matcher

import (
	"fmt"
	"strings"

	"github.com/tradeengine/engine/event"
)

// fmtID prints an account or symbol id, or * for event.Any.
func fmtID(v uint32) string {
	if v == event.Any {
		return "*"
	}
	return fmt.Sprint(v)
}

// fmtSide prints a side by name, or by number when it is undefined.
func fmtSide(s event.Side) string {
	if s.Valid() || s == event.SideNone {
		return s.String()
	}
	return fmt.Sprint(uint8(s))
}

// fmtOut prints an output event as one trace line: its kind, then the fields
// out.go lists for that kind, always, in a fixed order. Any other field that
// is not zero is printed too, marked with '!', so a stray value shows up in
// the trace. Seq and TS are checked by the runners, not printed.
func fmtOut(o *event.Out) string {
	var b strings.Builder
	b.WriteString(o.Kind.String())
	used := map[string]bool{}
	f := func(name string, v any) {
		used[name] = true
		fmt.Fprintf(&b, " %s=%v", name, v)
	}
	reason := func() {
		used["reason"] = true
		fmt.Fprintf(&b, " %v", o.Reason)
	}
	order := func() {
		f("sym", fmtID(o.Symbol))
		f("id", o.ID)
		f("acct", fmtID(o.Account))
		f("side", fmtSide(o.Side))
		f("px", o.Price)
		f("qty", o.Qty)
	}
	switch o.Kind {
	case event.OutAccepted:
		order()
		if o.Other != 0 {
			f("coid", o.Other)
		}
		used["coid"] = true
	case event.OutRejected:
		reason()
		order()
		if o.Other != 0 {
			f("aux", o.Other)
		}
		used["aux"] = true
	case event.OutTrade:
		f("sym", fmtID(o.Symbol))
		f("id", o.ID)
		f("acct", o.Account)
		f("side", fmtSide(o.Side))
		f("maker", o.Other)
		f("macct", o.OtherAccount)
		f("px", o.Price)
		f("qty", o.Qty)
	case event.OutCancelled, event.OutReplaced:
		reason()
		order()
	case event.OutBook:
		f("sym", o.Symbol)
		f("side", fmtSide(o.Side))
		f("px", o.Price)
		f("qty", o.Qty)
		f("n", o.Other)
		used["other"] = true
	case event.OutHalted, event.OutResumed:
		f("sym", o.Symbol)
	case event.OutMassCancelled:
		f("sym", fmtID(o.Symbol))
		f("acct", fmtID(o.Account))
		f("n", o.Qty)
		used["qty"] = true
	case event.OutSymbol:
		f("sym", o.Symbol)
		name, ok := event.UnpackName(o.Other)
		if !ok {
			name = fmt.Sprintf("?%#x", o.Other)
		}
		f("name", name)
	}
	stray := func(name string, zero bool, v any) {
		if !used[name] && !zero {
			fmt.Fprintf(&b, " !%s=%v", name, v)
		}
	}
	stray("sym", o.Symbol == 0, o.Symbol)
	stray("id", o.ID == 0, o.ID)
	stray("acct", o.Account == 0, o.Account)
	stray("side", o.Side == 0, fmtSide(o.Side))
	stray("px", o.Price == 0, o.Price)
	stray("qty", o.Qty == 0, o.Qty)
	stray("reason", o.Reason == 0, o.Reason)
	if !used["maker"] && !used["coid"] && !used["aux"] && !used["name"] {
		stray("other", o.Other == 0, o.Other)
	}
	stray("macct", o.OtherAccount == 0, o.OtherAccount)
	return b.String()
}

// fmtIn prints an input event in the scripted test syntax.
func fmtIn(in *event.In) string {
	switch in.Kind {
	case event.KindNew:
		return fmt.Sprintf("new sym=%s acct=%s id=%d side=%v type=%v px=%d qty=%d stp=%v coid=%d",
			fmtID(in.Symbol), fmtID(in.Account), in.ID, fmtSide(in.Side), uint8(in.Type), in.Price, in.Qty, uint8(in.STP), in.Aux)
	case event.KindCancel:
		return fmt.Sprintf("cancel acct=%s id=%d", fmtID(in.Account), in.ID)
	case event.KindReplace:
		return fmt.Sprintf("replace acct=%s id=%d px=%d qty=%d", fmtID(in.Account), in.ID, in.Price, in.Qty)
	case event.KindMassCancel:
		return fmt.Sprintf("masscancel acct=%s sym=%s", fmtID(in.Account), fmtID(in.Symbol))
	case event.KindHalt, event.KindResume:
		return fmt.Sprintf("%v sym=%s", in.Kind, fmtID(in.Symbol))
	case event.KindSymbol:
		return fmt.Sprintf("symbol sym=%s aux=%#x", fmtID(in.Symbol), in.Aux)
	}
	return fmt.Sprintf("raw %+v", *in)
}
