package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/matcher"
	"github.com/tradeengine/engine/risk"
	"golang.org/x/sys/unix"
)

func TestSocketModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run", "engine")
	path := filepath.Join(dir, "admin.sock")
	ts := startServer(t, ServerConfig{Path: path}, nil)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 || !fi.IsDir() {
		t.Errorf("directory mode %v, want drwx------", fi.Mode())
	}
	fi, err = os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want Srw-------", fi.Mode())
	}
	ts.logs.waitN(t, 1, "start", msgIs("admin: listening", "path", path, "mode", "0600"))
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket file after Close: %v", err)
	}

	// An existing directory is left as it is; socket_mode sets the socket's.
	dir2 := t.TempDir()
	if err := os.Chmod(dir2, 0o751); err != nil {
		t.Fatal(err)
	}
	path2 := filepath.Join(dir2, "admin.sock")
	startServer(t, ServerConfig{Path: path2, Roles: &Roles{SocketMode: 0o660}}, nil)
	if fi, _ := os.Stat(dir2); fi.Mode().Perm() != 0o751 {
		t.Errorf("existing directory changed to %v", fi.Mode())
	}
	if fi, _ := os.Lstat(path2); fi.Mode().Perm() != 0o660 {
		t.Errorf("socket mode %v, want 0660", fi.Mode())
	}
}

func TestStaleSocketReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "admin.sock")
	// A dead engine's socket: bound, closed, its file left behind.
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	if _, err := net.Dial("unix", path); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("the stale socket: dial: %v, want connection refused", err)
	}
	ts := startServer(t, ServerConfig{Path: path}, nil)
	c := ts.dial(t)
	if ans, isErr := do(t, c, "status"); isErr || !strings.HasPrefix(ans, "running: yes\n") {
		t.Fatalf("status on the new socket: %q", ans)
	}
}

func TestLiveSocketRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "admin.sock")
	ts := startServer(t, ServerConfig{Path: path}, nil)
	_, err := Listen(ServerConfig{Path: path}, newFakeEngine())
	if !errors.Is(err, ErrListening) || !strings.Contains(err.Error(), "another engine listens on the socket: "+path) {
		t.Fatalf("second Listen: %v", err)
	}
	// The first one still serves.
	c := ts.dial(t)
	if _, isErr := do(t, c, "status"); isErr {
		t.Fatal("status failed")
	}

	// A file that is not a socket is never removed.
	file := filepath.Join(t.TempDir(), "admin.sock")
	if err := os.WriteFile(file, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(ServerConfig{Path: file}, newFakeEngine()); err == nil || !strings.Contains(err.Error(), "exists and is not a socket") {
		t.Fatalf("Listen over a file: %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "keep" {
		t.Fatal("the file was touched")
	}
}

// commandPerVerb is one command line for each verb.
var commandPerVerb = map[Verb]string{
	VerbHelp: "help", VerbQuit: "quit", VerbStatus: "status", VerbStats: "stats", VerbGuards: "guards",
	VerbLimits: "limits", VerbPending: "pending", VerbBook: "book AAPL", VerbOrders: "orders 7",
	VerbKill: "kill account 7", VerbPause: "pause", VerbDeny: "deny 12", VerbClear: "clear account 7",
	VerbResume: "resume", VerbApprove: "approve 12", VerbSetLimit: "set limit max_order_qty account 7 100",
	VerbSnapshot: "snapshot", VerbShutdown: "shutdown",
}

// TestCommandsPerRole runs every command as every role over the socket:
// the ones the role allows are answered, the others denied with the
// reason.
func TestCommandsPerRole(t *testing.T) {
	if len(commandPerVerb) != int(verbCount)-1 {
		t.Fatal("commandPerVerb misses a verb")
	}
	for _, role := range []Role{RoleView, RoleOperate, RoleAdmin} {
		t.Run(role.String(), func(t *testing.T) {
			ts := startServer(t, ServerConfig{OwnUID: otherUID(), Roles: &Roles{UID: map[uint32]Role{myUID(): role}}, MaxConns: 64}, nil)
			for v := VerbHelp; v < verbCount; v++ {
				line := commandPerVerb[v]
				c := ts.dial(t) // a connection each, so that quit ends only its own
				for _, asJSON := range []bool{false, true} {
					l := line
					if asJSON {
						l = "json " + line
					}
					ans, isErr := do(t, c, l)
					allowed := v.Role() <= role
					if !allowed {
						reason := fmt.Sprintf("uid %d has role %s, %s needs %s", myUID(), role, v, v.Role())
						want := "denied: " + reason + "\n"
						if asJSON {
							want = fmt.Sprintf(`{"error":%q,"denied":true}`, reason) + "\n"
						}
						if ans != want || !isErr {
							t.Errorf("%s as %s: %q, want %q", l, role, ans, want)
						}
						continue
					}
					if isErr {
						t.Errorf("%s as %s: error %q", l, role, ans)
					}
					if v == VerbQuit {
						if ans != "" {
							t.Errorf("quit: %q", ans)
						}
						break // the connection is closed
					}
				}
			}
			// Each denial is logged with its reason.
			denied := 0
			for v := VerbHelp; v < verbCount; v++ {
				if v.Role() > role {
					denied += 2
				}
			}
			if n := ts.logs.count(msgIs("admin: denied", "reason", "has role "+role.String())); n != denied {
				t.Errorf("%d denials logged, want %d", n, denied)
			}
		})
	}
}

func TestNoRoleRefused(t *testing.T) {
	ts := startServer(t, ServerConfig{OwnUID: otherUID(), Roles: &Roles{UID: map[uint32]Role{myUID() + 1: RoleAdmin}}}, nil)
	c := ts.dial(t)
	ans, isErr, err := c.Do("status")
	want := fmt.Sprintf("denied: uid %d has no role\n", myUID())
	if err != nil || ans != want || !isErr {
		t.Fatalf("got %q, %v, %v; want %q", ans, isErr, err, want)
	}
	if _, _, err := c.Do("status"); !errors.Is(err, ErrClosed) {
		t.Fatalf("after a refusal: %v, want ErrClosed", err)
	}
	ts.logs.waitN(t, 1, "refusal", msgIs("admin: refused", "reason", "has no role", "uid", fmt.Sprint(myUID())))
	if _, err := c.Stats(context.Background()); err == nil {
		t.Fatal("Stats on a refused connection")
	}
	// The same refusal through Stats, decoded.
	c2 := ts.dial(t)
	_, err = c2.Stats(context.Background())
	var ae *AnswerError
	if !errors.As(err, &ae) || !ae.Denied || ae.Msg != fmt.Sprintf("uid %d has no role", myUID()) {
		t.Fatalf("Stats refused: %v", err)
	}
	if ts.eng.seq.Load() != 0 || len(ts.eng.opsCopy()) != 0 {
		t.Fatal("a refused peer reached the engine")
	}
}

// TestOps checks the Op every changing command is handed as, and the
// answer summarising what it did.
func TestOps(t *testing.T) {
	ts := startServer(t, ServerConfig{}, nil)
	c := ts.dial(t)
	every := event.Any
	tests := []struct {
		line string
		in   event.In
		ans  string
	}{
		{"kill all", event.In{Kind: event.KindKill, Account: every, Symbol: every}, "kill all: seq 1, kill switch tripped\n"},
		{"kill account 7 symbol MSFT cancel fat finger", event.In{Kind: event.KindKill, Account: 7, Symbol: 4, Arg: event.KillCancel},
			"kill account 7 symbol MSFT cancel: seq 2, kill switch tripped, 0 orders cancelled\n"},
		{"clear symbol AAPL", event.In{Kind: event.KindClear, Account: every, Symbol: 3}, "clear symbol AAPL: seq 3, kill switch cleared\n"},
		{"pause", event.In{Kind: event.KindPause, Account: every, Symbol: every}, "pause: seq 4, paused\n"},
		{"resume", event.In{Kind: event.KindUnpause, Account: every, Symbol: every}, "resume: seq 5, resumed\n"},
		{"approve 77", event.In{Kind: event.KindApprove, ID: 77, Account: every, Symbol: every}, "approve 77: seq 6, held order 77 released, accepted, 0 trades\n"},
		{"deny 78", event.In{Kind: event.KindDeny, ID: 78, Account: every, Symbol: every}, "deny 78: seq 7, held order 78 denied\n"},
		{"set limit max_order_qty account 7 1000", event.In{Kind: event.KindSetLimit, Arg: uint16(risk.LimitMaxOrderQty), Account: 7, Symbol: every, Qty: 1000},
			"set limit max_order_qty account 7 1000: seq 8, limit set\n"},
		{"set limit max_execs/2 global 50", event.In{Kind: event.KindSetLimit, Arg: uint16(risk.LimitMaxExecs+2) | uint16(risk.LimitGlobal), Account: every, Symbol: every, Qty: 50},
			"set limit max_execs/2 global 50: seq 9, limit set\n"},
		{"set limit collar_bps symbol AAPL 25", event.In{Kind: event.KindSetLimit, Arg: uint16(risk.LimitCollarBps), Account: every, Symbol: 3, Qty: 25},
			"set limit collar_bps symbol AAPL 25: seq 10, limit set\n"},
		{"set limit breaker_window 1s", event.In{Kind: event.KindSetLimit, Arg: uint16(risk.LimitBreakerWindow), Account: every, Symbol: every, Qty: 1e9},
			"set limit breaker_window 1s: seq 11, limit set\n"},
	}
	for i, tt := range tests {
		ans, isErr := do(t, c, tt.line)
		if isErr || ans != tt.ans {
			t.Errorf("%s: %q, want %q", tt.line, ans, tt.ans)
		}
		ops := ts.eng.opsCopy()
		if len(ops) != i+1 {
			t.Fatalf("%s: %d ops", tt.line, len(ops))
		}
		op := ops[i]
		if op.In != tt.in {
			t.Errorf("%s: in %+v, want %+v", tt.line, op.In, tt.in)
		}
		if op.Text != tt.line || op.Peer.UID != myUID() || op.Peer.PID != int32(os.Getpid()) {
			t.Errorf("%s: op text %q peer %+v", tt.line, op.Text, op.Peer)
		}
	}
	// Every command is logged with its peer and sequence.
	ts.logs.waitN(t, 1, "command log", msgIs("admin: command", "cmd", "kill all", "seq", "1", "result", "ok", "uid", fmt.Sprint(myUID())))

	// An unknown symbol never reaches the engine.
	n := len(ts.eng.opsCopy())
	if ans, isErr := do(t, c, "kill symbol NOPE"); !isErr || ans != "error: kill symbol NOPE: unknown symbol \"NOPE\"\n" {
		t.Errorf("unknown symbol: %q", ans)
	}
	if len(ts.eng.opsCopy()) != n {
		t.Error("an op with an unknown symbol was submitted")
	}
}

func TestOpEffects(t *testing.T) {
	eng := newFakeEngine()
	ts := startServer(t, ServerConfig{}, eng)
	c := ts.dial(t)
	set := func(f func(Op) Applied) {
		eng.mu.Lock()
		eng.apply = f
		eng.mu.Unlock()
	}
	// A kill that cancels more orders than Outs holds: the count is
	// Applied's, the mass cancel's Qty.
	set(func(op Op) Applied {
		outs := []event.Out{{Kind: event.OutKill}}
		for range MaxOuts - 1 {
			outs = append(outs, event.Out{Kind: event.OutCancelled})
		}
		return Applied{Outs: outs, NOut: 243, Cancelled: 120, Last: event.Out{Kind: event.OutMassCancelled, Qty: 120}}
	})
	if ans, _ := do(t, c, "kill account 7 cancel"); ans != "kill account 7 cancel: seq 1, kill switch tripped, 120 orders cancelled\n" {
		t.Errorf("kill cancel: %q", ans)
	}
	ans, _ := do(t, c, "json kill account 7 cancel")
	var op opResult
	if err := json.Unmarshal([]byte(ans), &op); err != nil || op != (opResult{Command: "kill account 7 cancel", Seq: 2, NOut: 243,
		Effect: "kill switch tripped, 120 orders cancelled", Cancelled: 120}) {
		t.Errorf("json kill: %q %v", ans, err)
	}

	// A rejection is an error answer naming the reason.
	set(func(op Op) Applied {
		return Applied{NOut: 1, Outs: []event.Out{{Kind: event.OutRejected, Reason: event.ReasonBadLimit}}}
	})
	if ans, isErr := do(t, c, "set limit collar_bps account 7 5"); !isErr || ans != "error: set limit collar_bps account 7 5: seq 3 rejected: bad_limit\n" {
		t.Errorf("rejected: %q", ans)
	}
	ans, isErr := do(t, c, "json set limit collar_bps account 7 5")
	if !isErr || ans != `{"error":"set limit collar_bps account 7 5: seq 4 rejected: bad_limit","denied":false,"seq":4,"reason":"bad_limit"}`+"\n" {
		t.Errorf("json rejected: %q", ans)
	}
	set(func(op Op) Applied {
		return Applied{NOut: 1, Outs: []event.Out{{Kind: event.OutRejected, Reason: event.ReasonUnknownPending}}}
	})
	for _, line := range []string{"approve 5", "deny 5"} {
		if ans, isErr := do(t, c, line); !isErr || !strings.HasSuffix(ans, "rejected: unknown_pending\n") {
			t.Errorf("%s: %q", line, ans)
		}
	}
	// An approved order the matcher refuses: the approve did its part.
	set(func(op Op) Applied {
		return Applied{NOut: 1, Outs: []event.Out{{Kind: event.OutRejected, Reason: event.ReasonHalted}}}
	})
	if ans, isErr := do(t, c, "approve 5"); isErr || ans != "approve 5: seq 7, held order 5 released, rejected: halted\n" {
		t.Errorf("approve of a refused order: %q", ans)
	}
}

// TestEngineTimeouts checks that an engine that does not answer never
// hangs a connection.
func TestEngineTimeouts(t *testing.T) {
	eng := newFakeEngine()
	eng.block = make(chan struct{})
	defer close(eng.block)
	eng.stats.Paused = true
	ts := startServer(t, ServerConfig{CallTimeout: 50 * time.Millisecond}, eng)
	c := ts.dial(t)
	ans, isErr := do(t, c, "kill all")
	want := "error: kill all: seq 1, not applied within 50ms; it may still be (the engine is paused)\n"
	if !isErr || ans != want {
		t.Fatalf("got %q, want %q", ans, want)
	}
	ans, isErr = do(t, c, "json resume")
	want = `{"error":"resume: seq 2, not applied within 50ms; it may still be","denied":false,"seq":2}` + "\n"
	if !isErr || ans != want {
		t.Fatalf("got %q, want %q", ans, want)
	}
}

func TestMalformedAndLongLines(t *testing.T) {
	ts := startServer(t, ServerConfig{}, nil)
	c := ts.dial(t)
	tests := []struct{ line, ans string }{
		{"frobnicate", "error: unknown command \"frobnicate\"; try help\n"},
		{"json frobnicate", `{"error":"unknown command \"frobnicate\"; try help","denied":false}` + "\n"},
		{"", "error: empty line; try help\n"},
		{"kill all\x07", "error: control character '\\a' in line\n"},
		{strings.Repeat("y", MaxLine+1), "error: line longer than 4096 bytes\n"},
		{strings.Repeat("z", 1<<20), "error: line longer than 4096 bytes\n"},
		{"json " + strings.Repeat("z", MaxLine), "error: line longer than 4096 bytes\n"},
		{strings.Repeat("w", MaxLine), fmt.Sprintf("error: unknown command %q; try help\n", strings.Repeat("w", MaxLine))},
	}
	for _, tt := range tests {
		ans, isErr := do(t, c, tt.line)
		if !isErr || ans != tt.ans {
			t.Errorf("%.30q: %.80q, want %.80q", tt.line, ans, tt.ans)
		}
		// The connection stays usable.
		if ans, isErr := do(t, c, "status"); isErr || !strings.HasPrefix(ans, "running: yes\n") {
			t.Fatalf("after %.30q: status %q", tt.line, ans)
		}
	}
	if len(ts.eng.opsCopy()) != 0 {
		t.Fatal("a malformed line reached the engine")
	}
}

// TestRawProtocol speaks to the socket without the Client: CRLF lines,
// several commands in one write, a last command without a line feed.
func TestRawProtocol(t *testing.T) {
	ts := startServer(t, ServerConfig{}, nil)
	nc, err := net.Dial("unix", ts.path)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write([]byte("json pause\r\nbogus\r\njson quit")); err != nil {
		t.Fatal(err)
	}
	nc.(*net.UnixConn).CloseWrite()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := nc.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	want := `{"command":"pause","seq":1,"n_out":1,"effect":"paused"}` + "\n\n" +
		"error: unknown command \"bogus\"; try help\n\n" +
		"{}\n\n"
	if b.String() != want {
		t.Fatalf("got %q\nwant %q", b.String(), want)
	}
}

func TestQuit(t *testing.T) {
	ts := startServer(t, ServerConfig{}, nil)
	c := ts.dial(t)
	if ans, isErr := do(t, c, "quit"); ans != "" || isErr {
		t.Fatalf("quit: %q", ans)
	}
	if _, _, err := c.Do("status"); !errors.Is(err, ErrClosed) {
		t.Fatalf("after quit: %v, want ErrClosed", err)
	}
	ts.logs.waitN(t, 1, "disconnect", msgIs("admin: disconnected", "reason", "quit"))
}

func TestMaxConns(t *testing.T) {
	ts := startServer(t, ServerConfig{Roles: &Roles{MaxConns: 2}}, nil)
	c1, c2 := ts.dial(t), ts.dial(t)
	do(t, c1, "status") // an answer: the connection is served
	do(t, c2, "status")
	c3 := ts.dial(t)
	ans, isErr, err := c3.Do("status")
	if err != nil || !isErr || ans != "error: too many connections (at most 2)\n" {
		t.Fatalf("third: %q %v %v", ans, isErr, err)
	}
	if _, _, err := c3.Do("status"); !errors.Is(err, ErrClosed) {
		t.Fatalf("third after refusal: %v", err)
	}
	ts.logs.waitN(t, 1, "refusal", msgIs("admin: refused", "reason", "too many connections"))
	// One leaves; another may come.
	do(t, c1, "quit")
	ts.logs.waitN(t, 1, "disconnect", msgIs("admin: disconnected", "reason", "quit"))
	c4 := ts.dial(t)
	if _, isErr := do(t, c4, "status"); isErr {
		t.Fatal("a fourth after one left was refused")
	}
	// ServerConfig.MaxConns wins over the section's.
	ts2 := startServer(t, ServerConfig{MaxConns: 1, Roles: &Roles{MaxConns: 5}}, nil)
	do(t, ts2.dial(t), "status")
	if _, isErr := do(t, ts2.dial(t), "status"); !isErr {
		t.Fatal("MaxConns 1 let a second in")
	}
}

// stuckEngine answers orders of account 666 with enough orders that the
// answer cannot fit in the socket's buffers.
func stuckEngine() *fakeEngine {
	eng := newFakeEngine()
	orders := make([]matcher.OrderInfo, 50000)
	for i := range orders {
		orders[i] = matcher.OrderInfo{ID: uint64(i + 1), Account: 666, Symbol: 3, Side: event.Buy, Type: event.Limit, Price: 10000, Qty: 100}
	}
	eng.answers[QueryOrders] = Answer{Seq: 1, Orders: orders}
	eng.queried = make(chan Query, 100)
	eng.submitted = make(chan Op, 100)
	return eng
}

// TestStuckClient: a client that sends commands and never reads its
// answers holds up neither the engine nor another client, and is dropped.
func TestStuckClient(t *testing.T) {
	// The write timeout is long: while the stuck connection's answer is
	// blocked, others are served.
	eng := stuckEngine()
	ts := startServer(t, ServerConfig{WriteTimeout: time.Hour}, eng)
	stuck, err := net.Dial("unix", ts.path)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	if _, err := stuck.Write([]byte("orders 666\n")); err != nil {
		t.Fatal(err)
	}
	if q := <-eng.queried; q.Kind != QueryOrders {
		t.Fatalf("query %+v", q)
	}
	c := ts.dial(t)
	for i := range 3 {
		if ans, isErr := do(t, c, "kill all"); isErr || ans != fmt.Sprintf("kill all: seq %d, kill switch tripped\n", i+1) {
			t.Fatalf("kill beside a stuck client: %q", ans)
		}
		<-eng.submitted
	}
	do(t, c, "status")
	// Close does not wait for the stuck write.
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}

	// With a short write timeout the stuck client is dropped.
	eng = stuckEngine()
	ts = startServer(t, ServerConfig{WriteTimeout: 100 * time.Millisecond}, eng)
	stuck2, err := net.Dial("unix", ts.path)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck2.Close()
	if _, err := stuck2.Write([]byte("orders 666\n")); err != nil {
		t.Fatal(err)
	}
	ts.logs.waitN(t, 1, "drop", msgIs("admin: dropped", "reason", "does not read its answers"))
	ts.logs.waitN(t, 1, "disconnect", msgIs("admin: disconnected", "reason", "answer not read within 100ms"))
	ts.mu.Lock()
	n := len(ts.conns)
	ts.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d connections after the drop", n)
	}
}

func TestIdleTimeout(t *testing.T) {
	ts := startServer(t, ServerConfig{IdleTimeout: 50 * time.Millisecond}, nil)
	c := ts.dial(t)
	ts.logs.waitN(t, 1, "idle", msgIs("admin: disconnected", "reason", "idle for 50ms"))
	if _, _, err := c.Do("status"); err == nil {
		t.Fatal("an idle connection still served")
	}
}

func TestStatusAndStats(t *testing.T) {
	eng := newFakeEngine()
	st := Stats{
		StartNS: 1_700_000_000e9, NowNS: 1_700_000_010e9, Running: true, Paused: true,
		PausedSince: 1_700_000_008e9, PausedAt: 900, EventsIn: 1000, EventsJournal: 1000, EventsApplied: 900, EventsOut: 1800,
		LastSeq: 1000, AppliedSeq: 900, Malformed: 2,
		Rings:   []RingStats{{Ring: "input", Consumer: "logic", Size: 1024, Used: 100, LagN: 100, LagUS: 1500}},
		Latency: Percentiles{Count: 900, P50: 1200, P90: 2000, P99: 5000, P999: 9000, P9999: 12000, Max: 20000},
		Trips:   3, PendingN: 2, Durability: "batch", Journal: "/var/j", DurableSeq: 990,
	}
	eng.stats = st
	ts := startServer(t, ServerConfig{}, eng)
	c := ts.dial(t)
	ans, _ := do(t, c, "status")
	want := `running: yes
started: 2023-11-14T22:13:20.000000Z (up 10s)
paused: yes, since 2023-11-14T22:13:28.000000Z (2s ago), at seq 900
last seq: 1000
applied seq: 900
waiting: 100 events
journal: /var/j (durability batch, durable seq 990)
kill-switch trips: 3
held for approval: 2
`
	if ans != want {
		t.Errorf("status:\n%s\nwant:\n%s", ans, want)
	}
	ans, _ = do(t, c, "json status")
	var sj statusResult
	if err := json.Unmarshal([]byte(ans), &sj); err != nil || sj.Status.Waiting != 100 || !sj.Status.Paused || sj.Status.PausedAt != 900 {
		t.Errorf("json status: %s %v", ans, err)
	}

	// A second later: the rates are over that second.
	st2 := st
	st2.NowNS += 1e9
	st2.EventsIn += 500
	st2.EventsApplied += 600
	st2.EventsOut += 1200
	eng.setStats(st2)
	ans, _ = do(t, c, "stats")
	for _, line := range []string{
		"events in: 1500 (500/s last 1s, 136/s since start)",
		"events applied: 1500 (600/s last 1s, 136/s since start)",
		"events out: 3000 (1200/s last 1s, 273/s since start)",
		"ring input logic: 100/1024 used, lag 100 events 1.5ms",
		"latency since start: 900 events, p50 1.2µs p90 2µs p99 5µs p99.9 9µs p99.99 12µs max 20µs",
		"latency last interval: no events",
	} {
		if !strings.Contains(ans, line+"\n") {
			t.Errorf("stats lacks %q:\n%s", line, ans)
		}
	}
	got, rates, err := c.StatsRates(context.Background())
	if err != nil || !reflect.DeepEqual(got, st2) || rates.InPerSec != 500 || rates.IntervalNS != 1e9 {
		t.Errorf("StatsRates: %+v %+v %v", got, rates, err)
	}
	if got, err := c.Stats(context.Background()); err != nil || !reflect.DeepEqual(got, st2) {
		t.Errorf("Stats: %+v %v", got, err)
	}
}

func TestRatesBetween(t *testing.T) {
	cur := Stats{StartNS: 0 + 1, NowNS: 10e9 + 1, EventsIn: 1000, EventsApplied: 500, EventsOut: 2000}
	r := RatesBetween(Stats{}, cur)
	if r != (Rates{IntervalNS: 10e9, InPerSec: 100, AppliedPerSec: 50, OutPerSec: 200,
		InPerSecSinceStart: 100, AppliedPerSecSinceStart: 50, OutPerSecSinceStart: 200}) {
		t.Errorf("no previous sample: %+v", r)
	}
	prev := Stats{StartNS: 1, NowNS: 8e9 + 1, EventsIn: 800, EventsApplied: 500, EventsOut: 1000}
	r = RatesBetween(prev, cur)
	if r.IntervalNS != 2e9 || r.InPerSec != 100 || r.AppliedPerSec != 0 || r.OutPerSec != 500 {
		t.Errorf("over 2s: %+v", r)
	}
	// A sample of another run is no base.
	prev.StartNS = 5
	if r := RatesBetween(prev, cur); r.IntervalNS != 10e9 {
		t.Errorf("another run: %+v", r)
	}
}

// TestViews checks the read commands' text and JSON answers, and that
// Client.Query decodes the JSON back to the engine's Answer.
func TestViews(t *testing.T) {
	eng := newFakeEngine()
	eng.answers[QueryBook] = Answer{Seq: 50, Book: &Book{Symbol: "AAPL", ID: 3,
		Bids: []matcher.Level{{Price: 15000, Qty: 300, Orders: 2}, {Price: 14990, Qty: 50, Orders: 1}},
		Asks: []matcher.Level{{Price: 15010, Qty: 100, Orders: 1}}}}
	acct := risk.AccountInfo{ID: 7, OpenOrders: 2, Killed: true, KilledBy: event.ReasonLoss, Parents: true,
		Breaker: risk.BreakerHalfOpen, Credit: 1e6, CreditUSD: 10000, PnL: -500, PnLUSD: -5}
	eng.answers[QueryOrders] = Answer{Seq: 51, Account: &acct, Orders: []matcher.OrderInfo{
		{ID: 1, Account: 7, Symbol: 3, Side: event.Buy, Type: event.Limit, STP: event.STPCancelBoth, Price: 15000, Qty: 10},
		{ID: 2, Account: 7, Symbol: 9, Side: event.Sell, Type: event.PostOnly, Price: 15100, Qty: 20},
	}}
	eng.answers[QueryGuards] = Answer{Seq: 52, Guards: []risk.GuardState{
		{Kind: "kill", Account: event.Any, Symbol: event.Any, State: "ok"},
		{Kind: "kill", Account: 7, Symbol: event.Any, State: "tripped", Reason: event.ReasonOperator},
		{Kind: "ceiling", Account: event.Any, Symbol: 3, Metric: "execs", Window: 1e9, State: "ok", Figure: 12, Limit: 100},
	}}
	eng.answers[QueryLimits] = Answer{Seq: 53, Limits: []risk.LimitValue{
		{Limit: risk.LimitMaxOrderQty, Key: "max_order_qty", Account: event.Any, Symbol: event.Any, Value: 1000},
		{Limit: risk.LimitMaxOrderQty, Key: "max_order_qty", Account: 7, Symbol: event.Any, Value: 50},
		{Limit: risk.LimitMaxExecs + 1, Key: "max_execs/1", Account: event.Any, Symbol: event.Any, Global: true, Value: 500},
		{Limit: risk.LimitCollarBps, Key: "collar_bps", Account: event.Any, Symbol: 3, Value: 25},
	}}
	eng.answers[QueryPending] = Answer{Seq: 54, Pending: []risk.Held{{
		PendingID: 40, Reason: event.ReasonApproveQty, Since: 1_700_000_000e9, Deadline: 1_700_000_030e9,
		Order: event.In{Seq: 40, TS: 1_700_000_000e9, Kind: event.KindNew, ID: 99, Account: 7, Symbol: 3, Side: event.Buy,
			Type: event.Limit, Price: 15000, Qty: 5000, Aux: 1234},
	}}}
	ts := startServer(t, ServerConfig{}, eng)
	c := ts.dial(t)
	texts := []struct{ line, want string }{
		{"book AAPL 2", `book AAPL (id 3) at seq 50
ask        15010          100  1 order
bid        15000          300  2 orders
bid        14990           50  1 order
`},
		{"orders 7", `account 7 at seq 51: 2 open orders
killed: yes (loss), breaker half-open, parents yes
credit used: 1000000 (USD 10000), pnl: -500 (USD -5)
order 1 AAPL buy limit 10 @ 15000 stp cancel-both
order 2 #9 sell post 20 @ 15100 stp none
`},
		{"guards", `guards at seq 52: 3
kill all: ok
kill account 7: tripped (operator)
ceiling symbol AAPL execs window 1s: ok 12/100
`},
		{"limits", `limits at seq 53: 4
max_order_qty default = 1000
max_order_qty account 7 = 50
max_execs/1 global = 500
collar_bps symbol AAPL = 25
`},
		{"pending", `held for approval at seq 54: 1
pending 40: account 7 AAPL buy limit 5000 @ 15000 id 99 (approve_qty), since 2023-11-14T22:13:20.000000Z, deadline 2023-11-14T22:13:50.000000Z
`},
	}
	for _, tt := range texts {
		if ans, isErr := do(t, c, tt.line); isErr || ans != tt.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tt.line, ans, tt.want)
		}
	}
	if ans, isErr := do(t, c, "book NOPE"); !isErr || ans != "error: book: unknown symbol \"NOPE\"\n" {
		t.Errorf("book of an unknown symbol: %q", ans)
	}
	if ans, _ := do(t, c, "json guards"); !strings.HasPrefix(ans, `{"seq":52,"guards":[{"kind":"kill","state":"ok","figure":0,"limit":0},{"kind":"kill","account":7,"state":"tripped"`) {
		t.Errorf("json guards: %s", ans)
	}
	for _, q := range []Query{
		{Kind: QueryBook, Symbol: "AAPL", Levels: 2}, {Kind: QueryOrders, Account: 7},
		{Kind: QueryGuards}, {Kind: QueryLimits}, {Kind: QueryPending},
	} {
		got, err := c.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		if want := eng.answers[q.Kind]; !reflect.DeepEqual(got, want) {
			t.Errorf("%+v:\ngot  %+v\nwant %+v", q, got, want)
		}
	}
	if _, err := c.Query(context.Background(), Query{Kind: QueryBook, Symbol: "NOPE"}); err == nil || err.Error() != `admin: book: unknown symbol "NOPE"` {
		t.Errorf("Query of an unknown book: %v", err)
	}
}

func TestSnapshotShutdownHelp(t *testing.T) {
	ts := startServer(t, ServerConfig{}, nil)
	c := ts.dial(t)
	ts.eng.seq.Store(41)
	if ans, _ := do(t, c, "snapshot"); ans != "snapshot: seq 41, /j/snap-1\n" {
		t.Errorf("snapshot: %q", ans)
	}
	if ans, _ := do(t, c, "json snapshot"); ans != `{"seq":41,"path":"/j/snap-1"}`+"\n" {
		t.Errorf("json snapshot: %q", ans)
	}
	if ans, _ := do(t, c, "shutdown"); ans != "shutdown: the engine is stopping\n" || ts.eng.shutdowns.Load() != 1 {
		t.Errorf("shutdown: %q", ans)
	}
	// help lists what the role may use, and nothing else.
	for _, role := range []Role{RoleView, RoleOperate, RoleAdmin} {
		ts := startServer(t, ServerConfig{OwnUID: otherUID(), Roles: &Roles{UID: map[uint32]Role{myUID(): role}}}, nil)
		ans, _ := do(t, ts.dial(t), "help")
		for v := VerbHelp; v < verbCount; v++ {
			listed := strings.Contains(ans, "\n"+verbs[v].usage+" ") || strings.HasPrefix(ans, verbs[v].usage+" ")
			if listed != role.Allows(v) {
				t.Errorf("help as %s lists %s: %v\n%s", role, v, listed, ans)
			}
		}
		ans, _ = do(t, ts.dial(t), "json help")
		var h helpResult
		if err := json.Unmarshal([]byte(ans), &h); err != nil || h.Role != role.String() {
			t.Fatalf("json help: %q %v", ans, err)
		}
		for _, e := range h.Commands {
			if r, _ := ParseRole(e.Role); r > role {
				t.Errorf("json help as %s lists %s", role, e.Command)
			}
		}
	}
}

func TestInteractive(t *testing.T) {
	ts := startServer(t, ServerConfig{}, nil)
	c := ts.dial(t)
	in := strings.NewReader("pause\n\n   \nbogus\n" + strings.Repeat("x", MaxLine+1) + "\njson quit\nstatus\n")
	var out strings.Builder
	if err := Interactive(c, in, &out); err != nil {
		t.Fatal(err)
	}
	want := "pause: seq 1, paused\n\n" +
		"error: unknown command \"bogus\"; try help\n\n" +
		"error: line longer than 4096 bytes\n\n" +
		"{}\n\n"
	if out.String() != want {
		t.Fatalf("got %q\nwant %q", out.String(), want)
	}
	// The end of the input ends it too; a last line without a line feed
	// is run.
	c2 := ts.dial(t)
	out.Reset()
	if err := Interactive(c2, strings.NewReader("resume"), &out); err != nil || out.String() != "resume: seq 2, resumed\n\n" {
		t.Fatalf("got %q, %v", out.String(), err)
	}
	if readerIsTerminal(strings.NewReader("")) || readerIsTerminal(os.NewFile(^uintptr(0), "bad")) {
		t.Fatal("a terminal that is none")
	}
}

func TestClientDoRejectsLineFeed(t *testing.T) {
	ts := startServer(t, ServerConfig{}, nil)
	c := ts.dial(t)
	if _, _, err := c.Do("status\nkill all"); err == nil {
		t.Fatal("a line feed inside a command was sent")
	}
	if len(ts.eng.opsCopy()) != 0 {
		t.Fatal("the engine saw it")
	}
	// The connection is still in step.
	if _, isErr := do(t, c, "status"); isErr {
		t.Fatal("status failed")
	}
}

// TestInteractiveTerminal runs Interactive on a pseudo-terminal: it
// prompts before each line.
func TestInteractiveTerminal(t *testing.T) {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer master.Close()
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlock pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Skipf("pseudo-terminal number: %v", err)
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pseudo-terminal: %v", err)
	}
	defer slave.Close()
	// Echo off, so that the master's buffer holds nothing to read.
	tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Lflag &^= unix.ECHO
	if err := unix.IoctlSetTermios(int(slave.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	// Two lines, then end of file (^D at the start of a line).
	if _, err := master.Write([]byte("pause\nbogus\n\x04")); err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, ServerConfig{}, nil)
	var out strings.Builder
	if err := Interactive(ts.dial(t), slave, &out); err != nil {
		t.Fatal(err)
	}
	want := "engine> pause: seq 1, paused\n\n" +
		"engine> error: unknown command \"bogus\"; try help\n\n" +
		"engine> \n"
	if out.String() != want {
		t.Fatalf("got %q\nwant %q", out.String(), want)
	}
}
