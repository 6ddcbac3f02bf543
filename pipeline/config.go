package pipeline

import (
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/tradeengine/engine/matcher"
	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/ring"
	"github.com/tradeengine/engine/risk"
)

// Clock says where an event's time comes from.
type Clock uint8

const (
	// ClockFeed takes event time from the feed: an event without a time
	// (TS 0) gets the time of the event before it, and a time that goes
	// backwards is raised to the one before it (counted in
	// [Summary.TSClamped]), so event time never decreases. A recorded or
	// generated feed therefore runs the same way every time.
	ClockFeed Clock = iota
	// ClockWall stamps every event with the wall clock at ingest, read once
	// per batch of events, ignoring any time the feed carries.
	ClockWall
)

// ParseClock parses "feed" or "wall".
func ParseClock(s string) (Clock, error) {
	switch s {
	case "feed":
		return ClockFeed, nil
	case "wall":
		return ClockWall, nil
	}
	return 0, fmt.Errorf("pipeline: clock %q: want feed or wall", s)
}

// Runaway names an account that runs away from event time Start.
type Runaway struct {
	Account uint32
	Start   int64
}

// NoPin as Config.CPU runs the logic on an ordinary goroutine.
const NoPin = -1

// Config configures a run. The zero value is not usable; start from
// [DefaultConfig].
type Config struct {
	InRing  int               // input ring slots, a power of two
	OutRing int               // output ring slots, a power of two
	Batch   int               // most events ingest publishes at once, 1..InRing
	Wait    ring.WaitStrategy // how idle stages wait; nil means ring.SpinYield()
	CPU     int               // CPU the logic (or the shared thread) is pinned to, or NoPin
	// Threads says how the stages share OS threads (see Threads);
	// ThreadsAuto picks by the machine's CPUs.
	Threads Threads
	Matcher matcher.Config
	// Risk configures the risk guard in front of the matcher; nil turns it
	// off.
	Risk *risk.Config
	// Runaway, when not nil, names an account whose stopping the run's
	// risk report measures (see risk.Runaway).
	Runaway *Runaway
	Clock   Clock
	// Strict stops the run at the first malformed feed record.
	Strict bool
	// DeadLetter receives each malformed record with where it was and why;
	// nil discards them (they are still counted).
	DeadLetter io.Writer
	// Progress, when not nil, gets a progress line twice a second.
	Progress io.Writer
	// FirstSeq is the sequence of the first event (default 1). With a
	// journal that holds events, the run goes on after its last one instead.
	FirstSeq uint64
	// Journal, when not nil, journals every event before the logic acts on
	// it and recovers from the journal at start.
	Journal *JournalConfig
	// Output, when not nil, is the output file, which with a journal
	// survives restarts (see [Output]). Run's sink argument must then be
	// nil.
	Output *Output
	// SnapshotRequests, when not nil, asks for a snapshot (with a journal
	// and SnapshotEvery set) each time a value arrives.
	SnapshotRequests <-chan struct{}
	// Control, when not nil, lets an admin socket (or a test) drive the run
	// and read its counters: commands, queries, pause, snapshots, shutdown.
	// It serves one run.
	Control *Control
	// LiveFeed says the source may block for long in Next (stdin, a TCP
	// connection, a pipe): it is then read on a goroutine of its own, so
	// that ingest goes on taking operator commands and noticing a stop
	// while the feed is quiet, and, in the shared and logic threading
	// modes, the stages sharing ingest's thread go on. Any other source is
	// read in ingest's cycle: with shared threads, a source that blocks
	// and is not declared live holds up every stage until it returns.
	LiveFeed bool
	// Log, when not nil, gets a record of every kill-switch trip and clear
	// and every breaker change, from the sink, as they go out.
	Log *slog.Logger
}

// PinMinCPUs is the least number of CPUs the process may use for
// DefaultConfig to pin the logic: one core for the logic, the others for
// ingest (which runs the journal stage too), the sink and the Go runtime.
// On fewer, a pinned logic thread costs more than it gives: measured on 2
// vCPUs, at 100K events/s the median latency was about 3 µs unpinned and
// 80 µs to 1 ms pinned (a locked thread that waits is a thread handoff),
// with the same throughput (pipeline's BenchmarkPinning). Config.CPU pins on
// any machine.
const PinMinCPUs = 4

// DefaultConfig returns the configuration `engine run` starts from: the risk
// guard on with its defaults, and the logic pinned to the last CPU the
// process may use when it may use at least PinMinCPUs.
func DefaultConfig() Config {
	cpu := NoPin
	if cpus, err := ring.AllowedCPUs(); err == nil && len(cpus) >= PinMinCPUs {
		cpu = cpus[len(cpus)-1]
	}
	lc := replay.DefaultConfig()
	return Config{
		InRing:   1 << 16,
		OutRing:  1 << 18,
		Batch:    256,
		CPU:      cpu,
		Matcher:  lc.Matcher,
		Risk:     lc.Risk,
		Clock:    ClockFeed,
		FirstSeq: 1,
	}
}

func (c *Config) check() error {
	pow2 := func(n int) bool { return n >= 2 && n&(n-1) == 0 }
	switch {
	case !pow2(c.InRing):
		return fmt.Errorf("pipeline: input ring size %d: want a power of two >= 2", c.InRing)
	case !pow2(c.OutRing):
		return fmt.Errorf("pipeline: output ring size %d: want a power of two >= 2", c.OutRing)
	case c.Batch < 1 || c.Batch > c.InRing:
		return fmt.Errorf("pipeline: batch %d: want 1 to %d", c.Batch, c.InRing)
	case c.CPU < NoPin:
		return fmt.Errorf("pipeline: cpu %d: want a cpu number or %d for none", c.CPU, NoPin)
	case c.FirstSeq == 0:
		return errors.New("pipeline: first sequence must be at least 1")
	case c.Journal != nil && c.Journal.Dir == "":
		return errors.New("pipeline: journal directory not set")
	}
	return nil
}
