//go:build linux

package ring

import (
	"fmt"
	"os"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

// maxCPU is the number of CPUs a unix.CPUSet can name.
const maxCPU = len(unix.CPUSet{}) * 64

// AllowedCPUs returns, in increasing order, the CPUs this process may run on
// (as set by taskset, a cgroup cpuset or a container's limits). It is the
// affinity the process's main thread had the first time this package looked
// at it, before any pinning by this package: a pinned goroutine may end on the
// main thread, which the runtime then keeps with its {cpu} affinity, so the
// live value cannot be trusted afterwards. A change of the process's affinity
// made from outside after that first look is not seen.
func AllowedCPUs() ([]int, error) {
	set, err := allowedSet()
	if err != nil {
		return nil, err
	}
	cpus := make([]int, 0, set.Count())
	for cpu := range maxCPU {
		if set.IsSet(cpu) {
			cpus = append(cpus, cpu)
		}
	}
	return cpus, nil
}

// allowedSet returns the process's allowed set, read once.
var allowedSet = sync.OnceValues(func() (unix.CPUSet, error) {
	var set unix.CPUSet
	// The main thread's id is the process id.
	if err := unix.SchedGetaffinity(os.Getpid(), &set); err != nil {
		return set, fmt.Errorf("ring: allowed cpus: sched_getaffinity: %w", err)
	}
	return set, nil
})

// checkCPU returns an error wrapping ErrCPU unless cpu is in the process's
// allowed set.
func checkCPU(cpu int) error {
	if cpu < 0 || cpu >= maxCPU {
		return fmt.Errorf("ring: pin to cpu %d: no such cpu (valid range 0..%d): %w", cpu, maxCPU-1, ErrCPU)
	}
	set, err := allowedSet()
	if err != nil {
		return fmt.Errorf("ring: pin to cpu %d: %w", cpu, err)
	}
	if !set.IsSet(cpu) {
		return fmt.Errorf("ring: pin to cpu %d: not in the allowed set (%d cpus allowed): %w", cpu, set.Count(), ErrCPU)
	}
	return nil
}

// PinCurrent locks the calling goroutine to its OS thread
// (runtime.LockOSThread) and sets that thread's affinity to exactly {cpu}.
// It fails, leaving the goroutine unlocked and the affinity unchanged, with
// an error wrapping [ErrCPU] when cpu does not exist or is not allowed, or
// wrapping the system error (unix.EPERM, unix.EINVAL) when
// sched_setaffinity refuses.
//
// The goroutine stays locked to the pinned thread. Let it exit without
// unlocking (the runtime then destroys the thread), or call [Unpin]; calling
// runtime.UnlockOSThread alone would hand a pinned thread back to the
// scheduler.
func PinCurrent(cpu int) error {
	if err := checkCPU(cpu); err != nil {
		return err
	}
	runtime.LockOSThread()
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("ring: pin to cpu %d: sched_setaffinity: %w", cpu, err)
	}
	return nil
}

// Unpin undoes [PinCurrent]: it restores the calling thread's affinity to the
// process's allowed set and unlocks the goroutine from it. If restoring the
// affinity fails the goroutine stays locked, so that the pinned thread never
// runs other goroutines.
func Unpin() error {
	set, err := allowedSet()
	if err != nil {
		return fmt.Errorf("ring: unpin: %w", err)
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("ring: unpin: sched_setaffinity: %w", err)
	}
	runtime.UnlockOSThread()
	return nil
}

// GoPinned starts fn on a new goroutine locked to an OS thread whose affinity
// is exactly {cpu}; done is closed when fn returns, after which the runtime
// destroys the thread. When the goroutine cannot be pinned, GoPinned returns
// the error of [PinCurrent] and fn never runs: an engine that asked for a
// core does not silently run unpinned.
func GoPinned(cpu int, fn func()) (done <-chan struct{}, err error) {
	if err := checkCPU(cpu); err != nil {
		return nil, err
	}
	ch := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		// Exiting while still locked makes the runtime terminate the thread,
		// so its affinity never leaks to other goroutines.
		if err := PinCurrent(cpu); err != nil {
			errc <- err
			return
		}
		errc <- nil
		defer close(ch)
		fn()
	}()
	if err := <-errc; err != nil {
		return nil, err
	}
	return ch, nil
}
