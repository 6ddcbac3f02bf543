package admin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/risk"
)

// richStats is a sample with every field set, two rings and a journal
// directory that needs escaping.
func richStats() Stats {
	return Stats{
		StartNS: 1_700_000_000_000_000_000, NowNS: 1_700_000_010_000_000_000,
		Running: true, Paused: true, PausedSince: 1_700_000_005_500_000_000, PausedAt: 9_000,
		EventsIn: 10_000, EventsJournal: 9_990, EventsApplied: 9_950, EventsOut: 12_000,
		LastSeq: 10_000, AppliedSeq: 9_950, Malformed: 3,
		Rings: []RingStats{
			{Ring: "input", Consumer: "journal", Size: 65536, Used: 50, LagN: 10, LagUS: 7},
			{Ring: "input", Consumer: "logic", Size: 65536, Used: 50, LagN: 50, LagUS: 1250},
			{Ring: "output", Consumer: "sink", Size: 4096, Used: 3, LagN: 3, LagUS: 2},
		},
		Latency:         Percentiles{Count: 9_950, P50: 1_500, P90: 3_000, P99: 9_000, P999: 12_000, P9999: 20_000, Max: 1_000_000},
		LatencyInterval: Percentiles{Count: 950, P50: 1_400, P90: 2_500, P99: 8_000, P999: 11_000, P9999: 11_000, Max: 11_000},
		Trips:           2, PendingN: 2,
		Durability: "sync", Journal: "/var/lib/engine/j\"1\\x\ny", DurableSeq: 9_980,
	}
}

// richGuards is a QueryGuards answer with every kind, scopes with event.Any
// and every state, deliberately not in label order.
func richGuards() *Answer {
	return &Answer{Seq: 9_950, Guards: []risk.GuardState{
		{Kind: "kill", Account: event.Any, Symbol: event.Any, State: "ok"},
		{Kind: "kill", Account: 7, Symbol: event.Any, State: "tripped", Reason: event.ReasonOperator},
		{Kind: "kill", Account: 7, Symbol: 3, State: "tripped", Reason: event.ReasonLoss},
		{Kind: "breaker", Account: event.Any, Symbol: event.Any, Metric: "execs", Window: int64(time.Second), State: "closed", Figure: 120, Limit: 1000},
		{Kind: "breaker", Account: 7, Symbol: event.Any, Metric: "execs", Window: int64(time.Second), State: "half-open", Figure: 5, Limit: 100},
		{Kind: "anomaly", Account: event.Any, Symbol: 3, Metric: "notional_usd", Window: int64(100 * time.Millisecond), State: "warmup", Figure: 12},
		{Kind: "loss", Account: 7, Symbol: event.Any, Metric: "loss_usd", State: "tripped", Figure: 50_001, Limit: 50_000, Reason: event.ReasonLoss},
		{Kind: "ceiling", Account: 9, Symbol: event.Any, Metric: "qty", Window: int64(time.Minute), State: "open", Figure: 10, Limit: 10},
		{Kind: "outvsin", Account: event.Any, Symbol: event.Any, Metric: "breaches", Window: int64(time.Second), State: "ok", Figure: 0, Limit: 3},
	}}
}

func writeMetrics(t *testing.T, st Stats, guards *Answer) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteMetrics(&b, st, guards); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestMetricsPromtool checks the rich sample with Prometheus's own parser
// and linter. It is skipped when promtool (Debian package prometheus) is not
// installed.
func TestMetricsPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian package prometheus)")
	}
	for _, tc := range []struct {
		name   string
		st     Stats
		guards *Answer
	}{
		{"rich", richStats(), richGuards()},
		{"zero", Stats{}, nil},
		{"no-guards", richStats(), &Answer{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(promtool, "check", "metrics")
			cmd.Stdin = strings.NewReader(writeMetrics(t, tc.st, tc.guards))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("promtool check metrics: %v\n%s", err, out)
			}
			if len(bytes.TrimSpace(out)) != 0 {
				t.Fatalf("promtool check metrics has remarks:\n%s", out)
			}
		})
	}
}

// parseMetrics reads the exposition text into series (name and labels, as
// written) to value, and family name to its TYPE, failing on a line it does
// not expect or a family with other than one HELP and one TYPE line.
func parseMetrics(t *testing.T, text string) (series map[string]string, types map[string]string) {
	t.Helper()
	series, types = map[string]string{}, map[string]string{}
	helps := map[string]int{}
	if !strings.HasSuffix(text, "\n") {
		t.Fatalf("output does not end in a line feed")
	}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "# HELP "):
			name, _, _ := strings.Cut(strings.TrimPrefix(line, "# HELP "), " ")
			helps[name]++
		case strings.HasPrefix(line, "# TYPE "):
			name, typ, _ := strings.Cut(strings.TrimPrefix(line, "# TYPE "), " ")
			if _, dup := types[name]; dup {
				t.Fatalf("two TYPE lines for %s", name)
			}
			if helps[name] != 1 {
				t.Fatalf("TYPE of %s without exactly one HELP before it", name)
			}
			types[name] = typ
		default:
			i := strings.LastIndexByte(line, ' ')
			if i < 0 {
				t.Fatalf("line %q: no value", line)
			}
			if _, dup := series[line[:i]]; dup {
				t.Fatalf("series %s twice", line[:i])
			}
			series[line[:i]] = line[i+1:]
		}
	}
	return series, types
}

func TestMetricsLines(t *testing.T) {
	series, types := parseMetrics(t, writeMetrics(t, richStats(), richGuards()))
	for _, tc := range []struct{ series, value string }{
		{"engine_running", "1"},
		{"engine_paused", "1"},
		{"engine_paused_since_seconds", "1.7000000055e+09"},
		{"engine_events_in_total", "10000"},
		{"engine_events_journaled_total", "9990"},
		{"engine_events_applied_total", "9950"},
		{"engine_events_out_total", "12000"},
		{"engine_malformed_total", "3"},
		{"engine_last_seq", "10000"},
		{"engine_applied_seq", "9950"},
		{"engine_durable_seq", "9980"},
		{`engine_journal_info{durability="sync",dir="/var/lib/engine/j\"1\\x\ny"}`, "1"},
		{`engine_ring_size_slots{ring="input"}`, "65536"},
		{`engine_ring_size_slots{ring="output"}`, "4096"},
		{`engine_ring_used_slots{ring="input"}`, "50"},
		{`engine_ring_lag_events{ring="input",consumer="logic"}`, "50"},
		{`engine_ring_lag_seconds{ring="input",consumer="logic"}`, "0.00125"},
		{`engine_ring_lag_seconds{ring="output",consumer="sink"}`, "2e-06"},
		{`engine_logic_latency_seconds{quantile="0.5"}`, "1.5e-06"},
		{`engine_logic_latency_seconds{quantile="0.9999"}`, "2e-05"},
		{`engine_logic_latency_seconds_count`, "9950"},
		{`engine_logic_latency_max_seconds`, "0.001"},
		{`engine_logic_latency_interval_seconds{quantile="0.99"}`, "8e-06"},
		{`engine_logic_latency_interval_max_seconds`, "1.1e-05"},
		{`engine_logic_latency_interval_events`, "950"},
		{"engine_kill_trips_total", "2"},
		{"engine_pending_approvals", "2"},
		{`engine_kill_switch{account="all",symbol="all"}`, "0"},
		{`engine_kill_switch{account="7",symbol="all"}`, "1"},
		{`engine_kill_switch{account="7",symbol="3"}`, "1"},
		{`engine_guard_state{kind="breaker",account="7",symbol="all",metric="execs",window="1s",state="half-open"}`, "1"},
		{`engine_guard_state{kind="kill",account="7",symbol="3",metric="",window="0s",state="tripped"}`, "1"},
		{`engine_guard_state{kind="anomaly",account="all",symbol="3",metric="notional_usd",window="100ms",state="warmup"}`, "1"},
		{`engine_guard_figure{kind="loss",account="7",symbol="all",metric="loss_usd",window="0s"}`, "50001"},
		{`engine_guard_limit{kind="loss",account="7",symbol="all",metric="loss_usd",window="0s"}`, "50000"},
		{`engine_guard_limit{kind="ceiling",account="9",symbol="all",metric="qty",window="1m0s"}`, "10"},
	} {
		if got, ok := series[tc.series]; !ok {
			t.Errorf("no series %s", tc.series)
		} else if got != tc.value {
			t.Errorf("%s = %s, want %s", tc.series, got, tc.value)
		}
	}
	for _, absent := range []string{
		// No limit: no limit series; no metric: no figure.
		`engine_guard_limit{kind="anomaly",account="all",symbol="3",metric="notional_usd",window="100ms"}`,
		`engine_guard_figure{kind="kill",account="7",symbol="3",metric="",window="0s"}`,
	} {
		if _, ok := series[absent]; ok {
			t.Errorf("series %s written", absent)
		}
	}
	if n := countPrefix(series, "engine_guard_state{"); n != len(richGuards().Guards) {
		t.Errorf("%d guard_state series, want one per guard, %d", n, len(richGuards().Guards))
	}
	for name, typ := range types {
		if counter := strings.HasSuffix(name, "_total"); counter != (typ == "counter") {
			t.Errorf("family %s of type %s", name, typ)
		}
	}
	if types["engine_logic_latency_seconds"] != "summary" || types["engine_logic_latency_interval_seconds"] != "summary" {
		t.Errorf("latency families are not summaries: %v", types)
	}
}

func countPrefix(series map[string]string, prefix string) int {
	n := 0
	for s := range series {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

func TestMetricsNoSample(t *testing.T) {
	st := richStats()
	st.Paused, st.Journal, st.LatencyInterval = false, "", Percentiles{}
	series, _ := parseMetrics(t, writeMetrics(t, st, nil))
	if got := series[`engine_logic_latency_interval_seconds{quantile="0.5"}`]; got != "NaN" {
		t.Errorf("quantile without a sample = %q, want NaN", got)
	}
	for _, absent := range []string{"engine_paused_since_seconds", "engine_journal_info", "engine_guard_state", "engine_kill_switch"} {
		for s := range series {
			if s == absent || strings.HasPrefix(s, absent+"{") {
				t.Errorf("series %s written", s)
			}
		}
	}
}

func TestMetricsEscaping(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`plain`, `plain`},
		{`a"b`, `a\"b`},
		{`a\b`, `a\\b`},
		{"a\nb", `a\nb`},
		{"\\\"\n", `\\\"\n`},
		{"µs ok", "µs ok"},
	} {
		st := Stats{Journal: tc.in, Durability: "batch"}
		want := `engine_journal_info{durability="batch",dir="` + tc.want + `"} 1` + "\n"
		if got := writeMetrics(t, st, nil); !strings.Contains(got, want) {
			t.Errorf("journal %q: no line %q in\n%s", tc.in, want, got)
		}
	}
	if got, want := string(appendEscaped(nil, "a\"b\\c\nd", false)), `a"b\\c\nd`; got != want {
		t.Errorf("HELP escaping = %s, want %s", got, want)
	}
}

// TestMetricsCountersMonotone checks that every counter of a later sample
// is at least its value in an earlier one: counters come from the totals,
// not from a figure that can fall.
func TestMetricsCountersMonotone(t *testing.T) {
	early := richStats()
	late := richStats()
	late.NowNS += 1e9
	late.EventsIn += 100
	late.EventsJournal += 100
	late.EventsApplied += 100
	late.EventsOut += 100
	late.Malformed++
	late.Trips++
	late.Latency.Count += 100
	// Figures that may fall between the samples.
	late.Rings[1].LagN, late.Rings[1].LagUS, late.PendingN = 0, 0, 0
	late.LatencyInterval.Count = 1

	s1, types := parseMetrics(t, writeMetrics(t, early, richGuards()))
	s2, _ := parseMetrics(t, writeMetrics(t, late, richGuards()))
	counters := 0
	for series, v1 := range s1 {
		name, _, _ := strings.Cut(series, "{")
		if types[name] != "counter" && !(types[strings.TrimSuffix(name, "_count")] == "summary" && strings.HasSuffix(name, "_count")) {
			continue
		}
		counters++
		a, err1 := strconv.ParseFloat(v1, 64)
		b, err2 := strconv.ParseFloat(s2[series], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %q then %q", series, v1, s2[series])
		}
		if b <= a {
			t.Errorf("%s went from %v to %v", series, a, b)
		}
	}
	if counters != 7 {
		t.Errorf("%d counters, want 7", counters)
	}
}

// TestMetricsDeterministic checks that the order of the guards in the answer
// does not change the output.
func TestMetricsDeterministic(t *testing.T) {
	want := writeMetrics(t, richStats(), richGuards())
	g := richGuards()
	slices.Reverse(g.Guards)
	if got := writeMetrics(t, richStats(), g); got != want {
		t.Errorf("output depends on the guards' order:\n%s\nvs\n%s", got, want)
	}
	// A guard repeated with the same labels is written once.
	g.Guards = append(g.Guards, g.Guards[0])
	if got := writeMetrics(t, richStats(), g); got != want {
		t.Errorf("a repeated guard changed the output")
	}
}

// fakeSource is a StatsSource whose answers the test sets (under mu, once
// it is in use by a server).
type fakeSource struct {
	mu       sync.Mutex
	stats    []Stats // returned in turn; the last one again when they run out
	n        int
	statsErr error // returned by Stats after errAfter samples
	errAfter int
	guards   Answer
	pending  Answer
	queryErr error
}

func (f *fakeSource) Stats(ctx context.Context) (Stats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	if f.statsErr != nil && f.n >= f.errAfter {
		return Stats{}, f.statsErr
	}
	st := f.stats[min(f.n, len(f.stats)-1)]
	f.n++
	return st, nil
}

func (f *fakeSource) Query(ctx context.Context, q Query) (Answer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return Answer{}, err
	}
	if f.queryErr != nil {
		return Answer{}, f.queryErr
	}
	switch q.Kind {
	case QueryGuards:
		return f.guards, nil
	case QueryPending:
		return f.pending, nil
	}
	return Answer{}, errors.New("fake: unexpected query")
}

func TestMetricsHandler(t *testing.T) {
	src := &fakeSource{stats: []Stats{richStats()}, guards: *richGuards()}
	ts := httptest.NewServer(MetricsHandler(src))
	defer ts.Close()

	get := func(method, path string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, ts.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(body)
	}

	resp, body := get("GET", "/metrics")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != MetricsContentType {
		t.Fatalf("GET /metrics: %s, Content-Type %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	if want := writeMetrics(t, richStats(), richGuards()); body != want {
		t.Errorf("GET /metrics body differs from WriteMetrics:\n%s", body)
	}

	for _, tc := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/", http.StatusNotFound},
		{"GET", "/metrics/", http.StatusNotFound},
		{"GET", "/debug/pprof/", http.StatusNotFound},
		{"POST", "/metrics", http.StatusMethodNotAllowed},
		{"HEAD", "/metrics", http.StatusOK},
	} {
		if resp, _ := get(tc.method, tc.path); resp.StatusCode != tc.code {
			t.Errorf("%s %s: %s, want %d", tc.method, tc.path, resp.Status, tc.code)
		}
	}

	// The guards' query fails: the page is served without them.
	src.mu.Lock()
	src.queryErr = errors.New("guard is off")
	src.mu.Unlock()
	resp, body = get("GET", "/metrics")
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "engine_guard_state") || !strings.Contains(body, "engine_events_in_total 10000\n") {
		t.Errorf("guards failing: %s\n%s", resp.Status, body)
	}

	// The engine has gone: 503.
	src.mu.Lock()
	src.statsErr = ErrNotRunning
	src.mu.Unlock()
	if resp, body := get("GET", "/metrics"); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, ErrNotRunning.Error()) {
		t.Errorf("engine gone: %s %q", resp.Status, body)
	}
}

func TestServeMetrics(t *testing.T) {
	src := &fakeSource{stats: []Stats{richStats()}, guards: *richGuards()}
	s, err := ServeMetrics("127.0.0.1:0", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + s.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "engine_kill_trips_total 2\n") {
		t.Errorf("GET: %s\n%s", resp.Status, body)
	}
	if _, err := ServeMetrics(s.Addr().String(), src, nil); err == nil {
		t.Errorf("a second server on the same address started")
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := http.Get("http://" + s.Addr().String() + "/metrics"); err == nil {
		t.Errorf("GET after Close succeeded")
	}
}
