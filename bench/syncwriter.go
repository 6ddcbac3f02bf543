package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// SyncWriter writes to a file what a batch journal's committer writes to
// disk, and nothing else: every Every, Bytes appended with pwrite and
// made durable with fdatasync, on a goroutine locked to an OS thread. Run
// beside the hiccup spinner, it measures the machine's floor for an engine
// that journals durably: on a VM, a flush to the virtual disk may take
// every vCPU from its threads, the spinner's included, however little CPU
// the writer itself uses (see README, Performance).
type SyncWriter struct {
	stop  atomic.Bool
	done  chan struct{}
	syncs atomic.Int64
	err   error
}

// The committer's cadence at 1M events/s with the journal's defaults: it
// makes durable whatever waits once BatchRecords (1024) sequences wait or
// BatchInterval (200 µs) after an append, whichever comes first; at 1M/s
// the interval comes first, every 200 µs, with about 2.4 KB (200 events
// of 11.8 bytes on the generated flow). An fdatasync takes ~100 µs here, so the committer is flushing
// about half the time.
const (
	SyncEvery = 200 * time.Microsecond
	SyncBytes = 2400
)

// StartSyncWriter creates a file in dir and starts writing bytes to it
// every every, each write followed by an fdatasync, until Stop. The file
// grows to at most a few MiB and starts over at offset 0.
func StartSyncWriter(dir string, bytes int, every time.Duration) (*SyncWriter, error) {
	if bytes <= 0 || every <= 0 {
		return nil, fmt.Errorf("bench: sync writer: %d bytes every %v", bytes, every)
	}
	f, err := os.Create(filepath.Join(dir, "syncwriter"))
	if err != nil {
		return nil, fmt.Errorf("bench: sync writer: %w", err)
	}
	w := &SyncWriter{done: make(chan struct{})}
	go func() {
		runtime.LockOSThread()
		defer close(w.done)
		defer os.Remove(f.Name())
		defer f.Close()
		buf := make([]byte, bytes)
		for i := range buf {
			buf[i] = byte(i)
		}
		const wrap = 4 << 20
		var off int64
		next := time.Now()
		for !w.stop.Load() {
			if _, err := f.WriteAt(buf, off); err != nil {
				w.err = fmt.Errorf("bench: sync writer: %w", err)
				return
			}
			if err := unix.Fdatasync(int(f.Fd())); err != nil {
				w.err = fmt.Errorf("bench: sync writer: fdatasync: %w", err)
				return
			}
			w.syncs.Add(1)
			if off += int64(bytes); off+int64(bytes) > wrap {
				off = 0
			}
			next = next.Add(every)
			if d := time.Until(next); d > 0 {
				time.Sleep(d)
			} else {
				next = time.Now() // behind: no burst to catch up
			}
		}
	}()
	return w, nil
}

// Stop stops the writer and returns how many writes it made durable and
// the error that stopped it early, if any.
func (w *SyncWriter) Stop() (int64, error) {
	w.stop.Store(true)
	<-w.done
	return w.syncs.Load(), w.err
}

// Syncs returns how many writes it has made durable so far.
func (w *SyncWriter) Syncs() int64 { return w.syncs.Load() }
