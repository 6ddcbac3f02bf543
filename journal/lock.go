package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tradeengine/engine/internal/faultfs"
	"golang.org/x/sys/unix"
)

// LockFile is the name of the lock file in a journal directory: [Open]
// holds an exclusive flock on it until [Journal.Close], and writes its
// process id into it. Part of the directory layout (doc.go).
const LockFile = "LOCK"

// LockedError is the error [Open] returns when another writer holds the
// journal's lock. errors.Is(err, ErrLocked) holds for it.
type LockedError struct {
	Dir string // the journal directory
	PID int    // the process id the lock file names; 0 if it names none yet
}

func (e *LockedError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("journal %s is in use by another process", e.Dir)
	}
	return fmt.Sprintf("journal %s is in use by pid %d", e.Dir, e.PID)
}

// Is reports whether target is ErrLocked.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// lockDir takes the exclusive lock of the journal in dir without waiting,
// and writes the process id into the lock file. The lock belongs to the
// returned file's open file description: another open of the file, in this
// process or another, fails to take it until the file is closed (or the
// process dies). The file is opened close-on-exec, so a child process does
// not inherit the lock.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("journal: lock %s: %w", dir, err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if errors.Is(err, unix.EWOULDBLOCK) {
		pid := lockOwner(f)
		f.Close()
		return nil, &LockedError{Dir: dir, PID: pid}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("journal: lock %s: %w", dir, err)
	}
	// The pid is for people and error messages only: the flock is the
	// lock, so the file needs no fsync, and a stale pid left by a dead
	// owner means nothing.
	line := strconv.Itoa(os.Getpid()) + "\n"
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal: lock %s: %w", dir, err)
	}
	if _, err := f.WriteAt([]byte(line), 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal: lock %s: %w", dir, err)
	}
	return f, nil
}

// lockOwner reads the process id from a lock file another writer holds; 0
// if it holds none yet (the owner locks, then writes its pid).
func lockOwner(f *os.File) int {
	var b [32]byte
	n, _ := f.ReadAt(b[:], 0)
	line, ok := strings.CutSuffix(string(b[:n]), "\n")
	if !ok {
		return 0
	}
	pid, err := strconv.Atoi(line)
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// unlock releases the journal's lock, if it holds it.
func (j *Journal) unlock() error {
	if j.lock == nil {
		return nil
	}
	err := j.lock.Close() // closing the only descriptor releases the flock
	j.lock = nil
	if err != nil {
		return fmt.Errorf("journal: unlock: %w", err)
	}
	return nil
}

// mkdirSynced creates dir and any missing parents, and fsyncs the parent of
// every directory it created, so that a new journal's directory survives a
// machine crash. A directory that exists is left alone.
func mkdirSynced(fs faultfs.FS, dir string) error {
	var created []string // the directories to create, deepest first
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || !errors.Is(err, os.ErrNotExist) {
			break
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := fs.MkdirAll(dir); err != nil {
		return err
	}
	for i := len(created) - 1; i >= 0; i-- {
		if err := fs.SyncDir(filepath.Dir(created[i])); err != nil {
			return fmt.Errorf("%w: %w", ErrSync, err)
		}
	}
	return nil
}
