package pipeline

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/risk"
)

// Output is an output file that survives restarts: with a journal, the sink
// keeps an output checkpoint (see CheckpointFile) and a restart truncates
// the file at the checkpoint, re-emits the outputs of every journaled event
// after it, and goes on appending. The file of a run that crashed and was
// restarted, any number of times, is byte for byte the file of one
// uninterrupted run.
type Output struct {
	// Path is the output file. Without a journal it is created afresh.
	Path string
	// Open returns the writer of the output stream on w. appending says that
	// w continues a stream an earlier run began: write no header.
	Open func(w io.Writer, appending bool) (Sink, error)
}

// checkpointInterval is how often, at most, the sink takes an output
// checkpoint while outputs flow: each costs the checkpointer an fsync of the
// output file and a crash-safe write of the checkpoint, and a crash
// re-emits at most about this much of the output.
const checkpointInterval = 200 * time.Millisecond

// checkpointCheck is how many outputs pass between two reads of the clock
// to see whether a checkpoint is due.
const checkpointCheck = 4096

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// sinkState is what the sink keeps: the writer, the output file, the
// digests, the counts and the risk report, and the checkpointing. Recovery
// uses it to re-emit outputs before the sink goroutine takes it over.
type sinkState struct {
	w       Sink // nil when no output is written
	writing bool // w has not failed
	file    *os.File
	cw      *countWriter // under w when there is a file
	digest  *event.Digest
	since   *event.Digest // this run's outputs only, on a restart (else nil: the same as digest)
	counts  *counts
	report  *risk.Report
	last    uint64 // sequence of the last output added
	log     *slog.Logger

	// Checkpointing, with a journal only.
	dir   string
	id    uint64
	path  string // absolute output path, "" for none
	j     *journal.Journal
	ckpts *checkpointer // nil without a journal
	// digestLog is the digest checkpoint log (nil without a journal or
	// with none): the sink appends, the checkpointer makes it durable
	// before each output checkpoint.
	digestLog *replay.DigestLog
	ckptSeq   uint64 // sequence of the last checkpoint handed over
	n         int    // outputs since the clock was last read
	lastCkpt  time.Time
}

func newSinkState(rep *risk.Report) *sinkState {
	return &sinkState{digest: event.NewDigest(), counts: &counts{}, report: rep}
}

// add passes one output to the digests, the counts, the report and the
// writer.
func (s *sinkState) add(o *event.Out) error {
	s.digest.Add(o)
	if s.since != nil {
		s.since.Add(o)
	}
	s.counts.add(o)
	if s.report != nil {
		s.report.Add(o)
	}
	s.last = o.Seq
	if s.log != nil && o.Kind >= event.OutKill && o.Kind <= event.OutBreaker && o.Kind != event.OutLimit {
		s.logGuard(o)
	}
	if s.writing {
		if err := s.w.Write(o); err != nil {
			s.writing = false
			return fmt.Errorf("pipeline: output: %w", err)
		}
	}
	return nil
}

// due reports whether a checkpoint is due; it reads the clock once every
// checkpointCheck outputs.
func (s *sinkState) due() bool {
	if s.ckpts == nil {
		return false
	}
	if s.n++; s.n < checkpointCheck {
		return false
	}
	s.n = 0
	return time.Since(s.lastCkpt) >= checkpointInterval
}

// checkpoint hands the output checkpoint at seq to the checkpointer: every
// output of every input up to seq has been added, none after. It flushes
// the writer and takes the file's size and the digest's state here, on the
// sink's goroutine; the blocking part (waiting for the journal, the fsync,
// the file) is the checkpointer's. With final unset it gives up, and
// reports false, when the checkpointer is still busy with the one before;
// final waits for it.
func (s *sinkState) checkpoint(seq uint64, final bool) bool {
	if s.ckpts == nil || seq <= s.ckptSeq || (s.w != nil && !s.writing) {
		return true
	}
	if !final && len(s.ckpts.jobs) == cap(s.ckpts.jobs) {
		return false
	}
	c := checkpoint{id: s.id, seq: seq, path: s.path}
	if s.w != nil {
		if err := s.w.Flush(); err != nil {
			s.writing = false
			s.ckpts.fail(fmt.Errorf("pipeline: output: %w", err))
			return true
		}
	}
	if s.file != nil {
		c.offset = s.cw.n
	}
	var err error
	if c.digest, err = s.digest.MarshalBinary(); err != nil {
		s.ckpts.fail(fmt.Errorf("pipeline: output digest: %w", err))
		return true
	}
	s.ckpts.jobs <- c // room checked above, or final: waits for the one before
	s.ckptSeq, s.lastCkpt = seq, time.Now()
	return true
}

// checkpointer writes the output checkpoints the sink hands it, on a
// goroutine of its own: it waits until the journal is durable up to the
// checkpoint's sequence, so that a checkpoint never vouches for outputs of
// an input a machine crash could take out of the journal, fsyncs the
// output file up to the checkpoint's offset, and writes the checkpoint
// crash-safely. Each costs an fsync or three; the sink never waits for
// them but at the end of the run.
type checkpointer struct {
	jobs chan checkpoint // one at a time: a checkpoint due while one is written waits for the next boundary
	done chan struct{}
	fail func(error) // the run's setErr
}

// startCheckpointer starts the checkpointer of s, once recovery has set s up.
func (s *sinkState) startCheckpointer(fail func(error)) {
	cp := &checkpointer{jobs: make(chan checkpoint, 1), done: make(chan struct{}), fail: fail}
	s.ckpts = cp
	go cp.run(s.j, s.dir, s.file, s.digestLog)
}

// stopCheckpointer waits for the checkpoints handed over to be written.
func (s *sinkState) stopCheckpointer() {
	if s.ckpts != nil {
		close(s.ckpts.jobs)
		<-s.ckpts.done
	}
}

func (cp *checkpointer) run(j *journal.Journal, dir string, file *os.File, digests *replay.DigestLog) {
	defer close(cp.done)
	for c := range cp.jobs {
		if !waitDurable(j, c.seq) {
			continue // the journal failed, and so the run: no checkpoint past what is durable
		}
		if file != nil {
			if err := file.Sync(); err != nil {
				cp.fail(fmt.Errorf("pipeline: output: %w", err))
				continue
			}
		}
		if digests != nil {
			if err := digests.Sync(); err != nil {
				cp.fail(err)
				continue
			}
		}
		if err := writeCheckpoint(dir, &c); err != nil {
			cp.fail(err)
		}
	}
}

// waitDurable waits until the journal is durable up to seq; false if the
// journal failed first. The committer gets there within its interval, and
// the end of a run commits at once (see Run).
func waitDurable(j *journal.Journal, seq uint64) bool {
	for j.DurableSeq() < seq {
		if j.Err() != nil {
			return false
		}
		time.Sleep(20 * time.Microsecond)
	}
	return true
}

// openOutput opens the output file for a run: afresh (truncated) when fresh
// is set, else continuing at offset, which the file must reach. It returns
// the writer over it.
func (s *sinkState) openOutput(out *Output, fresh bool, offset int64) error {
	flags := os.O_RDWR | os.O_CREATE
	if fresh {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(out.Path, flags, 0o644)
	if err != nil {
		return fmt.Errorf("pipeline: output: %w", err)
	}
	fail := func(err error) error {
		f.Close()
		return err
	}
	if !fresh {
		st, err := f.Stat()
		if err != nil {
			return fail(fmt.Errorf("pipeline: output: %w", err))
		}
		if st.Size() < offset {
			return fail(fmt.Errorf("pipeline: output %s holds %d bytes, its checkpoint %d: the file was changed outside the engine", out.Path, st.Size(), offset))
		}
		if err := f.Truncate(offset); err != nil {
			return fail(fmt.Errorf("pipeline: output: %w", err))
		}
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			return fail(fmt.Errorf("pipeline: output: %w", err))
		}
	} else {
		offset = 0
	}
	s.cw = &countWriter{w: f, n: offset}
	w, err := out.Open(s.cw, offset > 0)
	if err != nil {
		return fail(err)
	}
	s.file, s.w, s.writing = f, w, true
	return nil
}

// close flushes the writer and closes the output file.
func (s *sinkState) close() error {
	var err error
	if s.w != nil && s.writing {
		if err = s.w.Flush(); err != nil {
			err = fmt.Errorf("pipeline: output: %w", err)
		}
		s.writing = false
	}
	if s.file != nil {
		if cerr := s.file.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("pipeline: output: %w", cerr)
		}
		s.file = nil
	}
	if s.digestLog != nil {
		if cerr := s.digestLog.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("pipeline: %w", cerr)
		}
		s.digestLog = nil
	}
	return err
}

// absPath returns path made absolute, for comparing output paths across runs.
func absPath(path string) string {
	if a, err := filepath.Abs(path); err == nil {
		return a
	}
	return path
}

// errOutputBoth is returned when a run is given both an Output and a Sink.
var errOutputBoth = errors.New("pipeline: both an output file and a sink given")

// logGuard logs a kill-switch trip or clear, or a breaker change.
func (s *sinkState) logGuard(o *event.Out) {
	scope := func(v uint32) string {
		if v == event.Any {
			return "*"
		}
		return strconv.FormatUint(uint64(v), 10)
	}
	switch o.Kind {
	case event.OutKill:
		s.log.Warn("kill switch tripped", "seq", o.Seq, "ts", o.TS, "account", scope(o.Account), "symbol", scope(o.Symbol),
			"reason", o.Reason.String(), "measured", o.Qty, "limit", o.Price, "window_ns", o.Other)
	case event.OutClear:
		s.log.Info("kill switch cleared", "seq", o.Seq, "ts", o.TS, "account", scope(o.Account), "symbol", scope(o.Symbol))
	case event.OutBreaker:
		s.log.Warn("rate breaker", "seq", o.Seq, "ts", o.TS, "account", scope(o.Account), "state", o.Reason.String(),
			"breaches", o.Qty, "until", o.Other)
	}
}

// Tee returns a Sink that writes every output to a, then to b (b may be a
// market-data feed beside the output file), and flushes both.
func Tee(a, b Sink) Sink { return tee{a, b} }

type tee struct{ a, b Sink }

func (t tee) Write(o *event.Out) error {
	if err := t.a.Write(o); err != nil {
		return err
	}
	return t.b.Write(o)
}

func (t tee) Flush() error {
	err := t.a.Flush()
	if e := t.b.Flush(); err == nil {
		err = e
	}
	return err
}
