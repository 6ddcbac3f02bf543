package admin

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/risk"
)

func TestParseCommand(t *testing.T) {
	every := event.Any
	tests := []struct {
		line string
		want Command
	}{
		{"help", Command{Verb: VerbHelp, Account: every}},
		{"  quit  ", Command{Verb: VerbQuit, Account: every}},
		{"status\r", Command{Verb: VerbStatus, Account: every}},
		{"json stats", Command{Verb: VerbStats, JSON: true, Account: every}},
		{"guards", Command{Verb: VerbGuards, Account: every}},
		{"limits", Command{Verb: VerbLimits, Account: every}},
		{"pending", Command{Verb: VerbPending, Account: every}},
		{"book AAPL", Command{Verb: VerbBook, Account: every, Symbol: "AAPL", Levels: DefaultLevels}},
		{"book BRK.B 3", Command{Verb: VerbBook, Account: every, Symbol: "BRK.B", Levels: 3}},
		{"orders 7", Command{Verb: VerbOrders, Account: 7}},
		{"kill all", Command{Verb: VerbKill, Account: every}},
		{"kill account 7 cancel fat finger", Command{Verb: VerbKill, Account: 7, Cancel: true, Reason: "fat finger"}},
		{"kill symbol AAPL halted upstream", Command{Verb: VerbKill, Account: every, Symbol: "AAPL", Reason: "halted upstream"}},
		{"kill account 7 symbol AAPL cancel", Command{Verb: VerbKill, Account: 7, Symbol: "AAPL", Cancel: true}},
		{"pause", Command{Verb: VerbPause, Account: every}},
		{"resume", Command{Verb: VerbResume, Account: every}},
		{"deny 912", Command{Verb: VerbDeny, Account: every, ID: 912}},
		{"approve 18446744073709551615", Command{Verb: VerbApprove, Account: every, ID: 1<<64 - 1}},
		{"clear all", Command{Verb: VerbClear, Account: every}},
		{"clear account 4294967294 symbol A", Command{Verb: VerbClear, Account: 4294967294, Symbol: "A"}},
		{"set limit max_order_qty 1000", Command{Verb: VerbSetLimit, Account: every, Limit: risk.LimitMaxOrderQty, Value: 1000}},
		{"set limit max_order_qty account 7 1_000", Command{Verb: VerbSetLimit, Account: 7, Limit: risk.LimitMaxOrderQty, Value: 1000}},
		{"set limit collar_bps symbol AAPL 50", Command{Verb: VerbSetLimit, Account: every, Symbol: "AAPL", Limit: risk.LimitCollarBps, Value: 50}},
		{"set limit restricted account 7 symbol AAPL yes", Command{Verb: VerbSetLimit, Account: 7, Symbol: "AAPL", Limit: risk.LimitRestricted, Value: 1}},
		{"set limit max_execs/1 global 500", Command{Verb: VerbSetLimit, Account: every, Limit: risk.LimitMaxExecs + 1, Global: true, Value: 500}},
		{"set limit breaker_window 250ms", Command{Verb: VerbSetLimit, Account: every, Limit: risk.LimitBreakerWindow, Value: 250e6}},
		{"set limit max_loss_usd account 9 off", Command{Verb: VerbSetLimit, Account: 9, Limit: risk.LimitMaxLoss, Value: 0}},
		{"snapshot", Command{Verb: VerbSnapshot, Account: every}},
		{"json shutdown", Command{Verb: VerbShutdown, JSON: true, Account: every}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := ParseCommand(tt.line)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			again, err := ParseCommand(got.String())
			if err != nil || again != got {
				t.Fatalf("%q -> %q -> %+v, %v", tt.line, got.String(), again, err)
			}
		})
	}
}

func TestParseCommandErrors(t *testing.T) {
	tests := []struct{ line, msg string }{
		{"", "empty line; try help"},
		{"   ", "empty line; try help"},
		{"json", "json: want a command after json"},
		{"frobnicate", `unknown command "frobnicate"; try help`},
		{"STATUS", `unknown command "STATUS"; try help`},
		{"status now", `status takes no arguments, got "now"`},
		{"book", "usage: book SYMBOL [LEVELS]"},
		{"book AAPL 0", `book: levels "0": want a number from 1 to 1000`},
		{"book AAPL 1001", `book: levels "1001": want a number from 1 to 1000`},
		{"book TOOLONGNAME", `symbol "TOOLONGNAME": want 1 to 8 letters, digits or . - _ / ^`},
		{"orders", "usage: orders ACCOUNT"},
		{"orders -1", `account "-1": want a number from 0 to 4294967294`},
		{"orders 4294967295", `account "4294967295": want a number from 0 to 4294967294`},
		{"approve 0", `approve: pending id "0": want a number from 1 to 18446744073709551615`},
		{"deny x", `deny: pending id "x": want a number from 1 to 18446744073709551615`},
		{"kill", "usage: kill all|account A|symbol S|account A symbol S [cancel] [REASON...]"},
		{"kill everything", "usage: kill all|account A|symbol S|account A symbol S [cancel] [REASON...]"},
		{"kill account", "usage: kill all|account A|symbol S|account A symbol S [cancel] [REASON...]"},
		{"kill symbol", "usage: kill all|account A|symbol S|account A symbol S [cancel] [REASON...]"},
		{"clear all now", `clear: unexpected "now"; usage: clear all|account A|symbol S|account A symbol S`},
		{"set", "usage: set limit KEY[/WINDOW] [account A] [symbol S] [global] VALUE"},
		{"set limit max_order_qty", "usage: set limit KEY[/WINDOW] [account A] [symbol S] [global] VALUE"},
		{"set limit nope 1", `set limit: unknown limit "nope"`},
		{"set limit max_execs 1", "set limit: max_execs has 3 windows: write max_execs/0 to max_execs/2"},
		{"set limit max_execs/3 1", `set limit: max_execs: window "3": want 0 to 2`},
		{"set limit max_execs/01 1", `set limit: max_execs: window "01": want 0 to 2`},
		{"set limit max_order_qty/1 1", "set limit: max_order_qty has no windows"},
		{"set limit max_order_qty -5", `set limit: max_order_qty: "-5" is not a number`},
		{"set limit breaker_window 5d", `set limit: breaker_window: "5d" is not a duration (a number and ns, us, ms, s, m or h)`},
		{"set limit max_order_qty 99999999999999999999", `set limit: max_order_qty: "99999999999999999999" is not a number`},
		{"set limit breaker_window 9999999999h", `set limit: breaker_window: "9999999999h" is not a duration (a number and ns, us, ms, s, m or h)`},
		{"set limit breaker_window 25h", "set limit: breaker_window: 25h out of range 0 to 86400000000000"},
		{"set limit require_reference maybe", `set limit: require_reference: "maybe" is not yes or no`},
		{"set limit msgs_per_sec global account 7 10", "set limit: global takes no account or symbol"},
		{"set limit msgs_per_sec global global 10", "set limit: global given twice"},
		{"set limit msgs_per_sec account 7 account 8 10", "usage: set limit KEY[/WINDOW] [account A] [symbol S] [global] VALUE"},
		{"set limit msgs_per_sec bogus 10", `set limit: unexpected "bogus"; usage: set limit KEY[/WINDOW] [account A] [symbol S] [global] VALUE`},
		{"status\x00", `control character '\x00' in line`},
		{"kill all \x1b[2J", `control character '\x1b' in line`},
		{"kill all \xff", "line is not valid UTF-8"},
		{strings.Repeat("x", MaxLine+1), "line longer than 4096 bytes"},
	}
	for _, tt := range tests {
		name := tt.line
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			_, err := ParseCommand(tt.line)
			var ce *CommandError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCommand) {
				t.Fatalf("err = %v, want a *CommandError", err)
			}
			if ce.Msg != tt.msg {
				t.Fatalf("msg = %q\nwant  %q", ce.Msg, tt.msg)
			}
		})
	}
}

// TestRoleTable pins the role every command needs, and what each role may
// run.
func TestRoleTable(t *testing.T) {
	want := map[Verb]Role{
		VerbHelp: RoleView, VerbQuit: RoleView, VerbStatus: RoleView, VerbStats: RoleView,
		VerbGuards: RoleView, VerbLimits: RoleView, VerbPending: RoleView, VerbBook: RoleView, VerbOrders: RoleView,
		VerbKill: RoleOperate, VerbPause: RoleOperate, VerbDeny: RoleOperate,
		VerbClear: RoleAdmin, VerbResume: RoleAdmin, VerbApprove: RoleAdmin, VerbSetLimit: RoleAdmin,
		VerbSnapshot: RoleAdmin, VerbShutdown: RoleAdmin,
	}
	for v := VerbHelp; v < verbCount; v++ {
		need, ok := want[v]
		if !ok {
			t.Errorf("%s: not in this test's table", v)
			continue
		}
		if v.Role() != need {
			t.Errorf("%s needs %s, want %s", v, v.Role(), need)
		}
		for r := RoleNone; r <= RoleAdmin; r++ {
			if got := r.Allows(v); got != (r != RoleNone && r >= need) {
				t.Errorf("%s allows %s = %v", r, v, got)
			}
		}
		if v.ChangesEngine() != (v == VerbKill || v == VerbClear || v == VerbPause || v == VerbResume ||
			v == VerbApprove || v == VerbDeny || v == VerbSetLimit) {
			t.Errorf("%s: ChangesEngine = %v", v, v.ChangesEngine())
		}
	}
	if len(want) != int(verbCount)-1 {
		t.Errorf("the table has %d verbs, the package %d", len(want), verbCount-1)
	}
	if VerbInvalid.Role() <= RoleAdmin || RoleAdmin.Allows(VerbInvalid) {
		t.Error("an invalid verb is allowed")
	}
}

// commandSeeds are lines for the fuzz target's corpus.
var commandSeeds = []string{
	"help", "json help", "quit", "status", "stats", "guards", "limits", "pending",
	"book AAPL", "book AAPL 5", "orders 7", "kill all", "kill all cancel", "kill account 7 cancel why not",
	"kill symbol AAPL", "kill account 7 symbol AAPL", "clear all", "clear account 7 symbol AAPL",
	"pause", "resume", "approve 5", "deny 5", "set limit max_order_qty 100",
	"set limit max_execs/2 global 10", "set limit breaker_window account 3 1s", "set limit restricted account 1 symbol X yes",
	"snapshot", "shutdown", "", "json", "kill", "set limit", "\xff", "kill all \t reason\r",
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range commandSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseCommand(line)
		if err != nil {
			if !errors.Is(err, ErrCommand) {
				t.Fatalf("%q: error %v does not wrap ErrCommand", line, err)
			}
			return
		}
		if !c.Verb.Valid() {
			t.Fatalf("%q: verb %d", line, c.Verb)
		}
		if len(strings.TrimSuffix(line, "\r")) > MaxLine {
			t.Fatalf("%q: longer than MaxLine and accepted", line)
		}
		if c.Verb == VerbOrders && c.Account == event.Any {
			t.Fatalf("%q: orders of account Any", line)
		}
		if c.Symbol != "" {
			if _, err := event.PackName(c.Symbol); err != nil {
				t.Fatalf("%q: symbol %q: %v", line, c.Symbol, err)
			}
		}
		if c.Verb == VerbSetLimit && !c.Limit.Valid() {
			t.Fatalf("%q: limit %d", line, c.Limit)
		}
		again, err := ParseCommand(c.String())
		if err != nil {
			t.Fatalf("%q -> %q: %v", line, c.String(), err)
		}
		if !reflect.DeepEqual(again, c) {
			t.Fatalf("%q -> %q -> %+v, want %+v", line, c.String(), again, c)
		}
	})
}
