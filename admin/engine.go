package admin

import (
	"context"
	"errors"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/matcher"
	"github.com/tradeengine/engine/risk"
)

// Peer is who is on the other end of a connection, from SO_PEERCRED.
type Peer struct {
	UID, GID uint32
	PID      int32
}

// Op is a command that changes the engine's behaviour. It enters the engine
// as an input event through the single writer (ingest), is journaled with
// Peer and Text, and takes effect in sequence.
type Op struct {
	// In holds Kind and the kind's fields (event.KindKill, KindClear,
	// KindSetLimit, KindPause, KindUnpause, KindApprove, KindDeny); Seq and
	// TS are the engine's to set.
	In   event.In
	Peer Peer
	// Text is the command line as the peer sent it, at most MaxLine bytes.
	Text string
}

// MaxOuts is the most output events an Applied carries; NOut counts all.
const MaxOuts = 64

// Applied is what the engine did with an Op.
type Applied struct {
	Seq  uint64      // the input sequence the op got
	TS   int64       // its event time
	Outs []event.Out // the first MaxOuts outputs answering it, in order
	NOut int         // how many outputs answered it in all
	// Cancelled counts the event.OutCancelled among all NOut outputs, and
	// Last is the last of them (a kill's OutKill, a mass cancel's
	// OutMassCancelled), also when NOut > MaxOuts.
	Cancelled int
	Last      event.Out
}

// ErrNotRunning is returned by an Engine that has stopped (or has not yet
// started) taking commands.
var ErrNotRunning = errors.New("admin: the engine is not running")

// Query asks the logic for one of its read-only views. Exactly the fields
// its Kind uses are set.
type Query struct {
	Kind    QueryKind
	Symbol  string // QueryBook
	Levels  int    // QueryBook: levels per side (at least 1)
	Account uint32 // QueryOrders
}

// QueryKind says which view a Query asks for.
type QueryKind uint8

const (
	QueryBook    QueryKind = iota + 1 // one symbol's depth
	QueryOrders                       // one account's open orders and positions
	QueryGuards                       // every kill switch, breaker and detector
	QueryLimits                       // the limits in force
	QueryPending                      // the orders held for approval
	QuerySymbol                       // the id of the symbol named Symbol (Answer.SymbolID)
)

// Answer is the logic's answer to a Query, taken between two events at
// sequence Seq (the last event the logic had applied).
type Answer struct {
	Seq      uint64
	Book     *Book               // QueryBook
	Orders   []matcher.OrderInfo // QueryOrders, by id
	Account  *risk.AccountInfo   // QueryOrders, nil when the guard never saw it (or is off)
	Guards   []risk.GuardState   // QueryGuards
	Limits   []risk.LimitValue   // QueryLimits
	Pending  []risk.Held         // QueryPending, oldest first
	SymbolID uint32              // QuerySymbol
	// Names names the symbols the answer refers to by id (guards, limits,
	// held and open orders); symbols keep their ids for a journal's life.
	Names map[uint32]string
}

// Book is the depth of one symbol's book.
type Book struct {
	Symbol string
	ID     uint32
	Halted bool
	Bids   []matcher.Level // best first
	Asks   []matcher.Level // best first
}

// Engine is what the admin server drives: the running engine (package
// pipeline implements it). Every method is safe for concurrent use and
// never blocks the engine's stages.
type Engine interface {
	// Submit hands op to ingest and waits until the logic has applied it
	// (or ctx ends: the op may still be applied later; Applied.Seq is then
	// set if it was sequenced). seq, when not nil, is called with the
	// sequence as soon as ingest assigns it.
	Submit(ctx context.Context, op Op, seq func(uint64)) (Applied, error)
	// Query asks the logic for a view; the logic answers between two
	// events, within about a millisecond when it is idle or paused.
	Query(ctx context.Context, q Query) (Answer, error)
	// Stats reads the counters the stages publish. It never involves the
	// logic.
	Stats() Stats
	// Snapshot asks for a snapshot of the logic state at the next event
	// boundary and waits until it is written.
	Snapshot(ctx context.Context) (SnapshotInfo, error)
	// Shutdown asks the engine to stop as on SIGTERM: stop taking the feed,
	// drain, sync, snapshot, exit 0.
	Shutdown()
}

// SnapshotInfo says where a snapshot went.
type SnapshotInfo struct {
	Seq  uint64
	Path string
}

// Stats are the engine's live counters. Times are wall-clock nanoseconds
// since the Unix epoch.
type Stats struct {
	StartNS int64 `json:"start_ns"` // when the run started
	NowNS   int64 `json:"now_ns"`   // when these stats were read

	Running     bool   `json:"running"`      // false once the engine is stopping or stopped
	Paused      bool   `json:"paused"`       // the logic is paused by an operator
	PausedSince int64  `json:"paused_since"` // wall ns, when Paused
	PausedAt    uint64 `json:"paused_at"`    // the pause event's sequence, when Paused

	EventsIn      int64  `json:"events_in"`      // events sequenced by ingest
	EventsJournal int64  `json:"events_journal"` // events journaled (= EventsIn without a journal)
	EventsApplied int64  `json:"events_applied"` // events the logic applied
	EventsOut     int64  `json:"events_out"`     // output events the sink consumed
	LastSeq       uint64 `json:"last_seq"`       // last sequence ingest assigned
	AppliedSeq    uint64 `json:"applied_seq"`    // last sequence the logic applied
	Malformed     int64  `json:"malformed"`      // feed records dead-lettered

	// The rings: occupancy and the lag of each consumer behind its writer,
	// in events and, from the event times, microseconds.
	Rings []RingStats `json:"rings"`

	// Latency of the logic per event (ingest stamp to the logic's answer)
	// in nanoseconds, since start and over the last interval (about a
	// second).
	Latency         Percentiles `json:"latency"`
	LatencyInterval Percentiles `json:"latency_interval"`

	// Published by the logic after each batch of events.
	Trips      int64  `json:"trips"`       // kill-switch trips so far
	PendingN   int    `json:"pending_n"`   // orders held for approval
	Durability string `json:"durability"`  // journal durability, "" without a journal
	Journal    string `json:"journal"`     // journal directory, "" without one
	DurableSeq uint64 `json:"durable_seq"` // the journal's durable sequence
}

// RingStats is one consumer of one ring.
type RingStats struct {
	Ring     string `json:"ring"`     // "input" or "output"
	Consumer string `json:"consumer"` // "journal", "logic", "sink"
	Size     int    `json:"size"`     // slots
	Used     int    `json:"used"`     // slots published and not yet released by the slowest consumer
	LagN     int64  `json:"lag_n"`    // events the consumer is behind the writer
	LagUS    int64  `json:"lag_us"`   // event-time difference between the writer's newest and the consumer's, µs
}

// Percentiles of a latency distribution, nanoseconds. Count 0 means no
// sample.
type Percentiles struct {
	Count int64 `json:"count"`
	P50   int64 `json:"p50"`
	P90   int64 `json:"p90"`
	P99   int64 `json:"p99"`
	P999  int64 `json:"p99_9"`
	P9999 int64 `json:"p99_99"`
	Max   int64 `json:"max"`
}
