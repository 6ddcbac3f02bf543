//go:build !race

package progress

// raceEnabled skips the allocation counts, which the race detector's
// instrumentation may disturb.
const raceEnabled = false
