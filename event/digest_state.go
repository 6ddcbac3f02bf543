package event

import "fmt"

// MarshalBinary returns the digest's running state, so that a digest can be
// saved at a point of the output stream (an output checkpoint) and continued
// after a restart by [Digest.UnmarshalBinary]. The bytes are xxhash's own
// state encoding.
func (d *Digest) MarshalBinary() ([]byte, error) { return d.h.MarshalBinary() }

// UnmarshalBinary restores a state MarshalBinary returned.
func (d *Digest) UnmarshalBinary(b []byte) error {
	if err := d.h.UnmarshalBinary(b); err != nil {
		return fmt.Errorf("event: digest state: %w", err)
	}
	return nil
}
