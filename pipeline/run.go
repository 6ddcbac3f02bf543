package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/matcher"
	"github.com/tradeengine/engine/ring"
)

// Source is a feed of input events: wire's decoders, the generator, or
// anything else. Next returns io.EOF at the end, a *wire.DecodeError for a
// malformed record (and may be called again), any other error to stop.
type Source interface {
	Next(in *event.In) error
}

// Sink receives the output events in order; wire's writers are sinks.
type Sink interface {
	Write(o *event.Out) error
	Flush() error
}

// ErrStrict is wrapped by the error Run returns when Config.Strict stopped it
// at a malformed record.
var ErrStrict = errors.New("pipeline: malformed input in strict mode")

// run is the state shared by the three stages of one run. Words written by
// one stage and read by another are atomics.
type run struct {
	cfg     Config
	in      *ring.Ring[event.In]
	out     *ring.Ring[event.Out]
	logicIn *ring.Consumer
	sinkIn  *ring.Consumer
	m       *matcher.Engine

	stop    atomic.Bool  // set by a failing stage or a cancelled context
	eventsN atomic.Int64 // events published by ingest, for progress
	outN    atomic.Int64 // output events consumed by the sink, for progress

	errMu sync.Mutex // guards fail; taken only on the error path
	fail  error
}

func (r *run) setErr(err error) {
	r.errMu.Lock()
	if r.fail == nil {
		r.fail = err
	}
	r.errMu.Unlock()
	r.stop.Store(true)
}

func (r *run) err() error {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	return r.fail
}

// Run runs src through the engine until src ends, ctx is cancelled or a
// stage fails, and returns what it did. Output events go to sink when it is
// not nil. Whatever entered the input ring is processed and reaches the sink
// before Run returns, on every path.
func Run(ctx context.Context, cfg Config, src Source, sink Sink) (Summary, error) {
	if err := cfg.check(); err != nil {
		return Summary{}, err
	}
	if cfg.Wait == nil {
		cfg.Wait = ring.SpinYield()
	}
	m, err := matcher.New(cfg.Matcher)
	if err != nil {
		return Summary{}, fmt.Errorf("pipeline: %w", err)
	}
	in, err := ring.New[event.In](cfg.InRing, cfg.Wait)
	if err != nil {
		return Summary{}, fmt.Errorf("pipeline: input ring: %w", err)
	}
	out, err := ring.New[event.Out](cfg.OutRing, cfg.Wait)
	if err != nil {
		return Summary{}, fmt.Errorf("pipeline: output ring: %w", err)
	}
	r := &run{cfg: cfg, in: in, out: out, m: m}
	r.logicIn = in.Sequencer().NewConsumer()
	r.sinkIn = out.Sequencer().NewConsumer()

	start := time.Now()
	var logicDone <-chan struct{}
	if cfg.CPU == NoPin {
		done := make(chan struct{})
		go func() { defer close(done); r.logic() }()
		logicDone = done
	} else {
		logicDone, err = ring.GoPinned(cfg.CPU, r.logic)
		if err != nil {
			return Summary{}, fmt.Errorf("pipeline: pin logic: %w (run unpinned with cpu %d)", err, NoPin)
		}
	}
	var sum Summary
	var c counts
	digest := event.NewDigest()
	sinkDone := make(chan struct{})
	go func() { defer close(sinkDone); r.sink(sink, &c, digest) }()

	stopWatch := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			r.stop.Store(true)
		case <-stopWatch:
		}
	}()
	var progressDone chan struct{}
	if cfg.Progress != nil {
		progressDone = make(chan struct{})
		go r.progress(stopWatch, progressDone, start)
	}

	r.ingest(src, &sum)
	<-logicDone
	<-sinkDone
	close(stopWatch)
	if progressDone != nil {
		<-progressDone
	}

	sum.ElapsedNS = time.Since(start).Nanoseconds()
	if sum.ElapsedNS > 0 {
		sum.EventsPerSec = float64(sum.EventsIn) / (float64(sum.ElapsedNS) / 1e9)
	}
	c.fill(&sum)
	sum.OutputDigest = digest.Hex()
	if err := r.err(); err != nil {
		return sum, err
	}
	if err := ctx.Err(); err != nil {
		return sum, fmt.Errorf("pipeline: stopped: %w", err)
	}
	return sum, nil
}

func (r *run) progress(stop <-chan struct{}, done chan<- struct{}, start time.Time) {
	defer close(done)
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			fmt.Fprint(r.cfg.Progress, "\r\033[K")
			return
		case now := <-t.C:
			n := r.eventsN.Load()
			secs := now.Sub(start).Seconds()
			fmt.Fprintf(r.cfg.Progress, "\r\033[K%d events in, %d out, %.2fM events/s, %.1fs",
				n, r.outN.Load(), float64(n)/secs/1e6, secs)
		}
	}
}
