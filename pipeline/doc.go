// Package pipeline owns the wiring of a running engine: it reads a feed,
// sequences and time-stamps each event once at ingest, passes it through the
// input ring to the business logic on a pinned goroutine, and carries the
// logic's answers through the output ring to a sink, counting them into the
// run's [Summary].
//
//	source --> ingest --> INPUT RING --> logic (matcher), pinned --> OUTPUT RING --> sink
//	           seq, ts                   no locks, no allocation                     digest, counts, writer
//
// With a journal, the input ring has a journal stage: a consumer the
// logic's consumer depends on, so the logic sees an event only once it is
// journaled as durably as configured. The stage runs on ingest's goroutine
// right after each publish (see journaler).
//
// Ingest is the single writer of the input ring and the logic the single
// writer of the output ring. A malformed feed record never enters the ring:
// it is counted, handed to the dead-letter writer with its line or offset,
// and the run goes on, or, in strict mode, the run stops with an error. No
// event that entered the input ring is ever dropped: on a stop the rings are
// drained before Run returns.
package pipeline
