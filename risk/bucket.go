package risk

// The token buckets are kept as the generic cell rate algorithm (GCRA), the
// equivalent formulation that stores one number per bucket: its theoretical
// arrival time (TAT), the event time at which the bucket would be full
// again. A bucket of rate r per second and size b allows a message at time t
// when TAT <= t + (b-1)/r, and the message moves TAT to max(TAT, t) + 1/r.
// Times are fixed point, ns << gcraShift since t0, the origin of GCRA times,
// so 1/r is exact to 1/1024 ns and no division or multiplication happens per
// message. The origin is the first input's event time, moved up to now
// whenever event time has run gcraEpoch past it (see [Guard.rebase]), so
// that event time may run on for ever.

// gcraShift is the fixed-point shift of GCRA times. Part of the state
// encoding.
const gcraShift = 10

// gcraEpoch is how far event time runs past t0 before the origin of GCRA
// times moves up (2^50 ns, 13 days). A TAT stays below now + maxTau + t,
// so below t0 + 2^52 ns (a tolerance is at most 2^51 ns, an emission
// interval at most a second), and a GCRA time below 2^62.
const gcraEpoch = 1 << 50

// rateLimit is a token bucket's parameters in GCRA form.
type rateLimit struct {
	t   int64 // emission interval: 1/rate, fixed point; 0 for no limit
	tau int64 // tolerance: (burst-1)/rate, fixed point, at most maxTau
}

// maxTau bounds a tolerance so that now + tau never overflows (now is
// below gcraEpoch << gcraShift = 2^60), and a TAT, which stays below now +
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

// rebase moves the origin of GCRA times up to now, d ns after it: every
// TAT comes d earlier, and one at or before now becomes now (0), which the
// buckets treat alike (a full bucket), so no answer changes. It visits
// every account, once per gcraEpoch of event time.
func (g *Guard) rebase() {
	d := g.now - g.t0
	g.t0, g.nowFx = g.now, 0
	// Every TAT is below the old origin plus 2^52 ns: a d as long as that
	// fills every bucket.
	dFx := min(d, 1<<52) << gcraShift
	move := func(tat *int64) { *tat = max(*tat-dFx, 0) }
	move(&g.gMsgTAT)
	move(&g.gOrdTAT)
	for a := range g.accts {
		move(&g.accts[a].msgTAT)
		move(&g.accts[a].ordTAT)
	}
}

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
