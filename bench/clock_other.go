//go:build !amd64

package bench

// rdtsc is never called off amd64: invariantTSC is false there.
func rdtsc() int64 { return nanotime() }

// invariantTSC reports false: only amd64 reads a time-stamp counter.
func invariantTSC() bool { return false }
