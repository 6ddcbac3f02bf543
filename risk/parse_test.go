package risk

import (
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
