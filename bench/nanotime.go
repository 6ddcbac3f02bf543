package bench

import _ "unsafe" // for go:linkname

// nanotime is the runtime's monotonic clock in nanoseconds, the one
// time.Since reads, without building a time.Time. The runtime keeps this
// linkname working on purpose (see runtime/time_nofake.go and
// go.dev/issue/67401).
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64
