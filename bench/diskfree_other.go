//go:build !linux

package bench

// diskFree returns -1: the free space is only looked up on Linux.
func diskFree(dir string) int64 { return -1 }
