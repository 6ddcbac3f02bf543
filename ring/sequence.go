package ring

import "sync/atomic"

// cacheLine is the size of a CPU cache line on the machines the engine runs
// on (x86-64 and arm64 servers).
const cacheLine = 64

// Sequence is an int64 counter alone on its cache line: 64 bytes of padding
// before the value and 56 after, a 128-byte stride, so that neither the
// neighbouring line nor the adjacent-line prefetcher's 128-byte pair holds
// another hot word when Sequences sit side by side or are allocated alone
// (128-byte heap objects are 128-byte aligned).
//
// A Sequence is written by exactly one goroutine and read by others; every
// access goes through [Sequence.Load] and [Sequence.Store].
type Sequence struct {
	_ [cacheLine]byte     // 0:64   padding: keeps the previous line cold
	v atomic.Int64        // 64:72  the value, alone on its line
	_ [cacheLine - 8]byte // 72:128 padding: keeps the rest of the line cold
}

// Load returns the value.
func (s *Sequence) Load() int64 { return s.v.Load() }

// Store sets the value.
func (s *Sequence) Store(v int64) { s.v.Store(v) }
