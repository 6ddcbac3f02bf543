package progress

import (
	"fmt"
	"io"
	"testing"
)

// BenchmarkAdd measures Add in a loop of one call per batch of events,
// beside a plain counter as the floor: silent is a bar that never draws (not
// a terminal), drawing one that redraws to io.Discard on the real clock.
func BenchmarkAdd(b *testing.B) {
	for _, batch := range []int64{1, 64} {
		b.Run(fmt.Sprintf("batch=%d/baseline=counter", batch), func(b *testing.B) {
			b.ReportAllocs()
			var n int64
			for b.Loop() {
				n += batch
			}
			sink = n
		})
		for _, mode := range []struct {
			name  string
			force bool
		}{{"silent", false}, {"drawing", true}} {
			b.Run(fmt.Sprintf("batch=%d/%s", batch, mode.name), func(b *testing.B) {
				bar := New(io.Discard, 0, "replay", Force(mode.force))
				b.ReportAllocs()
				for b.Loop() {
					bar.Add(batch)
				}
				bar.Done()
			})
		}
	}
}

var sink int64
