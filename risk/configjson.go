package risk

import (
	"bytes"
	"encoding/json"
)

// UnmarshalJSON decodes a [Config] from the JSON that encoding/json makes
// of it (the form in which the run configuration is journaled), refusing
// unknown fields. A setting added after configurations were first
// journaled, and so missing from an older encoding, takes the value that
// means what the older code did: ApprovalTimeout and MaxPending their
// defaults (no order is held unless an approve_ limit is set, and the
// limits an older encoding lists stop before the approve_ ones, so they
// are 0, off). A configuration journaled before them thus decodes to one
// that gives the same answers.
// JSON null leaves c as it is, as for other types.
func (c *Config) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	type plain Config // the fields without this method
	p := plain{ApprovalTimeout: defaultApprovalTimeout, MaxPending: defaultMaxPending}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*c = Config(p)
	return nil
}
