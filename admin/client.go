package admin

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// MaxAnswer is the longest answer a [Client] reads, in bytes.
const MaxAnswer = 64 << 20

// Client is a connection to an admin socket; `engine ctl` is built on it.
// Its methods are safe for concurrent use: they take turns on the one
// connection.
type Client struct {
	mu     sync.Mutex
	nc     net.Conn
	r      *bufio.Reader
	broken error // set when an answer was cut off: the connection is out of step
}

// ErrClosed is returned by a [Client] whose connection the server closed
// (after quit, an idle timeout, or a refusal) or that was cut off.
var ErrClosed = errors.New("admin: connection closed")

// Dial connects to the admin socket at path. Whether the server lets the
// caller in shows in the answer to its first command.
func Dial(path string) (*Client, error) {
	nc, err := net.Dial("unix", path)
	if err != nil {
		return nil, fmt.Errorf("admin: dial: %w", err)
	}
	return &Client{nc: nc, r: bufio.NewReaderSize(nc, 64<<10)}, nil
}

// Close closes the connection.
func (c *Client) Close() error {
	if err := c.nc.Close(); err != nil {
		return fmt.Errorf("admin: close: %w", err)
	}
	return nil
}

// Do sends one command line and returns its answer without the empty line
// that ends it: lines each ending in a line feed (one JSON object for a
// json command). isErr reports an error answer: one whose first line starts
// with "error:" or "denied:", or a JSON object with an "error" member. err
// is for the connection failing; Do waits as long as the server takes.
func (c *Client) Do(line string) (answer string, isErr bool, err error) {
	return c.DoContext(context.Background(), line)
}

// DoContext is [Client.Do] bounded by ctx. A command cut off by ctx leaves
// the connection out of step: later calls return an error.
func (c *Client) DoContext(ctx context.Context, line string) (answer string, isErr bool, err error) {
	if strings.ContainsAny(line, "\n") {
		return "", false, fmt.Errorf("admin: command %q holds a line feed", line)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken != nil {
		return "", false, c.broken
	}
	if dl, ok := ctx.Deadline(); ok {
		c.nc.SetDeadline(dl)
	} else {
		c.nc.SetDeadline(time.Time{})
	}
	stop := context.AfterFunc(ctx, func() { c.nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	_, werr := io.WriteString(c.nc, line+"\n")
	// A server that refused the connection wrote its reason and closed:
	// the write may fail, and the reason is still there to read.
	ans, rerr := c.readAnswer()
	if rerr != nil {
		if ctx.Err() != nil {
			rerr = ctx.Err()
		}
		if werr != nil && errors.Is(rerr, ErrClosed) {
			rerr = fmt.Errorf("%w: %v", ErrClosed, werr)
		}
		c.broken = fmt.Errorf("admin: %s: %w", firstWord(line), rerr)
		return ans, false, c.broken
	}
	return ans, answerIsError(ans), nil
}

// readAnswer reads lines up to the empty line that ends an answer.
func (c *Client) readAnswer() (string, error) {
	var b strings.Builder
	for {
		line, err := c.readLine(MaxAnswer - b.Len())
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
				err = ErrClosed
			}
			return b.String(), err
		}
		if len(line) == 1 { // "\n"
			return b.String(), nil
		}
		b.Write(line)
	}
}

// readLine reads one line with its line feed, of at most limit bytes.
func (c *Client) readLine(limit int) ([]byte, error) {
	var line []byte
	for {
		frag, err := c.r.ReadSlice('\n')
		if len(line)+len(frag) > limit {
			return nil, fmt.Errorf("admin: answer longer than %d bytes", MaxAnswer)
		}
		line = append(line, frag...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return nil, err
		}
		// "\r\n" ends a line too; an answer never holds a carriage return.
		if n := len(line); n >= 2 && line[n-2] == '\r' {
			line = append(line[:n-2], '\n')
		}
		return line, nil
	}
}

func firstWord(line string) string {
	f := strings.Fields(line)
	switch {
	case len(f) == 0:
		return "(empty)"
	case f[0] == "json" && len(f) > 1:
		return f[1]
	}
	return f[0]
}

// answerIsError reports whether an answer is an error answer.
func answerIsError(ans string) bool {
	if strings.HasPrefix(ans, "error:") || strings.HasPrefix(ans, "denied:") {
		return true
	}
	if !strings.HasPrefix(ans, "{") {
		return false
	}
	var e struct {
		Error *string `json:"error"`
	}
	return json.Unmarshal([]byte(ans), &e) == nil && e.Error != nil
}

// AnswerError is an error answer a [Client] method received from the
// server.
type AnswerError struct {
	Msg    string // the message after "error: " or "denied: "
	Denied bool   // refused by role (or the connection by peer)
	Seq    uint64 // the sequence the command got, when it got one
	Reason string // the engine's rejection reason, when it rejected it
}

func (e *AnswerError) Error() string {
	if e.Denied {
		return "admin: denied: " + e.Msg
	}
	return "admin: " + e.Msg
}

// doJSON runs the json variant of cmd and decodes its answer into v.
func (c *Client) doJSON(ctx context.Context, cmd string, v any) error {
	ans, isErr, err := c.DoContext(ctx, "json "+cmd)
	if err != nil {
		return err
	}
	if isErr {
		return decodeAnswerError(ans)
	}
	if err := json.Unmarshal([]byte(ans), v); err != nil {
		return fmt.Errorf("admin: %s: decode answer: %w", cmd, err)
	}
	return nil
}

// decodeAnswerError turns an error answer (JSON, or text when the server
// refused the connection before reading a command) into an *AnswerError.
func decodeAnswerError(ans string) error {
	var e errResult
	if json.Unmarshal([]byte(ans), &e) == nil && e.Error != "" {
		return &AnswerError{Msg: e.Error, Denied: e.Denied, Seq: e.Seq, Reason: e.Reason}
	}
	first, _, _ := strings.Cut(ans, "\n")
	if msg, ok := strings.CutPrefix(first, "denied: "); ok {
		return &AnswerError{Msg: msg, Denied: true}
	}
	return &AnswerError{Msg: strings.TrimPrefix(first, "error: ")}
}

// Stats returns the engine's counters (the answer to `json stats`).
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	var r statsResult
	if err := c.doJSON(ctx, "stats", &r); err != nil {
		return Stats{}, err
	}
	return r.Stats, nil
}

// StatsRates returns the engine's counters and the rates the server
// computed over its last second and since start.
func (c *Client) StatsRates(ctx context.Context) (Stats, Rates, error) {
	var r statsResult
	if err := c.doJSON(ctx, "stats", &r); err != nil {
		return Stats{}, Rates{}, err
	}
	return r.Stats, r.Rates, nil
}

// Query asks the engine for a view, with the json variant of the command
// that shows it (book, orders, guards, limits, pending).
func (c *Client) Query(ctx context.Context, q Query) (Answer, error) {
	var cmd string
	switch q.Kind {
	case QueryBook:
		if err := checkSymbol(q.Symbol); err != nil {
			return Answer{}, err
		}
		levels := DefaultLevels
		if q.Levels > 0 {
			levels = min(q.Levels, MaxLevels)
		}
		cmd = "book " + q.Symbol + " " + strconv.Itoa(levels)
	case QueryOrders:
		cmd = "orders " + strconv.FormatUint(uint64(q.Account), 10)
	case QueryGuards:
		cmd = "guards"
	case QueryLimits:
		cmd = "limits"
	case QueryPending:
		cmd = "pending"
	default:
		return Answer{}, fmt.Errorf("admin: query kind %d has no command", q.Kind)
	}
	var j answerJSON
	if err := c.doJSON(ctx, cmd, &j); err != nil {
		return Answer{}, err
	}
	return j.toAnswer(q.Kind)
}
