package event

import (
	"errors"
	"fmt"
)

// MarshalBinary returns the digest's running state, so that a digest can be
// saved at a point of the output stream (an output checkpoint) and continued
// after a restart by [Digest.UnmarshalBinary]. The bytes are xxhash's own
// state encoding.
func (d *Digest) MarshalBinary() ([]byte, error) { return d.state(), nil }

// UnmarshalBinary restores a state MarshalBinary returned (or xxhash's
// own, at the end of an output).
func (d *Digest) UnmarshalBinary(b []byte) error {
	if err := d.x.UnmarshalBinary(b); err != nil {
		return fmt.Errorf("event: digest state: %w", err)
	}
	if !d.load() {
		d.x.Reset()
		d.load()
		return errors.New("event: digest state: inside an output")
	}
	return nil
}
