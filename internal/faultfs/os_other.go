//go:build !linux

package faultfs

import "os"

// allocate extends a file with ftruncate(2).
func allocate(f *os.File, size int64) error { return f.Truncate(size) }

// populate is not available: the caller touches pages itself.
func populate(b []byte) error { return ErrUnsupported }

// release does nothing: pages stay mapped.
func release(b []byte) error { return nil }

// datasync is fsync(2).
func datasync(f *os.File) error { return f.Sync() }

// adviseHuge is not available.
func adviseHuge(b []byte) error { return ErrUnsupported }
