package admin

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tradeengine/engine/event"
)

// fakeEngine is an Engine that records what it is asked and answers with
// canned values.
type fakeEngine struct {
	mu      sync.Mutex
	ops     []Op
	queries []Query
	stats   Stats
	answers map[QueryKind]Answer
	symbols map[string]uint32
	// apply, when set, makes the Applied of an op (Seq is set after).
	apply func(op Op) Applied
	// block, when set, makes Submit wait for it to close (or ctx).
	block chan struct{}

	seq       atomic.Uint64
	shutdowns atomic.Int32
	submitted chan Op    // every op, when not nil (buffered)
	queried   chan Query // every query, when not nil (buffered)
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{
		answers: map[QueryKind]Answer{},
		symbols: map[string]uint32{"AAPL": 3, "MSFT": 4},
		stats:   Stats{StartNS: 1e18, NowNS: 1e18 + 10e9, Running: true},
	}
}

func (f *fakeEngine) Submit(ctx context.Context, op Op, seqFn func(uint64)) (Applied, error) {
	seq := f.seq.Add(1)
	if seqFn != nil {
		seqFn(seq)
	}
	f.mu.Lock()
	f.ops = append(f.ops, op)
	apply, block, ch := f.apply, f.block, f.submitted
	f.mu.Unlock()
	if ch != nil {
		ch <- op
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return Applied{Seq: seq}, fmt.Errorf("fake: seq %d not yet applied: %w", seq, ctx.Err())
		}
	}
	app := Applied{NOut: 1, Outs: []event.Out{{Kind: outKindOf(op.In.Kind)}}}
	if op.In.Kind == event.KindDeny {
		app.Outs[0].Reason = event.ReasonDenied
	}
	if apply != nil {
		app = apply(op)
	}
	app.Seq = seq
	for i := range app.Outs {
		app.Outs[i].Seq = seq
	}
	if len(app.Outs) > 0 && app.Last.Kind == event.OutInvalid {
		app.Last = app.Outs[len(app.Outs)-1]
	}
	return app, nil
}

// outKindOf is the output a command is answered with when it succeeds.
func outKindOf(k event.Kind) event.OutKind {
	switch k {
	case event.KindKill:
		return event.OutKill
	case event.KindClear:
		return event.OutClear
	case event.KindSetLimit:
		return event.OutLimit
	case event.KindPause:
		return event.OutPaused
	case event.KindUnpause:
		return event.OutUnpaused
	case event.KindApprove:
		return event.OutAccepted
	case event.KindDeny:
		return event.OutRejected // with ReasonDenied, set below
	}
	return event.OutInvalid
}

func (f *fakeEngine) Query(ctx context.Context, q Query) (Answer, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	ch := f.queried
	a, ok := f.answers[q.Kind]
	id, known := f.symbols[q.Symbol]
	f.mu.Unlock()
	if ch != nil {
		ch <- q
	}
	switch q.Kind {
	case QuerySymbol:
		if !known {
			return Answer{}, fmt.Errorf("unknown symbol %q", q.Symbol)
		}
		return Answer{Seq: f.seq.Load(), SymbolID: id}, nil
	case QueryBook:
		if !known {
			return Answer{}, fmt.Errorf("unknown symbol %q", q.Symbol)
		}
		if !ok {
			return Answer{Seq: f.seq.Load(), Book: &Book{Symbol: q.Symbol, ID: id}}, nil
		}
	}
	if !ok {
		return Answer{Seq: f.seq.Load()}, nil
	}
	return a, nil
}

func (f *fakeEngine) Stats() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stats
}

func (f *fakeEngine) setStats(s Stats) {
	f.mu.Lock()
	f.stats = s
	f.mu.Unlock()
}

func (f *fakeEngine) Snapshot(ctx context.Context) (SnapshotInfo, error) {
	return SnapshotInfo{Seq: f.seq.Load(), Path: "/j/snap-1"}, nil
}

func (f *fakeEngine) Shutdown() { f.shutdowns.Add(1) }

func (f *fakeEngine) opsCopy() []Op {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ops)
}

// logSink is a slog.Handler that keeps the records, for tests to wait on.
type logSink struct {
	mu      sync.Mutex
	recs    []slog.Record
	changed chan struct{}
}

func newLogSink() *logSink { return &logSink{changed: make(chan struct{}, 1)} }

func (l *logSink) Enabled(context.Context, slog.Level) bool { return true }
func (l *logSink) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logSink) WithGroup(string) slog.Handler            { return l }
func (l *logSink) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.recs = append(l.recs, r.Clone())
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
	return nil
}

// attrs returns a record's attributes as strings.
func attrs(r slog.Record) map[string]string {
	m := map[string]string{}
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	return m
}

// count returns how many records match.
func (l *logSink) count(match func(msg string, a map[string]string) bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.recs {
		if match(r.Message, attrs(r)) {
			n++
		}
	}
	return n
}

// waitN waits until n records match (failing after 10 s, far beyond what
// any of them takes).
func (l *logSink) waitN(t *testing.T, n int, what string, match func(msg string, a map[string]string) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for l.count(match) < n {
		select {
		case <-l.changed:
		case <-deadline:
			t.Fatalf("no log record: %s", what)
		}
	}
}

// msgIs matches records with message msg and the attributes given as
// key, value pairs.
func msgIs(msg string, kv ...string) func(string, map[string]string) bool {
	return func(m string, a map[string]string) bool {
		if m != msg {
			return false
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if !strings.Contains(a[kv[i]], kv[i+1]) {
				return false
			}
		}
		return true
	}
}

// testServer starts a server on a socket in a temporary directory.
type testServer struct {
	*Server
	eng  *fakeEngine
	logs *logSink
	path string
}

func startServer(t *testing.T, cfg ServerConfig, eng *fakeEngine) *testServer {
	t.Helper()
	if eng == nil {
		eng = newFakeEngine()
	}
	logs := newLogSink()
	if cfg.Path == "" {
		cfg.Path = filepath.Join(t.TempDir(), "admin.sock")
	}
	cfg.Log = slog.New(logs)
	s, err := Listen(cfg, eng)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &testServer{Server: s, eng: eng, logs: logs, path: cfg.Path}
}

func (ts *testServer) dial(t *testing.T) *Client {
	t.Helper()
	c, err := Dial(ts.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// do runs a command that must get an answer.
func do(t *testing.T, c *Client, line string) (string, bool) {
	t.Helper()
	ans, isErr, err := c.Do(line)
	if err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	return ans, isErr
}

// myUID is the test process's uid; otherUID is one that is not.
func myUID() uint32    { return uint32(os.Getuid()) }
func otherUID() uint32 { return myUID() + 4242 }
