package admin

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/risk"
)

// MaxLine is the longest command line the server reads, in bytes, without
// its line feed. Part of the protocol: a longer line is answered with an
// error and discarded.
const MaxLine = 4096

// Book depth a `book` command asks for.
const (
	DefaultLevels = 10   // when not given
	MaxLevels     = 1000 // at most
)

// Verb is a command of the admin protocol.
type Verb uint8

// Verbs, in the order help lists them.
const (
	VerbInvalid Verb = iota
	VerbHelp
	VerbQuit
	VerbStatus
	VerbStats
	VerbGuards
	VerbLimits
	VerbPending
	VerbBook
	VerbOrders
	VerbKill
	VerbPause
	VerbDeny
	VerbClear
	VerbResume
	VerbApprove
	VerbSetLimit
	VerbSnapshot
	VerbShutdown
	verbCount
)

// verbInfo is a verb's row of the role table.
type verbInfo struct {
	name    string
	role    Role
	usage   string
	summary string
}

// verbs is the role table: the role each command needs.
var verbs = [verbCount]verbInfo{
	VerbHelp:     {"help", RoleView, "help", "the commands your role may use"},
	VerbQuit:     {"quit", RoleView, "quit", "close the connection"},
	VerbStatus:   {"status", RoleView, "status", "running, paused since when, events waiting, journal"},
	VerbStats:    {"stats", RoleView, "stats", "events, rates, rings, latency percentiles"},
	VerbGuards:   {"guards", RoleView, "guards", "every kill switch, breaker and detector"},
	VerbLimits:   {"limits", RoleView, "limits", "the risk limits in force"},
	VerbPending:  {"pending", RoleView, "pending", "orders held for approval"},
	VerbBook:     {"book", RoleView, "book SYMBOL [LEVELS]", "depth of a book, " + strconv.Itoa(DefaultLevels) + " levels a side unless told"},
	VerbOrders:   {"orders", RoleView, "orders ACCOUNT", "an account's open orders and risk state"},
	VerbKill:     {"kill", RoleOperate, "kill all|account A|symbol S|account A symbol S [cancel] [REASON...]", "trip a kill switch; cancel also cancels the scope's resting orders"},
	VerbPause:    {"pause", RoleOperate, "pause", "stop the logic after the events it has; the feed is still journaled"},
	VerbDeny:     {"deny", RoleOperate, "deny ID", "refuse a held order"},
	VerbClear:    {"clear", RoleAdmin, "clear all|account A|symbol S|account A symbol S", "clear a kill switch"},
	VerbResume:   {"resume", RoleAdmin, "resume", "let a paused logic go on"},
	VerbApprove:  {"approve", RoleAdmin, "approve ID", "release a held order to the matcher"},
	VerbSetLimit: {"set limit", RoleAdmin, "set limit KEY[/WINDOW] [account A] [symbol S] [global] VALUE", "set a risk limit (a number in the key's unit, a duration like 250ms, yes/no, off)"},
	VerbSnapshot: {"snapshot", RoleAdmin, "snapshot", "write a snapshot of the logic state"},
	VerbShutdown: {"shutdown", RoleAdmin, "shutdown", "stop the engine as on SIGTERM"},
}

// Valid reports whether v is a defined verb.
func (v Verb) Valid() bool { return v > VerbInvalid && v < verbCount }

// String returns the command's name ("kill", "set limit").
func (v Verb) String() string {
	if v.Valid() {
		return verbs[v].name
	}
	return "verb" + strconv.Itoa(int(v))
}

// Role returns the role a peer needs to run v.
func (v Verb) Role() Role {
	if v.Valid() {
		return verbs[v].role
	}
	return RoleAdmin + 1
}

// ChangesEngine reports whether v is handed to the engine as an [Op].
func (v Verb) ChangesEngine() bool {
	switch v {
	case VerbKill, VerbClear, VerbPause, VerbResume, VerbApprove, VerbDeny, VerbSetLimit:
		return true
	}
	return false
}

// Command is one parsed command line. Exactly the fields its Verb uses are
// set; Account is event.Any and Symbol "" when not given.
type Command struct {
	Verb Verb
	JSON bool // the line began with "json": answer with one JSON object

	Account uint32 // kill, clear, set limit (event.Any: not given); orders
	Symbol  string // kill, clear, set limit ("": not given); book
	Cancel  bool   // kill ... cancel
	Reason  string // kill: the free text after the scope, words joined by one space

	Limit  risk.Limit // set limit: the limit id, its window added
	Global bool       // set limit ... global
	Value  int64      // set limit

	ID     uint64 // approve, deny: the pending id
	Levels int    // book
}

// ErrCommand is wrapped by every [*CommandError].
var ErrCommand = errors.New("admin: bad command")

// CommandError is a line [ParseCommand] refused. Msg is the reason, as the
// server answers it after "error: ".
type CommandError struct{ Msg string }

func (e *CommandError) Error() string { return "admin: bad command: " + e.Msg }

// Unwrap returns [ErrCommand].
func (e *CommandError) Unwrap() error { return ErrCommand }

func badf(format string, args ...any) error {
	return &CommandError{Msg: fmt.Sprintf(format, args...)}
}

// ParseCommand parses one command line (without its line feed; a trailing
// carriage return is ignored). It checks the syntax and the ranges of
// numbers; whether a symbol, account, limit or pending id exists is the
// engine's to say.
func ParseCommand(line string) (Command, error) {
	line = strings.TrimSuffix(line, "\r")
	if len(line) > MaxLine {
		return Command{}, badf("line longer than %d bytes", MaxLine)
	}
	if !utf8.ValidString(line) {
		return Command{}, badf("line is not valid UTF-8")
	}
	for i := 0; i < len(line); i++ {
		if c := line[i]; c < ' ' && c != '\t' || c == 0x7f {
			return Command{}, badf("control character %q in line", c)
		}
	}
	f := strings.Fields(line)
	var c Command
	if len(f) > 0 && f[0] == "json" {
		c.JSON = true
		f = f[1:]
		if len(f) == 0 {
			return Command{}, badf("json: want a command after json")
		}
	}
	if len(f) == 0 {
		return Command{}, badf("empty line; try help")
	}
	c.Account = event.Any
	verb, args := f[0], f[1:]
	none := func(v Verb) (Command, error) {
		if len(args) > 0 {
			return Command{}, badf("%s takes no arguments, got %q", v, args[0])
		}
		c.Verb = v
		return c, nil
	}
	switch verb {
	case "help":
		return none(VerbHelp)
	case "quit":
		return none(VerbQuit)
	case "status":
		return none(VerbStatus)
	case "stats":
		return none(VerbStats)
	case "guards":
		return none(VerbGuards)
	case "limits":
		return none(VerbLimits)
	case "pending":
		return none(VerbPending)
	case "pause":
		return none(VerbPause)
	case "resume":
		return none(VerbResume)
	case "snapshot":
		return none(VerbSnapshot)
	case "shutdown":
		return none(VerbShutdown)
	case "book":
		c.Verb = VerbBook
		if len(args) < 1 || len(args) > 2 {
			return Command{}, badf("usage: %s", verbs[VerbBook].usage)
		}
		if err := checkSymbol(args[0]); err != nil {
			return Command{}, err
		}
		c.Symbol, c.Levels = args[0], DefaultLevels
		if len(args) == 2 {
			n, err := strconv.Atoi(args[1])
			if err != nil || n < 1 || n > MaxLevels {
				return Command{}, badf("book: levels %q: want a number from 1 to %d", args[1], MaxLevels)
			}
			c.Levels = n
		}
		return c, nil
	case "orders":
		c.Verb = VerbOrders
		if len(args) != 1 {
			return Command{}, badf("usage: %s", verbs[VerbOrders].usage)
		}
		a, err := parseAccount(args[0])
		if err != nil {
			return Command{}, err
		}
		c.Account = a
		return c, nil
	case "approve", "deny":
		c.Verb = VerbApprove
		if verb == "deny" {
			c.Verb = VerbDeny
		}
		if len(args) != 1 {
			return Command{}, badf("usage: %s", verbs[c.Verb].usage)
		}
		id, err := strconv.ParseUint(args[0], 10, 64)
		if err != nil || id == 0 {
			return Command{}, badf("%s: pending id %q: want a number from 1 to %d", verb, args[0], uint64(math.MaxUint64))
		}
		c.ID = id
		return c, nil
	case "kill", "clear":
		c.Verb = VerbKill
		if verb == "clear" {
			c.Verb = VerbClear
		}
		rest, err := parseScope(&c, args)
		if err != nil {
			return Command{}, err
		}
		if c.Verb == VerbClear {
			if len(rest) > 0 {
				return Command{}, badf("clear: unexpected %q; usage: %s", rest[0], verbs[VerbClear].usage)
			}
			return c, nil
		}
		if len(rest) > 0 && rest[0] == "cancel" {
			c.Cancel, rest = true, rest[1:]
		}
		c.Reason = strings.Join(rest, " ")
		return c, nil
	case "set":
		if len(args) == 0 || args[0] != "limit" {
			return Command{}, badf("usage: %s", verbs[VerbSetLimit].usage)
		}
		c.Verb = VerbSetLimit
		return parseSetLimit(c, args[1:])
	}
	return Command{}, badf("unknown command %q; try help", verb)
}

// parseScope parses all | account A | symbol S | account A symbol S at the
// start of args into c, and returns the words after it.
func parseScope(c *Command, args []string) ([]string, error) {
	usage := func() error { return badf("usage: %s", verbs[c.Verb].usage) }
	if len(args) == 0 {
		return nil, usage()
	}
	if args[0] == "all" {
		return args[1:], nil
	}
	if args[0] == "account" {
		if len(args) < 2 {
			return nil, usage()
		}
		a, err := parseAccount(args[1])
		if err != nil {
			return nil, err
		}
		c.Account, args = a, args[2:]
		if len(args) == 0 || args[0] != "symbol" {
			return args, nil
		}
	}
	if args[0] != "symbol" || len(args) < 2 {
		return nil, usage()
	}
	if err := checkSymbol(args[1]); err != nil {
		return nil, err
	}
	c.Symbol = args[1]
	return args[2:], nil
}

// parseSetLimit parses the words after "set limit".
func parseSetLimit(c Command, args []string) (Command, error) {
	if len(args) < 2 {
		return Command{}, badf("usage: %s", verbs[VerbSetLimit].usage)
	}
	l, err := parseLimitKey(args[0])
	if err != nil {
		return Command{}, err
	}
	c.Limit = l
	opts := args[1 : len(args)-1]
	for len(opts) > 0 {
		switch opts[0] {
		case "global":
			if c.Global {
				return Command{}, badf("set limit: global given twice")
			}
			c.Global, opts = true, opts[1:]
			continue
		case "account":
			if len(opts) < 2 || c.Account != event.Any {
				return Command{}, badf("usage: %s", verbs[VerbSetLimit].usage)
			}
			a, err := parseAccount(opts[1])
			if err != nil {
				return Command{}, err
			}
			c.Account = a
		case "symbol":
			if len(opts) < 2 || c.Symbol != "" {
				return Command{}, badf("usage: %s", verbs[VerbSetLimit].usage)
			}
			if err := checkSymbol(opts[1]); err != nil {
				return Command{}, err
			}
			c.Symbol = opts[1]
		default:
			return Command{}, badf("set limit: unexpected %q; usage: %s", opts[0], verbs[VerbSetLimit].usage)
		}
		opts = opts[2:]
	}
	if c.Global && (c.Account != event.Any || c.Symbol != "") {
		return Command{}, badf("set limit: global takes no account or symbol")
	}
	v, err := risk.ParseLimitValue(c.Limit, args[len(args)-1])
	if err != nil {
		return Command{}, badf("set limit: %s", strings.TrimPrefix(err.Error(), "risk: "))
	}
	c.Value = v
	return c, nil
}

// parseLimitKey parses a limit's configuration key, with /W for window W of
// a windowed limit ("max_execs/1"), as [risk.Limit.String] writes it.
func parseLimitKey(s string) (risk.Limit, error) {
	key, win, hasWin := strings.Cut(s, "/")
	l, ok := risk.LimitByKey(key)
	if !ok {
		return 0, badf("set limit: unknown limit %q", key)
	}
	windowed := (l + 1).String() == key+"/1"
	switch {
	case windowed && !hasWin:
		return 0, badf("set limit: %s has %d windows: write %s/0 to %s/%d", key, risk.NumWindows, key, key, risk.NumWindows-1)
	case !windowed && hasWin:
		return 0, badf("set limit: %s has no windows", key)
	case !windowed:
		return l, nil
	}
	w, err := strconv.Atoi(win)
	if err != nil || w < 0 || w >= risk.NumWindows || strconv.Itoa(w) != win {
		return 0, badf("set limit: %s: window %q: want 0 to %d", key, win, risk.NumWindows-1)
	}
	return l + risk.Limit(w), nil
}

// parseAccount parses a decimal account id.
func parseAccount(s string) (uint32, error) {
	a, err := strconv.ParseUint(s, 10, 32)
	if err != nil || uint32(a) == event.Any {
		return 0, badf("account %q: want a number from 0 to %d", s, event.Any-1)
	}
	return uint32(a), nil
}

// checkSymbol checks a symbol name's syntax.
func checkSymbol(s string) error {
	if _, err := event.PackName(s); err != nil {
		return badf("symbol %q: want 1 to %d letters, digits or . - _ / ^", s, event.MaxNameLen)
	}
	return nil
}

// String returns the command in its canonical form, which ParseCommand
// parses back to c.
func (c Command) String() string {
	var b strings.Builder
	if c.JSON {
		b.WriteString("json ")
	}
	b.WriteString(c.Verb.String())
	switch c.Verb {
	case VerbBook:
		fmt.Fprintf(&b, " %s %d", c.Symbol, c.Levels)
	case VerbOrders:
		fmt.Fprintf(&b, " %d", c.Account)
	case VerbApprove, VerbDeny:
		fmt.Fprintf(&b, " %d", c.ID)
	case VerbKill, VerbClear:
		b.WriteString(" " + c.scope())
		if c.Cancel {
			b.WriteString(" cancel")
		}
		if c.Reason != "" {
			b.WriteString(" " + c.Reason)
		}
	case VerbSetLimit:
		b.WriteString(" " + c.Limit.String())
		if c.Global {
			b.WriteString(" global")
		}
		if c.Account != event.Any {
			fmt.Fprintf(&b, " account %d", c.Account)
		}
		if c.Symbol != "" {
			b.WriteString(" symbol " + c.Symbol)
		}
		b.WriteString(" " + risk.FormatLimitValue(c.Limit, c.Value))
	}
	return b.String()
}

// scope returns the scope of a kill or clear as written in a command:
// "all", "account 7", "symbol AAPL", "account 7 symbol AAPL".
func (c Command) scope() string {
	switch {
	case c.Account == event.Any && c.Symbol == "":
		return "all"
	case c.Symbol == "":
		return "account " + strconv.FormatUint(uint64(c.Account), 10)
	case c.Account == event.Any:
		return "symbol " + c.Symbol
	}
	return "account " + strconv.FormatUint(uint64(c.Account), 10) + " symbol " + c.Symbol
}
