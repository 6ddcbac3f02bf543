package bench

import (
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"slices"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/gen"
)

// FlowPool is a pregenerated gen flow, grown on demand up to a cap, that the
// paced source sends from.
type FlowPool struct {
	g   *gen.Generator
	evs []event.In
	cap int
}

// NewFlowPool returns an empty pool of gen.DefaultConfig's flow holding at
// most cap events.
func NewFlowPool(cap int) (*FlowPool, error) {
	gc := gen.DefaultConfig()
	gc.Events = cap
	g, err := gen.New(gc)
	if err != nil {
		return nil, fmt.Errorf("bench: e2e flow: %w", err)
	}
	return &FlowPool{g: g, cap: cap}, nil
}

// Ensure generates events until the pool holds min(n, cap).
func (p *FlowPool) Ensure(n int) {
	n = min(n, p.cap)
	if n <= len(p.evs) {
		return
	}
	p.evs = slices.Grow(p.evs, n-len(p.evs))
	var in event.In
	for len(p.evs) < n && p.g.Next(&in) {
		p.evs = append(p.evs, in)
	}
}

// Events returns the events generated so far.
func (p *FlowPool) Events() []event.In { return p.evs }

// PacedSource is a pipeline.Source that offers a flow at a fixed rate, open
// loop: event i is due at start + i/rate, where start is the time of the
// first call to Next. Until the event is due, Next gives the processor to
// any other goroutine that wants it (runtime.Gosched, which returns at once
// when none does), so that the load generator only uses CPU the engine
// leaves idle; it never sends early and never drops: an event it could not
// send on time goes as soon as it can, and its latency is charged from when
// it was due. Buffered reports whether
// the next event is already due, so that ingest publishes what it has when
// the source is on time and batches only when it is behind.
//
// Sent[i] is when event i was actually handed over, in clock ticks; Due(i)
// its intended time. The sink reads both from its own goroutine: the ring's
// publication orders the writes before the reads.
type PacedSource struct {
	clk        *Clock
	cyc        flowCycle
	n          int   // events to send
	next       int   // index of the next event
	start      int64 // ticks, at the first Next
	ticksPer   float64
	nsPer      float64
	tsBase     int64
	yieldTicks int64
	warm       int // index at which OnWarm runs
	gcAtWarm   uint64
	gcSample   []metrics.Sample
	Sent       []int64
}

// NewPacedSource returns a source that sends n events of flow (cycling
// through it, with order ids moved past those of earlier passes so that
// every pass is a fresh set of orders) at rate events per second. The
// events' TS is their intended time, nanoseconds after 09:30. sent is
// reused when it is long enough.
func NewPacedSource(clk *Clock, flow []event.In, n int, rate float64, warm int, sent []int64) *PacedSource {
	if cap(sent) < n {
		sent = make([]int64, n)
	}
	return &PacedSource{
		clk: clk, cyc: newFlowCycle(flow), n: n,
		ticksPer: clk.Ticks(1e9 / rate),
		nsPer:    1e9 / rate,
		tsBase:   gen.DefaultConfig().StartTS,
		warm:     warm,
		gcSample: []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}},
		Sent:     sent[:n],
	}
}

// Due returns the intended send time of event i, in ticks.
func (s *PacedSource) Due(i int) int64 {
	return s.start + int64(float64(i)*s.ticksPer)
}

// Next writes the next event once it is due.
func (s *PacedSource) Next(in *event.In) error {
	i := s.next
	if i >= s.n {
		return io.EOF
	}
	if i == 0 {
		s.start = s.clk.Now()
	}
	if i == s.warm {
		metrics.Read(s.gcSample)
		s.gcAtWarm = s.gcSample[0].Value.Uint64()
	}
	due := s.Due(i)
	now := s.clk.Now()
	for now < due {
		runtime.Gosched()
		now = s.clk.Now()
	}
	s.cyc.next(in)
	in.TS = s.tsBase + int64(float64(i)*s.nsPer)
	s.Sent[i] = now
	s.next = i + 1
	return nil
}

// Buffered reports 1 when the next event is already due (ingest should keep
// taking events into its batch), else 0 (ingest should publish now).
func (s *PacedSource) Buffered() int {
	if s.next < s.n && s.clk.Now() >= s.Due(s.next) {
		return 1
	}
	return 0
}

// Ready reports whether Next would return at once: the next event is due,
// or the flow is over (Next says io.EOF). An engine stage sharing its
// thread reads the source only when it is ready, never waiting in Next.
func (s *PacedSource) Ready() bool {
	return s.next >= s.n || s.clk.Now() >= s.Due(s.next)
}

// Passes returns the number of times the source started its flow again.
func (s *PacedSource) Passes() uint64 { return uint64((s.n - 1) / len(s.cyc.flow)) }

// GCAtWarm returns the completed GC cycles counted when the warm-up ended.
func (s *PacedSource) GCAtWarm() uint64 { return s.gcAtWarm }

// LatencySink is a pipeline.Sink that records, for each input, the latency
// of its first output event: from the input's intended time (corrected)
// and from its actual send (raw). Outputs carry their input's Seq, and an
// input's outputs are contiguous, so the first output of an input is the
// first with a new Seq. Inputs before the warm-up index are counted, not
// recorded.
type LatencySink struct {
	clk      *Clock
	src      *PacedSource
	firstSeq uint64
	last     uint64
	lat      *Latency
	// Inputs counts the inputs that reached the sink; Outputs the events.
	Inputs, Outputs int64
	// LastTick is when the last first output arrived, in ticks.
	LastTick int64
	// Gaps counts inputs that produced no output (the matcher answers
	// every input, so it must stay 0).
	Gaps int64
}

// NewLatencySink returns a sink for src's events, which the pipeline
// numbers from firstSeq, recording into lat.
func NewLatencySink(clk *Clock, src *PacedSource, firstSeq uint64, lat *Latency) *LatencySink {
	return &LatencySink{clk: clk, src: src, firstSeq: firstSeq, last: firstSeq - 1, lat: lat}
}

// Write records o's latency when it is the first output of its input.
func (k *LatencySink) Write(o *event.Out) error {
	k.Outputs++
	if o.Seq == k.last {
		return nil
	}
	now := k.clk.Now()
	if o.Seq != k.last+1 {
		k.Gaps += int64(o.Seq - k.last - 1)
	}
	k.last = o.Seq
	k.Inputs++
	k.LastTick = now
	i := int(o.Seq - k.firstSeq)
	if i < k.src.warm || i >= len(k.src.Sent) {
		return nil
	}
	k.lat.Record(k.clk.NS(now-k.src.Due(i)), k.clk.NS(now-k.src.Sent[i]))
	return nil
}

// Flush does nothing.
func (k *LatencySink) Flush() error { return nil }

// flowCycle hands out the events of a flow over and over, moving order ids
// past those of earlier passes so that every pass is a fresh set of orders.
type flowCycle struct {
	flow   []event.In
	idSpan uint64 // added to order ids once per pass through flow
	k      int    // position in flow
	pass   uint64 // completed passes through flow
}

func newFlowCycle(flow []event.In) flowCycle {
	var maxID uint64
	for i := range flow {
		maxID = max(maxID, flow[i].ID)
	}
	return flowCycle{flow: flow, idSpan: maxID + 1}
}

// next writes the next event of the cycle to in.
func (c *flowCycle) next(in *event.In) {
	*in = c.flow[c.k]
	if c.pass > 0 {
		switch in.Kind {
		case event.KindNew, event.KindCancel, event.KindReplace:
			in.ID += c.pass * c.idSpan
		}
	}
	if c.k++; c.k == len(c.flow) {
		c.k = 0
		c.pass++
	}
}
