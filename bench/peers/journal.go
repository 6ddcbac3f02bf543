package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/record"
	"github.com/tidwall/wal"
	"github.com/tradeengine/engine/bench"
)

// Peer names of the journal comparisons. Part of the results' schema: the
// suite's targets name them.
const (
	peerTidwallNoSync = "tidwall/wal NoSync"
	peerTidwallSync   = "tidwall/wal (fsync per write)"
	peerPebble        = "pebble record.LogWriter"
	peerPebbleSync    = "pebble record.LogWriter SyncRecord"
	peerBufio         = "os.File+bufio (64B writes)"
)

// appendLoop calls appendOne for seq 1, 2, ... for about d or until max
// appends, recording each call's latency into lat when it is not nil.
func appendLoop(d time.Duration, max int64, lat *bench.Latency, appendOne func(seq uint64) error) (bench.Throughput, error) {
	clk := bench.SystemClock()
	check := int64(256)
	if lat != nil {
		check = 1
	}
	start := clk.Now()
	deadline := start + int64(clk.Ticks(float64(d.Nanoseconds())))
	var n int64
	for {
		var t0 int64
		if lat != nil {
			t0 = clk.Now()
		}
		if err := appendOne(uint64(n + 1)); err != nil {
			return bench.Throughput{}, err
		}
		if lat != nil {
			lat.RecordRaw(clk.NS(clk.Now() - t0))
		}
		if n++; n%check == 0 && (n >= max || clk.Now() >= deadline) {
			break
		}
	}
	return bench.Throughput{Events: n, Elapsed: time.Duration(clk.NS(clk.Now() - start))}, nil
}

// Tidwall appends the suite's 64-byte payloads to a tidwall/wal log in dir,
// with NoSync (write(2) per entry, no fsync) or, durable, with its default
// fsync after every write.
func Tidwall(dir string, durable bool, d time.Duration, maxBytes int64, lat *bench.Latency) (bench.Throughput, error) {
	opts := *wal.DefaultOptions
	opts.NoSync = !durable
	l, err := wal.Open(filepath.Join(dir, "wal"), &opts)
	if err != nil {
		return bench.Throughput{}, fmt.Errorf("tidwall/wal: %w", err)
	}
	payload := bench.Payload()
	t, err := appendLoop(d, maxBytes/bench.PayloadSize, lat, func(seq uint64) error {
		return l.Write(seq, payload)
	})
	if cerr := l.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return t, fmt.Errorf("tidwall/wal: %w", err)
	}
	if lat != nil {
		lat.CorrectClosedLoop()
	}
	return t, nil
}

// Pebble appends the suite's payloads with Pebble's WAL writer,
// record.LogWriter, on an os.File in dir: WriteRecord leaves the block
// flushing to its flusher goroutine (no sync); durable, each record is a
// SyncRecord waited for (write and fdatasync of the block).
func Pebble(dir string, durable bool, d time.Duration, maxBytes int64, lat *bench.Latency) (bench.Throughput, error) {
	f, err := os.Create(filepath.Join(dir, "000001.log"))
	if err != nil {
		return bench.Throughput{}, fmt.Errorf("pebble: %w", err)
	}
	w := record.NewLogWriter(f, 1, record.LogWriterConfig{})
	payload := bench.Payload()
	var wg sync.WaitGroup
	var syncErr error
	t, err := appendLoop(d, maxBytes/bench.PayloadSize, lat, func(uint64) error {
		if !durable {
			_, err := w.WriteRecord(payload)
			return err
		}
		wg.Add(1)
		if _, err := w.SyncRecord(payload, &wg, &syncErr); err != nil {
			return err
		}
		wg.Wait()
		return syncErr
	})
	if cerr := w.Close(); err == nil && cerr != nil { // Close flushes, syncs and closes f
		err = cerr
	}
	if err != nil {
		return t, fmt.Errorf("pebble: %w", err)
	}
	if lat != nil {
		lat.CorrectClosedLoop()
	}
	return t, nil
}
