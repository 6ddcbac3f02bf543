package bench

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/replay"
)

// PayloadSize is the payload of every journal append the suite makes: one
// encoded event.
const PayloadSize = event.Size

// Payload returns the payload the journal scenarios append: the canonical
// encoding of a new-order event.
func Payload() []byte {
	var in event.In
	FillEvent(&in, 1)
	b := make([]byte, PayloadSize)
	in.Encode(b)
	return b
}

// JournalAppends appends PayloadSize-byte records to a journal opened in dir
// with opts for about d, or until maxBytes of frames are written, then
// closes it (outside the measured time). With lat it records the latency
// of each Append (closed loop). It returns what the appends did and the
// journal's counters.
func JournalAppends(dir string, opts journal.Options, d time.Duration, maxBytes int64, lat *Latency) (Throughput, journal.Stats, error) {
	j, _, err := journal.Open(dir, opts)
	if err != nil {
		return Throughput{}, journal.Stats{}, fmt.Errorf("bench: journal: %w", err)
	}
	payload := Payload()
	frame := int64(journal.FrameSize(PayloadSize))
	maxN := uint64(max(maxBytes/frame, 1))
	clk := SystemClock()
	check := uint64(256)
	if lat != nil {
		check = 1
	}
	start := clk.Now()
	deadline := start + int64(clk.Ticks(float64(d.Nanoseconds())))
	seq := j.LastSeq()
	first := seq + 1
	for {
		seq++
		var t0 int64
		if lat != nil {
			t0 = clk.Now()
		}
		if err := j.Append(replay.RecordInput, seq, int64(seq), payload); err != nil {
			j.Close()
			return Throughput{}, journal.Stats{}, fmt.Errorf("bench: journal append %d: %w", seq, err)
		}
		if lat != nil {
			lat.RecordRaw(clk.NS(clk.Now() - t0))
		}
		if n := seq - first + 1; n%check == 0 && (n >= maxN || clk.Now() >= deadline) {
			break
		}
	}
	end := clk.Now()
	st := j.Stats()
	if err := j.Close(); err != nil {
		return Throughput{}, st, fmt.Errorf("bench: journal close: %w", err)
	}
	if lat != nil {
		lat.CorrectClosedLoop()
	}
	return Throughput{Events: int64(seq - first + 1), Elapsed: time.Duration(clk.NS(end - start))}, st, nil
}

// FileAppends is the baseline of JournalAppends: the same payloads written
// to an os.File through a 64 KiB bufio.Writer, no framing and no sync; the
// final Flush is counted.
func FileAppends(dir string, d time.Duration, maxBytes int64) (Throughput, error) {
	f, err := os.Create(filepath.Join(dir, "plain.log"))
	if err != nil {
		return Throughput{}, fmt.Errorf("bench: %w", err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 64<<10)
	payload := Payload()
	maxN := max(maxBytes/PayloadSize, 1)
	clk := SystemClock()
	start := clk.Now()
	deadline := start + int64(clk.Ticks(float64(d.Nanoseconds())))
	var n int64
	for {
		if _, err := w.Write(payload); err != nil {
			return Throughput{}, fmt.Errorf("bench: %w", err)
		}
		if n++; n%256 == 0 && (n >= maxN || clk.Now() >= deadline) {
			break
		}
	}
	if err := w.Flush(); err != nil {
		return Throughput{}, fmt.Errorf("bench: %w", err)
	}
	end := clk.Now()
	return Throughput{Events: n, Elapsed: time.Duration(clk.NS(end - start))}, nil
}

// RecoveryResult is what reading a journal back cost.
type RecoveryResult struct {
	Bytes      int64         // bytes of valid records Verify read
	Records    int64         // records Verify checked
	Verify     time.Duration // journal.Verify over every segment
	Open       time.Duration // journal.Open: recovery scan of the newest segment
	OpenBytes  int64         // bytes Open scanned
	WriteSpeed float64       // MB/s at which the journal was written (None mode)
}

// Recovery writes a journal of about size bytes in None mode into dir, then
// times journal.Verify over it (every record of every segment, read from a
// warm page cache) and journal.Open on it (what a restart scans).
func Recovery(dir string, opts journal.Options, size int64) (RecoveryResult, error) {
	opts.Durability = journal.None
	t, _, err := JournalAppends(dir, opts, time.Hour, size, nil)
	if err != nil {
		return RecoveryResult{}, err
	}
	var res RecoveryResult
	res.WriteSpeed = float64(t.Events*int64(journal.FrameSize(PayloadSize))) / t.Elapsed.Seconds() / 1e6
	start := time.Now()
	rep, err := journal.Verify(dir)
	res.Verify = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("bench: verify: %w", err)
	}
	res.Bytes, res.Records = rep.Bytes, rep.Records
	if rep.Records != t.Events {
		return res, fmt.Errorf("bench: verify found %d records, %d were written", rep.Records, t.Events)
	}
	start = time.Now()
	j, rrep, err := journal.Open(dir, opts)
	res.Open = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("bench: reopen: %w", err)
	}
	res.OpenBytes = rrep.Scanned
	if err := j.Close(); err != nil {
		return res, fmt.Errorf("bench: reopen: %w", err)
	}
	return res, nil
}

// tempDir makes a temporary directory for one measurement.
func (s *suite) tempDir(what string) (string, func(), error) {
	dir, err := os.MkdirTemp(s.cfg.TempDir, "engine-bench-"+what+"-")
	if err != nil {
		return "", nil, fmt.Errorf("bench: %w", err)
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// runJournal is the journal scenario: appends per durability mode beside
// the buffered-file baseline, the sync append latency, the recovery scan.
func (s *suite) runJournal() error {
	d := s.cfg.Duration
	frame := float64(journal.FrameSize(PayloadSize))
	var base Throughput
	for _, mode := range []journal.Durability{journal.None, journal.Batch, journal.Sync} {
		s.progress("journal: appends, durability %s", mode)
		dir, done, err := s.tempDir("journal")
		if err != nil {
			return err
		}
		var lat *Latency
		if mode == journal.Sync {
			lat = NewLatency("journal", "journal-sync-append", "journal Append in sync mode: one msync per 64-byte record", MethodClosedLoop)
		}
		t, st, err := JournalAppends(dir, journal.Options{Durability: mode, SegmentSize: s.cfg.SegmentSize}, d, s.cfg.JournalCap, lat)
		done()
		if err != nil {
			return err
		}
		metric := mode.String() + " appends/s"
		row := NewRow("journal", metric, t.PerSec(), "appends/s")
		row.Note = fmt.Sprintf("%.1f ns/append, %.1f MB/s payload, %.1f MB/s frames", t.NSPerEvent(),
			t.PerSec()*PayloadSize/1e6, t.PerSec()*frame/1e6)
		if mode == journal.Batch {
			row.Note += fmt.Sprintf(", %.0f records/msync", st.RecordsPerSync())
		}
		if mode == journal.None {
			s.progress("journal: appends, os.File+bufio baseline")
			bdir, bdone, err := s.tempDir("file")
			if err != nil {
				return err
			}
			base, err = FileAppends(bdir, d, s.cfg.JournalCap)
			bdone()
			if err != nil {
				return err
			}
			row = row.Compare("os.File+bufio (64B writes)", base.PerSec())
		}
		s.rep.Add(row)
		if lat != nil {
			if err := s.addLatency(lat); err != nil {
				return err
			}
			s.rep.Add(NewRow("journal", "sync append p50", float64(lat.Corrected.ValueAtQuantile(50)), "ns"),
				NewRow("journal", "sync append p99 (corrected)", float64(lat.Corrected.ValueAtQuantile(99)), "ns"))
		}
	}

	size := s.cfg.RecoveryBytes
	if free := diskFree(s.journalTemp()); free >= 0 && free < 4*size {
		size = max(free/4, 16<<20)
		s.rep.Note("journal: the recovery journal was cut to %d MiB: %d MiB free in %s", size>>20, free>>20, s.journalTemp())
	}
	// End half way through a segment, as a live journal does on average,
	// so that the restart scans a typical newest segment.
	seg := s.cfg.SegmentSize
	if seg == 0 {
		seg = journal.DefaultSegmentSize
	}
	size += seg / 2
	s.progress("journal: recovery scan of a %d MiB journal", size>>20)
	dir, done, err := s.tempDir("recovery")
	if err != nil {
		return err
	}
	rr, err := Recovery(dir, journal.Options{SegmentSize: s.cfg.SegmentSize}, size)
	done()
	if err != nil {
		return err
	}
	row := NewRow("journal", "recovery scan MB/s", float64(rr.Bytes)/rr.Verify.Seconds()/1e6, "MB/s")
	row.Note = fmt.Sprintf("journal.Verify of %d records, %.0f MB, warm page cache", rr.Records, float64(rr.Bytes)/1e6)
	s.rep.Add(row)
	row = NewRow("journal", "restart (journal.Open)", float64(rr.Open.Nanoseconds()), "ns")
	row.Note = fmt.Sprintf("scans the newest segment: %.1f MB", float64(rr.OpenBytes)/1e6)
	if rr.OpenBytes < 1e5 {
		row.Note = fmt.Sprintf("scans the newest segment: %d bytes", rr.OpenBytes)
	}
	s.rep.Add(row)
	return nil
}

// journalTemp is the directory temporary journals are made in.
func (s *suite) journalTemp() string {
	if s.cfg.TempDir != "" {
		return s.cfg.TempDir
	}
	return os.TempDir()
}
