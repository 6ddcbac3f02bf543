package admin

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/risk"
)

// twoSamples returns richStats two seconds apart: 1,000 events a second in,
// 900 journaled, 800 applied, 1,500 out, 2 malformed.
func twoSamples() (prev, cur Stats) {
	cur = richStats()
	prev = cur
	prev.NowNS -= 2e9
	prev.EventsIn -= 2_000
	prev.EventsJournal -= 1_800
	prev.EventsApplied -= 1_600
	prev.EventsOut -= 3_000
	prev.Malformed -= 4
	return prev, cur
}

// heldOrders returns n orders held for approval, oldest first.
func heldOrders(n int) *Answer {
	a := &Answer{}
	for i := range n {
		a.Pending = append(a.Pending, risk.Held{
			PendingID: uint64(9_001 + i),
			Order:     event.In{Kind: event.KindNew, Account: 7, Symbol: 3, Side: event.Buy, Qty: 500, Price: 10_000},
			Reason:    event.ReasonApproveQty, Since: int64(i) * 1e9, Deadline: int64(i)*1e9 + 5e9,
		})
	}
	return a
}

func renderTop(t *testing.T, prev, cur Stats, guards, pending *Answer, width int) string {
	t.Helper()
	var b bytes.Buffer
	if err := RenderTop(&b, prev, cur, guards, pending, width); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// fields returns the fields of the first line of frame that starts with
// prefix, nil when there is none.
func fields(frame, prefix string) []string {
	for _, line := range strings.Split(frame, "\n") {
		if strings.HasPrefix(line, prefix) {
			return strings.Fields(line)
		}
	}
	return nil
}

func TestRenderTopRates(t *testing.T) {
	prev, cur := twoSamples()
	restarted := prev
	restarted.StartNS -= 1e9
	for _, tc := range []struct {
		name  string
		prev  Stats
		note  string
		rates map[string][2]string // stage: total, rate/s
	}{
		{"interval", prev, "rate/s over 2.00s", map[string][2]string{
			"ingest": {"10,000", "1,000"}, "journal": {"9,990", "900"}, "logic": {"9,950", "800"},
			"output": {"12,000", "1,500"}, "malformed": {"3", "2"},
		}},
		// No earlier sample, or one of an earlier run: averages over the
		// 10 s since the start.
		{"first", Stats{}, "rate/s since start", map[string][2]string{
			"ingest": {"10,000", "1,000"}, "journal": {"9,990", "999"}, "logic": {"9,950", "995"},
			"output": {"12,000", "1,200"}, "malformed": {"3", "0"},
		}},
		{"restarted", restarted, "rate/s since start", map[string][2]string{"ingest": {"10,000", "1,000"}, "logic": {"9,950", "995"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frame := renderTop(t, tc.prev, cur, richGuards(), heldOrders(2), 80)
			if !strings.Contains(frame, tc.note) {
				t.Errorf("no %q in\n%s", tc.note, frame)
			}
			for stage, want := range tc.rates {
				if f := fields(frame, stage+" "); !slices.Equal(f, []string{stage, want[0], want[1]}) {
					t.Errorf("stage %s: %q, want total %s rate %s\n%s", stage, f, want[0], want[1], frame)
				}
			}
		})
	}
}

func TestRenderTopContents(t *testing.T) {
	prev, cur := twoSamples()
	frame := renderTop(t, prev, cur, richGuards(), heldOrders(8), 80)
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"engine ", []string{"engine", "PAUSED", "for", "4.50s", "at", "seq", "9,000", "up", "10s", "2023-11-14", "22:13:30Z"}},
		{"seq ", []string{"seq", "10,000", "applied", "9,950", "durable", "9,980", "journal", "sync", "trips", "2"}},
		// Lag per consumer.
		{"input   journal", []string{"input", "journal", "10", "7", "50/65,536"}},
		{"input   logic", []string{"input", "logic", "50", "1,250", "50/65,536"}},
		{"output  sink", []string{"output", "sink", "3", "2", "3/4,096"}},
		{"start ", []string{"start", "9,950", "1.50µs", "3.00µs", "9.00µs", "12.0µs", "20.0µs", "1.00ms"}},
		{"interval ", []string{"interval", "950", "1.40µs", "2.50µs", "8.00µs", "11.0µs", "11.0µs", "11.0µs"}},
		// Kill switches, tripped first.
		{"kill switches:", []string{"kill", "switches:", "2", "tripped", "of", "3"}},
		{"  TRIPPED  7        3", []string{"TRIPPED", "7", "3", "loss"}},
		{"  TRIPPED  7        all", []string{"TRIPPED", "7", "all", "operator"}},
		{"  ok       all      all", []string{"ok", "all", "all"}},
		// Guards, those not ok first.
		{"guards:", []string{"guards:", "6,", "3", "not", "ok"}},
		{"  breaker  7", []string{"breaker", "7", "all", "execs", "1s", "HALF-OPEN", "5/100"}},
		{"  loss ", []string{"loss", "7", "all", "loss_usd", "-", "TRIPPED", "50,001/50,000"}},
		// Pending: the count and the oldest five.
		{"pending approvals:", []string{"pending", "approvals:", "8"}},
		{"  9001", []string{"9001", "7", "3", "buy", "500", "10,000", "approve_qty", "+5.00s"}},
		{"  9005", []string{"9005", "7", "3", "buy", "500", "10,000", "approve_qty", "+5.00s"}},
		{"  ... ", []string{"...", "3", "more"}},
	} {
		if f := fields(frame, tc.prefix); !slices.Equal(f, tc.want) {
			t.Errorf("line %q: %q, want %q", tc.prefix, f, tc.want)
		}
	}
	if strings.Contains(frame, "9006") {
		t.Errorf("more than five pending orders shown:\n%s", frame)
	}
	if t.Failed() {
		t.Logf("frame:\n%s", frame)
	}
}

func TestRenderTopState(t *testing.T) {
	_, cur := twoSamples()
	for _, tc := range []struct {
		name             string
		running, paused  bool
		want, notWanting string
	}{
		{"paused", true, true, "engine PAUSED", "RUNNING"},
		{"running", true, false, "engine RUNNING", "PAUSED"},
		{"stopping", false, false, "engine STOPPING", "RUNNING"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cur.Running, cur.Paused = tc.running, tc.paused
			frame := renderTop(t, Stats{}, cur, nil, nil, 80)
			if !strings.HasPrefix(frame, tc.want) || strings.Contains(frame, tc.notWanting) {
				t.Errorf("frame does not start with %q or has %q:\n%s", tc.want, tc.notWanting, frame)
			}
		})
	}
}

// TestRenderTopUnknown checks a frame without the guards' and pending
// answers: the pending count comes from the stats.
func TestRenderTopUnknown(t *testing.T) {
	prev, cur := twoSamples()
	cur.Rings, cur.LatencyInterval = nil, Percentiles{}
	frame := renderTop(t, prev, cur, nil, nil, 80)
	for _, want := range []string{"guards: not known\n", "pending approvals: 2\n", "rings: none reported\n"} {
		if !strings.Contains(frame, want) {
			t.Errorf("no %q in\n%s", want, frame)
		}
	}
	if f := fields(frame, "interval "); !slices.Equal(f, []string{"interval", "0", "-", "-", "-", "-", "-", "-"}) {
		t.Errorf("interval without samples: %q", f)
	}
}

func TestRenderTopWidth(t *testing.T) {
	prev, cur := twoSamples()
	guards := richGuards()
	for i := range 20 {
		guards.Guards = append(guards.Guards,
			risk.GuardState{Kind: "kill", Account: uint32(100 + i), Symbol: event.Any, State: "tripped", Reason: event.ReasonNotionalAnomaly},
			risk.GuardState{Kind: "anomaly", Account: uint32(100 + i), Symbol: event.Any, Metric: "notional_usd", Window: int64(time.Hour), State: "ok", Figure: 1 << 40, Limit: 1 << 41})
	}
	for _, width := range []int{20, 40, 60, 80, 132} {
		frame := renderTop(t, prev, cur, guards, heldOrders(50), width)
		for _, line := range strings.Split(strings.TrimSuffix(frame, "\n"), "\n") {
			if n := utf8.RuneCountInString(line); n > width {
				t.Errorf("width %d: line of %d columns: %q", width, n, line)
			}
		}
		if width >= 40 {
			for _, want := range []string{"  ... 17 more\n", "  ... 18 more\n", "  ... 45 more\n"} {
				if !strings.Contains(frame, want) {
					t.Errorf("width %d: no %q in\n%s", width, want, frame)
				}
			}
		}
	}
	if got, want := renderTop(t, prev, cur, guards, nil, 0), renderTop(t, prev, cur, guards, nil, 80); got != want {
		t.Errorf("width 0 is not 80")
	}
}

func TestRenderTopDeterministic(t *testing.T) {
	prev, cur := twoSamples()
	want := renderTop(t, prev, cur, richGuards(), heldOrders(3), 80)
	g := richGuards()
	slices.Reverse(g.Guards)
	if got := renderTop(t, prev, cur, g, heldOrders(3), 80); got != want {
		t.Errorf("frame depends on the guards' order:\n%s\nvs\n%s", got, want)
	}
}

// topSource returns a fake whose samples are one second apart, 1,000
// events a second in.
func topSource(n int) *fakeSource {
	f := &fakeSource{guards: *richGuards(), pending: *heldOrders(3)}
	for i := range n {
		st := richStats()
		st.NowNS += int64(i) * 1e9
		st.EventsIn += int64(i) * 1_000
		f.stats = append(f.stats, st)
	}
	return f
}

// frames counts the frames in Top's output by their first lines.
func frames(out string) int {
	n := 0
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimPrefix(line, clearScreen), "engine ") {
			n++
		}
	}
	return n
}

func TestTopOnce(t *testing.T) {
	src := topSource(3)
	var out bytes.Buffer
	if err := Top(context.Background(), src, &out, TopOptions{Interval: 10 * time.Millisecond, Once: true, Frames: 5}); err != nil {
		t.Fatal(err)
	}
	if n := frames(out.String()); n != 1 {
		t.Errorf("--once printed %d frames:\n%s", n, out.String())
	}
	if src.n != 2 {
		t.Errorf("--once took %d samples, want 2", src.n)
	}
	if f := fields(out.String(), "ingest "); !slices.Equal(f, []string{"ingest", "11,000", "1,000"}) {
		t.Errorf("--once rate over the interval: %q\n%s", f, out.String())
	}
	if strings.Contains(out.String(), "\033") {
		t.Errorf("escape codes without a terminal")
	}
}

func TestTopFrames(t *testing.T) {
	for _, terminal := range []bool{false, true} {
		src := topSource(5)
		var out bytes.Buffer
		const interval = 10 * time.Millisecond
		start := time.Now()
		if err := Top(context.Background(), src, &out, TopOptions{Interval: interval, Frames: 3, Terminal: terminal}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 2*interval {
			t.Errorf("terminal %v: 3 frames in %v, less than two intervals", terminal, d)
		}
		s := out.String()
		if n := frames(s); n != 3 {
			t.Errorf("terminal %v: %d frames, want 3", terminal, n)
		}
		if terminal {
			if strings.Count(s, clearScreen) != 3 || !strings.HasPrefix(s, clearScreen) {
				t.Errorf("terminal: each frame does not start with cursor home and clear:\n%q", s)
			}
		} else if strings.ContainsRune(s, '\033') {
			t.Errorf("not a terminal: escape codes in\n%q", s)
		}
		// The first frame's rates are since the start, the next ones over
		// the second between samples.
		if !strings.Contains(s, "rate/s since start") || strings.Count(s, "rate/s over 1.00s") != 2 {
			t.Errorf("terminal %v: rates not since start then over the interval:\n%s", terminal, s)
		}
	}
}

func TestTopUntilCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	if err := Top(ctx, topSource(1), &out, TopOptions{Interval: 5 * time.Millisecond}); err != nil {
		t.Fatalf("Top ended by its context: %v", err)
	}
	if n := frames(out.String()); n < 2 {
		t.Errorf("%d frames in 50ms at 5ms", n)
	}
}

func TestTopSourceError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		source *fakeSource
		frames int
	}{
		{"stats", &fakeSource{stats: topSource(1).stats, statsErr: ErrNotRunning, errAfter: 2}, 2},
		{"query", &fakeSource{stats: topSource(1).stats, queryErr: ErrNotRunning}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Top(context.Background(), tc.source, &out, TopOptions{Interval: time.Millisecond})
			if !errors.Is(err, ErrNotRunning) {
				t.Fatalf("Top returned %v, want %v", err, ErrNotRunning)
			}
			if n := frames(out.String()); n != tc.frames {
				t.Errorf("%d frames before the error, want %d", n, tc.frames)
			}
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if last := lines[len(lines)-1]; !strings.Contains(last, "the engine did not answer") || !strings.Contains(last, ErrNotRunning.Error()) {
				t.Errorf("last line %q does not say the engine went away", last)
			}
		})
	}
}

func TestIsTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	f, err := os.CreateTemp(t.TempDir(), "top")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, nt := range []*os.File{r, w, f} {
		if IsTerminal(nt) {
			t.Errorf("%s is a terminal", nt.Name())
		}
		if _, ok := TerminalWidth(nt); ok {
			t.Errorf("%s has a terminal width", nt.Name())
		}
	}
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal to check the positive case: %v", err)
	}
	defer ptmx.Close()
	if !IsTerminal(ptmx) {
		t.Errorf("/dev/ptmx is not a terminal")
	}
}

func ExampleRenderTop() {
	start := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC).UnixNano()
	prev := Stats{StartNS: start, NowNS: start + 60e9, Running: true,
		EventsIn: 60_000, EventsJournal: 60_000, EventsApplied: 59_990, EventsOut: 80_000}
	cur := prev
	cur.NowNS += 1e9
	cur.EventsIn += 2_500
	cur.EventsJournal += 2_500
	cur.EventsApplied += 2_510
	cur.EventsOut += 3_000
	cur.LastSeq, cur.AppliedSeq = 62_500, 62_500
	cur.Rings = []RingStats{{Ring: "input", Consumer: "logic", Size: 65536, Used: 4, LagN: 4, LagUS: 3}}
	cur.Latency = Percentiles{Count: 62_500, P50: 900, P90: 1_800, P99: 4_000, P999: 9_000, P9999: 30_000, Max: 250_000}
	guards := &Answer{Guards: []risk.GuardState{
		{Kind: "kill", Account: event.Any, Symbol: event.Any, State: "ok"},
		{Kind: "breaker", Account: event.Any, Symbol: event.Any, Metric: "execs", Window: int64(time.Second), State: "closed", Figure: 40, Limit: 1_000},
	}}
	RenderTop(os.Stdout, prev, cur, guards, &Answer{}, 80)
	// Output:
	// engine RUNNING  up 1m1s  2026-01-02 09:01:01Z
	// seq 62,500  applied 62,500  durable 0  journal none  trips 0
	// stage       total  rate/s over 1.00s
	// ingest     62,500   2,500
	// journal    62,500   2,500
	// logic      62,500   2,510
	// output     83,000   3,000
	// malformed       0       0
	// ring   consumer  lag  lag µs  used/size
	// input  logic       4       3   4/65,536
	// latency    count    p50     p90     p99   p99.9  p99.99    max
	// start     62,500  900ns  1.80µs  4.00µs  9.00µs  30.0µs  250µs
	// interval       0      -       -       -       -       -      -
	// kill switches: 0 tripped of 1
	//   state  account  symbol  reason
	//   ok     all      all
	// guards: 1, 0 not ok
	//   kind     acct  sym  metric  window  state   now/limit
	//   breaker  all   all  execs   1s      closed   40/1,000
	// pending approvals: 0
}
