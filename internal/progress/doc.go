// Package progress owns the progress bar that long replays and audits draw
// on stderr: one line, redrawn in place, that says how many events are done,
// at what rate, and how long is left, and the figures the command prints at
// the end ("replayed 10000000 events in 850ms (11.8M/s)").
//
// A [Bar] draws only when its writer is a terminal and only once the work has
// lasted more than a second, so short runs, pipes, files and tests see
// nothing but what the caller prints from [Bar.Done]. A drawn line looks like
//
//	replay [=========>          ]  52%    5.2M/10.0M events    2.6M/s  0:00:02 left
//
// or, when the total is not known,
//
//	replay    5.2M events    2.6M/s
//
// and fits in 80 columns (fewer when the terminal is narrower). The rate is
// the average since [New], and the time left is what remains at that rate,
// rounded up to a second. Each redraw
// starts with '\r' and ends with "\x1b[K" (erase to the end of the line);
// [Bar.Done] erases the line it drew.
//
// [Bar.Add] sits in the replay's hot loop: it adds to a counter and compares
// it with a threshold, and only when the threshold is crossed does it read
// the clock (every 65536 units at most, fewer when the work is slow, aiming
// at a clock read every 25 ms), and redraw at most ten times a second. There
// is no goroutine: a bar whose work stalls is not redrawn until Add is called
// again.
package progress
