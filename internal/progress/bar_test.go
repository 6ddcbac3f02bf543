package progress

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	t     time.Time
	step  time.Duration // added at every read
	reads int
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.reads++
	c.t = c.t.Add(c.step)
	return c.t
}

func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// lines splits what a bar wrote into its redraws (each "\r...\x1b[K").
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\r") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func TestLayout(t *testing.T) {
	var b Bar
	if off := unsafe.Offsetof(b.done); off != 0 {
		t.Errorf("done at offset %d, want 0", off)
	}
	if off := unsafe.Offsetof(b.next); off != 8 {
		t.Errorf("next at offset %d, want 8", off)
	}
}

func TestNothingOnNonTerminal(t *testing.T) {
	for _, tc := range []struct {
		name string
		w    func(t *testing.T) io.Writer
	}{
		{"buffer", func(*testing.T) io.Writer { return new(bytes.Buffer) }},
		{"nil", func(*testing.T) io.Writer { return nil }},
		{"file", func(t *testing.T) io.Writer {
			f, err := os.Create(t.TempDir() + "/out")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return f
		}},
		{"devnull", func(t *testing.T) io.Writer {
			f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return f
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.w(t)
			clk := newClock()
			b := New(w, 1000, "replay", Clock(clk.now))
			if b.draw {
				t.Fatal("draws on a non-terminal")
			}
			for range 10 {
				clk.advance(time.Second)
				b.Add(100)
			}
			st := b.Done()
			if clk.reads != 2 {
				t.Errorf("clock read %d times, want 2 (New and Done)", clk.reads)
			}
			if buf, ok := w.(*bytes.Buffer); ok && buf.Len() != 0 {
				t.Errorf("wrote %q", buf.String())
			}
			if f, ok := w.(*os.File); ok && f.Name() != os.DevNull {
				if fi, err := f.Stat(); err != nil || fi.Size() != 0 {
					t.Errorf("wrote %d bytes (%v)", fi.Size(), err)
				}
			}
			want := Stats{Units: 1000, Elapsed: 10 * time.Second, Rate: 100}
			if st != want {
				t.Errorf("stats %+v, want %+v", st, want)
			}
		})
	}
}

// TestTerminal opens a pseudo-terminal and checks that a bar on it draws
// without Force.
func TestTerminal(t *testing.T) {
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlock pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetUint32(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("pseudo-terminal number: %v", err)
	}
	pts, err := os.OpenFile("/dev/pts/"+itoa(int64(n)), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pseudo-terminal: %v", err)
	}
	defer pts.Close()
	if err := unix.IoctlSetWinsize(int(pts.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 60}); err != nil {
		t.Fatal(err)
	}
	b := New(pts, 100, "audit")
	if !b.draw {
		t.Fatal("does not draw on a terminal")
	}
	if b.width != 59 {
		t.Errorf("width %d on a 60-column terminal, want 59", b.width)
	}
	if _, ok := terminalWidth(ptmx); !ok {
		t.Error("the master side is a terminal too")
	}
}

func itoa(v int64) string { return string(appendHuman(nil, v)) } // v < 1000 here

func TestNothingBeforeASecond(t *testing.T) {
	var buf bytes.Buffer
	clk := newClock()
	b := New(&buf, 10_000_000, "replay", Force(true), Clock(clk.now))
	for range 10 {
		clk.advance(100 * time.Millisecond) // up to exactly 1s
		b.Add(1_000_000)
		if buf.Len() != 0 {
			t.Fatalf("drew %q at %v", buf.String(), clk.t.Sub(newClock().t))
		}
	}
	clk.advance(time.Nanosecond)
	b.Add(maxStride) // crosses the next threshold whatever the stride
	if buf.Len() == 0 {
		t.Fatal("nothing drawn after more than a second")
	}
	b.Done()
}

func TestLine(t *testing.T) {
	for _, tc := range []struct {
		name    string
		total   int64
		label   string
		width   int // 0: Force's 80
		el      time.Duration
		done    int64
		want    string   // the whole line, when not empty
		contain []string // pieces of it
	}{
		{
			name: "half", total: 10_000_000, label: "replay", el: 2 * time.Second, done: 5_200_000,
			want:    "replay [=========>          ]  52%    5.2M/10.0M events    2.6M/s  0:00:02 left",
			contain: []string{" 52%", "5.2M/10.0M events", "2.6M/s", "0:00:02 left"},
		},
		{
			name: "start", total: 1_000_000, label: "audit", el: 1500 * time.Millisecond, done: 1500,
			contain: []string{"audit [                      ]", "   0%", "  1.5K/1.0M events", "  1.0K/s", "0:16:39 left"},
		},
		{
			name: "done", total: 1000, label: "replay", el: 4 * time.Second, done: 1000,
			contain: []string{"=]", "100%", " 1.0K/1.0K events", "   250/s", "0:00:00 left"},
		},
		{
			name: "over", total: 1000, label: "replay", el: 4 * time.Second, done: 2000,
			contain: []string{"=]", "100%", "2.0K/1.0K events", "0:00:00 left"},
		},
		{
			name: "hours", total: 100_000_000_000, label: "replay", el: 10 * time.Second, done: 10_000_000,
			contain: []string{"   0%", " 10.0M/100.0G events", "  1.0M/s", "27:46:30 left"},
		},
		{
			name: "unknown", total: 0, label: "replay", el: 2 * time.Second, done: 5_200_000,
			want: "replay    5.2M events    2.6M/s",
		},
		{
			name: "narrow", total: 10_000_000, label: "replay", width: 60, el: 2 * time.Second, done: 5_200_000,
			want: "replay  52%    5.2M/10.0M events    2.6M/s  0:00:02 left",
		},
		{
			name: "tiny", total: 10_000_000, label: "replay", width: 20, el: 2 * time.Second, done: 5_200_000,
			want: "replay  52%    5.2M",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			clk := newClock()
			b := New(&buf, tc.total, tc.label, Force(true), Clock(clk.now))
			if tc.width != 0 {
				b.width = tc.width - 1
			}
			clk.advance(tc.el)
			b.Add(tc.done)
			ls := lines(buf.String())
			if len(ls) != 1 {
				t.Fatalf("drew %q, want one line", buf.String())
			}
			l, ok := strings.CutSuffix(ls[0], "\x1b[K")
			if !ok || !strings.HasPrefix(buf.String(), "\r") {
				t.Fatalf("line %q does not start with \\r and end with \\x1b[K", buf.String())
			}
			if tc.want != "" && l != tc.want {
				t.Errorf("line\n%q, want\n%q", l, tc.want)
			}
			for _, c := range tc.contain {
				if !strings.Contains(l, c) {
					t.Errorf("line %q lacks %q", l, c)
				}
			}
			width := tc.width
			if width == 0 {
				width = 80
			}
			if len(l) >= width {
				t.Errorf("line of %d columns, want fewer than %d", len(l), width)
			}
		})
	}
}

func TestRedrawsAtMostTenASecond(t *testing.T) {
	var buf bytes.Buffer
	clk := newClock()
	b := New(&buf, 0, "replay", Force(true), Clock(clk.now))
	const el = 5 * time.Second
	for range el / time.Millisecond { // a unit a millisecond
		clk.advance(time.Millisecond)
		b.Add(1)
	}
	// Four seconds of drawing: at most one redraw each 100 ms, and with
	// clock reads some 25 ms apart, at least one each 125 ms.
	n := len(lines(buf.String()))
	if lo, hi := int((el-firstDraw)/(redrawEvery+checkEvery)), int((el-firstDraw)/redrawEvery); n < lo || n > hi {
		t.Errorf("%d redraws over %v, want %d..%d", n, el, lo, hi)
	}
}

func TestClockReadEvery(t *testing.T) {
	for _, tc := range []struct {
		name      string
		step      time.Duration // clock step per read
		units     int
		maxReads  int
		minStride int64
	}{
		// 1M units in microseconds of clock: fast work, stride capped.
		{"fast", time.Microsecond, 1 << 20, 40, maxStride},
		// A clock that does not move: the stride doubles.
		{"frozen", 0, 1 << 20, 40, maxStride},
		// 10 ms between reads with one unit each: slow work, a read per
		// two or three units.
		{"slow", 10 * time.Millisecond, 100, 60, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			b := New(io.Discard, 0, "replay", Force(true), Clock(clk.now))
			clk.step = tc.step
			for range tc.units {
				b.Add(1)
			}
			if clk.reads > tc.maxReads {
				t.Errorf("%d clock reads for %d units, want at most %d", clk.reads, tc.units, tc.maxReads)
			}
			if b.stride < tc.minStride {
				t.Errorf("stride %d, want at least %d", b.stride, tc.minStride)
			}
		})
	}
}

func TestDone(t *testing.T) {
	for _, tc := range []struct {
		name  string
		el    time.Duration
		drawn bool
	}{
		{"short", 500 * time.Millisecond, false},
		{"long", 2 * time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			clk := newClock()
			b := New(&buf, 10_000_000, "replay", Force(true), Clock(clk.now))
			clk.advance(tc.el)
			b.Add(10_000_000)
			drew := buf.Len()
			if (drew > 0) != tc.drawn {
				t.Fatalf("drew %q", buf.String())
			}
			clk.advance(tc.el)
			st := b.Done()
			after := buf.String()[drew:]
			if want := map[bool]string{true: "\r\x1b[K", false: ""}[tc.drawn]; after != want {
				t.Errorf("Done wrote %q, want %q", after, want)
			}
			want := Stats{Units: 10_000_000, Elapsed: 2 * tc.el, Rate: 10_000_000 / (2 * tc.el).Seconds()}
			if st != want {
				t.Errorf("stats %+v, want %+v", st, want)
			}
			// Done again: same figures, nothing written; Add draws no more.
			clk.advance(time.Hour)
			b.Add(1)
			if again := b.Done(); again != st || buf.Len() != drew+len(after) {
				t.Errorf("second Done: %+v, wrote %q", again, buf.String()[drew+len(after):])
			}
		})
	}
}

func TestStatsString(t *testing.T) {
	for _, tc := range []struct {
		s    Stats
		want string
	}{
		{Stats{10_000_000, 850 * time.Millisecond, 10_000_000 / 0.85}, "10000000 events in 850ms (11.8M/s)"},
		{Stats{3, 1500 * time.Microsecond, 2000}, "3 events in 2ms (2.0K/s)"},
		{Stats{3, 1500 * time.Nanosecond, 2e6}, "3 events in 1.5µs (2.0M/s)"},
		{Stats{}, "0 events in 0s (0/s)"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.s, got, tc.want)
		}
	}
}

// failWriter fails every write.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) { w.n++; return 0, io.ErrClosedPipe }

func TestWriteErrorStopsDrawing(t *testing.T) {
	var w failWriter
	clk := newClock()
	b := New(&w, 0, "replay", Force(true), Clock(clk.now))
	for range 10 {
		clk.advance(time.Second)
		b.Add(1 << 20)
	}
	b.Done()
	if w.n != 1 {
		t.Errorf("%d writes, want 1: the first failed", w.n)
	}
}

func TestAddAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts under the race detector")
	}
	for _, tc := range []struct {
		name  string
		total int64
		force bool
	}{
		{"silent", 0, false},
		{"drawing", 1 << 40, true},
		{"drawing-unknown", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			buf.Grow(1 << 20)
			clk := newClock()
			b := New(&buf, tc.total, "replay", Force(tc.force), Clock(clk.now))
			clk.step = redrawEvery // every clock read may redraw
			clk.advance(2 * time.Second)
			b.Add(1) // the first draw sizes the line buffers
			allocs := testing.AllocsPerRun(10000, func() { b.Add(64) })
			if allocs != 0 {
				t.Errorf("%v allocations per Add", allocs)
			}
			if tc.force && len(lines(buf.String())) < 1000 {
				t.Errorf("%d redraws: the test did not exercise drawing", len(lines(buf.String())))
			}
		})
	}
}
