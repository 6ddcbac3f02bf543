package admin

import (
	"io"
	"net"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// pollReader reads a connection with blocking poll(2) calls on a thread of
// its own instead of Go's network poller. When every P runs a busy stage
// (ingest, logic and sink spin on a 2-vCPU machine), the scheduler always
// finds runnable goroutines first and the network poller is consulted only
// by sysmon, up to 10 ms late: an operator's kill waited for that. A
// goroutine woken from a blocking system call goes to the global run queue
// instead, which the spinning stages' Gosched visits at once.
type pollReader struct {
	rc interface {
		Read(func(fd uintptr) bool) error
	}
	closing  *atomic.Bool // set before the connection is closed
	deadline time.Time    // zero: none
}

// pollSlice bounds one blocking poll, so that a deadline or a close is
// noticed within it.
const pollSlice = 50 // ms

func newPollReader(nc *net.UnixConn, closing *atomic.Bool) (*pollReader, error) {
	rc, err := nc.SyscallConn()
	if err != nil {
		return nil, err
	}
	return &pollReader{rc: rc, closing: closing}, nil
}

func (r *pollReader) Read(p []byte) (int, error) {
	var n int
	var rerr error
	err := r.rc.Read(func(fd uintptr) bool {
		for {
			n, rerr = unix.Read(int(fd), p)
			if rerr != unix.EAGAIN && rerr != unix.EINTR {
				return true
			}
			if r.closing.Load() {
				n, rerr = 0, net.ErrClosed
				return true
			}
			timeout := pollSlice
			if !r.deadline.IsZero() {
				left := time.Until(r.deadline)
				if left <= 0 {
					n, rerr = 0, os.ErrDeadlineExceeded
					return true
				}
				timeout = min(timeout, int(left/time.Millisecond)+1)
			}
			unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, timeout)
		}
	})
	if err != nil {
		return 0, err
	}
	if rerr != nil {
		return 0, rerr
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}
