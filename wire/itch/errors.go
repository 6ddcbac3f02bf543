package itch

import (
	"errors"
	"strconv"
	"strings"
)

// Errors reported by [Decode], [Reader] and [Writer], wrapped with context;
// test with errors.Is.
var (
	// ErrUnknownType: the first byte of a body is not a message type of
	// ITCH 5.0.
	ErrUnknownType = errors.New("itch: unknown message type")
	// ErrSize: a body's length is not its type's, or a frame is empty.
	ErrSize = errors.New("itch: invalid message size")
	// ErrTruncated: the stream ends inside a frame, in its length prefix or
	// in its body.
	ErrTruncated = errors.New("itch: truncated frame")
)

// FrameError reports one bad frame of a stream. The [Reader] that returned
// it has skipped the frame (a torn last frame: the rest of the stream), and
// Next may be called again.
type FrameError struct {
	Offset int64 // byte offset of the frame's length prefix in the stream
	Index  int64 // 0-based index of the frame in the stream, bad frames counted
	Err    error // what was wrong; wraps ErrUnknownType, ErrSize or ErrTruncated
}

// Error returns "itch: offset 4112 (message 3): invalid message size: ...".
func (e *FrameError) Error() string {
	b := []byte("itch: offset ")
	b = strconv.AppendInt(b, e.Offset, 10)
	b = append(b, " (message "...)
	b = strconv.AppendInt(b, e.Index, 10)
	b = append(b, "): "...)
	msg := "unknown error"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	b = append(b, strings.TrimPrefix(msg, "itch: ")...)
	return string(b)
}

// Unwrap returns the underlying error.
func (e *FrameError) Unwrap() error { return e.Err }
