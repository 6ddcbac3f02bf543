//go:build race

package matcher

// raceEnabled shortens the long randomized tests under the race detector.
const raceEnabled = true
