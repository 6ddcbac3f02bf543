//go:build !race

package idindex

// raceEnabled shortens the long randomized tests under the race detector.
const raceEnabled = false
