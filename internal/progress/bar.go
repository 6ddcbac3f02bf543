package progress

import (
	"fmt"
	"io"
	"math"
	"time"
)

const (
	// firstDraw is how long the work must last before the bar is drawn.
	firstDraw = time.Second
	// redrawEvery is the least time between two redraws.
	redrawEvery = 100 * time.Millisecond
	// checkEvery is the time between two clock reads that Add aims at: the
	// number of units between reads follows the rate so that they come
	// about this often.
	checkEvery = 25 * time.Millisecond
	// maxStride bounds the units between two clock reads, so that a rate
	// that falls is noticed within 65536 units.
	maxStride = 1 << 16
	// defaultWidth is the width of the line when the terminal does not say
	// (and its bound when it does).
	defaultWidth = 80
)

// Bar draws a one-line progress bar on a terminal. It is not safe for
// concurrent use: one goroutine calls [Bar.Add] and then [Bar.Done].
type Bar struct {
	// Hot: every Add reads done and next (16 bytes at offset 0, tested).
	done int64 // 0: units done
	next int64 // 8: done at which Add next reads the clock; MaxInt64 when the bar never draws

	// Cold: the slow path, once per clock read.
	stride   int64            // units between clock reads
	total    int64            // units in all; 0 when unknown
	w        io.Writer        // where the line goes
	label    string           // first word of the line
	now      func() time.Time // the clock
	start    time.Time        // when New was called
	lastTick time.Time        // last clock read
	lastDone int64            // done at the last clock read
	lastDraw time.Time        // last redraw
	width    int              // columns the line may use, the last one excepted
	draw     bool             // w is a terminal, or Force
	drawn    bool             // a line is on the screen
	finished bool             // Done has been called
	stats    Stats            // what Done returned
	line     []byte           // the line being built, reused
	tail     []byte           // what follows the bar, reused
}

// Stats are the figures of finished work, returned by [Bar.Done].
type Stats struct {
	Units   int64         // units done
	Elapsed time.Duration // from New to Done
	Rate    float64       // units per second over Elapsed; 0 when Elapsed is 0
}

// String returns the figures as "10000000 events in 850ms (11.8M/s)".
func (s Stats) String() string {
	el := s.Elapsed
	if el >= time.Millisecond {
		el = el.Round(time.Millisecond)
	}
	return fmt.Sprintf("%d events in %v (%s/s)", s.Units, el, appendHuman(nil, rateUnits(s.Rate)))
}

// Option configures a [Bar].
type Option func(*Bar)

// Force makes the bar draw (when on) on any writer, terminal or not, for
// tests; it still waits for the work to last more than a second. On a
// writer that is not a terminal the line is 80 columns wide.
func Force(on bool) Option {
	return func(b *Bar) { b.draw = b.draw || on }
}

// Clock makes the bar read the time from now instead of [time.Now], so that
// tests need not sleep.
func Clock(now func() time.Time) Option {
	return func(b *Bar) { b.now = now }
}

// New returns a bar for total units (events) written to w; total 0 means
// unknown (no percentage, no time left). label starts the line ("replay",
// "audit"). The bar draws only when w is a terminal (an *os.File on which
// the TCGETS ioctl succeeds) or [Force] is given, and only once the work
// has lasted more than a second.
func New(w io.Writer, total int64, label string, opts ...Option) *Bar {
	b := &Bar{
		total: max(total, 0),
		w:     w,
		label: label,
		now:   time.Now,
		width: defaultWidth,
	}
	if cols, ok := terminalWidth(w); ok {
		b.draw = true
		b.width = min(cols, defaultWidth)
	}
	for _, o := range opts {
		o(b)
	}
	b.width-- // leave the last column empty, so the line never wraps
	b.start = b.now()
	b.lastTick = b.start
	if b.draw && w != nil {
		b.stride = 1
		b.next = 1
		b.line = make([]byte, 0, 2*defaultWidth+len(label))
		b.tail = make([]byte, 0, defaultWidth)
	} else {
		b.draw = false
		b.next = math.MaxInt64
	}
	return b
}

// Add reports n more units done. It costs an addition and a comparison;
// every so many units it reads the clock and perhaps redraws the line.
func (b *Bar) Add(n int64) {
	b.done += n
	if b.done >= b.next {
		b.tick()
	}
}

// tick is Add's slow path: it reads the clock, sets the next threshold and
// redraws when a second has passed since New and a tenth since the last
// redraw.
func (b *Bar) tick() {
	now := b.now()
	dt := now.Sub(b.lastTick)
	du := b.done - b.lastDone
	if dt > 0 && du > 0 {
		b.stride = int64(float64(du) * float64(checkEvery) / float64(dt))
	} else {
		b.stride *= 2
	}
	b.stride = min(max(b.stride, 1), maxStride)
	b.next = b.done + b.stride
	if b.next < b.done { // overflow
		b.next = math.MaxInt64
	}
	b.lastTick, b.lastDone = now, b.done

	el := now.Sub(b.start)
	if el <= firstDraw || (b.drawn && now.Sub(b.lastDraw) < redrawEvery) {
		return
	}
	b.lastDraw = now
	b.line = b.render(b.line[:0], el)
	if _, err := b.w.Write(b.line); err != nil {
		b.draw = false
		b.next = math.MaxInt64
		return
	}
	b.drawn = true
}

// Done finishes the bar: it erases the line when one was drawn and returns
// the final figures. Later calls return the same figures; Add after Done
// counts but never draws.
func (b *Bar) Done() Stats {
	if b.finished {
		return b.stats
	}
	b.finished = true
	el := b.now().Sub(b.start)
	if b.drawn {
		b.line = append(b.line[:0], "\r\x1b[K"...)
		b.w.Write(b.line) // the line is cosmetic: an error here changes nothing
		b.drawn = false
	}
	b.draw = false
	b.next = math.MaxInt64
	b.stats = Stats{Units: b.done, Elapsed: el}
	if el > 0 {
		b.stats.Rate = float64(b.done) / el.Seconds()
	}
	return b.stats
}
