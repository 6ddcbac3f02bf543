package bench

import "golang.org/x/sys/unix"

// diskFree returns the bytes available to this user in the file system
// holding dir, or -1 when it cannot tell.
func diskFree(dir string) int64 {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * int64(st.Bsize)
}
