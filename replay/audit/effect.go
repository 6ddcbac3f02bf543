package audit

import (
	"fmt"
	"strings"

	"github.com/tradeengine/engine/event"
)

// effect describes for people what an operator command did: the outputs
// the logic answered its input with. It runs once per listed command, not
// per event, and may allocate.
func (b *Builder) effect(outs []event.Out) string {
	var parts []string
	var cancelled, cancelledQty, trades int64
	for i := range outs {
		o := &outs[i]
		switch o.Kind {
		case event.OutKill:
			parts = append(parts, fmt.Sprintf("kill tripped for %s (%s)", b.scope(o.Account, o.Symbol), o.Reason))
		case event.OutClear:
			parts = append(parts, "kill cleared for "+b.scope(o.Account, o.Symbol))
		case event.OutLimit:
			parts = append(parts, fmt.Sprintf("limit %d set to %d for %s", o.Other, o.Qty, b.scope(o.Account, o.Symbol)))
		case event.OutPaused:
			parts = append(parts, "paused")
		case event.OutUnpaused:
			parts = append(parts, "unpaused")
		case event.OutHalted:
			parts = append(parts, "halted "+b.symLabel(o.Symbol))
		case event.OutResumed:
			parts = append(parts, "resumed "+b.symLabel(o.Symbol))
		case event.OutMassCancelled:
			parts = append(parts, fmt.Sprintf("mass cancel for %s: %s", b.scope(o.Account, o.Symbol), plural(o.Qty, "order")))
		case event.OutRejected:
			parts = append(parts, "rejected: "+o.Reason.String())
		case event.OutAccepted:
			parts = append(parts, fmt.Sprintf("order %d of account %d accepted", o.ID, o.Account))
		case event.OutParent:
			parts = append(parts, fmt.Sprintf("parent %d granted to account %d: %s %s allowance %d",
				o.ID, o.Account, b.symLabel(o.Symbol), o.Side, o.Qty))
		case event.OutBreaker:
			parts = append(parts, fmt.Sprintf("breaker of account %s: %s", scopeID(o.Account), o.Reason))
		case event.OutSymbol:
			parts = append(parts, fmt.Sprintf("symbol %d defined", o.Symbol))
		case event.OutCancelled:
			cancelled++
			cancelledQty += o.Qty
		case event.OutTrade:
			trades++
		}
	}
	if cancelled > 0 {
		parts = append(parts, fmt.Sprintf("cancelled %s (%d lots)", plural(cancelled, "order"), cancelledQty))
	}
	if trades > 0 {
		parts = append(parts, plural(trades, "trade"))
	}
	if len(parts) == 0 {
		return "no effect"
	}
	return strings.Join(parts, "; ")
}

// scope names a kill or limit scope: "account 7 symbol AAPL", "*" for all.
func (b *Builder) scope(account, sym uint32) string {
	return "account " + scopeID(account) + " symbol " + b.symLabel(sym)
}

// symLabel names a symbol by its name, or by id when it has none.
func (b *Builder) symLabel(id uint32) string {
	if id == event.Any {
		return "*"
	}
	if name := b.symName(id); name != "" {
		return name
	}
	return fmt.Sprint(id)
}

// plural shows a count of things: "1 order", "2 orders".
func plural(n int64, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
