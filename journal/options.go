package journal

import (
	"fmt"
	"time"

	"github.com/tradeengine/engine/internal/faultfs"
)

// Durability says when appended records are made durable.
type Durability uint8

const (
	// None leaves records in the page cache: they survive the death of the
	// process (the kernel owns the pages) but not of the machine, unless
	// Commit is called. DurableSeq equals LastSeq: the journal makes no
	// promise beyond the page cache, so it has nothing to wait for.
	None Durability = iota
	// Batch is group commit: a committer goroutine msyncs what has been
	// written every BatchRecords records or BatchInterval after an append,
	// whichever comes first, while appends continue. DurableSeq trails
	// LastSeq by what is in flight.
	Batch
	// Sync msyncs before every Append and AppendBatch returns: a nil error
	// means the records are durable. AppendBatch shares one msync.
	Sync
)

var durabilityNames = [...]string{None: "none", Batch: "batch", Sync: "sync"}

func (d Durability) String() string {
	if int(d) < len(durabilityNames) {
		return durabilityNames[d]
	}
	return fmt.Sprintf("durability(%d)", uint8(d))
}

// ParseDurability reads "none", "batch" or "sync".
func ParseDurability(s string) (Durability, error) {
	for d, name := range durabilityNames {
		if s == name {
			return Durability(d), nil
		}
	}
	return 0, fmt.Errorf("%w: durability %q (want none, batch or sync)", ErrOptions, s)
}

// LargePages says whether segments are backed by large folios.
type LargePages uint8

const (
	LargePagesAuto LargePages = iota // on in None mode, off otherwise
	LargePagesOn
	LargePagesOff
)

// Options configure [Open]. The zero value is a journal of 64 MiB segments,
// starting at sequence 1, with durability None.
type Options struct {
	// SegmentSize is the size of every new segment file, a multiple of
	// 4096 in [MinSegmentSize, MaxSegmentSize]. Existing segments keep the
	// size in their header.
	SegmentSize int64
	// FirstSeq is the sequence of the first record of a new journal
	// (default 1). Ignored when the directory already holds a journal.
	FirstSeq uint64
	// Durability is the durability mode.
	Durability Durability
	// BatchRecords is, in Batch mode, the number of unsynced records that
	// triggers an msync (default 1024). A record that covers several
	// sequences counts as that many: what is counted is sequences.
	BatchRecords int
	// BatchInterval is, in Batch mode, the longest a record waits for its
	// msync to start (default 200µs).
	BatchInterval time.Duration
	// PrefaultWindow is how far ahead of the write position pages are kept
	// prefaulted, in bytes (default 16 MiB, at most the segment size;
	// BenchmarkAppendTuning sweeps it).
	PrefaultWindow int64
	// LargePages asks the kernel to back segments with large folios
	// (madvise MADV_HUGEPAGE; Linux 6.16+ for ext4). Prefaulting then costs
	// about a quarter as much CPU per byte, but writeback works on whole
	// folios of up to 2 MiB, so a small msync writes much more than it
	// covers. Worth it when msyncs are rare or large: None mode, and Batch
	// mode under heavy load. The default (LargePagesAuto) enables it in
	// None mode only.
	LargePages LargePages
	// PrivateMap, in Batch and Sync modes, maps the active segment
	// privately (copy on write): appends stay in the process until the
	// committer (in Sync mode the appender) writes them to the file
	// (pwrite) and fdatasyncs it, where the default msyncs a shared
	// mapping. Writeback then never touches the appender's page tables:
	// an msync write-protects the page being appended to and shoots down
	// its TLB entry on every CPU the engine runs on, which on a VM with
	// paravirtual paging stalled the thread that appends (and everything
	// it shares a thread with) for microseconds to milliseconds. The
	// price: the death of the process, not only of the machine, loses the
	// appends not yet written, the last group in Batch mode, as a machine
	// crash would; and the segment's pages are not released behind the
	// appender (its resident memory grows to the segment size). None mode
	// has no writer to copy them out and refuses it.
	PrivateMap bool
	// TruncateCorrupt makes recovery cut the newest segment at a corrupt
	// record (reporting what it cut) instead of failing with ErrCorrupt.
	// Sealed segments are never cut: their corruption always fails Open.
	TruncateCorrupt bool
	// VerifySealed makes recovery check every record of every older
	// segment too, not only their headers.
	VerifySealed bool

	fs           faultfs.FS // file layer; nil means faultfs.OS
	noBackground bool       // tests: no prefaulter goroutine (deterministic spares)
	id           uint64     // tests: the id of a new journal (0: random)
}

const (
	defaultBatchRecords   = 1024
	defaultBatchInterval  = 200 * time.Microsecond
	defaultPrefaultWindow = 16 << 20
)

// withDefaults fills in zero fields and checks ranges.
func (o Options) withDefaults() (Options, error) {
	if o.SegmentSize == 0 {
		o.SegmentSize = DefaultSegmentSize
	}
	if o.SegmentSize < MinSegmentSize || o.SegmentSize > MaxSegmentSize || o.SegmentSize%4096 != 0 {
		return o, fmt.Errorf("%w: segment size %d: want a multiple of 4096 in [%d, %d]", ErrOptions, o.SegmentSize, MinSegmentSize, int64(MaxSegmentSize))
	}
	if o.FirstSeq == 0 {
		o.FirstSeq = 1
	}
	if o.Durability > Sync {
		return o, fmt.Errorf("%w: %v", ErrOptions, o.Durability)
	}
	if o.PrivateMap && o.Durability == None {
		return o, fmt.Errorf("%w: a private map needs batch or sync durability (none has no writer to copy appends out)", ErrOptions)
	}
	if o.BatchRecords <= 0 {
		o.BatchRecords = defaultBatchRecords
	}
	if o.BatchInterval <= 0 {
		o.BatchInterval = defaultBatchInterval
	}
	if o.PrefaultWindow == 0 {
		o.PrefaultWindow = defaultPrefaultWindow
	}
	o.PrefaultWindow = min(max(o.PrefaultWindow, 4096), o.SegmentSize)
	if o.LargePages == LargePagesAuto {
		o.LargePages = LargePagesOff
		if o.Durability == None {
			o.LargePages = LargePagesOn
		}
	}
	if o.fs == nil {
		o.fs = faultfs.OS{}
	}
	return o, nil
}
