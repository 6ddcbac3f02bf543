package faultfs

import (
	"fmt"
	"os"
)

// Zero overwrites n bytes at off of the file name on the disk with zeros:
// a sector that was never written, or one the device returned blank. With
// a [Faulty] file system, damage the disk after a crash (while the file is
// not cached), since the cache would hide it.
func Zero(name string, off, n int64) error {
	return damage(name, off, make([]byte, n))
}

// Garbage overwrites n bytes at off of the file name on the disk with
// pseudo-random bytes drawn from seed: a sector the device scrambled.
func Garbage(name string, off, n int64, seed uint64) error {
	b := make([]byte, n)
	x := seed | 1
	for i := range b {
		// xorshift64*: deterministic, never all zero.
		x ^= x >> 12
		x ^= x << 25
		x ^= x >> 27
		b[i] = byte((x * 2685821657736338717) >> 56)
	}
	return damage(name, off, b)
}

// Flip inverts the bits of mask in the byte at off of the file name.
func Flip(name string, off int64, mask byte) error {
	fd, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer fd.Close()
	var b [1]byte
	if _, err := fd.ReadAt(b[:], off); err != nil {
		return fmt.Errorf("faultfs: flip %s offset %d: %w", name, off, err)
	}
	b[0] ^= mask
	_, err = fd.WriteAt(b[:], off)
	return err
}

func damage(name string, off int64, b []byte) error {
	fi, err := os.Stat(name)
	if err != nil {
		return err
	}
	if off < 0 || off+int64(len(b)) > fi.Size() {
		return fmt.Errorf("faultfs: damage [%d, %d) outside %s (%d bytes)", off, off+int64(len(b)), name, fi.Size())
	}
	return writeDisk(name, b, off)
}
