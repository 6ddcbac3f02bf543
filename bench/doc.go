// Package bench is the engine's benchmark suite: the scenarios that measure
// the ring, the matcher, the journal and the whole engine end to end, the
// HdrHistogram recording with coordinated-omission correction, the report
// (a table with targets and peer ratios, .hgrm percentile files, SVG plots,
// BENCHMARKS.md), and the glue that runs the peer comparisons of the nested
// module bench/peers. `engine bench` is its command line.
//
// # Scenarios
//
//	ring     one-way throughput of 64-byte events between two pinned goroutines,
//	         unbatched and batched, beside a buffered channel; round trips
//	matcher  Engine.Apply on the generated flow and on the LOBSTER AMZN day:
//	         orders/s, allocations per order, per-order latency
//	journal  appends/s and MB/s per durability mode beside a buffered file,
//	         sync-append (msync) latency, recovery scan MB/s, restart time
//	e2e      pipeline.Run at fixed offered rates, open loop, latency from each
//	         order's intended send time to its first output event; the highest
//	         sustainable rate
//	killlat  an operator's kill and clear over the admin socket while the
//	         engine carries 1M events/s: from the command's write on the
//	         socket to its first output at the bench's sink; and what the
//	         admin socket and the metrics endpoint, polled every 100 ms,
//	         cost in throughput (alternating runs with and without)
//
// # Latency
//
// Every latency is two histograms in nanoseconds: a corrected one and the raw
// one beside it. In the open loop (e2e) the corrected one is measured from
// the intended send time (wrk2's method: a stall is charged to every order it
// delayed); in the closed loops (round trips, per-order matcher, sync
// appends) it is the raw one corrected as HdrHistogram does, with the raw
// median as the expected interval; in the paced loop of killlat (one
// command due every 3 ms, each waited for) it is corrected at that
// interval. Each is written as NAME.corrected.hgrm
// and NAME.raw.hgrm (HdrHistogram's PercentilesPrint text, values in µs, the
// unit named in a comment) and drawn in latency-SCENARIO.svg.
//
// # Timestamps
//
// Hot loops read [Clock.Now]: one RDTSC on amd64 when the time-stamp counter
// is invariant and the kernel's clocksource is tsc, calibrated against
// time.Now; runtime.nanotime otherwise. Its cost is measured in each run
// and reported beside time.Now's.
//
// # Targets
//
// The table holds each figure to the target set for the project's 2-core
// machine (see targets in target.go), says whether it was met, and never
// hides a figure it could not measure: a scenario skipped or a peer not run
// gets a row saying so.
package bench
