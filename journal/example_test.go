package journal_test

import (
	"fmt"
	"log"
	"os"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/journal"
)

// Example journals input events, reads them back, and snapshots.
func Example() {
	dir, err := os.MkdirTemp("", "journal-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	j, rep, err := journal.Open(dir, journal.Options{Durability: journal.Sync})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(rep)

	var buf [event.Size]byte
	for seq := uint64(1); seq <= 3; seq++ {
		e := event.In{Kind: event.KindNew, Side: event.Buy, Symbol: 1, Account: 7, Seq: seq, TS: int64(seq), ID: seq, Price: 100, Qty: 10}
		e.Encode(buf[:])
		if err := j.Append(uint8(e.Kind), seq, e.TS, buf[:]); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("appended", j.LastSeq(), "durable", j.DurableSeq())
	id, last := j.ID(), j.LastSeq()
	if err := j.Close(); err != nil {
		log.Fatal(err)
	}

	r, err := journal.NewReader(dir, 2)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		var e event.In
		if err := e.Decode(r.Record().Payload); err != nil {
			log.Fatal(err)
		}
		fmt.Println("read", r.Record().Seq, e.Kind, e.Side, e.Qty)
	}

	// A snapshot carries the journal's id; loading it for this journal,
	// and no later than its last record, refuses any other.
	if _, err := journal.WriteSnapshot(dir, id, 3, []byte("state after 3")); err != nil {
		log.Fatal(err)
	}
	s, _, err := journal.LoadLatestSnapshot(dir, journal.SnapshotSelect{ID: id, MaxSeq: last})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("snapshot %d: %s\n", s.Seq, s.Payload)
	// Output:
	// created: first=1
	// appended 3 durable 3
	// read 2 new buy 10
	// read 3 new buy 10
	// snapshot 3: state after 3
}

// ExampleVerify checks a journal directory read-only.
func ExampleVerify() {
	dir, err := os.MkdirTemp("", "journal-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	j, _, err := journal.Open(dir, journal.Options{SegmentSize: 4096})
	if err != nil {
		log.Fatal(err)
	}
	for seq := uint64(1); seq <= 50; seq++ {
		if err := j.Append(1, seq, 0, make([]byte, 64)); err != nil {
			log.Fatal(err)
		}
	}
	j.Close()
	rep, err := journal.Verify(dir)
	fmt.Print(rep)
	fmt.Println(err)
	// Output:
	// segment 1 v3: 42 records (1..42), end 4096, clean
	// segment 43 v3: 8 records (43..50), end 832, clean
	// journal: 2 segments, 50 records (1..50), 4800 bytes, clean
	// <nil>
}
