package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tradeengine/engine/admin"
	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/pipeline"
)

// Kill latency: how long an operator's command over the admin socket takes
// to change what the engine does, measured while the engine carries the
// e2e flow.
const (
	// KillRate is the flow the engine carries meanwhile, events/s offered:
	// the e2e target rate.
	KillRate = 1e6
	// KillInterval is how often the client sends a command: due times
	// start + k*KillInterval. A command that comes back later than its
	// successor's due time delays it, and the corrected histogram charges
	// that (MethodPaced).
	KillInterval = 3 * time.Millisecond
	// KillAccount is the account the client kills and clears in turn: one
	// of the generated flow's (gen numbers its accounts from 1 to
	// gen.Config.Accounts), so that while it is killed its orders are
	// rejected.
	KillAccount = 42
	// killWaitOutput bounds how long the client waits for the sink to see
	// a command's output after its answer came back.
	killWaitOutput = 5 * time.Second
)

// KillLatencyRule is what the killlat scenario measures, for the report.
const KillLatencyRule = "per command, from just before the client writes it on the admin socket to the moment the bench's sink sees its first output (the OutKill or OutClear of the account named), both read from the same clock; kill and clear alternate"

// KillLatOptions describe one kill-latency run.
type KillLatOptions struct {
	Rate        float64       // the flow's offered events per second
	Duration    time.Duration // how long the source offers events
	Interval    time.Duration // one command per interval
	Account     uint32        // killed and cleared in turn
	JournalDir  string        // the batch journal (empty, or new)
	SegmentSize int64         // the journal's segment size, 0 for its default
	Socket      string        // the admin socket's path
}

// KillLatResult is one kill-latency run.
type KillLatResult struct {
	// Latency is each command's write on the socket to its first output
	// at the sink; Answer the same write to the client's reading of the
	// answer. Both MethodPaced.
	Latency, Answer *Latency
	Commands        int // commands measured (kill and clear)
	// Late counts commands written more than one interval after their due
	// time (the previous one had not come back, or the client was not
	// scheduled).
	Late int
	// Cut reports that the flow ended before the client's last command.
	Cut bool
	// Flow is the e2e flow the engine carried meanwhile: its rate and its
	// latency, measured as the e2e scenario does (the commands' sequence
	// numbers taken out).
	Flow *E2EResult
}

// KillLatRun runs the e2e setup (pipeline.Run with pipeline.DefaultConfig,
// a batch journal, a PacedSource at o.Rate) with a pipeline.Control and the
// admin socket on o.Socket, and a client on that socket that sends
// `kill account A` and `clear account A` in turn, one every o.Interval,
// from the end of the warm-up until the flow is nearly over, always ending
// on a clear. See KillLatencyRule.
func KillLatRun(ctx context.Context, o KillLatOptions, pool *FlowPool) (*KillLatResult, error) {
	if o.Interval <= 0 || o.Rate <= 0 || o.Duration <= 0 {
		return nil, fmt.Errorf("%w: killlat: interval %v, rate %g, duration %v", ErrConfig, o.Interval, o.Rate, o.Duration)
	}
	clk := SystemClock()
	n := max(int(math.Min(o.Rate*o.Duration.Seconds(), maxE2EEvents)), 2000)
	pool.Ensure(n)
	warm := n / 10
	src := NewPacedSource(clk, pool.Events(), n, o.Rate, warm, nil)
	label := RateLabel(o.Rate)
	flowLat := NewLatency("killlat", "killlat-flow-"+label,
		fmt.Sprintf("the flow beside the commands, %s events/s offered: intended send to first output, batch journal", label), MethodIntended)
	kill := NewLatency("killlat", "killlat",
		fmt.Sprintf("operator kill/clear over the admin socket, one every %v, at %s events/s: write on the socket to the first output at the sink", o.Interval, label), MethodPaced)
	answer := NewLatency("killlat", "killlat-answer",
		"the same commands: write on the socket to the answer read back by the client", MethodPaced)

	cfg := pipeline.DefaultConfig()
	cfg.Journal = &pipeline.JournalConfig{Dir: o.JournalDir, Options: journal.Options{Durability: journal.Batch, SegmentSize: o.SegmentSize}}
	ctl := pipeline.NewControl()
	cfg.Control = ctl
	srv, err := admin.Listen(admin.ServerConfig{Path: o.Socket}, ctl)
	if err != nil {
		return nil, fmt.Errorf("bench: killlat: %w", err)
	}
	defer srv.Close()
	c, err := admin.Dial(o.Socket)
	if err != nil {
		return nil, fmt.Errorf("bench: killlat: %w", err)
	}
	defer c.Close()

	// The client sends from the end of the warm-up until ingest has
	// sequenced 90% of the flow, so that its last command is sequenced
	// while the source is still sending, however far behind a loaded
	// machine puts the engine.
	maxCmds := int(o.Duration/o.Interval) + 2
	sink := newKillSink(clk, NewLatencySink(clk, src, cfg.FirstSeq, flowLat), o.Account, maxCmds)
	kc := &killClient{clk: clk, c: c, ctl: ctl, sink: sink, account: o.Account, interval: o.Interval,
		warm: int64(warm), stop: int64(n) * 9 / 10, max: maxCmds, lat: kill, answer: answer}
	runDone := make(chan struct{})
	clientDone := make(chan error, 1)
	go func() { clientDone <- kc.run(runDone) }()

	runtime.GC()
	sum, runErr := pipeline.Run(ctx, cfg, src, sink)
	close(runDone)
	srv.Close() // a client still waiting for an answer gets an error
	cliErr := <-clientDone
	if runErr != nil {
		return nil, fmt.Errorf("bench: killlat: %w", runErr)
	}
	if cliErr != nil {
		return nil, fmt.Errorf("bench: killlat: %w", cliErr)
	}
	cmds := int64(sink.cmds)
	switch {
	case cmds != int64(kc.sent) && !(kc.cut && cmds == int64(kc.sent)+1): // a cut-off command may have been applied
		return nil, fmt.Errorf("bench: killlat: %d commands measured, the sink saw the outputs of %d", kc.sent, cmds)
	case sum.EventsIn != int64(n)+cmds:
		return nil, fmt.Errorf("bench: killlat: %d events entered the engine, %d were sent and %d commands", sum.EventsIn, n, cmds)
	case sink.inner.Inputs == 0:
		return nil, errors.New("bench: killlat: no output of the flow reached the sink")
	}
	kill.CorrectAtInterval(o.Interval.Nanoseconds())
	answer.CorrectAtInterval(o.Interval.Nanoseconds())
	flow := &E2EResult{Offered: o.Rate, Events: n, Warm: warm, Latency: flowLat, Passes: src.Passes(), Summary: sum,
		Unanswered: int64(n) - sink.inner.Inputs}
	if span := clk.NS(sink.inner.LastTick - src.Due(warm)); span > 0 {
		flow.Achieved = float64(n-warm) / (float64(span) / 1e9)
	}
	return &KillLatResult{Latency: kill, Answer: answer, Commands: kc.sent, Late: kc.late, Cut: kc.cut, Flow: flow}, nil
}

// killSink is the bench's sink during a kill-latency run. It notes the
// clock when the first output of each operator command on its account
// arrives (an OutKill by ReasonOperator or an OutClear), and hands every
// other output to the flow's LatencySink with the commands' sequence
// numbers taken out, so that the flow's events keep the contiguous numbers
// that sink expects.
type killSink struct {
	inner   *LatencySink
	clk     *Clock
	account uint32
	cmdSeq  uint64 // sequence of the last command seen: its other outputs are skipped
	cmds    uint64 // commands seen
	tmp     event.Out
	// ticks[k] is when the first output of the k-th command arrived; seen
	// counts the ticks set (written before seen, read after it).
	ticks []int64
	seen  atomic.Int64
}

func newKillSink(clk *Clock, inner *LatencySink, account uint32, maxCmds int) *killSink {
	return &killSink{inner: inner, clk: clk, account: account, ticks: make([]int64, maxCmds)}
}

// Write implements pipeline.Sink.
func (k *killSink) Write(o *event.Out) error {
	if o.Seq == k.cmdSeq {
		return nil
	}
	if o.Account == k.account && o.Symbol == event.Any &&
		(o.Kind == event.OutKill && o.Reason == event.ReasonOperator || o.Kind == event.OutClear) {
		now := k.clk.Now()
		k.cmdSeq = o.Seq
		k.cmds++
		if n := k.seen.Load(); int(n) < len(k.ticks) {
			k.ticks[n] = now
			k.seen.Store(n + 1)
		}
		return nil
	}
	if k.cmds == 0 {
		return k.inner.Write(o)
	}
	k.tmp = *o
	k.tmp.Seq -= k.cmds
	return k.inner.Write(&k.tmp)
}

// Flush implements pipeline.Sink.
func (k *killSink) Flush() error { return k.inner.Flush() }

// killClient is the operator of a kill-latency run.
type killClient struct {
	clk      *Clock
	c        *admin.Client
	ctl      *pipeline.Control
	sink     *killSink
	account  uint32
	interval time.Duration
	warm     int64 // events sequenced before the first command
	stop     int64 // no command once ingest has sequenced this many of the flow's events
	max      int
	lat      *Latency
	answer   *Latency
	sent     int  // commands answered
	late     int  // sent more than an interval after their due time
	cut      bool // the run ended before the last command
}

// run waits for the end of the warm-up, then sends the commands on their
// schedule and records each one's latencies. It returns early, without an
// error, if the run ends first.
func (kc *killClient) run(runDone <-chan struct{}) error {
	for kc.ctl.Stats().EventsIn < kc.warm {
		select {
		case <-runDone:
			return nil
		case <-time.After(time.Millisecond):
		}
	}
	cmds := [2]string{fmt.Sprintf("kill account %d", kc.account), fmt.Sprintf("clear account %d", kc.account)}
	start := time.Now()
	for k := 0; k < kc.max; k++ {
		due := start.Add(time.Duration(k) * kc.interval)
		// Stop in time, on a clear: the account trades again.
		if k%2 == 0 && (kc.ctl.Stats().EventsIn-int64(kc.sent) >= kc.stop || k+2 > kc.max) {
			break
		}
		if d := time.Until(due); d > 0 {
			select {
			case <-runDone:
				kc.cut = true
				return nil
			case <-time.After(d):
			}
		}
		if time.Since(due) > kc.interval {
			kc.late++
		}
		t0 := kc.clk.Now()
		ans, isErr, err := kc.c.Do(cmds[k%2])
		t1 := kc.clk.Now()
		if err != nil {
			select {
			case <-runDone:
				// The flow ended first and the server closed under
				// the command: not measured.
				kc.cut = true
				return nil
			default:
			}
			return err
		}
		if isErr && !kc.ctl.Stats().Running {
			// The flow ended first (a loaded machine sent the events of the
			// warm-up late): the command was not sequenced.
			kc.cut = true
			return nil
		}
		if isErr {
			return fmt.Errorf("command %d, %v after the first: %q answered %q", k+1, time.Since(start).Round(time.Millisecond), cmds[k%2], strings.TrimSpace(ans))
		}
		// The logic publishes the output before it answers; the sink
		// usually has it by now.
		limit := time.Now().Add(killWaitOutput)
		for kc.sink.seen.Load() <= int64(k) {
			if time.Now().After(limit) {
				return fmt.Errorf("%q: no output at the sink %v after the answer", cmds[k%2], killWaitOutput)
			}
			time.Sleep(20 * time.Microsecond)
		}
		kc.lat.RecordRaw(kc.clk.NS(kc.sink.ticks[k] - t0))
		kc.answer.RecordRaw(kc.clk.NS(t1 - t0))
		kc.sent++
	}
	return nil
}

// runKillLat is the killlat scenario: the kill latency at KillRate, then
// the admin socket's cost in throughput (see AdminCost).
func (s *suite) runKillLat(ctx context.Context) error {
	pool, err := s.flowPool()
	if err != nil {
		return err
	}
	dir, done, err := s.tempDir("killlat")
	if err != nil {
		return err
	}
	defer done()
	// A socket's path is limited to about 100 bytes: it goes in a short
	// directory of the system's, whatever TempDir is.
	sockDir, err := os.MkdirTemp("", "engine-bench-sock-")
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(sockDir)
	sock := filepath.Join(sockDir, "admin.sock")

	s.progress("killlat: kill/clear over the admin socket every %v at %s events/s offered for %v", KillInterval, RateLabel(KillRate), s.cfg.Duration)
	r, err := KillLatRun(ctx, KillLatOptions{Rate: KillRate, Duration: s.cfg.Duration, Interval: KillInterval, Account: KillAccount,
		JournalDir: filepath.Join(dir, "journal"), SegmentSize: s.cfg.SegmentSize, Socket: sock}, pool)
	if err != nil {
		return err
	}
	c := r.Latency.Corrected
	s.progress("killlat: %d commands: p50 %s, p99 %s, p99.9 %s, max %s; flow achieved %s/s", r.Commands,
		FormatNS(float64(c.ValueAtQuantile(50))), FormatNS(float64(c.ValueAtQuantile(99))),
		FormatNS(float64(c.ValueAtQuantile(99.9))), FormatNS(float64(c.Max())), FormatSI(r.Flow.Achieved))
	if err := s.addKillLat(r); err != nil {
		return err
	}

	s.progress("killlat: admin cost: %d rounds of %v unpaced runs, admin off and on alternating", s.cfg.AdminRounds, s.adminRun())
	ac, err := AdminCost(ctx, AdminCostOptions{Rounds: s.cfg.AdminRounds, Length: s.adminRun(), Socket: sock,
		Poll: AdminPollInterval}, pool, func(format string, args ...any) { s.progress("killlat: "+format, args...) })
	if err != nil {
		return err
	}
	s.addAdminCost(ac)
	return nil
}

// addKillLat adds a kill-latency run's latencies and rows.
func (s *suite) addKillLat(r *KillLatResult) error {
	for _, l := range []*Latency{r.Latency, r.Answer, r.Flow.Latency} {
		if err := s.addLatency(l); err != nil {
			return err
		}
	}
	c, raw, ans := r.Latency.Corrected, r.Latency.Raw, r.Answer.Corrected
	row := NewRow("killlat", "commands measured", float64(r.Commands), "count")
	row.Note = fmt.Sprintf("kill and clear of account %d in turn, one every %v, %s events/s offered", KillAccount, KillInterval, RateLabel(KillRate))
	if r.Late > 0 {
		row.Note += fmt.Sprintf("; %d sent more than an interval late", r.Late)
	}
	if r.Cut {
		row.Note += "; the flow ended before the last command"
	}
	s.rep.Add(row)
	for _, q := range []struct {
		name string
		q    float64
	}{{"p50", 50}, {"p99", 99}, {"p99.9", 99.9}} {
		row := NewRow("killlat", "kill/clear "+q.name, float64(c.ValueAtQuantile(q.q)), "ns")
		row.Note = fmt.Sprintf("raw %s; answer at the client %s", FormatNS(float64(raw.ValueAtQuantile(q.q))), FormatNS(float64(ans.ValueAtQuantile(q.q))))
		s.rep.Add(row)
	}
	s.rep.Add(NewRow("killlat", "kill/clear max", float64(c.Max()), "ns"))
	f := r.Flow
	row = NewRow("killlat", "flow achieved rate", f.Achieved, "events/s")
	row.Note = fmt.Sprintf("offered %s/s beside the commands, %d events (%d warm-up)", RateLabel(f.Offered), f.Events, f.Warm)
	if f.Unanswered > 0 {
		row.Note += fmt.Sprintf(", %d inputs without output (not measured)", f.Unanswered)
	}
	s.rep.Add(row)
	row = NewRow("killlat", "flow p99", float64(f.Latency.Corrected.ValueAtQuantile(99)), "ns")
	row.Note = fmt.Sprintf("p50 %s, p99.99 %s (e2e's method)", FormatNS(float64(f.Latency.Corrected.ValueAtQuantile(50))),
		FormatNS(float64(f.Latency.Corrected.ValueAtQuantile(99.99))))
	s.rep.Add(row)
	return nil
}
