package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/Workiva/go-datastructures/queue"
	"github.com/cockroachdb/pebble/record"
	"github.com/puzpuzpuz/xsync/v4"
	"github.com/tidwall/wal"
	"github.com/tradeengine/engine/bench"
	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/ring"
)

// TestTransportsMoveEverything runs each peer's throughput harness briefly:
// each returns an error when its reader did not see every event.
func TestTransportsMoveEverything(t *testing.T) {
	for _, tc := range []struct {
		name string
		fn   func(time.Duration) (bench.Throughput, error)
	}{{peerXsyncSPSC, XsyncSPSC}, {peerXsyncMPMC, XsyncMPMC}, {peerWorkiva, Workiva}} {
		t.Run(tc.name, func(t *testing.T) {
			th, err := tc.fn(20 * time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if th.Events == 0 || th.Elapsed <= 0 {
				t.Errorf("moved %d events in %v", th.Events, th.Elapsed)
			}
		})
	}
	lat, err := XsyncSPSCRoundTrip(20 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if lat.Raw.TotalCount() == 0 {
		t.Error("no round trip recorded")
	}
}

// TestLogsWriteEverything appends with each peer log and reads the files'
// size back: every payload must have reached the file.
func TestLogsWriteEverything(t *testing.T) {
	for _, tc := range []struct {
		name    string
		durable bool
		fn      func(dir string, durable bool, d time.Duration, max int64, lat *bench.Latency) (bench.Throughput, error)
	}{
		{"tidwall", false, Tidwall}, {"tidwall-sync", true, Tidwall},
		{"pebble", false, Pebble}, {"pebble-sync", true, Pebble},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			th, err := tc.fn(dir, tc.durable, time.Hour, 1000*bench.PayloadSize, nil)
			if err != nil {
				t.Fatal(err)
			}
			if th.Events != 1024 { // the loop looks at its limit every 256 appends
				t.Fatalf("%d appends, want 1024", th.Events)
			}
			var size int64
			filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
				if err == nil && !fi.IsDir() {
					size += fi.Size()
				}
				return nil
			})
			if size < th.Events*bench.PayloadSize {
				t.Errorf("%d bytes on disk for %d appends of %d bytes", size, th.Events, bench.PayloadSize)
			}
		})
	}
}

// TestRunSmoke runs the command as `engine bench` does, in smoke mode, and
// checks what it writes: peers.json with a row for each peer the suite's
// targets name, and well-formed .hgrm files for the peer latencies.
func TestRunSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every comparison briefly (a few seconds)")
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := run([]string{"--smoke", "--out", out, "--tmp", t.TempDir()}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	f, err := os.Open(filepath.Join(out, bench.PeersJSON))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := bench.ReadReport(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, peer := range []string{bench.PeerChan, peerXsyncSPSC, peerXsyncMPMC, peerWorkiva, peerTidwallNoSync, peerPebble, peerBufio, peerTidwallSync, peerPebbleSync} {
		i := slices.IndexFunc(rep.Rows, func(r bench.Row) bool { return r.Peer == peer })
		if i < 0 {
			t.Errorf("no row compares with %s", peer)
			continue
		}
		if r := rep.Rows[i]; r.PeerValue <= 0 || r.Ratio <= 0 {
			t.Errorf("row %+v has no peer figure or ratio", r)
		}
	}
	for _, r := range rep.Rows {
		if r.Peer == peerXsyncSPSC && r.Metric == "unbatched events/s" || r.Peer == peerTidwallNoSync {
			if r.Target == nil || r.Met == "" {
				t.Errorf("target row %s vs %s not evaluated", r.Metric, r.Peer)
			}
		}
	}
	for _, l := range rep.Latencies {
		for _, file := range []string{l.Corrected, l.Raw} {
			b, err := os.ReadFile(filepath.Join(out, file))
			if err != nil {
				t.Fatal(err)
			}
			h, err := bench.ParseHgrm(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if h.Unit != bench.HgrmUnit || h.TotalCount == 0 {
				t.Errorf("%s: unit %q, %d values", file, h.Unit, h.TotalCount)
			}
		}
	}
	if !bytes.Contains(stdout.Bytes(), []byte("ratio")) {
		t.Errorf("no table printed:\n%s", stdout.String())
	}
}

// The benchmarks below compare the transports and logs per operation with
// the testing package, the writer being the benchmark goroutine and the
// reader another (unpinned). `go run .` gives the suite's figures.

func BenchmarkTransport(b *testing.B) {
	b.Run("ring", func(b *testing.B) {
		r, err := ring.New[event.In](bench.RingSize, nil)
		if err != nil {
			b.Fatal(err)
		}
		s := r.Sequencer()
		c := s.NewConsumer()
		done := make(chan int64)
		go func() {
			var sum int64
			for next := int64(0); ; {
				avail, ok := c.WaitFor(next)
				if !ok {
					break
				}
				for seq := next; seq <= avail; seq++ {
					sum += r.Slot(seq).Qty
				}
				c.Release(avail)
				next = avail + 1
			}
			done <- sum
		}()
		b.ReportAllocs()
		b.SetBytes(event.Size)
		var n int64
		for b.Loop() {
			hi := s.Claim(1)
			bench.FillEvent(r.Slot(hi), hi)
			s.Publish(hi)
			n++
		}
		s.Close()
		if sum := <-done; sum != n {
			b.Fatalf("read %d, want %d", sum, n)
		}
	})
	b.Run("chan", func(b *testing.B) {
		ch := make(chan event.In, bench.RingSize)
		done := make(chan int64)
		go func() {
			var sum int64
			for ev := range ch {
				sum += ev.Qty
			}
			done <- sum
		}()
		b.ReportAllocs()
		b.SetBytes(event.Size)
		var ev event.In
		var n int64
		for b.Loop() {
			bench.FillEvent(&ev, n)
			ch <- ev
			n++
		}
		close(ch)
		if sum := <-done; sum != n {
			b.Fatalf("read %d, want %d", sum, n)
		}
	})
	b.Run("xsync-spsc", func(b *testing.B) { benchQueue(b, xsync.NewSPSCQueue[event.In](bench.RingSize)) })
	b.Run("xsync-mpmc", func(b *testing.B) { benchQueue(b, xsync.NewMPMCQueue[event.In](bench.RingSize)) })
	b.Run("workiva", func(b *testing.B) {
		q := queue.NewRingBuffer(bench.RingSize)
		slots := make([]event.In, 2*q.Cap())
		mask := int64(len(slots) - 1)
		done := make(chan int64)
		go func() {
			var sum int64
			for {
				v, err := q.Get()
				if err != nil {
					break
				}
				ev := v.(*event.In)
				if ev.Kind == event.KindInvalid {
					break
				}
				sum += ev.Qty
			}
			done <- sum
		}()
		b.ReportAllocs()
		b.SetBytes(event.Size)
		var n int64
		for b.Loop() {
			ev := &slots[n&mask]
			bench.FillEvent(ev, n)
			q.Put(ev)
			n++
		}
		slots[n&mask] = event.In{}
		q.Put(&slots[n&mask])
		if sum := <-done; sum != n {
			b.Fatalf("read %d, want %d", sum, n)
		}
	})
}

func benchQueue[Q tryQueue](b *testing.B, q Q) {
	done := make(chan int64)
	go func() {
		var sum int64
		for {
			ev, ok := q.TryDequeue()
			for n := 0; !ok; n++ {
				wait.Idle(n)
				ev, ok = q.TryDequeue()
			}
			if ev.Kind == event.KindInvalid {
				break
			}
			sum += ev.Qty
		}
		done <- sum
	}()
	b.ReportAllocs()
	b.SetBytes(event.Size)
	var ev event.In
	var n int64
	for b.Loop() {
		bench.FillEvent(&ev, n)
		for k := 0; !q.TryEnqueue(ev); k++ {
			wait.Idle(k)
		}
		n++
	}
	for k := 0; !q.TryEnqueue(event.In{}); k++ {
		wait.Idle(k)
	}
	if sum := <-done; sum != n {
		b.Fatalf("read %d, want %d", sum, n)
	}
}

// BenchmarkAppend appends one 64-byte payload per op to each log, without
// a sync; the -sync cases make each append durable.
func BenchmarkAppend(b *testing.B) {
	payload := bench.Payload()
	for _, durable := range []bool{false, true} {
		suffix := ""
		mode := journal.None
		if durable {
			suffix, mode = "-sync", journal.Sync
		}
		b.Run("journal"+suffix, func(b *testing.B) {
			j, _, err := journal.Open(b.TempDir(), journal.Options{Durability: mode})
			if err != nil {
				b.Fatal(err)
			}
			defer j.Close()
			b.ReportAllocs()
			b.SetBytes(bench.PayloadSize)
			seq := j.LastSeq()
			for b.Loop() {
				seq++
				if err := j.Append(1, seq, int64(seq), payload); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("tidwall"+suffix, func(b *testing.B) {
			opts := *wal.DefaultOptions
			opts.NoSync = !durable
			l, err := wal.Open(filepath.Join(b.TempDir(), "wal"), &opts)
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			b.ReportAllocs()
			b.SetBytes(bench.PayloadSize)
			var seq uint64
			for b.Loop() {
				seq++
				if err := l.Write(seq, payload); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("pebble"+suffix, func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "000001.log"))
			if err != nil {
				b.Fatal(err)
			}
			w := record.NewLogWriter(f, 1, record.LogWriterConfig{})
			defer w.Close()
			b.ReportAllocs()
			b.SetBytes(bench.PayloadSize)
			var wg sync.WaitGroup
			var syncErr error
			for b.Loop() {
				if !durable {
					if _, err := w.WriteRecord(payload); err != nil {
						b.Fatal(err)
					}
					continue
				}
				wg.Add(1)
				if _, err := w.SyncRecord(payload, &wg, &syncErr); err != nil {
					b.Fatal(err)
				}
				wg.Wait()
				if syncErr != nil {
					b.Fatal(syncErr)
				}
			}
		})
	}
	b.Run("bufio", func(b *testing.B) {
		f, err := os.Create(filepath.Join(b.TempDir(), "plain.log"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		w := bufio.NewWriterSize(f, 64<<10)
		b.ReportAllocs()
		b.SetBytes(bench.PayloadSize)
		for b.Loop() {
			if _, err := w.Write(payload); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	})
}
