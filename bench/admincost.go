package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tradeengine/engine/admin"
	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
	"github.com/tradeengine/engine/pipeline"
)

// AdminPollInterval is how often the admin-cost poller reads the engine:
// `stats` and `guards` over the admin socket and a GET of /metrics.
const AdminPollInterval = 100 * time.Millisecond

// AdminCostRule is how the killlat scenario measures what the admin socket
// costs, for the report.
const AdminCostRule = "the engine's highest throughput (unpaced source, no journal, no sink: only the engine's own work) with a pipeline.Control, the admin socket and the metrics endpoint, polled every 100 ms by a client (json stats and json guards over the socket, GET /metrics), against the same run with neither (Config.Control nil); the runs alternate (off-on, then on-off) and the cost is 1 minus the median of the rounds' on/off throughput ratios"

// AdminCostOptions describe an admin-cost measurement.
type AdminCostOptions struct {
	Rounds int           // pairs of runs, one with the admin socket and one without
	Length time.Duration // how long each run's source sends
	Socket string        // the admin socket's path
	Poll   time.Duration // the poller's interval
}

// AdminRound is one pair of runs.
type AdminRound struct {
	Off, On float64 // events/s without and with the admin socket
	Polls   int     // polls that got all three answers, in the run with it
	Failed  int     // polls that did not
	LastErr string  // why the last of those failed
}

// Ratio returns the round's throughput with the admin socket over without.
func (r AdminRound) Ratio() float64 { return r.On / r.Off }

// AdminCostResult is an admin-cost measurement.
type AdminCostResult struct {
	Rounds []AdminRound
}

// MedianRatio returns the median of the rounds' ratios.
func (r *AdminCostResult) MedianRatio() float64 {
	return median(r.Rounds, AdminRound.Ratio)
}

// MiddleHalf returns the lowest and highest ratio of the middle half of
// the rounds (the quartiles, rounded outwards to a round's ratio): how far
// apart runs side by side landed, against which to read the median.
func (r *AdminCostResult) MiddleHalf() (lo, hi float64) {
	v := make([]float64, len(r.Rounds))
	for i, rd := range r.Rounds {
		v[i] = rd.Ratio()
	}
	slices.Sort(v)
	if len(v) == 0 {
		return 0, 0
	}
	return v[(len(v)-1)/4], v[len(v)-1-(len(v)-1)/4]
}

// Cost returns the share of the throughput the admin socket costs, in
// percent: 100 * (1 - MedianRatio). Negative when the runs with it were
// the faster.
func (r *AdminCostResult) Cost() float64 { return 100 * (1 - r.MedianRatio()) }

// median returns the median of f over xs (the mean of the middle two for
// an even count).
func median[T any](xs []T, f func(T) float64) float64 {
	v := make([]float64, len(xs))
	for i, x := range xs {
		v[i] = f(x)
	}
	slices.Sort(v)
	switch n := len(v); {
	case n == 0:
		return 0
	case n%2 == 1:
		return v[n/2]
	default:
		return (v[n/2-1] + v[n/2]) / 2
	}
}

// AdminCost runs o.Rounds pairs of unpaced runs of pool's flow, each o.Length
// long: one without a Control, one with a Control, the admin socket on
// o.Socket and the metrics endpoint on a free local port, polled every
// o.Poll. The order alternates from round to round, so that a machine
// getting slower or faster during the measurement weighs on both alike.
// progress, when not nil, gets a line per round.
func AdminCost(ctx context.Context, o AdminCostOptions, pool *FlowPool, progress func(string, ...any)) (*AdminCostResult, error) {
	if o.Rounds < 1 || o.Length <= 0 || o.Poll <= 0 {
		return nil, fmt.Errorf("%w: admin cost: %d rounds of %v, poll %v", ErrConfig, o.Rounds, o.Length, o.Poll)
	}
	pool.Ensure(1 << 20)
	res := &AdminCostResult{}
	for i := range o.Rounds {
		var r AdminRound
		for _, on := range [2]bool{i%2 == 1, i%2 == 0} {
			a, err := adminRun(ctx, o, pool, on)
			if err != nil {
				return nil, err
			}
			if on {
				r.On, r.Polls, r.Failed, r.LastErr = a.rate, a.polls, a.failed, a.lastErr
			} else {
				r.Off = a.rate
			}
		}
		res.Rounds = append(res.Rounds, r)
		if progress != nil {
			progress("admin cost round %d: off %s/s, on %s/s (%d polls): ratio %.3f", i+1, FormatSI(r.Off), FormatSI(r.On), r.Polls, r.Ratio())
		}
	}
	return res, nil
}

// adminArm is one run of an admin-cost round.
type adminArm struct {
	rate          float64 // events/s
	polls, failed int
	lastErr       string
}

// adminRun runs the flow unpaced for o.Length, with the admin socket and
// its poller when on.
func adminRun(ctx context.Context, o AdminCostOptions, pool *FlowPool, on bool) (adminArm, error) {
	clk := SystemClock()
	cfg := pipeline.DefaultConfig()
	src := newTimedSource(clk, pool.Events(), o.Length)
	var arm adminArm
	var stopPoll func() (int, int, string)
	if on {
		ctl := pipeline.NewControl()
		cfg.Control = ctl
		srv, err := admin.Listen(admin.ServerConfig{Path: o.Socket}, ctl)
		if err != nil {
			return arm, fmt.Errorf("bench: admin cost: %w", err)
		}
		defer srv.Close()
		ms, err := admin.ServeMetrics("127.0.0.1:0", admin.EngineSource(ctl), nil)
		if err != nil {
			return arm, fmt.Errorf("bench: admin cost: %w", err)
		}
		defer ms.Close()
		c, err := admin.Dial(o.Socket)
		if err != nil {
			return arm, fmt.Errorf("bench: admin cost: %w", err)
		}
		defer c.Close()
		stopPoll = startPoller(c, "http://"+ms.Addr().String()+"/metrics", o.Poll, src.started, src.ended)
	}
	runtime.GC()
	sum, err := pipeline.Run(ctx, cfg, src, nil)
	end := clk.Now()
	if stopPoll != nil {
		arm.polls, arm.failed, arm.lastErr = stopPoll()
	}
	if err != nil {
		return arm, fmt.Errorf("bench: admin cost: %w", err)
	}
	if sum.EventsIn != src.n || src.n == 0 {
		return arm, fmt.Errorf("bench: admin cost: %d events entered the engine, %d were sent", sum.EventsIn, src.n)
	}
	if on && arm.polls == 0 {
		return arm, fmt.Errorf("bench: admin cost: no poll of the admin socket and /metrics succeeded (%d failed, the last: %s)", arm.failed, arm.lastErr)
	}
	arm.rate = float64(src.n) / (float64(clk.NS(end-src.start)) / 1e9)
	return arm, nil
}

// startPoller polls c and metricsURL every interval, the first time as
// soon as started is closed, until the function it returns is called; that
// returns the polls that got all three answers, those that did not, and why
// the last of those failed. A poll that fails once ended is closed (the
// engine may have stopped under it) is not counted.
func startPoller(c *admin.Client, metricsURL string, interval time.Duration, started, ended <-chan struct{}) func() (ok, failed int, lastErr string) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var ok, failed int
	var lastErr error
	hc := &http.Client{Timeout: 5 * time.Second}
	poll := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := c.Stats(ctx); err != nil {
			return err
		}
		if _, err := c.Query(ctx, admin.Query{Kind: admin.QueryGuards}); err != nil {
			return err
		}
		resp, err := hc.Get(metricsURL)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		switch {
		case err != nil:
			return err
		case resp.StatusCode != http.StatusOK:
			return fmt.Errorf("GET /metrics: %s", resp.Status)
		case !strings.Contains(string(b), "engine_events_in_total"):
			return errors.New("GET /metrics: no engine_events_in_total")
		}
		return nil
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-started:
		case <-stop:
			return
		}
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			err := poll()
			select {
			case <-ended:
				if err != nil {
					return
				}
			default:
			}
			if err != nil {
				failed++
				lastErr = err
			} else {
				ok++
			}
			select {
			case <-t.C:
			case <-stop:
				return
			}
		}
	}()
	return func() (int, int, string) {
		close(stop)
		wg.Wait()
		hc.CloseIdleConnections()
		if lastErr == nil {
			return ok, failed, ""
		}
		return ok, failed, lastErr.Error()
	}
}

// timedSource is a pipeline.Source that sends a flow as fast as ingest
// takes it (cycling through it, order ids moved past those of earlier
// passes as PacedSource does) for a given length of time from its first
// event. It reads the clock once per 256 events.
type timedSource struct {
	clk     *Clock
	cyc     flowCycle
	length  float64 // ticks
	start   int64   // ticks, at the first Next
	end     int64
	n       int64 // events sent
	tsBase  int64
	started chan struct{} // closed at the first Next
	ended   chan struct{} // closed when Next first returns io.EOF
}

func newTimedSource(clk *Clock, flow []event.In, length time.Duration) *timedSource {
	return &timedSource{clk: clk, cyc: newFlowCycle(flow), length: clk.Ticks(float64(length.Nanoseconds())),
		tsBase: gen.DefaultConfig().StartTS, started: make(chan struct{}), ended: make(chan struct{})}
}

// Next writes the next event, or io.EOF once the time is up.
func (s *timedSource) Next(in *event.In) error {
	if s.n&255 == 0 {
		now := s.clk.Now()
		if s.n == 0 {
			s.start, s.end = now, now+int64(s.length)
			close(s.started)
		} else if now >= s.end {
			if s.end != 0 {
				close(s.ended)
				s.end = 0 // the first EOF closes ended; later ones return at once
			}
			return io.EOF
		}
	}
	s.cyc.next(in)
	// Event time advances 1 µs per event, as the e2e flow at 1M/s.
	in.TS = s.tsBase + s.n*1000
	s.n++
	return nil
}

// adminRun is the length of each admin-cost run.
func (s *suite) adminRun() time.Duration {
	if s.cfg.AdminRun > 0 {
		return s.cfg.AdminRun
	}
	return s.cfg.Duration
}

// addAdminCost adds the admin-cost rows.
func (s *suite) addAdminCost(r *AdminCostResult) {
	ratios := make([]string, len(r.Rounds))
	polls, failed, lastErr := 0, 0, ""
	for i, rd := range r.Rounds {
		ratios[i] = fmt.Sprintf("%.3f", rd.Ratio())
		polls += rd.Polls
		failed += rd.Failed
		if rd.LastErr != "" {
			lastErr = rd.LastErr
		}
	}
	row := NewRow("killlat", "admin cost", r.Cost(), "%")
	row.Note = fmt.Sprintf("throughput lost with the admin socket and /metrics polled every %v: 1 - median on/off ratio of %d alternating rounds (%s)",
		AdminPollInterval, len(r.Rounds), strings.Join(ratios, ", "))
	if lo, hi := r.MiddleHalf(); len(r.Rounds) >= 4 {
		row.Note += fmt.Sprintf("; the middle half of the ratios spans %.3f to %.3f", lo, hi)
	}
	s.rep.Add(row)
	off := NewRow("killlat", "max events/s, admin off", median(r.Rounds, func(a AdminRound) float64 { return a.Off }), "events/s")
	off.Note = fmt.Sprintf("median of %d unpaced runs of %v, no journal", len(r.Rounds), s.adminRun())
	on := NewRow("killlat", "max events/s, admin on", median(r.Rounds, func(a AdminRound) float64 { return a.On }), "events/s")
	on.Note = fmt.Sprintf("median of %d runs beside those; %d polls answered", len(r.Rounds), polls)
	if failed > 0 {
		on.Note += fmt.Sprintf(", %d failed (the last: %s)", failed, lastErr)
	}
	s.rep.Add(off, on)
}
