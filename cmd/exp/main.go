package main

import (
	"context"
	"fmt"
	"os"
	"runtime"

	"github.com/tradeengine/engine/bench"
	"github.com/tradeengine/engine/journal"
	"github.com/tradeengine/engine/pipeline"
)

func main() {
	pool, _ := bench.NewFlowPool(4_000_000)
	for _, jr := range []bool{false, true, true} {
		rate := 100_000.0
		clk := bench.SystemClock()
		n := int(rate * 5)
		pool.Ensure(n)
		warm := n / 10
		src := bench.NewPacedSource(clk, pool.Events(), n, rate, warm, nil)
		lat := bench.NewLatency("e2e", "x", "x", "intended")
		cfg := pipeline.DefaultConfig()
		if jr {
			d, _ := os.MkdirTemp("", "exp")
			defer os.RemoveAll(d)
			cfg.Journal = &pipeline.JournalConfig{Dir: d, Options: journal.Options{Durability: journal.Batch}}
		}
		sink := bench.NewLatencySink(clk, src, cfg.FirstSeq, lat)
		runtime.GC()
		if _, err := pipeline.Run(context.Background(), cfg, src, sink); err != nil {
			panic(err)
		}
		h := lat.Corrected
		fmt.Printf("journal=%v p50 %s p90 %s p99 %s max %s\n", jr, bench.FormatNS(float64(h.ValueAtQuantile(50))), bench.FormatNS(float64(h.ValueAtQuantile(90))), bench.FormatNS(float64(h.ValueAtQuantile(99))), bench.FormatNS(float64(h.Max())))
	}
}
