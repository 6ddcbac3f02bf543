package itch

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"testing"
)

func BenchmarkDecode(b *testing.B) {
	add := body(TypeAddOrder)
	var mix [][]byte
	for _, m := range sampleMessages() {
		mix = append(mix, Append(nil, &m))
	}
	b.Run("type=A", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(add)))
		var m Message
		for b.Loop() {
			if err := Decode(add, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("type=mix23", func(b *testing.B) {
		b.ReportAllocs()
		var m Message
		i := 0
		for b.Loop() {
			if err := Decode(mix[i], &m); err != nil {
				b.Fatal(err)
			}
			if i++; i == len(mix) {
				i = 0
			}
		}
	})
	// The baseline: encoding/binary.Read into a struct laid out like an add
	// order, the standard library's generic way.
	b.Run("baseline=binary.Read/type=A", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(add)))
		var a struct {
			Type           byte
			StockLocate    uint16
			TrackingNumber uint16
			Timestamp      [6]byte
			OrderRef       uint64
			Side           byte
			Shares         uint32
			Stock          [8]byte
			Price          uint32
		}
		r := bytes.NewReader(add)
		for b.Loop() {
			r.Reset(add)
			if err := binary.Read(r, binary.BigEndian, &a); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAppend(b *testing.B) {
	m := sampleOf(TypeAddOrder)
	buf := make([]byte, 0, MaxBodyLen)
	b.ReportAllocs()
	b.SetBytes(LenAddOrder)
	for b.Loop() {
		buf = Append(buf[:0], &m)
	}
}

// cycle is an endless io.Reader repeating data, which holds whole frames.
type cycle struct {
	data []byte
	off  int
}

func (c *cycle) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], c.data[c.off:])
		n += k
		if c.off += k; c.off == len(c.data) {
			c.off = 0
		}
	}
	return n, nil
}

// BenchmarkReader reads sample.itch repeated endlessly in memory, one
// message per op.
func BenchmarkReader(b *testing.B) {
	data := readSample(b)
	per := float64(len(data)) / float64(1000) // bytes per message
	b.Run("decode", func(b *testing.B) {
		r := NewReader(&cycle{data: data})
		var m Message
		// Warm up (fill the buffer, fault its pages in) outside the timer.
		for range 4000 {
			if err := r.Next(&m); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := r.Next(&m); err != nil {
				b.Fatal(err)
			}
		}
		reportRate(b, per)
	})
	// The baseline: walking the length prefixes alone, no decoding.
	b.Run("baseline=frames", func(b *testing.B) {
		br := bufio.NewReaderSize(&cycle{data: data}, readerBufSize)
		next := func() {
			p, err := br.Peek(PrefixLen)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := br.Discard(PrefixLen + int(binary.BigEndian.Uint16(p))); err != nil {
				b.Fatal(err)
			}
		}
		for range 4000 {
			next()
		}
		b.ReportAllocs()
		for b.Loop() {
			next()
		}
		reportRate(b, per)
	})
}

// reportRate reports messages per second and megabytes per second, given
// the average bytes per message.
func reportRate(b *testing.B, perMsg float64) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "msgs/s")
		b.ReportMetric(float64(b.N)*perMsg/1e6/s, "MB/s")
	}
}

func BenchmarkWriter(b *testing.B) {
	m := sampleOf(TypeAddOrder)
	w := NewWriter(io.Discard)
	b.ReportAllocs()
	b.SetBytes(PrefixLen + LenAddOrder)
	for b.Loop() {
		if err := w.Write(&m); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
}
