//go:build race

package ring

// raceEnabled reports whether the test binary was built with -race, which
// makes every atomic and memory access far slower; long loops shrink.
const raceEnabled = true
