package risk

import (
	"errors"
	"fmt"
	"slices"

	"github.com/tradeengine/engine/event"
)

// ErrConfig reports a [Config] that [New] or [ParseConfig] refuses; it is
// wrapped with the field, or the file and line, at fault.
var ErrConfig = errors.New("risk: bad config")

// Values holds one value per [Limit], indexed by the limit id, in the units
// of the limit's key. Entries of limits that do not apply to the scope the
// Values are for must be 0.
type Values [numLimits]int64

// Setting is one limit set for one account or symbol.
type Setting struct {
	Limit Limit
	Value int64
}

// AccountConfig overrides the account defaults for one account.
type AccountConfig struct {
	ID       uint32
	Settings []Setting // limits with an account scope, each at most once
	// Restricted lists the symbols (by name) the account may not trade.
	Restricted []string
}

// SymbolConfig overrides the symbol defaults for one symbol, by name: the
// guard applies it when the symbol is defined (event.KindSymbol).
type SymbolConfig struct {
	Name     string
	Settings []Setting // limits with a symbol scope, each at most once
}

// ReasonSet is a set of kill-switch trip reasons (event.ReasonOperator and
// up, at most 32 of them).
type ReasonSet uint32

// Has reports whether r is in s.
func (s ReasonSet) Has(r event.Reason) bool {
	return r >= event.ReasonOperator && r < event.ReasonOperator+32 && s&(1<<(r-event.ReasonOperator)) != 0
}

// With returns s with r added.
func (s ReasonSet) With(r event.Reason) ReasonSet {
	if r < event.ReasonOperator || r >= event.ReasonOperator+32 {
		return s
	}
	return s | 1<<(r-event.ReasonOperator)
}

// tripReasons are the reasons an automatic trip may have, in the order the
// configuration lists them.
var tripReasons = [...]event.Reason{
	event.ReasonExecCeiling, event.ReasonQtyCeiling, event.ReasonNotionalCeiling,
	event.ReasonExecAnomaly, event.ReasonQtyAnomaly, event.ReasonNotionalAnomaly,
	event.ReasonLoss, event.ReasonOutVsIn,
}

// Config is the guard's configuration. Start from [DefaultConfig] or
// [ParseConfig]; [New] validates it.
type Config struct {
	// TickMicros is the value of one tick in millionths of a US dollar
	// (10_000 for $0.01) and LotShares the shares in one lot: together
	// they turn the USD limits into tick-lots, the unit of price times
	// quantity. From 1 to 1e12 and 1 to 1e6.
	TickMicros int64
	LotShares  int64
	// Windows are the lengths of the output-volume detectors' sliding
	// windows, ns, increasing, each a multiple of 10 ns from 10 ms to a
	// day. Each window is a ring of 10 buckets.
	Windows [NumWindows]int64
	// BaselinePeriods is the span of the learned baseline: each completed
	// window period moves the mean and the mean absolute deviation by
	// 1/BaselinePeriods of the difference. From 1 to 1e6.
	BaselinePeriods int64
	// WarmupPeriods is how many periods of a window pass, from the first
	// event the guard sees, before its baseline may trip. At most 1e6.
	WarmupPeriods int64
	// AnomalyDeviations is N: a window trips when it counts more than the
	// mean plus N mean absolute deviations, more than AnomalyRatioPct
	// percent of the mean, and more than its floor. 0 turns the anomaly
	// detectors off. At most 1000.
	AnomalyDeviations int64
	// AnomalyRatioPct is the least multiple of the mean, in percent, that
	// counts as an anomaly (300: three times the usual). Executions come in
	// clusters (one large order fills against many), so a count's spread
	// has a heavy tail that the mean absolute deviation alone understates.
	// From 100 to 100000.
	AnomalyRatioPct int64
	// LossWindow is the window of the loss guard, ns, from 10 ms to a day,
	// a multiple of 10 ns.
	LossWindow int64
	// ClOrdIDWindow is how many recent client order ids (of all accounts)
	// are remembered to reject duplicates; 0 turns the check off. At most
	// 1<<24.
	ClOrdIDWindow int
	// CancelOnTrip lists the automatic trips that also cancel the resting
	// orders of the scope they kill.
	CancelOnTrip ReasonSet
	// MaxAccounts bounds the accounts the guard holds state for (about 2
	// KB each in memory, 1.6 KB in a snapshot): the configured accounts,
	// and those made by new orders not rejected, parent instructions and
	// operator commands. A new order (or parent instruction, or operator
	// command) naming a new account beyond it is rejected with
	// event.ReasonTooManyAccounts. From 1 (and at least len(Accounts)) to
	// 1<<24.
	MaxAccounts int
	// MaxParents bounds the (account, symbol) pairs holding a parent
	// instruction's allowance; a parent instruction for a new pair beyond
	// it is rejected with event.ReasonTooManyParents. From 1 to 1<<24.
	MaxParents int
	// ApprovalTimeout is how long, in event time, an order held for
	// approval (see [LimitApproveQty]) waits for an operator: the first
	// input at or after it rejects the order with
	// event.ReasonApprovalTimeout. 0: it waits until approved, denied or
	// cancelled. At most a day.
	ApprovalTimeout int64
	// MaxPending bounds the orders held for approval at once (about 150
	// bytes each); an order to hold beyond it is rejected with
	// event.ReasonTooManyPending. From 1 to 1<<20.
	MaxPending int

	Global  Values // engine-wide limits ([global])
	Account Values // every account's defaults ([defaults])
	Symbol  Values // every symbol's defaults ([symbols])

	Accounts []AccountConfig // [account N] sections, sorted by ID
	Symbols  []SymbolConfig  // [symbol NAME] sections, sorted by Name
}

// Defaults and bounds of the approval settings.
const (
	defaultApprovalTimeout = 60e9 // a minute: an operator has time to look, a forgotten order does not linger
	defaultMaxPending      = 10_000
	maxPendingBound        = 1 << 20
)

// set sets the windowed limit base in v to the values of ws.
func (v *Values) setWindows(base Limit, ws [NumWindows]int64) {
	for w, x := range ws {
		v[base+Limit(w)] = x
	}
}

// DefaultConfig returns a configuration safe for a real US equity day on a
// venue or crossing engine with market-making members: the pre-trade limits
// stop fat fingers (an order above 200,000 shares or $50M), the rate
// breakers stop a member from taking more than a quarter of the engine's
// message budget, and the output-volume detectors and the out-versus-in
// guard stop a runaway. Every number is explained in
// risk/testdata/default.conf, which [TestDefaultConfigFile] keeps equal to
// it.
func DefaultConfig() *Config {
	c := &Config{
		TickMicros:        10_000, // $0.01
		LotShares:         1,
		Windows:           [NumWindows]int64{1e9, 10e9, 60e9},
		BaselinePeriods:   16,
		WarmupPeriods:     5,
		AnomalyDeviations: 10,
		AnomalyRatioPct:   300,
		LossWindow:        60e9,
		ClOrdIDWindow:     1 << 20,
		MaxAccounts:       100_000,
		MaxParents:        100_000,
		ApprovalTimeout:   defaultApprovalTimeout,
		MaxPending:        defaultMaxPending,
	}
	for _, r := range tripReasons {
		c.CancelOnTrip = c.CancelOnTrip.With(r)
	}

	g := &c.Global
	g[LimitMsgsPerSec], g[LimitMsgBurst] = 2_000_000, 2_000_000
	g[LimitOrdersPerSec], g[LimitOrderBurst] = 1_000_000, 1_000_000
	g[LimitBreakerBreaches], g[LimitBreakerWindow] = 100, 1e9
	g[LimitBreakerCooldown], g[LimitBreakerProbe] = 1e9, 1e9
	g.setWindows(LimitMaxExecs, [NumWindows]int64{500_000, 2_500_000, 10_000_000})
	g.setWindows(LimitMaxQtyTraded, [NumWindows]int64{200_000_000, 1_000_000_000, 4_000_000_000})
	g.setWindows(LimitMaxNotionalTraded, [NumWindows]int64{20_000_000_000, 100_000_000_000, 400_000_000_000})
	g.setWindows(LimitFloorExecs, [NumWindows]int64{50_000, 250_000, 1_000_000})
	g.setWindows(LimitFloorQty, [NumWindows]int64{5_000_000, 25_000_000, 100_000_000})
	g.setWindows(LimitFloorNotional, [NumWindows]int64{500_000_000, 2_500_000_000, 10_000_000_000})

	a := &c.Account
	a[LimitMaxOrderQty] = 200_000
	a[LimitMaxOrderNotional] = 50_000_000
	a[LimitMaxNetPosition] = 5_000_000
	a[LimitMaxGrossPosition] = 20_000_000
	a[LimitMaxOpenOrders] = 200_000
	a[LimitCredit] = 5_000_000_000
	a[LimitMaxLoss] = 50_000_000
	a[LimitMsgsPerSec], a[LimitMsgBurst] = 500_000, 500_000
	a[LimitOrdersPerSec], a[LimitOrderBurst] = 250_000, 250_000
	a[LimitBreakerBreaches], a[LimitBreakerWindow] = 20, 1e9
	a[LimitBreakerCooldown], a[LimitBreakerProbe] = 5e9, 1e9
	a[LimitParentExcess], a[LimitParentWindow] = 3, 1e9
	a.setWindows(LimitMaxExecs, [NumWindows]int64{100_000, 500_000, 2_000_000})
	a.setWindows(LimitMaxQtyTraded, [NumWindows]int64{50_000_000, 250_000_000, 1_000_000_000})
	a.setWindows(LimitMaxNotionalTraded, [NumWindows]int64{5_000_000_000, 25_000_000_000, 100_000_000_000})
	a.setWindows(LimitFloorExecs, [NumWindows]int64{500, 3_000, 10_000})
	a.setWindows(LimitFloorQty, [NumWindows]int64{500_000, 3_000_000, 10_000_000})
	a.setWindows(LimitFloorNotional, [NumWindows]int64{100_000_000, 600_000_000, 2_000_000_000})

	s := &c.Symbol
	s[LimitCollarBps] = 1000 // 10%
	s[LimitCollarTicks] = 10
	s.setWindows(LimitMaxExecs, [NumWindows]int64{100_000, 500_000, 2_000_000})
	s.setWindows(LimitMaxQtyTraded, [NumWindows]int64{50_000_000, 250_000_000, 1_000_000_000})
	s.setWindows(LimitMaxNotionalTraded, [NumWindows]int64{5_000_000_000, 25_000_000_000, 100_000_000_000})
	s.setWindows(LimitFloorExecs, [NumWindows]int64{5_000, 25_000, 100_000})
	s.setWindows(LimitFloorQty, [NumWindows]int64{5_000_000, 25_000_000, 100_000_000})
	s.setWindows(LimitFloorNotional, [NumWindows]int64{500_000_000, 2_500_000_000, 10_000_000_000})
	return c
}

// Validate reports the first thing wrong with c, wrapping [ErrConfig].
func (c *Config) Validate() error {
	switch {
	case c.TickMicros < 1 || c.TickMicros > 1e12:
		return fmt.Errorf("%w: tick %d micro-dollars, want 1 to 1e12", ErrConfig, c.TickMicros)
	case c.LotShares < 1 || c.LotShares > 1e6:
		return fmt.Errorf("%w: lot %d shares, want 1 to 1e6", ErrConfig, c.LotShares)
	case c.BaselinePeriods < 1 || c.BaselinePeriods > 1e6:
		return fmt.Errorf("%w: baseline periods %d, want 1 to 1e6", ErrConfig, c.BaselinePeriods)
	case c.WarmupPeriods < 0 || c.WarmupPeriods > 1e6:
		return fmt.Errorf("%w: warm-up periods %d, want 0 to 1e6", ErrConfig, c.WarmupPeriods)
	case c.AnomalyDeviations < 0 || c.AnomalyDeviations > 1000:
		return fmt.Errorf("%w: anomaly deviations %d, want 0 to 1000", ErrConfig, c.AnomalyDeviations)
	case c.AnomalyRatioPct < 100 || c.AnomalyRatioPct > 100000:
		return fmt.Errorf("%w: anomaly ratio %d%%, want 100 to 100000", ErrConfig, c.AnomalyRatioPct)
	case c.ClOrdIDWindow < 0 || c.ClOrdIDWindow > 1<<24:
		return fmt.Errorf("%w: client order id window %d, want 0 to %d", ErrConfig, c.ClOrdIDWindow, 1<<24)
	case c.MaxAccounts < 1 || c.MaxAccounts > 1<<24:
		return fmt.Errorf("%w: max_accounts %d, want 1 to %d", ErrConfig, c.MaxAccounts, 1<<24)
	case c.MaxAccounts < len(c.Accounts):
		return fmt.Errorf("%w: max_accounts %d below the %d accounts configured", ErrConfig, c.MaxAccounts, len(c.Accounts))
	case c.MaxParents < 1 || c.MaxParents > 1<<24:
		return fmt.Errorf("%w: max_parents %d, want 1 to %d", ErrConfig, c.MaxParents, 1<<24)
	case c.ApprovalTimeout < 0 || c.ApprovalTimeout > maxDuration:
		return fmt.Errorf("%w: approval_timeout %dns, want 0 to 24h", ErrConfig, c.ApprovalTimeout)
	case c.MaxPending < 1 || c.MaxPending > maxPendingBound:
		return fmt.Errorf("%w: max_pending %d, want 1 to %d", ErrConfig, c.MaxPending, maxPendingBound)
	}
	if err := checkWindow("loss window", c.LossWindow); err != nil {
		return err
	}
	for w, l := range c.Windows {
		if err := checkWindow(fmt.Sprintf("window %d", w), l); err != nil {
			return err
		}
		if w > 0 && l <= c.Windows[w-1] {
			return fmt.Errorf("%w: windows %v not increasing", ErrConfig, c.Windows)
		}
	}
	for _, vs := range []struct {
		name string
		v    *Values
		s    scope
	}{{"global", &c.Global, scopeGlobal}, {"defaults", &c.Account, scopeAccount}, {"symbols", &c.Symbol, scopeSymbol}} {
		for l := Limit(1); l < numLimits; l++ {
			if err := checkValue(l, vs.v[l], vs.s, true); err != nil {
				return fmt.Errorf("%w: %s: %s", ErrConfig, vs.name, err)
			}
		}
		if msg, _ := conflictsOf(func(l Limit) int64 { return vs.v[l] }); msg != "" {
			return fmt.Errorf("%w: %s: %s", ErrConfig, vs.name, msg)
		}
	}
	for i := range c.Accounts {
		a := &c.Accounts[i]
		if a.ID == event.Any {
			return fmt.Errorf("%w: account %d is reserved", ErrConfig, a.ID)
		}
		if i > 0 && a.ID <= c.Accounts[i-1].ID {
			return fmt.Errorf("%w: accounts not sorted or account %d repeated", ErrConfig, a.ID)
		}
		if err := checkSettings(a.Settings, scopeAccount); err != nil {
			return fmt.Errorf("%w: account %d: %s", ErrConfig, a.ID, err)
		}
		if msg, _ := conflictsOf(overlay(&c.Account, a.Settings)); msg != "" {
			return fmt.Errorf("%w: account %d: %s", ErrConfig, a.ID, msg)
		}
		for _, n := range a.Restricted {
			if _, err := event.PackName(n); err != nil {
				return fmt.Errorf("%w: account %d: restricted: %w", ErrConfig, a.ID, err)
			}
		}
	}
	for i := range c.Symbols {
		s := &c.Symbols[i]
		if _, err := event.PackName(s.Name); err != nil {
			return fmt.Errorf("%w: symbol: %w", ErrConfig, err)
		}
		if i > 0 && s.Name <= c.Symbols[i-1].Name {
			return fmt.Errorf("%w: symbols not sorted or symbol %s repeated", ErrConfig, s.Name)
		}
		if err := checkSettings(s.Settings, scopeSymbol); err != nil {
			return fmt.Errorf("%w: symbol %s: %s", ErrConfig, s.Name, err)
		}
	}
	return nil
}

// checkWindow checks the length of a sliding window.
func checkWindow(name string, l int64) error {
	if l < 10e6 || l > maxDuration || l%nBuckets != 0 {
		return fmt.Errorf("%w: %s %dns, want 10ms to 24h, a multiple of %dns", ErrConfig, name, l, nBuckets)
	}
	return nil
}

// checkValue checks value v of limit l for a scope s; with zeroElsewhere,
// a limit that does not apply to s must be 0.
func checkValue(l Limit, v int64, s scope, zeroElsewhere bool) error {
	li, _, ok := l.info()
	if !ok {
		if v != 0 {
			return fmt.Errorf("limit id %d not defined", l)
		}
		return nil
	}
	if li.scopes&s == 0 {
		if zeroElsewhere && v == 0 {
			return nil
		}
		return fmt.Errorf("%s does not apply here", l)
	}
	if v < 0 || v > li.max {
		return fmt.Errorf("%s %d out of range 0 to %d", l, v, li.max)
	}
	return nil
}

// checkSettings checks a section's settings: each limit once, applicable to
// s and in range.
func checkSettings(set []Setting, s scope) error {
	for i, st := range set {
		if err := checkValue(st.Limit, st.Value, s, false); err != nil {
			return err
		}
		for _, prev := range set[:i] {
			if prev.Limit == st.Limit {
				return fmt.Errorf("%s set twice", st.Limit)
			}
		}
	}
	return nil
}

// overlay returns a getter of the values of base with set applied.
func overlay(base *Values, set []Setting) func(Limit) int64 {
	return func(l Limit) int64 {
		for _, st := range set {
			if st.Limit == l {
				return st.Value
			}
		}
		return base[l]
	}
}

// conflictsOf returns what is inconsistent in one scope's values, and the
// limit to blame (the second of the pair), or "".
func conflictsOf(get func(Limit) int64) (string, Limit) {
	if get(LimitMsgsPerSec) > 0 && get(LimitMsgBurst) == 0 {
		return "msgs_per_sec is set but msg_burst is 0", LimitMsgBurst
	}
	if get(LimitOrdersPerSec) > 0 && get(LimitOrderBurst) == 0 {
		return "orders_per_sec is set but order_burst is 0", LimitOrderBurst
	}
	if m, o := get(LimitMsgsPerSec), get(LimitOrdersPerSec); m > 0 && o > m {
		return fmt.Sprintf("orders_per_sec %d above msgs_per_sec %d: every order is a message", o, m), LimitOrdersPerSec
	}
	if get(LimitBreakerBreaches) > 0 && (get(LimitBreakerWindow) == 0 || get(LimitBreakerCooldown) == 0) {
		return "breaker_breaches is set but breaker_window or breaker_cooldown is 0", LimitBreakerBreaches
	}
	if get(LimitParentExcess) > 0 && get(LimitParentWindow) == 0 {
		return "parent_excess is set but parent_window is 0", LimitParentExcess
	}
	if n, g := get(LimitMaxNetPosition), get(LimitMaxGrossPosition); n > 0 && g > 0 && n > g {
		return fmt.Sprintf("max_net_position %d above max_gross_position %d", n, g), LimitMaxNetPosition
	}
	return "", 0
}

// clone returns a deep copy of c.
func (c *Config) clone() *Config {
	d := *c
	d.Accounts = slices.Clone(c.Accounts)
	for i := range d.Accounts {
		d.Accounts[i].Settings = slices.Clone(d.Accounts[i].Settings)
		d.Accounts[i].Restricted = slices.Clone(d.Accounts[i].Restricted)
	}
	d.Symbols = slices.Clone(c.Symbols)
	for i := range d.Symbols {
		d.Symbols[i].Settings = slices.Clone(d.Symbols[i].Settings)
	}
	return &d
}
