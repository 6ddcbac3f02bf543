package pipeline

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
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

// checkpointInterval is how often, at most, the sink writes an output
// checkpoint while outputs flow: each costs an fsync of the output file and
// a crash-safe write of the checkpoint (about half a millisecond here), and
// a crash re-emits at most this much of the output.
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

	// Checkpointing, with a journal only.
	dir      string
	id       uint64
	path     string // absolute output path, "" for none
	j        *journal.Journal
	ckptSeq  uint64 // sequence of the last checkpoint written
	n        int    // outputs since the clock was last read
	lastCkpt time.Time
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
	if s.j == nil {
		return false
	}
	if s.n++; s.n < checkpointCheck {
		return false
	}
	s.n = 0
	return time.Since(s.lastCkpt) >= checkpointInterval
}

// checkpoint writes the output checkpoint at seq: every output of every
// input up to seq has been added, none after. It waits until the journal is
// durable up to seq, so that a checkpoint never vouches for outputs of an
// input a machine crash could take out of the journal, flushes the writer
// and fsyncs the output file.
func (s *sinkState) checkpoint(seq uint64) error {
	if s.j == nil || seq <= s.ckptSeq || (s.w != nil && !s.writing) {
		return nil
	}
	s.lastCkpt = time.Now()
	for s.j.DurableSeq() < seq {
		if err := s.j.Err(); err != nil {
			return nil // the journal failed: the run stops; no checkpoint past what is durable
		}
		time.Sleep(20 * time.Microsecond)
	}
	c := checkpoint{id: s.id, seq: seq, path: s.path}
	if s.w != nil {
		if err := s.w.Flush(); err != nil {
			s.writing = false
			return fmt.Errorf("pipeline: output: %w", err)
		}
	}
	if s.file != nil {
		if err := s.file.Sync(); err != nil {
			s.writing = false
			return fmt.Errorf("pipeline: output: %w", err)
		}
		c.offset = s.cw.n
	}
	var err error
	if c.digest, err = s.digest.MarshalBinary(); err != nil {
		return fmt.Errorf("pipeline: output digest: %w", err)
	}
	if err := writeCheckpoint(s.dir, &c); err != nil {
		return err
	}
	s.ckptSeq = seq
	return nil
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
