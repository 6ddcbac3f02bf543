package pipeline

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cespare/xxhash/v2"
	"github.com/tradeengine/engine/internal/faultfs"
)

// The output checkpoint: a small file in the journal directory, CheckpointFile,
// that says how far the output stream is durable. Part of the journal
// directory's format, little-endian:
//
//	 0          8         10        12         16         24     32       40        44        48
//	+----------+---------+---------+----------+----------+------+--------+---------+---------+---------------+-------------+----------+
//	| magic    | version | 0       | 0        | journal  | seq  | offset | digest  | path    | digest state  | output path | checksum |
//	| TEOUTCKP | u16 = 1 | u16     | u32      | id u64   | u64  | i64    | len u32 | len u32 | digest len    | path len    | u64      |
//	+----------+---------+---------+----------+----------+------+--------+---------+---------+---------------+-------------+----------+
//	|<----------------------------- xxhash64 (seed 0) covers everything before the checksum --------------------------->|
//
//	checksum  xxhash64(...) XOR journal id, so a checkpoint of another journal fails as such
//	seq       every output of every input up to seq is in the output stream (and in the file, when
//	          there is one, durable: fsynced before the checkpoint is written); none after it is
//	offset    the output file's size at seq: a restart truncates the file there and appends
//	digest    the running output digest's state after seq's outputs (xxhash's state encoding)
//	path      the absolute path of the output file, empty when the run wrote none
//
// A checkpoint is written through a temporary file, fsync, rename and a
// directory fsync, so it is always whole.
const (
	// CheckpointFile is the name of the output checkpoint in the journal
	// directory.
	CheckpointFile  = "output.ckpt"
	ckptMagic       = "TEOUTCKP"
	ckptVersion     = 1
	ckptHeaderSize  = 48
	ckptMaxVariable = 1 << 16 // digest state and path together, at most
)

// ErrCheckpoint is wrapped by the errors of a checkpoint that does not decode.
var ErrCheckpoint = errors.New("pipeline: bad output checkpoint")

// checkpoint is a decoded output checkpoint.
type checkpoint struct {
	id     uint64 // journal id
	seq    uint64 // last input sequence whose outputs are all out
	offset int64  // output file size at seq
	digest []byte // output digest state at seq
	path   string // output file, "" for none
}

func (c *checkpoint) encode() []byte {
	b := make([]byte, 0, ckptHeaderSize+len(c.digest)+len(c.path)+8)
	b = append(b, ckptMagic...)
	b = binary.LittleEndian.AppendUint16(b, ckptVersion)
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint64(b, c.id)
	b = binary.LittleEndian.AppendUint64(b, c.seq)
	b = binary.LittleEndian.AppendUint64(b, uint64(c.offset))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.digest)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.path)))
	b = append(b, c.digest...)
	b = append(b, c.path...)
	return binary.LittleEndian.AppendUint64(b, xxhash.Sum64(b)^c.id)
}

// decodeCheckpoint decodes a checkpoint file's bytes; errors wrap
// ErrCheckpoint.
func decodeCheckpoint(b []byte) (checkpoint, error) {
	var c checkpoint
	bad := func(format string, args ...any) (checkpoint, error) {
		return checkpoint{}, fmt.Errorf("%w: %s", ErrCheckpoint, fmt.Sprintf(format, args...))
	}
	if len(b) < ckptHeaderSize+8 {
		return bad("%d bytes, want at least %d", len(b), ckptHeaderSize+8)
	}
	if string(b[:8]) != ckptMagic {
		return bad("no %q magic", ckptMagic)
	}
	if v := binary.LittleEndian.Uint16(b[8:]); v != ckptVersion {
		return bad("version %d, want %d", v, ckptVersion)
	}
	if binary.LittleEndian.Uint16(b[10:]) != 0 || binary.LittleEndian.Uint32(b[12:]) != 0 {
		return bad("reserved bytes not zero")
	}
	c.id = binary.LittleEndian.Uint64(b[16:])
	c.seq = binary.LittleEndian.Uint64(b[24:])
	c.offset = int64(binary.LittleEndian.Uint64(b[32:]))
	dl, pl := uint64(binary.LittleEndian.Uint32(b[40:])), uint64(binary.LittleEndian.Uint32(b[44:]))
	if dl+pl > ckptMaxVariable {
		return bad("digest of %d and path of %d bytes, at most %d together", dl, pl, ckptMaxVariable)
	}
	if uint64(len(b)) != ckptHeaderSize+dl+pl+8 {
		return bad("%d bytes, the header says %d", len(b), ckptHeaderSize+dl+pl+8)
	}
	end := len(b) - 8
	if sum := binary.LittleEndian.Uint64(b[end:]); sum != xxhash.Sum64(b[:end])^c.id {
		return bad("checksum mismatch")
	}
	if c.offset < 0 {
		return bad("offset %d", c.offset)
	}
	c.digest = append([]byte(nil), b[ckptHeaderSize:ckptHeaderSize+dl]...)
	c.path = string(b[ckptHeaderSize+dl : end])
	return c, nil
}

// readCheckpoint reads the checkpoint in dir; ok is false when there is none.
func readCheckpoint(dir string) (c checkpoint, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, CheckpointFile))
	if errors.Is(err, os.ErrNotExist) {
		return checkpoint{}, false, nil
	}
	if err != nil {
		return checkpoint{}, false, fmt.Errorf("pipeline: output checkpoint: %w", err)
	}
	c, err = decodeCheckpoint(b)
	if err != nil {
		return checkpoint{}, false, fmt.Errorf("pipeline: %s: %w", filepath.Join(dir, CheckpointFile), err)
	}
	return c, true, nil
}

// writeCheckpoint writes c to dir crash-safely.
func writeCheckpoint(dir string, c *checkpoint) error {
	if err := faultfs.WriteFileSynced(dir, CheckpointFile, c.encode()); err != nil {
		return fmt.Errorf("pipeline: output checkpoint: %w", err)
	}
	return nil
}

// OutputPath returns the output file the output checkpoint in the journal
// directory dir describes: where the journaled run wrote its outputs, ""
// when it wrote none or there is no checkpoint.
func OutputPath(dir string) (string, error) {
	c, ok, err := readCheckpoint(dir)
	if err != nil || !ok {
		return "", err
	}
	return c.path, nil
}
