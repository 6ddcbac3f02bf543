package bench

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/matcher"
	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/risk"
	"github.com/tradeengine/engine/wire"
)

// LOBSTERSyncedFlow loads the AMZN day as LOBSTERFlow does, re-synchronised
// to the orderbook file before every message (wire's
// LOBSTERDecoder.SyncBook: sync inputs between the messages' own).
func LOBSTERSyncedFlow(messages, orderbook string) ([]event.In, error) {
	mf, err := os.Open(messages)
	if err != nil {
		return nil, fmt.Errorf("bench: lobster flow: %w", err)
	}
	defer mf.Close()
	seed, err := os.Open(orderbook)
	if err != nil {
		return nil, fmt.Errorf("bench: lobster flow: %w", err)
	}
	defer seed.Close()
	sync, err := os.Open(orderbook)
	if err != nil {
		return nil, fmt.Errorf("bench: lobster flow: %w", err)
	}
	defer sync.Close()
	d, err := wire.OpenFeed(wire.FormatLOBSTER, mf, wire.FeedOptions{LOBSTER: wire.DefaultLOBSTERConfig("AMZN"), Book: seed, SyncBook: sync})
	if err != nil {
		return nil, fmt.Errorf("bench: lobster flow: %w", err)
	}
	var flow []event.In
	for {
		var in event.In
		err := d.Next(&in)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("bench: lobster flow: %w", err)
		}
		flow = append(flow, in)
	}
	return append(flow, resetAll), nil
}

// LogicConfig is the logic the suite's logic rows run: the matcher's
// defaults and the risk guard on with its defaults at LOBSTER's $0.0001
// tick (engine run's configuration for a LOBSTER feed).
func LogicConfig() replay.Config {
	rc := risk.DefaultConfig()
	rc.TickMicros = 100
	return replay.Config{Matcher: matcher.DefaultConfig(), Risk: rc}
}

// LogicRun measures replay.Logic.Apply (the guard and the matcher, what the
// engine's logic stage runs) on flow, single threaded: whole passes, each
// on fresh logic (event time starts again with the flow) made outside the
// timing, until d of passes has been timed; the first pass is not timed.
func LogicRun(flow []event.In, cfg replay.Config, d time.Duration) (Throughput, error) {
	out := make([]event.Out, 0, 1<<14)
	clk := SystemClock()
	var t Throughput
	for pass := 0; pass == 0 || t.Elapsed < d; pass++ {
		l, err := replay.NewLogic(cfg)
		if err != nil {
			return Throughput{}, fmt.Errorf("bench: logic: %w", err)
		}
		start := clk.Now()
		for i := range flow {
			out = l.Apply(&flow[i], out[:0])
		}
		if pass > 0 {
			t.Events += int64(len(flow))
			t.Elapsed += time.Duration(clk.NS(clk.Now() - start))
		}
	}
	return t, nil
}
