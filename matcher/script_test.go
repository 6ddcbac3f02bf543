package matcher

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected traces of testdata/*.txt from the engine's output")

// TestScripts runs the scripted scenarios in testdata/*.txt, in the spirit of
// Pebble's datadriven tests. A file is a list of blocks:
//
//	# a comment
//	new sym=1 acct=7 id=1 side=buy type=limit px=100 qty=10 stp=none
//	----
//	accepted sym=1 id=1 acct=7 side=buy px=100 qty=10
//	book sym=1 side=buy px=100 qty=10 n=1
//
// one command, "----", then the expected trace up to a blank line. Inputs
// (new, cancel, replace, masscancel, halt, resume, symbol, raw) go to the
// engine and to the reference book, which must agree; the invariants and
// quantity conservation are checked after each. Queries (depth, orders,
// lookup, best, halted, name) print engine state; config starts afresh.
// Run with -rewrite to regenerate the traces, then review them by hand.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			runScript(t, path)
		})
	}
}

// scriptConfig is the configuration a script starts with; config changes it.
func scriptConfig() Config {
	return Config{MaxSymbols: 16, MaxOrders: 1000, InitialOrders: 2, InitialLevels: 1, ProtectionBps: 500}
}

type scriptRunner struct {
	t   *testing.T
	e   *Engine
	ref *refEngine
	led *ledger
	seq uint64
	out []event.Out
}

func (r *scriptRunner) reset(cfg Config) error {
	e, err := New(cfg)
	if err != nil {
		return err
	}
	r.e, r.ref, r.led, r.seq = e, newRef(cfg), newLedger(), 0
	return nil
}

func runScript(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	r := &scriptRunner{t: t}
	if err := r.reset(scriptConfig()); err != nil {
		t.Fatal(err)
	}
	var rewritten strings.Builder
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			if i < len(lines)-1 || line != "" {
				rewritten.WriteString(line + "\n")
			}
			continue
		}
		cmdLine := i + 1
		if i+1 >= len(lines) || strings.TrimSpace(lines[i+1]) != "----" {
			t.Fatalf("%s:%d: command without ----", path, cmdLine)
		}
		i += 2
		var want []string
		for ; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
			want = append(want, lines[i])
		}
		got, err := r.run(trimmed)
		if err != nil {
			t.Fatalf("%s:%d: %s: %v", path, cmdLine, trimmed, err)
		}
		rewritten.WriteString(line + "\n----\n")
		for _, g := range got {
			rewritten.WriteString(g + "\n")
		}
		if i < len(lines) {
			rewritten.WriteString("\n")
		}
		if !*rewrite && !slices.Equal(got, want) {
			t.Errorf("%s:%d: %s\ngot:\n  %s\nwant:\n  %s", path, cmdLine, trimmed,
				strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(rewritten.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// args holds the "key=value" words of a command. Its parsers remember the
// first error, so a command reads all its fields and checks once.
type args struct {
	m   map[string]string
	err error
}

func parseArgs(words []string) (*args, error) {
	a := &args{m: map[string]string{}}
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			return nil, fmt.Errorf("argument %q is not key=value", w)
		}
		a.m[k] = v
	}
	return a, nil
}

// take removes key and returns its value, or def when it is absent.
func (a *args) take(key, def string) string {
	v, ok := a.m[key]
	if !ok {
		return def
	}
	delete(a.m, key)
	return v
}

func (a *args) fail(err error) {
	if a.err == nil && err != nil {
		a.err = err
	}
}

func (a *args) int(key string, def int64) int64 {
	v, err := strconv.ParseInt(a.take(key, strconv.FormatInt(def, 10)), 10, 64)
	a.fail(err)
	return v
}

func (a *args) uint(key string) uint64 {
	v, err := strconv.ParseUint(a.take(key, "0"), 10, 64)
	a.fail(err)
	return v
}

// id parses a symbol or account id; * is event.Any.
func (a *args) id(key string) uint32 {
	v := a.take(key, "0")
	if v == "*" {
		return event.Any
	}
	n, err := strconv.ParseUint(v, 10, 32)
	a.fail(err)
	return uint32(n)
}

// enum parses one of names (by index) or a number.
func (a *args) enum(key string, def string, names []string) uint8 {
	v := a.take(key, def)
	if i := slices.Index(names, v); i >= 0 {
		return uint8(i)
	}
	n, err := strconv.ParseUint(v, 10, 8)
	if err != nil {
		a.fail(fmt.Errorf("%s=%s: want one of %v or a number", key, v, names))
	}
	return uint8(n)
}

// done returns the first error, or an error naming arguments left unread.
func (a *args) done() error {
	if a.err == nil && len(a.m) > 0 {
		a.err = fmt.Errorf("unknown arguments %v", a.m)
	}
	return a.err
}

var (
	sideNames = []string{"none", "buy", "sell"}
	typeNames = []string{"invalid", "limit", "ioc", "fok", "market", "post"}
	stpNames  = []string{"none", "resting", "incoming", "both"}
	kindNames = []string{"invalid", "new", "cancel", "replace", "masscancel", "halt", "resume", "symbol"}
)

// parseIn builds the input of an input command.
func parseIn(cmd string, a *args) (event.In, error) {
	var in event.In
	switch cmd {
	case "new":
		in.Kind = event.KindNew
		in.Symbol = a.id("sym")
		in.Account = a.id("acct")
		in.ID = a.uint("id")
		in.Side = event.Side(a.enum("side", "none", sideNames))
		in.Type = event.OrdType(a.enum("type", "limit", typeNames))
		in.STP = event.STP(a.enum("stp", "none", stpNames))
		in.Price = a.int("px", 0)
		in.Qty = a.int("qty", 0)
		in.Aux = a.uint("coid")
	case "cancel", "replace":
		in.Kind = event.KindCancel
		if cmd == "replace" {
			in.Kind = event.KindReplace
		}
		in.Account = a.id("acct")
		in.ID = a.uint("id")
		in.Price = a.int("px", 0)
		in.Qty = a.int("qty", 0)
		in.Symbol = a.id("sym")
	case "masscancel", "halt", "resume":
		in.Kind = event.Kind(slices.Index(kindNames, cmd))
		in.Account = a.id("acct")
		in.Symbol = a.id("sym")
	case "symbol":
		in.Kind = event.KindSymbol
		in.Symbol = a.id("sym")
		if name := a.take("name", ""); name != "" {
			var err error
			in.Aux, err = event.PackName(name)
			a.fail(err)
		} else {
			in.Aux = a.uint("aux")
		}
	case "raw":
		// raw kind=N plus a few fields: a way to send an undefined kind.
		in.Kind = event.Kind(a.enum("kind", "invalid", kindNames))
		in.Symbol = a.id("sym")
		in.Account = a.id("acct")
		in.ID = a.uint("id")
	default:
		return in, fmt.Errorf("unknown command %q", cmd)
	}
	return in, a.done()
}

// run executes one command and returns its trace lines.
func (r *scriptRunner) run(line string) ([]string, error) {
	words := strings.Fields(line)
	cmd := words[0]
	a, err := parseArgs(words[1:])
	if err != nil {
		return nil, err
	}
	switch cmd {
	case "config":
		cfg := scriptConfig()
		ints := []struct {
			key string
			dst *int
		}{{"maxsymbols", &cfg.MaxSymbols}, {"maxorders", &cfg.MaxOrders}, {"initialorders", &cfg.InitialOrders}, {"initiallevels", &cfg.InitialLevels}}
		for _, f := range ints {
			*f.dst = int(a.int(f.key, int64(*f.dst)))
		}
		cfg.ProtectionBps = a.int("bps", cfg.ProtectionBps)
		if err := a.done(); err != nil {
			return nil, err
		}
		if err := r.reset(cfg); err != nil {
			return []string{"error: " + err.Error()}, nil
		}
		return []string{"ok"}, nil
	case "depth", "best", "halted", "name":
		sym := a.id("sym")
		n := a.int("n", 10)
		if err := a.done(); err != nil {
			return nil, err
		}
		return r.query(cmd, sym, int(n)), nil
	case "orders":
		if err := a.done(); err != nil {
			return nil, err
		}
		var lines []string
		r.e.EachOrder(func(o OrderInfo) { lines = append(lines, fmtOrder(o)) })
		if len(lines) == 0 {
			lines = []string{"(none)"}
		}
		return lines, nil
	case "lookup":
		id := a.uint("id")
		if err := a.done(); err != nil {
			return nil, err
		}
		if o, ok := r.e.Lookup(id); ok {
			return []string{fmtOrder(o)}, nil
		}
		return []string{"not found"}, nil
	}
	in, err := parseIn(cmd, a)
	if err != nil {
		return nil, err
	}
	r.seq++
	in.Seq, in.TS = r.seq, int64(r.seq)*10
	r.out = r.e.Apply(&in, r.out[:0])
	want := r.ref.Apply(&in)
	var lines []string
	for i := range r.out {
		lines = append(lines, fmtOut(&r.out[i]))
	}
	if !slices.Equal(r.out, want) {
		var wl []string
		for i := range want {
			wl = append(wl, fmtOut(&want[i]))
		}
		return nil, fmt.Errorf("engine and reference differ\nengine:\n  %s\nreference:\n  %s", strings.Join(lines, "\n  "), strings.Join(wl, "\n  "))
	}
	if err := r.e.checkInvariants(); err != nil {
		return nil, fmt.Errorf("invariant: %w", err)
	}
	if err := r.led.step(r.e, &in, r.out); err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return lines, nil
}

func (r *scriptRunner) query(cmd string, sym uint32, n int) []string {
	switch cmd {
	case "depth":
		var lines []string
		dst := make([]Level, n)
		for _, side := range []event.Side{event.Buy, event.Sell} {
			k := r.e.Depth(sym, side, dst)
			for _, lv := range dst[:k] {
				lines = append(lines, fmt.Sprintf("%v px=%d qty=%d n=%d", side, lv.Price, lv.Qty, lv.Orders))
			}
		}
		if len(lines) == 0 {
			lines = []string{"(empty)"}
		}
		return lines
	case "best":
		s := ""
		for _, side := range []event.Side{event.Buy, event.Sell} {
			if p, ok := r.e.Best(sym, side); ok {
				s += fmt.Sprintf(" %v=%d", side, p)
			} else {
				s += fmt.Sprintf(" %v=none", side)
			}
		}
		return []string{s[1:]}
	case "halted":
		return []string{strconv.FormatBool(r.e.Halted(sym))}
	default: // name
		name, ok := r.e.SymbolName(sym)
		if !ok {
			return []string{"not defined"}
		}
		return []string{name}
	}
}

func fmtOrder(o OrderInfo) string {
	return fmt.Sprintf("order sym=%d id=%d acct=%d side=%v type=%v stp=%v px=%d qty=%d",
		o.Symbol, o.ID, o.Account, o.Side, o.Type, o.STP, o.Price, o.Qty)
}
