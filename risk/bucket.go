package risk

// The token buckets are kept as the generic cell rate algorithm (GCRA), the
// equivalent formulation that stores one number per bucket: its theoretical
// arrival time (TAT), the event time at which the bucket would be full
// again. A bucket of rate r per second and size b allows a message at time t
// when TAT <= t + (b-1)/r, and the message moves TAT to max(TAT, t) + 1/r.
// Times are fixed point, ns << gcraShift since the guard's first input, so
// 1/r is exact to 1/1024 ns and no division or multiplication happens per
// message.

// gcraShift is the fixed-point shift of GCRA times. Part of the state
// encoding.
const gcraShift = 10

// maxGCRATime bounds the event time since the first input that GCRA times
// hold (2^52 ns, 52 days): later times count as that.
const maxGCRATime = 1 << 52

// rateLimit is a token bucket's parameters in GCRA form.
type rateLimit struct {
	t   int64 // emission interval: 1/rate, fixed point; 0 for no limit
	tau int64 // tolerance: (burst-1)/rate, fixed point, at most maxTau
}

// maxTau bounds a tolerance so that now + tau never overflows (now is at
// most maxGCRATime << gcraShift = 2^62), and a TAT, which stays below now +
// tau + t, neither. It is also the tolerance of no limit: with t = 0 a TAT
// never passes now.
const maxTau = 1 << 61

// rateOf returns the GCRA form of a bucket of rate per second and size
// burst (rate 0: no limit).
func rateOf(rate, burst int64) rateLimit {
	if rate <= 0 {
		return rateLimit{tau: maxTau}
	}
	t := (int64(1e9) << gcraShift) / rate
	return rateLimit{t: t, tau: min(satMul(t, max(burst-1, 0)), maxTau)}
}

// allows reports whether a bucket at tat has a token at time now.
func (r *rateLimit) allows(tat, now int64) bool { return tat <= now+r.tau }

// take takes a token from a bucket at *tat at time now (allows must have
// said yes).
func (r *rateLimit) take(tat *int64, now int64) { *tat = max(*tat, now) + r.t }

// Breaker states, as in the state encoding.
const (
	breakerClosed   uint8 = 0
	breakerOpen     uint8 = 1
	breakerHalfOpen uint8 = 2
)

// breaker is a rate circuit breaker: bucket breaches counted over a window
// open it for a cool-down, after which it half-opens; a breach while
// half-open opens it again, a clean probe period closes it.
type breaker struct {
	state    uint8
	breaches int64 // breaches in the window starting at since
	since    int64 // start of the breach window
	until    int64 // open: end of the cool-down; half-open: end of the probe
}

// breakerLimits are the limits of one breaker, read from a Values.
type breakerLimits struct {
	breaches, window, cooldown, probe int64
}

func breakerOf(v *Values) breakerLimits {
	return breakerLimits{v[LimitBreakerBreaches], v[LimitBreakerWindow], v[LimitBreakerCooldown], v[LimitBreakerProbe]}
}

// advance applies the timed transition due at now, if any, and reports
// whether the state changed: open -> half-open when the cool-down is over,
// half-open -> closed when the probe is over.
func (br *breaker) advance(now int64, lim breakerLimits) (changed bool) {
	switch br.state {
	case breakerOpen:
		if now >= br.until {
			br.state = breakerHalfOpen
			br.until = satAdd(now, lim.probe)
			br.breaches = 0
			return true
		}
	case breakerHalfOpen:
		if now >= br.until {
			br.state = breakerClosed
			br.breaches, br.since, br.until = 0, now, 0
			return true
		}
	}
	return false
}

// breach counts a bucket breach at now and reports whether it opens the
// breaker.
func (br *breaker) breach(now int64, lim breakerLimits) bool {
	if lim.breaches == 0 {
		return false
	}
	switch br.state {
	case breakerHalfOpen:
		br.breaches++
		br.state = breakerOpen
		br.until = satAdd(now, lim.cooldown)
		return true
	case breakerOpen:
		return false
	}
	if br.breaches == 0 || now-br.since >= lim.window {
		br.breaches, br.since = 0, now
	}
	br.breaches++
	if br.breaches >= lim.breaches {
		br.state = breakerOpen
		br.until = satAdd(now, lim.cooldown)
		return true
	}
	return false
}
