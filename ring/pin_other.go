//go:build !linux

package ring

import "fmt"

// AllowedCPUs returns an error wrapping [ErrPinUnsupported].
func AllowedCPUs() ([]int, error) {
	return nil, fmt.Errorf("ring: allowed cpus: %w", ErrPinUnsupported)
}

// PinCurrent returns an error wrapping [ErrPinUnsupported].
func PinCurrent(cpu int) error {
	return fmt.Errorf("ring: pin to cpu %d: %w", cpu, ErrPinUnsupported)
}

// Unpin returns an error wrapping [ErrPinUnsupported].
func Unpin() error { return fmt.Errorf("ring: unpin: %w", ErrPinUnsupported) }

// GoPinned returns an error wrapping [ErrPinUnsupported] and never runs fn.
func GoPinned(cpu int, fn func()) (done <-chan struct{}, err error) {
	return nil, fmt.Errorf("ring: pin to cpu %d: %w", cpu, ErrPinUnsupported)
}
