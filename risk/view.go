package risk

import "github.com/tradeengine/engine/event"

// GuardState is one kill switch, breaker, bucket or detector as the guard
// sees it now, for an operator's view (the admin socket's `guards`).
type GuardState struct {
	// Kind names the guard: "kill", "breaker", "ceiling", "anomaly",
	// "loss", "outvsin".
	Kind string
	// Account and Symbol give the scope (event.Any for every).
	Account, Symbol uint32
	// Metric names what is measured ("execs", "qty", "notional_usd",
	// "breaches", "loss_usd", ...), "" when nothing is.
	Metric string
	// Window is the window in ns, 0 when none.
	Window int64
	// State is "ok", "tripped", "open", "half-open", "closed", "warmup".
	State string
	// Figure is the measured value now, Limit what it is compared with (0:
	// no limit), both in the unit Metric names.
	Figure, Limit int64
	// Reason is what tripped it, when State is "tripped".
	Reason event.Reason
}

// LimitValue is one limit in force for one scope.
type LimitValue struct {
	Limit           Limit
	Key             string // the configuration key, Limit.String()
	Account, Symbol uint32 // event.Any for the default of every account or symbol; both Any with Global for the engine's
	Global          bool
	Value           int64 // in the key's unit
}

// Held is an order the guard holds until an operator approves or denies it,
// or its deadline passes in event time.
type Held struct {
	PendingID uint64       // the order's input sequence; what approve and deny name
	Order     event.In     // the order as it arrived
	Reason    event.Reason // event.ReasonApproveQty or event.ReasonApproveNotional
	Since     int64        // event time it was held
	Deadline  int64        // event time it is denied at (0: never)
}
