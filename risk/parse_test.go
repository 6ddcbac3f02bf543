package risk

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/matcher"
)

// TestDefaultConfigFile parses testdata/default.conf over an empty
// configuration: it must spell out every default.
func TestDefaultConfigFile(t *testing.T) {
	f, err := os.Open("testdata/default.conf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := parseConfig(f, "default.conf", &Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	if !reflect.DeepEqual(got, want) {
		for l := Limit(1); l < numLimits; l++ {
			for _, sc := range []struct {
				name string
				g, w int64
			}{{"global", got.Global[l], want.Global[l]}, {"defaults", got.Account[l], want.Account[l]}, {"symbols", got.Symbol[l], want.Symbol[l]}} {
				if sc.g != sc.w {
					t.Errorf("[%s] %v = %d, DefaultConfig has %d", sc.name, l, sc.g, sc.w)
				}
			}
		}
		got.Global, got.Account, got.Symbol = Values{}, Values{}, Values{}
		want.Global, want.Account, want.Symbol = Values{}, Values{}, Values{}
		t.Fatalf("default.conf differs from DefaultConfig:\n file %+v\n code %+v", got, want)
	}
	if err := want.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestParseConfig(t *testing.T) {
	const file = `# a test
[global]
tick_usd = .005        # half a cent
windows = 500ms, 5s, 1m
cancel_on_trip = loss, out_vs_in
max_execs = 1_000, off, 0

[defaults]
max_order_qty = 5000
breaker_cooldown = 250ms

[account 42]
max_order_qty = 100
restricted = GME, AMC

[account 7]
credit_usd = 1000

[symbol AAPL]
ref_price_ticks = 18744
require_reference = yes
`
	c, err := ParseConfig(strings.NewReader(file), "test.conf")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"tick", c.TickMicros, int64(5000)},
		{"windows", c.Windows, [NumWindows]int64{500e6, 5e9, 60e9}},
		{"cancel on loss", c.CancelOnTrip.Has(event.ReasonLoss), true},
		{"cancel on ceiling", c.CancelOnTrip.Has(event.ReasonExecCeiling), false},
		{"global max_execs", [3]int64{c.Global[LimitMaxExecs], c.Global[LimitMaxExecs+1], c.Global[LimitMaxExecs+2]}, [3]int64{1000, 0, 0}},
		{"default max_order_qty", c.Account[LimitMaxOrderQty], int64(5000)},
		{"default breaker_cooldown", c.Account[LimitBreakerCooldown], int64(250e6)},
		{"untouched default", c.Account[LimitMaxOpenOrders], DefaultConfig().Account[LimitMaxOpenOrders]},
		{"accounts sorted", []uint32{c.Accounts[0].ID, c.Accounts[1].ID}, []uint32{7, 42}},
		{"account 42", c.Accounts[1].Settings, []Setting{{LimitMaxOrderQty, 100}}},
		{"restricted", c.Accounts[1].Restricted, []string{"GME", "AMC"}},
		{"symbol", c.Symbols, []SymbolConfig{{Name: "AAPL", Settings: []Setting{{LimitRefPrice, 18744}, {LimitRequireReference, 1}}}}},
	}
	for _, ck := range checks {
		if !reflect.DeepEqual(ck.got, ck.want) {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
	m, _ := matcher.New(matcher.DefaultConfig())
	if _, err := New(c, m); err != nil {
		t.Fatal(err)
	}
}

// TestParseErrors checks that a bad file is refused with name:line: reason.
func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, file string
		line       int
		msg        string
	}{
		{"key before a section", "max_order_qty = 1\n", 1, "outside a section"},
		{"unknown section", "[global]\n[foo]\n", 2, "unknown section"},
		{"unknown key", "[defaults]\n# c\nmax_qty = 5\n", 3, `unknown key "max_qty"`},
		{"bad number", "[defaults]\nmax_order_qty = 12a\n", 2, "not a number"},
		{"negative", "[defaults]\nmax_order_qty = -5\n", 2, "not a number"},
		{"out of range", "[symbols]\ncollar_bps = 10001\n", 2, "out of range"},
		{"duplicate section", "[account 5]\n[defaults]\n[account 05]\n", 3, "duplicate section [account 5]"},
		{"duplicate key", "[global]\nlot_shares = 1\nlot_shares = 2\n", 3, "set twice"},
		{"wrong section", "[symbols]\nmax_open_orders = 5\n", 2, "does not apply"},
		{"global key elsewhere", "[defaults]\nwindows = 1s, 2s, 3s\n", 2, "unknown key"},
		{"windows not increasing", "[global]\nwindows = 1s, 1s, 3s\n", 2, "not longer"},
		{"window too short", "[global]\nwindows = 1ms, 1s, 3s\n", 2, "out of range"},
		{"bad duration", "[defaults]\nbreaker_window = 5\n", 2, "not a duration"},
		{"count of values", "[defaults]\nmax_execs = 1, 2\n", 2, "want 3 values"},
		{"bad account", "[account x]\n", 1, "want an account id"},
		{"reserved account", "[account 4294967295]\n", 1, "want an account id"},
		{"bad symbol", "[symbol TOOLONGNAME]\n", 1, "symbol"},
		{"bad restricted", "[account 1]\nrestricted = AAPL, $$\n", 2, "restricted"},
		{"bad switch", "[symbols]\nrequire_reference = maybe\n", 2, "yes or no"},
		{"bad tick", "[global]\ntick_usd = 0.0000001\n", 2, "tick_usd"},
		{"bad trip name", "[global]\ncancel_on_trip = loss, panic\n", 2, "unknown trip"},
		{"unclosed header", "[global\n", 1, "not closed"},
		{"no equals", "[global]\nlot_shares 1\n", 2, "neither"},
		{"missing value", "[global]\nlot_shares =\n", 2, "missing value"},
		{"conflict in defaults", "[defaults]\nmsgs_per_sec = 10\norders_per_sec = 20\n", 3, "above msgs_per_sec"},
		{"conflict through an account", "[defaults]\nmax_gross_position = 100\nmax_net_position = 50\n\n[account 3]\nmax_net_position = 200\n", 6, "[account 3]: max_net_position 200 above max_gross_position 100"},
		{"conflict with a default", "[defaults]\nmax_gross_position = 100\n", 2, "[defaults]: max_net_position 5000000 above max_gross_position 100"},
		{"burst missing", "[global]\nmsgs_per_sec = 10\nmsg_burst = 0\n", 3, "msg_burst is 0"},
		{"max_accounts 0", "[global]\nmax_accounts = 0\n", 2, "max_accounts"},
		{"max_accounts too large", "[global]\nmax_accounts = 16777217\n", 2, "max_accounts"},
		{"max_parents 0", "[global]\nmax_parents = 0\n", 2, "max_parents"},
		{"max_accounts in defaults", "[defaults]\nmax_accounts = 5\n", 2, "unknown key"},
		{"approval_timeout not a duration", "[global]\napproval_timeout = 60\n", 2, "approval_timeout"},
		{"approval_timeout too long", "[global]\napproval_timeout = 25h\n", 2, "out of range"},
		{"max_pending 0", "[global]\nmax_pending = 0\n", 2, "max_pending"},
		{"max_pending too large", "[global]\nmax_pending = 1048577\n", 2, "max_pending"},
		{"max_pending in defaults", "[defaults]\nmax_pending = 5\n", 2, "unknown key"},
		{"approve_qty in global", "[global]\napprove_qty = 5\n", 2, "does not apply"},
		{"approve_qty negative", "[account 1]\napprove_qty = -5\n", 2, "not a number"},
		{"after the admin section", "[admin]\nuid 7 = whatever\n[global]\nbogus = 1\n", 4, "unknown key"},
		{"not key = value in the admin section", "[admin]\nanything at all\n", 2, "neither a section header nor key = value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig(strings.NewReader(c.file), "risk.conf")
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want ErrConfig", err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != c.line || pe.Name != "risk.conf" {
				t.Fatalf("err = %v, want risk.conf:%d", err, c.line)
			}
			if !strings.HasPrefix(err.Error(), "risk.conf:") || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %q, want risk.conf:%d: ...%s...", err, c.line, c.msg)
			}
		})
	}
}

func TestLimitNames(t *testing.T) {
	for l := Limit(1); l < numLimits; l++ {
		if !l.Valid() {
			continue
		}
		li, base, _ := l.info()
		k, ok := LimitByKey(li.key)
		if !ok || k != base {
			t.Errorf("LimitByKey(%q) = %d %v, want %d", li.key, k, ok, base)
		}
	}
	for _, c := range []struct {
		l    Limit
		want string
	}{
		{LimitMaxOrderQty, "max_order_qty"},
		{LimitMaxExecs + 2, "max_execs/2"},
		{LimitGlobal | LimitMsgsPerSec, "global:msgs_per_sec"},
		{23, "limit23"},
		{LimitFloorNotional + 3, "approve_qty"},
		{LimitApproveNotional + 1, "limit52"},
	} {
		if got := c.l.String(); got != c.want {
			t.Errorf("Limit(%d).String() = %q, want %q", c.l, got, c.want)
		}
	}
}

// FuzzParseConfig checks that any file parses to a valid configuration or
// a ParseError, never a panic.
func FuzzParseConfig(f *testing.F) {
	if b, err := os.ReadFile("testdata/default.conf"); err == nil {
		f.Add(string(b))
	}
	f.Add("[global]\nwindows = 1s, 2s, 3s\n[account 1]\nrestricted = A\n[symbol B]\ncollar_bps = 5\n")
	f.Add("[defaults]\nmax_execs = 1_0, off, 3\n")
	f.Add("[global]\ntick_usd = 1.5\ncancel_on_trip = none\n")
	f.Add("[admin]\nuid 1000 = admin\n[global]\napproval_timeout = 5m\nmax_pending = 7\n[account 3]\napprove_qty = 10\n[symbol X]\napprove_notional_usd = 1_000\n")
	f.Fuzz(func(t *testing.T, file string) {
		c, err := ParseConfig(strings.NewReader(file), "fuzz.conf")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) && !errors.Is(err, ErrConfig) {
				t.Fatalf("error %v is neither a ParseError nor ErrConfig", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed a configuration that does not validate: %v", err)
		}
	})
}

func TestParseBounds(t *testing.T) {
	c, err := ParseConfig(strings.NewReader("[global]\nmax_accounts = 5000\nmax_parents = 70\n"), "bounds.conf")
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxAccounts != 5000 || c.MaxParents != 70 {
		t.Fatalf("max_accounts %d, max_parents %d; want 5000, 70", c.MaxAccounts, c.MaxParents)
	}
	c.Accounts = make([]AccountConfig, 5001)
	for i := range c.Accounts {
		c.Accounts[i].ID = uint32(i)
	}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "max_accounts") {
		t.Fatalf("5001 accounts configured under max_accounts 5000: %v", err)
	}
}

// TestParseApproval reads the approval settings, and skips the [admin]
// section (package admin's) wherever it is: its lines are not read, and
// nothing of it is in the Config or its JSON.
func TestParseApproval(t *testing.T) {
	const file = `[global]
approval_timeout = 90s
max_pending = 500

[admin]
# the admin socket's roles: not the guard's business
uid 1000 = admin
group ops = operate
max_connections = 4
not even key = value syntax [x
approve_qty = 1

[defaults]
approve_notional_usd = 250_000

[account 42]
approve_qty = 1000

[symbol AAPL]
approve_qty = 5000
approve_notional_usd = off
`
	c, err := ParseConfig(strings.NewReader(file), "approval.conf")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"timeout", c.ApprovalTimeout, int64(90e9)},
		{"max pending", c.MaxPending, 500},
		{"default notional", c.Account[LimitApproveNotional], int64(250_000)},
		{"default qty", c.Account[LimitApproveQty], int64(0)},
		{"symbols' default", c.Symbol[LimitApproveQty], int64(0)},
		{"account 42", c.Accounts, []AccountConfig{{ID: 42, Settings: []Setting{{LimitApproveQty, 1000}}}}},
		{"AAPL", c.Symbols, []SymbolConfig{{Name: "AAPL", Settings: []Setting{{LimitApproveQty, 5000}, {LimitApproveNotional, 0}}}}},
	}
	for _, ck := range checks {
		if !reflect.DeepEqual(ck.got, ck.want) {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
	// The same file without the [admin] section gives the same Config,
	// and the same JSON (what the pipeline journals), which names nothing
	// of it.
	start, end := strings.Index(file, "[admin]"), strings.Index(file, "[defaults]")
	without, err := ParseConfig(strings.NewReader(file[:start]+file[end:]), "approval.conf")
	if err != nil {
		t.Fatal(err)
	}
	j1, _ := json.Marshal(c)
	j2, _ := json.Marshal(without)
	if !reflect.DeepEqual(c, without) || string(j1) != string(j2) {
		t.Fatalf("the [admin] section changed the Config:\n%s\n%s", j1, j2)
	}
	for _, s := range []string{"admin", "uid", "operate", "max_connections"} {
		if strings.Contains(strings.ToLower(string(j1)), s) {
			t.Errorf("the JSON names %q: %s", s, j1)
		}
	}
	var back Config
	if err := json.Unmarshal(j1, &back); err != nil || !reflect.DeepEqual(&back, c) {
		t.Fatalf("JSON round trip: %v\n%+v\n%+v", err, &back, c)
	}
	m, _ := matcher.New(matcher.DefaultConfig())
	if _, err := New(c, m); err != nil {
		t.Fatal(err)
	}
}

// TestConfigJSONBeforeApproval decodes the JSON of a configuration as it
// was journaled before the approval settings (no ApprovalTimeout or
// MaxPending, 50 limits a scope): it is valid, holds no order, and has the
// defaults of the new settings; unknown fields are refused.
func TestConfigJSONBeforeApproval(t *testing.T) {
	c := DefaultConfig()
	c.Accounts = []AccountConfig{{ID: 7, Settings: []Setting{{LimitMaxOrderQty, 10}}}}
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "ApprovalTimeout")
	delete(m, "MaxPending")
	for _, k := range []string{"Global", "Account", "Symbol"} {
		m[k] = m[k].([]any)[:50]
	}
	old, _ := json.Marshal(m)
	var got Config
	if err := json.Unmarshal(old, &got); err != nil {
		t.Fatal(err)
	}
	if err := got.Validate(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, c) {
		t.Fatalf("decoded %+v, want %+v", &got, c)
	}
	m["Bogus"] = 1
	bad, _ := json.Marshal(m)
	if err := json.Unmarshal(bad, &got); err == nil {
		t.Fatal("an unknown field is accepted")
	}
	// null leaves a Config alone.
	keep := *c
	if err := json.Unmarshal([]byte("null"), &keep); err != nil || !reflect.DeepEqual(&keep, c) {
		t.Fatalf("null: %v", err)
	}
}
