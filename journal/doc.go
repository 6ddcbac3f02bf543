// Package journal is the engine's write-ahead journal: every input event is
// appended to it before the logic may act on it, so that a replay sees
// exactly what the logic saw. Segments are memory-mapped files written in
// place; records are framed, sequenced and checksummed; recovery tells a
// torn tail (cut, reported) from corruption (reported with its offset,
// never skipped); readers follow a live journal from other goroutines or
// processes; snapshots of the logic's state are separate files.
//
// # Files
//
// A journal is a directory:
//
//	LOCK                        the writer's lock: flocked by Open until Close, holds its pid
//	00000000000000000001.seg    a segment: its name is the sequence of its first record,
//	00000000000000041231.seg    20 digits so that names sort; the newest one is appended to
//	7.spare                     the next segment, pre-created and prefaulted, header still zero
//	*.seg.tmp, *.spare.tmp      a file being created (recovery removes it, and any spare)
//	00000000000000040000.snap   a snapshot valid at sequence 40000 (may share the directory)
//
// All integers are little-endian.
//
// # One writer
//
// [Open] takes an exclusive flock (LOCK_EX|LOCK_NB) on the LOCK file before
// it creates, removes or recovers anything, writes its pid into the file,
// and holds the lock until [Journal.Close] (a failed Open releases it; the
// kernel releases it when the process dies, so a crash leaves no stale
// lock). The lock belongs to the open file description, so a second Open,
// in another process or in the same one, fails at once with ErrLocked:
// "journal DIR is in use by pid N". Without it two writers would both
// acknowledge the same sequences, and the second's recovery would delete
// the first's spare segment as a leftover. Two processes creating one new
// journal at once race only for the lock: the directory is created (and
// its parent fsynced, so that a new journal survives a machine crash), then
// locked, then populated. Readers ([NewReader], [Verify]) and the snapshot
// functions take no lock: they work on a live journal.
//
// # Segment header
//
// Every segment is preallocated to its full size and starts with a 64-byte
// header; the first record starts at offset 64.
//
//	 0          8         10        12         16          24        32         40          56         64
//	+----------+---------+---------+----------+-----------+---------+----------+-----------+----------+
//	| magic    | version | hdrsize | reserved | first seq | size    | journal  | reserved  | checksum |
//	| 8 bytes  | u16 = 3 | u16 =64 | u32 = 0  | u64       | u64     | id, u64  | 16 b = 0  | u64      |
//	+----------+---------+---------+----------+-----------+---------+----------+-----------+----------+
//	|<------------------------ xxhash64 covers bytes 0..56 ------------------------------->|
//
//	magic      "TEJRNSEG"
//	version    format version of the header and of every record in the segment
//	first seq  sequence of the segment's first record; equals the number in the file name
//	size       size of the segment file; equals the file's size
//	journal id random, never 0, drawn when the journal is created and copied into every
//	           segment; it is also the key of every record checksum (from version 2)
//
// Each field is read at the width it is written. A header that is all zeros
// belongs to a segment a roll named before its header reached the disk (see
// Recovery); any other header that does not check out is corruption.
//
// # Record
//
// A record is a frame aligned to 8 bytes: a 24-byte header, the payload
// padded with zeros to a multiple of 8, and an 8-byte checksum.
//
//	 0        4      5         6          8           16          24                         24+P       32+P
//	+--------+------+---------+----------+-----------+-----------+--------------------------+----------+
//	| length | type | version | count    | sequence  | timestamp | payload, zero padding    | checksum |
//	| u32    | u8   | u8      | u16 >= 1 | u64       | i64       | length bytes, P = pad8() | u64      |
//	+--------+------+---------+----------+-----------+-----------+--------------------------+----------+
//	|<--------------------- xxhash64 covers bytes 0..24+P ------------------------------->|
//
//	checksum   xxhash64(bytes 0..24+P) XOR journal id
//	length     payload bytes, at most MaxPayload (checked before it is used to find the checksum)
//	type       the caller's record kind, 1..255. Type 0 is invalid: it marks the end of the log,
//	           so the zeroed, preallocated space after the last record reads as the end.
//	version    the segment's format version (a record of another version is damage)
//	count      how many sequences the record covers: sequence .. sequence+count-1, never past
//	           the largest uint64. 1 for a record of one item; the engine journals a batch of
//	           input events as one record of count events (see replay.RecordInputBlock)
//	sequence   the first sequence the record covers; contiguous: the first record of a segment
//	           carries the segment's first seq, each next one the previous record's last + 1
//	timestamp  the writer's timestamp, nanoseconds
//
// A 64-byte payload takes 96 bytes. A record never straddles two
// segments: when the next one does not fit, the writer rolls to a new
// segment and the old one ends with zeros.
//
// # Torn tail or corruption
//
// Recovery scans the newest segment from offset 64 and stops at the first
// frame that is not a valid record carrying the next sequence (a zero type,
// a length above the maximum or past the end, a wrong version, non-zero
// reserved bytes or count, a checksum mismatch, an unexpected sequence). Then it looks
// at everything after that point, at every 8-byte offset:
//
//   - nothing but zeros: the log ends cleanly there;
//   - non-zero bytes but no valid frame: a torn tail. The writer died while
//     the record was being written; it was never acknowledged as durable,
//     since an acknowledgement follows the msync that covers the whole
//     record. The bytes are cut (zeroed, msynced) and reported;
//   - a valid frame (any sequence): corruption. Something was written after
//     the damaged record, so the damage is not a torn write but lost or
//     scrambled bytes in the middle of the log. Open fails with ErrCorrupt,
//     wrapped as "segment S offset O", unless Options.TruncateCorrupt asks to
//     cut there, in which case the report counts the valid records lost.
//
// The cut bytes are zeroed and msynced before anything is appended, so that
// stale records beyond a cut can never line up with new ones.
//
// # Recovery
//
// [Open] on a directory with segments:
//
//  1. removes leftovers of interrupted work: *.seg.tmp, *.spare, *.spare.tmp;
//  2. checks the header of every older segment against its name and size
//     and fsyncs it (with Options.VerifySealed it scans every record too,
//     and requires each older segment to end cleanly and the sequences to
//     run on across segments);
//  3. opens the newest segment. If its header is zero, a roll named it but
//     the header never reached the disk; nothing in it was acknowledged
//     (acknowledging its first record needs an msync from offset 0), so the
//     segment is removed and the previous one becomes the newest;
//  4. scans the newest segment, cuts a torn tail, stops on corruption;
//  5. msyncs what it recovered, so DurableSeq starts equal to LastSeq;
//  6. if the newest segment has an older format version, seals it and
//     starts a new segment in the current version.
//
// # Durability
//
// Appends write into the mapped segment: after Append returns the record is
// in the page cache and survives the death of the process. Durable means
// covered by an msync (or the fsync of a sealed segment): it survives the
// death of the machine. The modes are [None], [Batch] and [Sync];
// [Journal.DurableSeq] is the last durable sequence, [Journal.Commit] makes
// everything durable now. A failed msync or fsync sticks: the journal takes
// no more appends and acknowledges nothing more, since after a failed
// writeback the kernel may have dropped the dirty pages it could not write.
//
// Segments roll crash-safely. A spare is created as N.spare.tmp (N counts
// the spares a journal made, so that a new spare never takes the name of one
// a roll is renaming), allocated, fsynced, renamed to N.spare, and the
// directory fsynced; a roll writes the header into it and renames it to its
// segment name. The
// directory fsync that makes the name durable happens with the next sync,
// before any record of the new segment is called durable.
//
// # The append path
//
// [Journal.Append] checks the sequence, encodes the frame into the mapping
// (for a 64-byte event: a fixed-size copy and an xxhash64 computed from
// registers, bit for bit what xxhash.Sum64 gives), publishes LastSeq with
// one atomic store and, in Batch mode, the write offset and a wake-up of
// the committer when BatchRecords are waiting. It takes no lock and
// allocates nothing; a roll takes two short locks once per segment.
//
// A first write to a page of a fresh mapping takes a page fault that costs
// microseconds on ext4 (page allocation, zeroing, block reservation): more
// than an append. So a prefaulter goroutine keeps PrefaultWindow bytes
// ahead of the write position populated (madvise MADV_POPULATE_WRITE), and
// creates and prefaults the next segment once the active one is two windows
// from its end. Behind the write position, pages are released from the
// process (madvise MADV_DONTNEED; the page cache keeps them, dirty) before
// they are written back, by the syncers before each msync and by the
// prefaulter in None mode: writeback write-protects every page it cleans
// that is still mapped writable, with a TLB shootdown across the engine's
// CPUs per page, which on a VM took a quarter of the engine's CPU in Batch
// mode. A released range costs one shootdown. In None mode
// segments are backed by large folios (Options.LargePages), which makes
// prefaulting about four times cheaper; in the other modes they are not,
// because writeback works on whole folios and a small msync would write up
// to 2 MiB.
//
// # Snapshots
//
// A snapshot is a file holding the logic's full state after the record with
// a given sequence, as opaque bytes. Its name is that sequence, 20 digits,
// and ".snap" ([SnapshotName]). It is written to a temporary name, fsynced,
// renamed, and the directory fsynced. Version 2 (current, [SnapshotVersion]):
//
//	 0          8         10        12         16         24               32         40         48
//	+----------+---------+---------+----------+----------+----------------+----------+----------+----------------+
//	| magic    | version | hdrsize | reserved | sequence | payload length | journal  | checksum | payload        |
//	| 8 bytes  | u16 = 2 | u16 =48 | u32 = 0  | u64      | u64            | id, u64  | u64      | length bytes   |
//	+----------+---------+---------+----------+----------+----------------+----------+----------+----------------+
//	|<-- xxhash64 covers bytes 0..40 ------------------------------------------------>|          |<-- and these ->|
//
//	magic      "TESNAPSH"
//	journal id the id of the journal the snapshot belongs to ([Journal.ID]); 0 for a
//	           snapshot tied to no journal
//	checksum   xxhash64(bytes 0..40, payload) XOR journal id, as a record's is keyed
//
// Version 1 has no journal id: its header is 40 bytes, the checksum at
// 32..40 is plain xxhash64(bytes 0..32, payload). It is still read, and,
// having no id, is accepted for any journal.
//
// The payload length must equal the bytes after the header: a snapshot is
// read whole and nothing is allocated from a length field. A snapshot that
// fails any check is skipped by [LoadLatestSnapshot] in favour of an older
// one, and reported; so is one whose id is not the journal's ([SnapshotSelect]:
// "snapshot of journal 0x..., this journal is 0x...") and one after the
// sequence the caller can start from ("at sequence X, after sequence Y").
//
// Retention: [RetainSnapshots] returns the sequence of the oldest snapshot
// it keeps; [Journal.Retain] is given that sequence, so every snapshot
// kept, the fallbacks too, keeps the records after it.
//
// # Versions
//
// A reader accepts every version from 1 to [Version]; the version of a
// segment is in its header and repeated in each record, and all records of
// a segment have its version. When [Open] finds an older version in the
// newest segment, it seals that segment and appends to a new one in the
// current version, so a journal may hold segments of both. The golden
// journals under testdata/v1, testdata/v2 and testdata/v3 pin the bytes of
// each; the snapshots beside them pin snapshot version 1 (v1, v2) and 2
// (v3).
//
// Version 3 (current) is drawn above. It differs from version 2 in one
// thing: the record count.
//
//   - Version 2 records keep bytes 6..8 reserved (zero), and each covers
//     one sequence.
//   - Version 3 records carry the number of sequences they cover there, at
//     least 1.
//
// Why: a record costs 32 bytes of header and checksum whatever its payload.
// The engine journals tens of millions of events a second, and a journal's
// cost is mostly its bytes (each fresh page of page cache costs
// microseconds to populate on a VM); one record per event spent 32 of its
// 80 bytes on framing. With a count, a batch of events is one record: the
// framing is paid once per batch, and a sequence still names one event, so
// snapshots, retention, readers and replay keep counting events. A version
// 2 reader refuses a version 3 segment by its header version.
//
// Version 2 differs from version 1 in one thing: the journal id.
//
//   - Version 1 headers keep bytes 32..56 reserved (zero), and a record's
//     checksum is plain xxhash64(bytes 0..24+P).
//   - Version 2 headers carry the journal id at bytes 32..40, and a record's
//     checksum is xxhash64(bytes 0..24+P) XOR the id.
//
// Why: in version 1 nothing ties a segment to the journal it belongs to.
// Two engines that both start at sequence 1 write segments with the same
// names and sequences; a segment restored from the wrong backup, or copied
// into the wrong directory, passes every check and replays another
// engine's orders. From version 2, recovery, [Verify] and the readers require
// every segment of version 2 or later of a directory to carry the same id, and a
// record copied out of another journal fails its checksum. It costs one XOR
// per record and 8 header bytes that were reserved. A journal upgraded from
// version 1 draws its id when it starts its first segment of a later version.
package journal
