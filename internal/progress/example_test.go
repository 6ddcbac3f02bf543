package progress_test

import (
	"fmt"
	"os"
	"time"

	"github.com/tradeengine/engine/internal/progress"
)

func ExampleBar() {
	// A fake clock: 10M events, 1M every 85 ms.
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }

	bar := progress.New(os.Stderr, 10_000_000, "replay", progress.Clock(clock))
	for range 10 {
		now = now.Add(85 * time.Millisecond)
		bar.Add(1_000_000)
	}
	fmt.Printf("replayed %v\n", bar.Done())
	// Output: replayed 10000000 events in 850ms (11.8M/s)
}
