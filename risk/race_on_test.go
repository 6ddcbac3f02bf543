//go:build race

package risk

// raceEnabled shortens the long randomized tests under the race detector.
const raceEnabled = true
