package replay

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cespare/xxhash/v2"
	"github.com/tradeengine/engine/matcher"
	"github.com/tradeengine/engine/risk"
)

// Digest checkpoints: every so many events (pipeline.JournalConfig's
// DigestEvery, 1M by default) and at every snapshot, the live engine
// records what its logic's state and its output stream were after an
// event, so that a replay can prove it does what the live run did, and say
// where it does not. They go to DigestFile in the journal directory, beside
// the journal's segments (a journal record would take a sequence of the
// input stream); little-endian:
//
//	file       magic "TEDIGST1" (8), journal id u64, then records
//	record     0   length u32        of the whole record, checksum included
//	           4   version u16 = 1
//	           6   flags u16         bit 0: taken with a snapshot
//	           8   seq u64           the event after which it was taken
//	           16  ts i64            that event's time
//	           24  state u64         xxhash64 of the part hashes: global u64, books u32, each (symbol u32, hash u64), accounts u32, each (account u32, hash u64)
//	           32  output u64        the output digest after seq's outputs (the summary's output_digest)
//	           40  global u64        the risk guard's state of no one account (risk.Guard.GlobalHash), 0 when off
//	           48  books u32         how many book hashes follow
//	           52  accounts u32      how many account hashes follow
//	           56  output state u16  length of the output digest's state (xxhash's encoding)
//	           58  0 u16, 0 u32
//	           64  books × (symbol u32, 0 u32, hash u64), by symbol
//	               accounts × (account u32, 0 u32, hash u64), by account
//	               the output digest's state
//	           end checksum u64      xxhash64 of the record before it XOR the journal id
//
// A record is appended whole by one write; a crash can leave a torn last
// record, which a reader stops before (and a restart cuts).
const (
	// DigestFile is the name of the digest checkpoint file in a journal
	// directory.
	DigestFile = "digests.log"
	// DefaultDigestEvery is the default interval of digest checkpoints,
	// in events.
	DefaultDigestEvery = 1 << 20

	digestMagic      = "TEDIGST1"
	digestHeader     = 16
	digestFixed      = 64
	digestVersion    = 1
	digestMaxRecord  = 64 << 20
	digestFlagSnap   = 1
	digestPartSize   = 16
	digestMaxOutputS = 1 << 10
)

// ErrDigest is wrapped by the errors of a digest checkpoint that does not
// decode.
var ErrDigest = errors.New("replay: bad digest checkpoint")

// Checkpoint is one digest checkpoint: the logic's state and the output
// stream after the event Seq.
type Checkpoint struct {
	Seq      uint64
	TS       int64
	Snapshot bool   // taken with a snapshot
	State    uint64 // xxhash64 of the logic's state
	Output   uint64 // output digest after Seq's outputs
	Global   uint64 // the risk guard's global state, 0 when it is off
	Books    []matcher.BookHash
	Accounts []risk.AccountHash
	// OutputState is the output digest's running state, so that a replay
	// from a snapshot taken here continues the digest.
	OutputState []byte
}

// TakeDigest fills c with the hashes of the logic's state after the event
// seq at time ts (everything but the output figures, which the sink adds):
// a hash per book, per account of the risk guard and of the guard's global
// state, and State, the hash of them all. It reuses c's slices and
// scratch, returning scratch grown; once warm it allocates nothing.
func (l *Logic) TakeDigest(c *Checkpoint, seq uint64, ts int64, scratch []byte) []byte {
	c.Seq, c.TS = seq, ts
	c.Books = l.m.AppendBookHashes(c.Books[:0])
	c.Accounts, c.Global = c.Accounts[:0], 0
	if l.g != nil {
		c.Accounts = l.g.AppendAccountHashes(c.Accounts)
		c.Global = l.g.GlobalHash()
	}
	scratch = appendParts(scratch[:0], c)
	c.State = xxhash.Sum64(scratch)
	return scratch
}

// appendParts appends the part hashes of c as the record holds them:
// global, then the books, then the accounts, each with a count.
func appendParts(b []byte, c *Checkpoint) []byte {
	b = binary.LittleEndian.AppendUint64(b, c.Global)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.Books)))
	for _, h := range c.Books {
		b = binary.LittleEndian.AppendUint32(b, h.Symbol)
		b = binary.LittleEndian.AppendUint64(b, h.Hash)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.Accounts)))
	for _, h := range c.Accounts {
		b = binary.LittleEndian.AppendUint32(b, h.Account)
		b = binary.LittleEndian.AppendUint64(b, h.Hash)
	}
	return b
}

// AppendCheckpoint appends the record of c, keyed by the journal id, to b.
func AppendCheckpoint(b []byte, c *Checkpoint, id uint64) []byte {
	start := len(b)
	size := digestFixed + digestPartSize*(len(c.Books)+len(c.Accounts)) + len(c.OutputState) + 8
	b = binary.LittleEndian.AppendUint32(b, uint32(size))
	b = binary.LittleEndian.AppendUint16(b, digestVersion)
	flags := uint16(0)
	if c.Snapshot {
		flags |= digestFlagSnap
	}
	b = binary.LittleEndian.AppendUint16(b, flags)
	b = binary.LittleEndian.AppendUint64(b, c.Seq)
	b = binary.LittleEndian.AppendUint64(b, uint64(c.TS))
	b = binary.LittleEndian.AppendUint64(b, c.State)
	b = binary.LittleEndian.AppendUint64(b, c.Output)
	b = binary.LittleEndian.AppendUint64(b, c.Global)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.Books)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.Accounts)))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(c.OutputState)))
	b = append(b, 0, 0, 0, 0, 0, 0)
	for _, h := range c.Books {
		b = binary.LittleEndian.AppendUint32(b, h.Symbol)
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint64(b, h.Hash)
	}
	for _, h := range c.Accounts {
		b = binary.LittleEndian.AppendUint32(b, h.Account)
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint64(b, h.Hash)
	}
	b = append(b, c.OutputState...)
	return binary.LittleEndian.AppendUint64(b, xxhash.Sum64(b[start:])^id)
}

// DecodeCheckpoint decodes the record at the start of b, of the journal
// id, and returns it and its length. Errors wrap ErrDigest;
// io.ErrUnexpectedEOF (wrapped too) says b ends inside the record.
func DecodeCheckpoint(b []byte, id uint64) (Checkpoint, int, error) {
	var c Checkpoint
	if len(b) < digestFixed+8 {
		return c, 0, fmt.Errorf("%w: %d bytes, a record takes at least %d: %w", ErrDigest, len(b), digestFixed+8, io.ErrUnexpectedEOF)
	}
	size := int(binary.LittleEndian.Uint32(b))
	nb, na := binary.LittleEndian.Uint32(b[48:]), binary.LittleEndian.Uint32(b[52:])
	ns := int(binary.LittleEndian.Uint16(b[56:]))
	switch {
	case size < digestFixed+8 || size > digestMaxRecord:
		return c, 0, fmt.Errorf("%w: record of %d bytes", ErrDigest, size)
	case uint64(nb)+uint64(na) > uint64(size)/digestPartSize || digestFixed+digestPartSize*(int(nb)+int(na))+ns+8 != size:
		return c, 0, fmt.Errorf("%w: %d books, %d accounts and %d bytes of output state do not make %d bytes", ErrDigest, nb, na, ns, size)
	case size > len(b):
		return c, 0, fmt.Errorf("%w: record of %d bytes, %d left: %w", ErrDigest, size, len(b), io.ErrUnexpectedEOF)
	}
	if sum := binary.LittleEndian.Uint64(b[size-8:]); sum != xxhash.Sum64(b[:size-8])^id {
		return c, 0, fmt.Errorf("%w: checksum mismatch (damage, or a record of another journal)", ErrDigest)
	}
	if v := binary.LittleEndian.Uint16(b[4:]); v != digestVersion {
		return c, 0, fmt.Errorf("%w: version %d, want %d", ErrDigest, v, digestVersion)
	}
	flags := binary.LittleEndian.Uint16(b[6:])
	if flags&^digestFlagSnap != 0 || binary.LittleEndian.Uint16(b[58:]) != 0 || binary.LittleEndian.Uint32(b[60:]) != 0 {
		return c, 0, fmt.Errorf("%w: reserved bits set", ErrDigest)
	}
	c.Snapshot = flags&digestFlagSnap != 0
	c.Seq = binary.LittleEndian.Uint64(b[8:])
	c.TS = int64(binary.LittleEndian.Uint64(b[16:]))
	c.State = binary.LittleEndian.Uint64(b[24:])
	c.Output = binary.LittleEndian.Uint64(b[32:])
	c.Global = binary.LittleEndian.Uint64(b[40:])
	p := b[digestFixed:]
	if nb > 0 {
		c.Books = make([]matcher.BookHash, nb)
	}
	for i := range c.Books {
		if binary.LittleEndian.Uint32(p[4:]) != 0 {
			return c, 0, fmt.Errorf("%w: reserved bits set", ErrDigest)
		}
		c.Books[i] = matcher.BookHash{Symbol: binary.LittleEndian.Uint32(p), Hash: binary.LittleEndian.Uint64(p[8:])}
		p = p[digestPartSize:]
	}
	if na > 0 {
		c.Accounts = make([]risk.AccountHash, na)
	}
	for i := range c.Accounts {
		if binary.LittleEndian.Uint32(p[4:]) != 0 {
			return c, 0, fmt.Errorf("%w: reserved bits set", ErrDigest)
		}
		c.Accounts[i] = risk.AccountHash{Account: binary.LittleEndian.Uint32(p), Hash: binary.LittleEndian.Uint64(p[8:])}
		p = p[digestPartSize:]
	}
	if ns > 0 {
		c.OutputState = append([]byte(nil), p[:ns]...)
	}
	return c, size, nil
}

// DigestLog is the digest checkpoint file of a journal, open for
// appending. Not safe for concurrent use.
type DigestLog struct {
	f    *os.File
	id   uint64
	last uint64 // sequence of the newest record
	buf  []byte
}

// OpenDigestLog opens (creating it) the digest checkpoint file of journal
// id in dir for appending: a torn last record is cut, a file of another
// journal or damaged before its end is an error.
func OpenDigestLog(dir string, id uint64) (*DigestLog, error) {
	path := filepath.Join(dir, DigestFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("replay: digest checkpoints: %w", err)
	}
	fail := func(err error) (*DigestLog, error) {
		f.Close()
		return nil, fmt.Errorf("replay: %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	dl := &DigestLog{f: f, id: id}
	end := int64(digestHeader)
	if st.Size() < digestHeader {
		// New, or torn in its header: nothing was recorded.
		hdr := append([]byte(digestMagic), make([]byte, 8)...)
		binary.LittleEndian.PutUint64(hdr[8:], id)
		if _, err := f.WriteAt(hdr, 0); err != nil {
			return fail(err)
		}
	} else {
		cs, n, err := readDigests(f, id)
		if err != nil {
			return fail(err)
		}
		if len(cs) > 0 {
			dl.last = cs[len(cs)-1].Seq
		}
		end = n
	}
	if err := f.Truncate(end); err != nil {
		return fail(err)
	}
	if _, err := f.Seek(end, io.SeekStart); err != nil {
		return fail(err)
	}
	return dl, nil
}

// Last returns the sequence of the newest record, 0 for none.
func (d *DigestLog) Last() uint64 { return d.last }

// Append appends the record of c, unless the file holds one at or after
// c.Seq already (a restart replaying what was recorded before).
func (d *DigestLog) Append(c *Checkpoint) error {
	if c.Seq <= d.last {
		return nil
	}
	d.buf = AppendCheckpoint(d.buf[:0], c, d.id)
	if _, err := d.f.Write(d.buf); err != nil {
		return fmt.Errorf("replay: digest checkpoints: %w", err)
	}
	d.last = c.Seq
	return nil
}

// Sync makes the records appended so far durable.
func (d *DigestLog) Sync() error {
	if err := d.f.Sync(); err != nil {
		return fmt.Errorf("replay: digest checkpoints: %w", err)
	}
	return nil
}

// Close closes the file.
func (d *DigestLog) Close() error { return d.f.Close() }

// ReadDigests reads the digest checkpoints of the journal in dir, oldest
// first; none when there is no file. A torn last record is left out
// silently; any other damage is an error wrapping ErrDigest. id is the
// journal's id, which keys the checksums.
func ReadDigests(dir string, id uint64) ([]Checkpoint, error) {
	f, err := os.Open(filepath.Join(dir, DigestFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("replay: digest checkpoints: %w", err)
	}
	defer f.Close()
	cs, _, err := readDigests(f, id)
	if err != nil {
		return nil, fmt.Errorf("replay: %s: %w", f.Name(), err)
	}
	return cs, nil
}

// readDigests reads the records of f and returns them and the offset just
// past the last whole one.
func readDigests(f *os.File, id uint64) ([]Checkpoint, int64, error) {
	br := bufio.NewReaderSize(io.NewSectionReader(f, 0, 1<<62), 1<<16)
	hdr := make([]byte, digestHeader)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return nil, 0, fmt.Errorf("%w: header: %w", ErrDigest, err)
	}
	if string(hdr[:8]) != digestMagic {
		return nil, 0, fmt.Errorf("%w: no %q header", ErrDigest, digestMagic)
	}
	if got := binary.LittleEndian.Uint64(hdr[8:]); got != id {
		return nil, 0, fmt.Errorf("%w: checkpoints of journal %#016x, this journal is %#016x", ErrDigest, got, id)
	}
	off := int64(digestHeader)
	var cs []Checkpoint
	var rec []byte
	for {
		head, err := br.Peek(4)
		if len(head) < 4 {
			if len(head) == 0 && err == io.EOF {
				return cs, off, nil
			}
			return cs, off, nil // torn in its length
		}
		size := int(binary.LittleEndian.Uint32(head))
		if size < digestFixed+8 || size > digestMaxRecord {
			return cs, off, fmt.Errorf("%w: record at offset %d of %d bytes", ErrDigest, off, size)
		}
		rec = append(rec[:0], make([]byte, size)...)
		n, err := io.ReadFull(br, rec)
		if err != nil {
			if n < size && (err == io.ErrUnexpectedEOF || err == io.EOF) {
				return cs, off, nil // torn last record
			}
			return cs, off, err
		}
		c, _, err := DecodeCheckpoint(rec, id)
		if err != nil {
			if _, perr := br.Peek(1); perr == io.EOF {
				return cs, off, nil // a torn last record whose length was written
			}
			return cs, off, fmt.Errorf("record at offset %d: %w", off, err)
		}
		if len(cs) > 0 && c.Seq <= cs[len(cs)-1].Seq {
			return cs, off, fmt.Errorf("%w: record at offset %d for sequence %d after %d", ErrDigest, off, c.Seq, cs[len(cs)-1].Seq)
		}
		cs = append(cs, c)
		off += int64(size)
	}
}
