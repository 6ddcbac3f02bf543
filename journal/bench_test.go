package journal

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkAppend appends 64-byte events (96-byte frames) in each
// durability mode, beside two baselines in the same run that write the same
// frames (header, payload, checksum) to a plain os.File through a
// bufio.Writer: "bufio" with its default 4 KiB buffer, "bufio-64k" with a
// 64 KiB one. Like the journal, the baselines start a new file every 64 MiB;
// every 64 MiB the files older than the last four are deleted, off the clock
// (deleting is the harness keeping the disk from filling, not the cost of an
// append). MB/s counts payload bytes.
func BenchmarkAppend(b *testing.B) {
	payload := eventPayload(1)
	for _, mode := range []Durability{None, Batch, Sync} {
		b.Run(mode.String(), func(b *testing.B) {
			j, _, err := Open(b.TempDir(), Options{Durability: mode})
			if err != nil {
				b.Fatal(err)
			}
			appendLoop(b, j, payload)
			s := j.Stats()
			if mode != None {
				b.ReportMetric(s.RecordsPerSync(), "records/msync")
			}
			if err := j.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
	for _, bc := range []struct {
		name string
		size int
	}{{"bufio", 4096}, {"bufio-64k", 64 << 10}} {
		b.Run(bc.name, func(b *testing.B) {
			dir := b.TempDir()
			files := 0
			create := func() *os.File {
				f, err := os.Create(filepath.Join(dir, itoa(files)))
				if err != nil {
					b.Fatal(err)
				}
				files++
				return f
			}
			f := create()
			w := bufio.NewWriterSize(f, bc.size)
			frame := make([]byte, FrameSize(len(payload)))
			written := 0
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			seq := uint64(0)
			for b.Loop() {
				seq++
				n := encodeFrame(frame, Version, 1, 1, 1, seq, int64(seq), payload)
				if _, err := w.Write(frame[:n]); err != nil {
					b.Fatal(err)
				}
				if written += n; written+n > DefaultSegmentSize {
					if err := w.Flush(); err != nil {
						b.Fatal(err)
					}
					f.Close()
					f = create()
					w.Reset(f)
					written = 0
					if files > 4 {
						b.StopTimer()
						if err := os.Remove(filepath.Join(dir, itoa(files-5))); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
					}
				}
			}
			b.StopTimer()
			if err := w.Flush(); err != nil {
				b.Fatal(err)
			}
			f.Close()
		})
	}
}

// BenchmarkAppendTuning sweeps the prefault window and large folios in
// None mode.
func BenchmarkAppendTuning(b *testing.B) {
	payload := eventPayload(1)
	for _, lp := range []LargePages{LargePagesOff, LargePagesOn} {
		for _, w := range []int64{1 << 20, 4 << 20, 16 << 20, 64 << 20} {
			name := "small-pages"
			if lp == LargePagesOn {
				name = "large-pages"
			}
			b.Run(name+"/window="+itoa(int(w>>20))+"MiB", func(b *testing.B) {
				j, _, err := Open(b.TempDir(), Options{LargePages: lp, PrefaultWindow: w})
				if err != nil {
					b.Fatal(err)
				}
				appendLoop(b, j, payload)
				j.Close()
			})
		}
	}
}

// BenchmarkAppendBatch appends batches of 64-byte events with AppendBatch.
func BenchmarkAppendBatch(b *testing.B) {
	payload := eventPayload(1)
	for _, n := range []int{16, 256} {
		for _, mode := range []Durability{None, Sync} {
			b.Run(mode.String()+"/batch="+itoa(n), func(b *testing.B) {
				j, _, err := Open(b.TempDir(), Options{Durability: mode})
				if err != nil {
					b.Fatal(err)
				}
				recs := make([]Record, n)
				for i := range recs {
					recs[i] = Record{Type: 1, Payload: payload}
				}
				b.ReportAllocs()
				b.SetBytes(int64(n * len(payload)))
				seq := uint64(0)
				for b.Loop() {
					for i := range recs {
						seq++
						recs[i].Seq, recs[i].TS = seq, int64(seq)
					}
					if err := j.AppendBatch(recs); err != nil {
						b.Fatal(err)
					}
					if seq&(1<<20-1) < uint64(n) {
						b.StopTimer()
						if _, err := j.Retain(seq, Retention{MaxSegments: 4}); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
				j.Close()
			})
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}

// recoveryJournalSize is the size of the journal BenchmarkRecoveryScan scans.
const recoveryJournalSize = 1 << 30

// BenchmarkRecoveryScan scans a journal of 1 GiB (16 segments of 64 MiB,
// 64-byte events), built once in a temporary directory: "verify" checks
// every record of every segment (Verify), "open" recovers it as Open does
// with VerifySealed (every record, plus the fsync of each sealed segment).
// MB/s counts segment bytes.
func BenchmarkRecoveryScan(b *testing.B) {
	dir := b.TempDir()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil || int64(st.Bavail)*int64(st.Bsize) < 3*recoveryJournalSize {
		b.Skipf("needs 3 GiB free in %s for a 1 GiB journal (statfs: %v)", dir, err)
	}
	j, _, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	payload := eventPayload(1)
	records := uint64(recoveryJournalSize / DefaultSegmentSize * ((DefaultSegmentSize - segmentHeaderSize) / 96))
	for seq := uint64(1); seq <= records; seq++ {
		if err := j.Append(1, seq, int64(seq), payload); err != nil {
			b.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		b.Fatal(err)
	}
	b.Run("verify", func(b *testing.B) {
		b.SetBytes(recoveryJournalSize)
		b.ReportAllocs()
		for b.Loop() {
			rep, err := Verify(dir)
			if err != nil || rep.Records != int64(records) {
				b.Fatalf("verify: %v, %d records", err, rep.Records)
			}
		}
	})
	b.Run("open", func(b *testing.B) {
		b.SetBytes(recoveryJournalSize)
		b.ReportAllocs()
		for b.Loop() {
			j, rep, err := Open(dir, Options{VerifySealed: true})
			if err != nil || rep.LastSeq != records {
				b.Fatalf("open: %v, last %d", err, rep.LastSeq)
			}
			j.abandon()
			j.closeFiles()
		}
	})
}

// appendLoop appends payload once per b.Loop iteration, deleting old
// segments (outside the timer) every 2^20 records so that long runs stay
// within the disk, and stops the timer at the end.
func appendLoop(b *testing.B, j *Journal, payload []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	seq := uint64(0)
	for b.Loop() {
		seq++
		if err := j.Append(1, seq, int64(seq), payload); err != nil {
			b.Fatal(err)
		}
		if seq&(1<<20-1) == 0 {
			b.StopTimer()
			if _, err := j.Retain(seq, Retention{MaxSegments: 4}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	}
	b.StopTimer()
}
