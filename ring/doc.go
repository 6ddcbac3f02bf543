// Package ring owns the engine's lock-free rings: a single-writer sequencer
// in the style of the LMAX Disruptor, consumers with dependency barriers,
// padded sequences, the wait strategies, and the helpers that pin a goroutine
// to a CPU.
//
// # Sequences, not queues
//
// A [Sequencer] hands out sequence numbers 0, 1, 2, ... and never touches the
// events: the caller owns the storage, a []T of Size slots where sequence s
// lives in slot s&(Size-1) ([Ring] pairs the two). The writer claims a batch
// of sequences, fills their slots in place and publishes the highest; each
// consumer reads everything up to what it may see and releases it. Nothing is
// copied, nothing allocated, and a batch costs the same atomics as one event.
//
// Every counter is a [Sequence], an int64 alone on its cache line. The
// sequence space at some instant:
//
//	seq:  0 ....................................................................>
//	      | released by every | read by some,  | published, | claimed,  | free
//	      | consumer          | not yet by all | unread     | unpublished
//	      +-------------------+----------------+------------+-----------+------
//	                          ^                             ^           ^
//	           min(consumer sequences)                   cursor        next
//
//	the writer may claim up to min(consumer sequences) + Size
//
// The input ring of the engine, one writer and three consumers:
//
//	              ingest (the writer) --publish--> cursor
//	                                                 |
//	                  +------------------------------+---------------+
//	                  |                                              |
//	                  v                                              v
//	          journaler J: reads s <= cursor            output sink D: reads s <= cursor
//	                  |
//	                  v  barrier
//	          logic L: reads s <= min(cursor, J)
//
//	each consumer has its own Sequence (what it released); the writer reuses
//	slot s&mask for s+Size only after J, L and D have all released s.
//
// The writer is gated by every consumer: it never overwrites a slot that one
// of them has not released ([Sequencer.Claim] waits, [Sequencer.TryClaim]
// reports false). A consumer made with dependencies
// ([Sequencer.NewConsumer](journaler)) sees a sequence only after each of them
// has released it, which is how the engine acts on nothing before it is
// journaled.
//
// Both sides keep a cached copy of the other side's sequence in a line only
// they touch: the writer remembers the slowest consumer's sequence and reloads
// it only when that copy says the ring is full; a consumer remembers the
// highest sequence it may read and reloads the cursor (and its dependencies)
// only when it has consumed up to it. On the fast path [Sequencer.Claim] and
// [Consumer.WaitFor] are a few plain loads and compares; [Sequencer.Publish]
// and [Consumer.Release] are one atomic store plus one atomic load. None of
// them allocates.
//
// # Shutting down
//
// [Sequencer.Close] is called by the writer after its last Publish. Each
// consumer is still handed every published sequence; after that
// [Consumer.WaitFor] returns ok=false. A consumer that must stop early calls
// [Consumer.Halt]: the writer stops waiting for it (so a writer blocked on a
// full ring goes on) and its dependents drain what it released, then see
// ok=false. A consumer that simply stops releasing blocks the writer for
// ever; a writer that cannot afford that uses TryClaim.
//
// # Wait strategies
//
// Waiting happens only off the fast path, and what a waiter does is its
// sequencer's [WaitStrategy]:
//
//   - [BusySpin]: re-check in a tight loop. Lowest latency, one full core per
//     waiter; only for goroutines pinned to dedicated cores ([GoPinned]).
//     With more spinners than cores it degrades to the scheduler's 10 ms
//     preemption and throughput collapses.
//   - [SpinYield], the default: spin, then runtime.Gosched, then short
//     sleeps (about 60 µs each). Near BusySpin when busy, still progresses
//     with more busy goroutines than cores (two cores, three busy
//     goroutines), about 6% of a CPU per idle waiter.
//   - [Park]: spin briefly, then block on a condition variable until the
//     other side publishes or releases. No CPU when idle, microseconds to
//     wake; Publish and Release only pay for it (a lock and a broadcast) while
//     someone is parked, and otherwise check a single atomic counter.
//
// Use BusySpin for the engine's hot path only when the writer and each
// spinning consumer own an isolated core; SpinYield everywhere else on the
// hot path, including the project's two-vCPU machines, where other processes
// share the cores; Park for consumers that are mostly idle (sinks, tools).
//
// # Pinning
//
// [GoPinned] and [PinCurrent] lock a goroutine to its OS thread and set that
// thread's affinity to one CPU of the process's allowed set ([AllowedCPUs]);
// a CPU that does not exist or is not allowed, or a refused
// sched_setaffinity, is an error naming the CPU, never a silent no-op.
package ring
