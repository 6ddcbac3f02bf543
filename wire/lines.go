package wire

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// lineReader reads the lines of a text format, at most MaxLineLen bytes each,
// keeping line numbers and byte offsets for error reports.
type lineReader struct {
	br   *bufio.Reader
	name string // format name for messages
	line int64  // number of the last line read
	off  int64  // offset of the next line
	eof  bool
	err  error // sticky fatal error
}

func newLineReader(r io.Reader, name string) lineReader {
	return lineReader{br: bufio.NewReaderSize(r, bufSize), name: name}
}

// readLine returns the next line without its line ending, and its offset. The
// slice is valid until the next call. It returns io.EOF at the end, a
// *DecodeError for a line longer than MaxLineLen (which is skipped), and any
// read error as a fatal error.
func (l *lineReader) readLine() ([]byte, int64, error) {
	if l.err != nil {
		return nil, 0, l.err
	}
	if l.eof {
		return nil, 0, io.EOF
	}
	off := l.off
	b, err := l.br.ReadSlice('\n')
	l.off += int64(len(b))
	switch err {
	case nil:
	case io.EOF:
		l.eof = true
		if len(b) == 0 {
			return nil, 0, io.EOF
		}
	case bufio.ErrBufferFull:
		l.line++
		line := l.line
		rec := append([]byte(nil), b[:MaxLineLen]...)
		total := int64(len(b))
		for err == bufio.ErrBufferFull {
			b, err = l.br.ReadSlice('\n')
			l.off += int64(len(b))
			total += int64(len(b))
		}
		switch err {
		case nil:
			total-- // the line ending is not part of the line
		case io.EOF:
			l.eof = true
		default:
			l.err = fmt.Errorf("wire: %s: read line %d: %w", l.name, line, err)
		}
		return nil, 0, l.tooLong(line, off, rec, total)
	default:
		l.err = fmt.Errorf("wire: %s: read line %d: %w", l.name, l.line+1, err)
		return nil, 0, l.err
	}
	l.line++
	b = trimEOL(b)
	if len(b) > MaxLineLen {
		return nil, 0, l.tooLong(l.line, off, append([]byte(nil), b[:MaxLineLen]...), int64(len(b)))
	}
	return b, off, nil
}

func (l *lineReader) tooLong(line, off int64, rec []byte, n int64) *DecodeError {
	return &DecodeError{Line: line, Offset: off, Record: rec, Err: &problem{
		sentinel: ErrLineTooLong, detail: strconv.FormatInt(n, 10) + " bytes, limit " + strconv.Itoa(MaxLineLen)}}
}
