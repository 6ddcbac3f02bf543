package ring

// Poll is WaitFor that never waits, for a stage run as an agent (a duty
// cycle that must not block): ready reports whether next is readable, with
// avail the highest readable sequence; ok is false, as WaitFor's, once no
// sequence >= next will ever be readable.
func (c *Consumer) Poll(next int64) (avail int64, ready, ok bool) {
	if next <= c.avail {
		return c.avail, true, true
	}
	if a := c.available(); a >= next {
		c.avail = a
		return a, true, true
	}
	if ended, depHalted := c.ended(next); ended {
		if depHalted {
			c.Halt()
		}
		return next - 1, false, false
	}
	return next - 1, false, true
}
