package ringbench_test

import (
	"fmt"
	"time"

	"github.com/tradeengine/engine/ring/ringbench"
)

// The unbatched ring and the channel baseline moving the same events, timed
// the same way; the ratio of the two Elapsed is the figure to report.
func Example() {
	now := func() int64 { return time.Now().UnixNano() }
	r, err := ringbench.NewRing(1, nil)
	if err != nil {
		panic(err)
	}
	for _, t := range []ringbench.Transport{r, ringbench.NewChan()} {
		res, err := ringbench.Run(t, ringbench.Unpinned, now, ringbench.Limit{Events: 1 << 16})
		if err != nil {
			panic(err)
		}
		fmt.Printf("%T: %d events\n", t, res.Events)
	}
	// Output:
	// *ringbench.Ring: 65536 events
	// *ringbench.Chan: 65536 events
}
