package risk

import (
	"errors"
	"fmt"
	"github.com/tradeengine/engine/internal/conf"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tradeengine/engine/event"
)

// ParseError is a configuration file refused by [ParseConfig]: its Error is
// "name:line: reason". It wraps [ErrConfig].
type ParseError struct {
	Name string // the file name given to ParseConfig
	Line int    // 1-based
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg) }

// Unwrap returns [ErrConfig].
func (e *ParseError) Unwrap() error { return ErrConfig }

// section kinds.
const (
	secNone = iota
	secGlobal
	secDefaults
	secSymbols
	secAccount
	secSymbol
	secAdmin // package admin's: skipped
)

// parser holds the state of one ParseConfig.
type parser struct {
	name    string
	line    int
	cfg     *Config
	sec     int
	secLine int
	acct    *AccountConfig
	sym     *SymbolConfig
	seen    map[string]int // section header -> line
	keys    map[string]int // keys of the current section -> line
	// keyLines remembers, per section header, the line of each key, to
	// blame the right line for a conflict found at the end.
	keyLines map[string]map[string]int
}

// ParseConfig reads a configuration file (see the package documentation for
// its syntax and keys). Everything not written in the file has its
// [DefaultConfig] value. A file that is not valid is refused with a
// [*ParseError] naming the file (as name) and line.
func ParseConfig(r io.Reader, name string) (*Config, error) {
	return parseConfig(r, name, DefaultConfig())
}

// parseConfig parses a configuration file over base.
func parseConfig(r io.Reader, name string, base *Config) (*Config, error) {
	p := &parser{
		name: name, cfg: base,
		seen: map[string]int{}, keyLines: map[string]map[string]int{},
	}
	err := conf.Scan(r, func(l conf.Line) error {
		p.line = l.N
		return p.parseLine(l)
	})
	var se *conf.SyntaxError
	switch {
	case errors.As(err, &se):
		return nil, &ParseError{Name: name, Line: se.Line, Msg: se.Msg}
	case err != nil && !errors.As(err, new(*ParseError)):
		return nil, fmt.Errorf("risk: read config %s: %w", name, err)
	case err != nil:
		return nil, err
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return p.cfg, nil
}

func (p *parser) errorf(format string, args ...any) error {
	return &ParseError{Name: p.name, Line: p.line, Msg: fmt.Sprintf(format, args...)}
}

// parseLine takes one header or key = value line.
func (p *parser) parseLine(l conf.Line) error {
	if l.IsSection {
		return p.section(l.Section)
	}
	if p.sec == secAdmin {
		return nil // package admin reads its section
	}
	key, val := l.Key, l.Value
	if p.sec == secNone {
		return p.errorf("%s outside a section: start with [global], [defaults], [symbols], [account N] or [symbol NAME]", key)
	}
	if prev, dup := p.keys[key]; dup {
		return p.errorf("%s set twice in this section (line %d)", key, prev)
	}
	p.keys[key] = p.line
	return p.setKey(key, val)
}

// section starts a section.
func (p *parser) section(h string) error {
	kind, arg, _ := strings.Cut(h, " ")
	arg = strings.TrimSpace(arg)
	canon := kind
	switch kind {
	case "global", "defaults", "symbols":
		if arg != "" {
			return p.errorf("[%s] takes no argument, got %q", kind, arg)
		}
		p.sec = map[string]int{"global": secGlobal, "defaults": secDefaults, "symbols": secSymbols}[kind]
	case "account":
		id, err := strconv.ParseUint(arg, 10, 32)
		if err != nil || uint32(id) == event.Any {
			return p.errorf("[account %s]: want an account id from 0 to %d", arg, event.Any-1)
		}
		canon = "account " + strconv.FormatUint(id, 10)
		p.sec = secAccount
		p.cfg.Accounts = append(p.cfg.Accounts, AccountConfig{ID: uint32(id)})
	case "symbol":
		if _, err := event.PackName(arg); err != nil {
			return p.errorf("[symbol %s]: %v", arg, err)
		}
		canon = "symbol " + arg
		p.sec = secSymbol
		p.cfg.Symbols = append(p.cfg.Symbols, SymbolConfig{Name: arg})
	case "admin":
		// The admin socket's roles (package admin): its lines, up to the
		// next section header, are skipped (the file's syntax still holds), and nothing of them is
		// in the Config.
		p.sec, p.keys = secAdmin, nil
		return nil
	default:
		return p.errorf("unknown section [%s]: want [global], [defaults], [symbols], [account N] or [symbol NAME]", h)
	}
	if prev, dup := p.seen[canon]; dup {
		return p.errorf("duplicate section [%s] (first at line %d)", canon, prev)
	}
	p.seen[canon] = p.line
	p.secLine = p.line
	p.keys = map[string]int{}
	p.keyLines[canon] = p.keys
	return nil
}

// setKey applies key = val in the current section.
func (p *parser) setKey(key, val string) error {
	if p.sec == secGlobal {
		if done, err := p.globalKey(key, val); done {
			return err
		}
	}
	if p.sec == secAccount && key == "restricted" {
		a := &p.cfg.Accounts[len(p.cfg.Accounts)-1]
		for n := range strings.SplitSeq(val, ",") {
			n = strings.TrimSpace(n)
			if _, err := event.PackName(n); err != nil {
				return p.errorf("restricted: %v", err)
			}
			if slices.Contains(a.Restricted, n) {
				return p.errorf("restricted: %s listed twice", n)
			}
			a.Restricted = append(a.Restricted, n)
		}
		return nil
	}
	l, ok := LimitByKey(key)
	if !ok || l == LimitRestricted {
		return p.errorf("unknown key %q", key)
	}
	li := limitInfos[l]
	sc := map[int]scope{secGlobal: scopeGlobal, secDefaults: scopeAccount, secAccount: scopeAccount, secSymbols: scopeSymbol, secSymbol: scopeSymbol}[p.sec]
	if li.scopes&sc == 0 {
		return p.errorf("%s does not apply in this section (it is a limit of %s)", key, scopeNames(li.scopes))
	}
	var vals []int64
	if li.windowed {
		parts := strings.Split(val, ",")
		if len(parts) != NumWindows {
			return p.errorf("%s: want %d values, one per window, got %d", key, NumWindows, len(parts))
		}
		for _, part := range parts {
			v, err := p.value(key, li, strings.TrimSpace(part))
			if err != nil {
				return err
			}
			vals = append(vals, v)
		}
	} else {
		v, err := p.value(key, li, val)
		if err != nil {
			return err
		}
		vals = append(vals, v)
	}
	for w, v := range vals {
		id := l + Limit(w)
		switch p.sec {
		case secGlobal:
			p.cfg.Global[id] = v
		case secDefaults:
			p.cfg.Account[id] = v
		case secSymbols:
			p.cfg.Symbol[id] = v
		case secAccount:
			a := &p.cfg.Accounts[len(p.cfg.Accounts)-1]
			a.Settings = append(a.Settings, Setting{Limit: id, Value: v})
		case secSymbol:
			s := &p.cfg.Symbols[len(p.cfg.Symbols)-1]
			s.Settings = append(s.Settings, Setting{Limit: id, Value: v})
		}
	}
	return nil
}

func scopeNames(s scope) string {
	var n []string
	if s&scopeGlobal != 0 {
		n = append(n, "[global]")
	}
	if s&scopeAccount != 0 {
		n = append(n, "[defaults] and [account N]")
	}
	if s&scopeSymbol != 0 {
		n = append(n, "[symbols] and [symbol NAME]")
	}
	if len(n) == 0 {
		return "no section"
	}
	return strings.Join(n, ", ")
}

// globalKey applies the keys only [global] has; done is false for a key that
// is not one of them.
func (p *parser) globalKey(key, val string) (done bool, err error) {
	c := p.cfg
	switch key {
	case "tick_usd":
		v, ok := parseMicros(val)
		if !ok || v < 1 || v > 1e12 {
			return true, p.errorf("tick_usd: %q is not a dollar amount from 0.000001 to 1000000 with at most 6 decimals", val)
		}
		c.TickMicros = v
	case "lot_shares":
		return true, p.intKey(key, val, 1, 1e6, &c.LotShares)
	case "baseline_periods":
		return true, p.intKey(key, val, 1, 1e6, &c.BaselinePeriods)
	case "warmup_periods":
		return true, p.intKey(key, val, 0, 1e6, &c.WarmupPeriods)
	case "anomaly_deviations":
		return true, p.intKey(key, val, 0, 1000, &c.AnomalyDeviations)
	case "anomaly_ratio_pct":
		return true, p.intKey(key, val, 100, 100000, &c.AnomalyRatioPct)
	case "clordid_window":
		var v int64
		if err := p.intKey(key, val, 0, 1<<24, &v); err != nil {
			return true, err
		}
		c.ClOrdIDWindow = int(v)
	case "approval_timeout":
		v, ok := parseDuration(val)
		if val == "off" {
			v, ok = 0, true
		}
		if !ok {
			return true, p.errorf("approval_timeout: %q is not a duration (a number and ns, us, ms, s, m or h)", val)
		}
		if v > maxDuration {
			return true, p.errorf("approval_timeout: %s out of range 0 to 24h", val)
		}
		c.ApprovalTimeout = v
	case "max_pending":
		var v int64
		if err := p.intKey(key, val, 1, maxPendingBound, &v); err != nil {
			return true, err
		}
		c.MaxPending = int(v)
	case "max_accounts", "max_parents":
		var v int64
		if err := p.intKey(key, val, 1, 1<<24, &v); err != nil {
			return true, err
		}
		if key == "max_accounts" {
			c.MaxAccounts = int(v)
		} else {
			c.MaxParents = int(v)
		}
	case "loss_window":
		v, err := p.window(key, val)
		if err != nil {
			return true, err
		}
		c.LossWindow = v
	case "windows":
		parts := strings.Split(val, ",")
		if len(parts) != NumWindows {
			return true, p.errorf("windows: want %d durations, got %d", NumWindows, len(parts))
		}
		for w, part := range parts {
			v, err := p.window(key, strings.TrimSpace(part))
			if err != nil {
				return true, err
			}
			if w > 0 && v <= c.Windows[w-1] {
				return true, p.errorf("windows: %s is not longer than the window before it", strings.TrimSpace(part))
			}
			c.Windows[w] = v
		}
	case "cancel_on_trip":
		var set ReasonSet
		for n := range strings.SplitSeq(val, ",") {
			n = strings.TrimSpace(n)
			switch n {
			case "all":
				for _, r := range tripReasons {
					set = set.With(r)
				}
				continue
			case "none":
				continue
			}
			found := false
			for _, r := range tripReasons {
				if r.String() == n {
					set, found = set.With(r), true
				}
			}
			if !found {
				return true, p.errorf("cancel_on_trip: unknown trip %q, want all, none or some of %s", n, tripNames())
			}
		}
		c.CancelOnTrip = set
	default:
		return false, nil
	}
	return true, nil
}

func tripNames() string {
	n := make([]string, len(tripReasons))
	for i, r := range tripReasons {
		n[i] = r.String()
	}
	return strings.Join(n, ", ")
}

// intKey parses an integer key in [lo, hi] into dst.
func (p *parser) intKey(key, val string, lo, hi int64, dst *int64) error {
	v, ok := parseInt(val)
	if !ok {
		return p.errorf("%s: %q is not a number", key, val)
	}
	if v < lo || v > hi {
		return p.errorf("%s: %d out of range %d to %d", key, v, lo, hi)
	}
	*dst = v
	return nil
}

// window parses the length of a sliding window.
func (p *parser) window(key, val string) (int64, error) {
	v, ok := parseDuration(val)
	if !ok {
		return 0, p.errorf("%s: %q is not a duration (a number and ns, us, ms, s, m or h)", key, val)
	}
	if err := checkWindow(key, v); err != nil {
		return 0, p.errorf("%s: %s is out of range 10ms to 24h or not a multiple of %dns", key, val, nBuckets)
	}
	return v, nil
}

// value parses one value of a limit.
func (p *parser) value(key string, li limitInfo, val string) (int64, error) {
	v, err := parseValue(li, val)
	if err != nil {
		return 0, p.errorf("%s: %s", key, err)
	}
	return v, nil
}

// ParseLimitValue parses a value of limit l as the configuration file
// writes it (and the admin socket's set limit): a whole number in the unit
// of its key, a duration with a unit (ns, us, ms, s, m, h) for a duration
// (the value is then in ns), yes or no for a switch, off for 0; out of the
// limit's range is an error. [FormatLimitValue] writes what it reads.
func ParseLimitValue(l Limit, val string) (int64, error) {
	li, _, ok := (l &^ LimitGlobal).info()
	if !ok {
		return 0, fmt.Errorf("risk: limit %d undefined", l)
	}
	v, err := parseValue(li, val)
	if err != nil {
		return 0, fmt.Errorf("risk: %s: %w", l.String(), err)
	}
	return v, nil
}

// FormatLimitValue writes value v of limit l as [ParseLimitValue] reads
// it: a duration in its largest exact unit (250ms), a switch as yes or no,
// else the number.
func FormatLimitValue(l Limit, v int64) string {
	li, _, _ := (l &^ LimitGlobal).info()
	switch li.unit {
	case unitDuration:
		if v == 0 {
			return "0"
		}
		for _, u := range [...]struct {
			ns   int64
			unit string
		}{{3600e9, "h"}, {60e9, "m"}, {1e9, "s"}, {1e6, "ms"}, {1e3, "us"}} {
			if v%u.ns == 0 {
				return strconv.FormatInt(v/u.ns, 10) + u.unit
			}
		}
		return strconv.FormatInt(v, 10) + "ns"
	case unitSwitch:
		if v != 0 {
			return "yes"
		}
		return "no"
	}
	return strconv.FormatInt(v, 10)
}

// parseValue parses a value in the unit of li.
func parseValue(li limitInfo, val string) (int64, error) {
	var v int64
	switch li.unit {
	case unitSwitch:
		switch strings.ToLower(val) {
		case "yes", "on", "true", "1":
			v = 1
		case "no", "off", "false", "0":
		default:
			return 0, fmt.Errorf("%q is not yes or no", val)
		}
		return v, nil
	case unitDuration:
		d, ok := parseDuration(val)
		if !ok {
			if val == "off" {
				return 0, nil
			}
			return 0, fmt.Errorf("%q is not a duration (a number and ns, us, ms, s, m or h)", val)
		}
		v = d
	default:
		if val == "off" {
			return 0, nil
		}
		n, ok := parseInt(val)
		if !ok {
			return 0, fmt.Errorf("%q is not a number", val)
		}
		v = n
	}
	if v < 0 || v > li.max {
		return 0, fmt.Errorf("%s out of range 0 to %d", val, li.max)
	}
	return v, nil
}

// finish sorts the sections and checks what only the whole file shows.
func (p *parser) finish() error {
	c := p.cfg
	slices.SortFunc(c.Accounts, func(a, b AccountConfig) int { return cmpU32(a.ID, b.ID) })
	slices.SortFunc(c.Symbols, func(a, b SymbolConfig) int { return strings.Compare(a.Name, b.Name) })
	// blame returns the line of limit l's key in section sec, else the last
	// key of the section (the conflict is with a value it left alone),
	// else its header.
	blame := func(sec string, l Limit) int {
		if l != 0 {
			_, base, _ := l.info()
			if ln, ok := p.keyLines[sec][limitInfos[base].key]; ok {
				return ln
			}
		}
		ln := p.seen[sec]
		for _, kl := range p.keyLines[sec] {
			ln = max(ln, kl)
		}
		return ln
	}
	for _, s := range []struct {
		sec string
		v   *Values
	}{{"global", &c.Global}, {"defaults", &c.Account}, {"symbols", &c.Symbol}} {
		if msg, l := conflictsOf(func(l Limit) int64 { return s.v[l] }); msg != "" {
			return &ParseError{Name: p.name, Line: max(blame(s.sec, l), 1), Msg: fmt.Sprintf("[%s]: %s", s.sec, msg)}
		}
	}
	for i := range c.Accounts {
		a := &c.Accounts[i]
		sec := "account " + strconv.FormatUint(uint64(a.ID), 10)
		if msg, l := conflictsOf(overlay(&c.Account, a.Settings)); msg != "" {
			return &ParseError{Name: p.name, Line: blame(sec, l), Msg: fmt.Sprintf("[%s]: %s", sec, msg)}
		}
	}
	if err := c.Validate(); err != nil {
		return &ParseError{Name: p.name, Line: p.line, Msg: err.Error()}
	}
	return nil
}

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseInt parses a non-negative decimal integer, with optional '_'
// between digits.
func parseInt(s string) (int64, bool) {
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			if s[i-1] == '_' {
				return 0, false
			}
			continue
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (math.MaxInt64-int64(c-'0'))/10 {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// parseDuration parses a non-negative integer with a unit (ns, us, ms, s, m,
// h), or a bare 0.
func parseDuration(s string) (int64, bool) {
	if s == "0" {
		return 0, true
	}
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '_') {
		i++
	}
	n, ok := parseInt(s[:i])
	if !ok {
		return 0, false
	}
	var mul int64
	switch s[i:] {
	case "ns":
		mul = 1
	case "us", "µs":
		mul = 1e3
	case "ms":
		mul = 1e6
	case "s":
		mul = 1e9
	case "m":
		mul = 60e9
	case "h":
		mul = 3600e9
	default:
		return 0, false
	}
	if n > math.MaxInt64/mul {
		return 0, false
	}
	return n * mul, true
}

// parseMicros parses a non-negative decimal with at most 6 decimals into
// millionths.
func parseMicros(s string) (int64, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	w, ok := parseInt(whole)
	if !ok || len(frac) > 6 || w > 1e12 {
		return 0, false
	}
	var f int64
	for i := 0; i < 6; i++ {
		f *= 10
		if i < len(frac) {
			c := frac[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			f += int64(c - '0')
		}
	}
	return w*1e6 + f, true
}
