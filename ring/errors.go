package ring

import "errors"

// Errors returned (wrapped with context) by the package; check them with
// errors.Is.
var (
	// ErrSize is wrapped by [NewSequencer] and [New] for a size that is not
	// a power of two of at least 2.
	ErrSize = errors.New("ring: size must be a power of two >= 2")
	// ErrCPU is wrapped by the pinning functions when the cpu asked for does
	// not exist or is not in the process's allowed set.
	ErrCPU = errors.New("ring: cpu not available to this process")
	// ErrPinUnsupported is wrapped by the pinning functions on systems other
	// than Linux.
	ErrPinUnsupported = errors.New("ring: cpu pinning is only supported on linux")
)
