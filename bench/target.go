package bench

import (
	"fmt"
	"strconv"
)

// Target is a figure a row must reach: its Value (or its Ratio over the
// peer) compared with a bound.
type Target struct {
	On    string  `json:"on"`    // "value" or "ratio"
	Op    string  `json:"op"`    // ">=", "<=", "<" or "=="
	Bound float64 `json:"bound"` // in the row's unit for "value", a plain factor for "ratio"
}

// met reports whether x satisfies the target.
func (t Target) met(x float64) bool {
	switch t.Op {
	case ">=":
		return x >= t.Bound
	case "<=":
		return x <= t.Bound
	case "<":
		return x < t.Bound
	case "==":
		return x == t.Bound
	}
	return false
}

// text renders the target for a row of the given unit: ">= 200M events/s",
// "< 300 ns", "ratio >= 10x".
func (t Target) text(unit string) string {
	if t.On == "ratio" {
		return fmt.Sprintf("%s %sx", t.Op, strconv.FormatFloat(t.Bound, 'g', -1, 64))
	}
	return t.Op + " " + FormatValue(t.Bound, unit)
}

// targetKey names a row a target applies to.
type targetKey struct{ scenario, metric, peer string }

// targets are the figures the suite is held to on the project's 2-core
// machine (see the package documentation for the reasons behind each).
var targets = map[targetKey]Target{
	{"ring", "batch=256 events/s", ""}:                  {On: "value", Op: ">=", Bound: 200e6},
	{"ring", "unbatched events/s", PeerChan}:            {On: "ratio", Op: ">=", Bound: 10},
	{"ring", "unbatched events/s", "xsync.SPSCQueue"}:   {On: "ratio", Op: ">=", Bound: 3},
	{"ring", "round trip p50", ""}:                      {On: "value", Op: "<", Bound: 300},
	{"matcher", "lobster-amzn orders/s", ""}:            {On: "value", Op: ">=", Bound: 10e6},
	{"matcher", "lobster-amzn allocs/order", ""}:        {On: "value", Op: "==", Bound: 0},
	{"journal", "none appends/s", "tidwall/wal NoSync"}: {On: "ratio", Op: ">=", Bound: 50},
	{"e2e", "1M/s p50", ""}:                             {On: "value", Op: "<", Bound: 500},
	{"e2e", "1M/s p99", ""}:                             {On: "value", Op: "<", Bound: 2000},
	{"e2e", "1M/s p99.99", ""}:                          {On: "value", Op: "<", Bound: 20000},
	{"e2e", "1M/s GC cycles", ""}:                       {On: "value", Op: "==", Bound: 0},
	{"killlat", "kill/clear p50", ""}:                   {On: "value", Op: "<", Bound: 100_000},
	{"killlat", "kill/clear p99", ""}:                   {On: "value", Op: "<", Bound: 1_000_000},
	{"killlat", "admin cost", ""}:                       {On: "value", Op: "<=", Bound: 2},
}

// PeerChan is the name of the buffered Go channel baseline of the ring.
const PeerChan = "buffered chan"

// TargetFor returns the target of a row, if it has one: a ratio target
// holds for the peer it names, a value target for the row whatever it is
// compared with.
func TargetFor(scenario, metric, peer string) (Target, bool) {
	if t, ok := targets[targetKey{scenario, metric, peer}]; ok {
		return t, true
	}
	t, ok := targets[targetKey{scenario, metric, ""}]
	return t, ok && t.On == "value"
}

// peerTargets lists the targets that need a peer only the peers module
// measures, so that the table can say they were not measured.
func peerTargets() []targetKey {
	return []targetKey{
		{"ring", "unbatched events/s", "xsync.SPSCQueue"},
		{"journal", "none appends/s", "tidwall/wal NoSync"},
	}
}
