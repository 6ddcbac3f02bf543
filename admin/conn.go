package admin

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tradeengine/engine/event"
	"github.com/tradeengine/engine/risk"
)

// conn is one served connection.
type conn struct {
	nc      *net.UnixConn
	peer    Peer
	role    Role
	closing atomic.Bool // the server is closing it (see pollReader)
}

// errLineTooLong is a command line longer than MaxLine.
var errLineTooLong = errors.New("admin: line too long")

// readLine reads one line of at most MaxLine bytes from r, without its
// line feed and carriage return. A longer line is read to its end and
// discarded, and errLineTooLong returned. A last line without a line feed
// is returned with io.EOF.
func readLine(r *bufio.Reader) (string, error) {
	b, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = r.ReadSlice('\n')
		}
		if err != nil {
			return "", err
		}
		return "", errLineTooLong
	}
	if err != nil && (!errors.Is(err, io.EOF) || len(b) == 0) {
		return "", err
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) > MaxLine {
		return "", errLineTooLong
	}
	return string(b), err
}

// run answers c's commands until it quits or goes away, and returns why
// it ended, for the log.
func (s *Server) run(c *conn) string {
	pr, err := newPollReader(c.nc, &c.closing)
	if err != nil {
		return "read: " + err.Error()
	}
	r := bufio.NewReaderSize(pr, MaxLine+2) // the line, '\r' and '\n'
	var out bytes.Buffer
	for {
		pr.deadline = time.Now().Add(s.cfg.IdleTimeout)
		line, rerr := readLine(r)
		var res result
		var asJSON, quit bool
		switch {
		case errors.Is(rerr, errLineTooLong):
			msg := fmt.Sprintf("line longer than %d bytes", MaxLine)
			res = errResult{Error: msg}
			s.log.Info("admin: command", append(logPeer(c.peer), "role", c.role.String(), "cmd", "(too long)", "result", "error: "+msg)...)
		case rerr != nil && !errors.Is(rerr, io.EOF):
			var ne net.Error
			if errors.As(rerr, &ne) && ne.Timeout() {
				return fmt.Sprintf("idle for %s", s.cfg.IdleTimeout)
			}
			return "read: " + rerr.Error()
		case errors.Is(rerr, io.EOF) && line == "":
			return "closed by the peer"
		default:
			res, asJSON, quit = s.execute(c, line)
		}
		out.Reset()
		render(&out, res, asJSON)
		c.nc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		if _, err := c.nc.Write(out.Bytes()); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				s.log.Warn("admin: dropped", append(logPeer(c.peer), "reason", "does not read its answers")...)
				return fmt.Sprintf("answer not read within %s", s.cfg.WriteTimeout)
			}
			return "write: " + err.Error()
		}
		if quit {
			return "quit"
		}
		if errors.Is(rerr, io.EOF) { // a last line without a line feed
			return "closed by the peer"
		}
	}
}

// execute parses and runs one command line of c, and returns its answer.
func (s *Server) execute(c *conn, line string) (res result, asJSON, quit bool) {
	cmd, err := ParseCommand(line)
	if err != nil {
		f := strings.Fields(line)
		asJSON = len(f) > 0 && f[0] == "json"
		var ce *CommandError
		msg := err.Error()
		if errors.As(err, &ce) {
			msg = ce.Msg
		}
		s.log.Info("admin: command", append(logPeer(c.peer), "role", c.role.String(), "cmd", line, "result", "error: "+msg)...)
		return errResult{Error: msg}, asJSON, false
	}
	if !c.role.Allows(cmd.Verb) {
		r := errResult{Denied: true, Error: fmt.Sprintf("uid %d has role %s, %s needs %s", c.peer.UID, c.role, cmd.Verb, cmd.Verb.Role())}
		s.log.Warn("admin: denied", append(logPeer(c.peer), "role", c.role.String(), "cmd", line, "reason", r.Error)...)
		return r, cmd.JSON, false
	}
	res, seq := s.dispatch(c, cmd, line)
	attrs := append(logPeer(c.peer), "role", c.role.String(), "cmd", line)
	if seq != 0 {
		attrs = append(attrs, "seq", seq)
	}
	if e, ok := res.(errResult); ok {
		attrs = append(attrs, "result", "error: "+e.Error)
	} else {
		attrs = append(attrs, "result", "ok")
	}
	s.log.Info("admin: command", attrs...)
	return res, cmd.JSON, cmd.Verb == VerbQuit
}

// dispatch runs a parsed command the peer may run, and returns its answer
// and the sequence it got (0 for none).
func (s *Server) dispatch(c *conn, cmd Command, line string) (result, uint64) {
	switch cmd.Verb {
	case VerbHelp:
		return helpFor(c.role), 0
	case VerbQuit:
		return emptyResult{}, 0
	case VerbStatus:
		return newStatus(s.eng.Stats()), 0
	case VerbStats:
		st := s.eng.Stats()
		return statsResult{Stats: st, Rates: s.rates.rates(st)}, 0
	case VerbGuards, VerbLimits, VerbPending, VerbBook, VerbOrders:
		return s.query(cmd), 0
	case VerbSnapshot:
		ctx, cancel := context.WithTimeout(s.base, s.cfg.SnapshotTimeout)
		defer cancel()
		info, err := s.eng.Snapshot(ctx)
		if err != nil {
			return errResult{Error: "snapshot: " + s.callError(err, s.cfg.SnapshotTimeout)}, 0
		}
		return snapshotResult{Seq: info.Seq, Path: info.Path}, info.Seq
	case VerbShutdown:
		s.log.Warn("admin: shutdown requested", logPeer(c.peer)...)
		s.eng.Shutdown()
		return shutdownResult{Shutdown: true}, 0
	}
	return s.submit(c, cmd, line)
}

// callError says why an Engine call failed.
func (s *Server) callError(err error, timeout time.Duration) string {
	switch {
	case errors.Is(err, ErrNotRunning):
		return "the engine is not running"
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer from the engine within %s", timeout)
	case errors.Is(err, context.Canceled):
		return "the admin server is closing"
	}
	return err.Error()
}

// symbolID asks the engine for the id of the symbol named name.
func (s *Server) symbolID(name string) (uint32, error) {
	ctx, cancel := context.WithTimeout(s.base, s.cfg.CallTimeout)
	defer cancel()
	a, err := s.eng.Query(ctx, Query{Kind: QuerySymbol, Symbol: name})
	if err != nil {
		return 0, err
	}
	s.learn(a.SymbolID, name)
	return a.SymbolID, nil
}

// learn remembers that symbol id is named name: symbols keep their ids for
// the life of a journal.
func (s *Server) learn(id uint32, name string) {
	s.symMu.Lock()
	if len(s.symNames) < maxSymbolNames {
		s.symNames[id] = name
	}
	s.symMu.Unlock()
}

// maxSymbolNames bounds the names the server remembers.
const maxSymbolNames = 1 << 16

// names returns the name of symbol id, "" when the server has not learnt
// it. The engine's views carry symbol ids; the server learns a name when a
// command names the symbol, or from an Answer's Names.
func (s *Server) names(id uint32) string {
	s.symMu.Lock()
	defer s.symMu.Unlock()
	return s.symNames[id]
}

// query answers the read commands with Engine.Query.
func (s *Server) query(cmd Command) result {
	q, _ := QueryOf(cmd)
	ctx, cancel := context.WithTimeout(s.base, s.cfg.CallTimeout)
	defer cancel()
	a, err := s.eng.Query(ctx, q)
	if err != nil {
		return errResult{Error: cmd.Verb.String() + ": " + s.callError(err, s.cfg.CallTimeout)}
	}
	for id, name := range a.Names {
		s.learn(id, name)
	}
	if q.Kind == QueryBook && a.Book != nil {
		s.learn(a.Book.ID, a.Book.Symbol)
	}
	return answerResult(cmd, q, a, s.names)
}

// QueryOf returns the view a read command asks for; false for a command
// that is not a read of the logic's state (book, orders, guards, limits,
// pending).
func QueryOf(cmd Command) (Query, bool) {
	q := Query{}
	switch cmd.Verb {
	case VerbGuards:
		q.Kind = QueryGuards
	case VerbLimits:
		q.Kind = QueryLimits
	case VerbPending:
		q.Kind = QueryPending
	case VerbBook:
		q.Kind, q.Symbol, q.Levels = QueryBook, cmd.Symbol, cmd.Levels
	case VerbOrders:
		q.Kind, q.Account = QueryOrders, cmd.Account
	default:
		return q, false
	}
	return q, true
}

// RenderAnswer writes the answer a to the read command cmd as the admin
// socket would: text for people, or JSON with asJSON. Symbols are named from
// a.Names. `engine replay --show` shows the state at a moment with it.
func RenderAnswer(w io.Writer, cmd Command, a Answer, asJSON bool) error {
	q, ok := QueryOf(cmd)
	if !ok {
		return fmt.Errorf("admin: %s is not a read of the engine's state", cmd.Verb)
	}
	names := func(id uint32) string { return a.Names[id] }
	if a.Book != nil {
		book := a.Book
		names = func(id uint32) string {
			if id == book.ID {
				return book.Symbol
			}
			return a.Names[id]
		}
	}
	var b bytes.Buffer
	render(&b, answerResult(cmd, q, a, names), asJSON)
	_, err := w.Write(b.Bytes())
	return err
}

// answerResult turns the answer to q into the result written back.
func answerResult(cmd Command, q Query, a Answer, names names) result {
	switch q.Kind {
	case QueryGuards:
		r := guardsResult{Seq: a.Seq, Guards: make([]jsonGuard, 0, len(a.Guards))}
		for _, g := range a.Guards {
			r.Guards = append(r.Guards, guardJSON(g, names))
		}
		return r
	case QueryLimits:
		r := limitsResult{Seq: a.Seq, Limits: make([]jsonLimit, 0, len(a.Limits))}
		for _, l := range a.Limits {
			r.Limits = append(r.Limits, limitJSON(l, names))
		}
		return r
	case QueryPending:
		r := pendingResult{Seq: a.Seq, Pending: make([]jsonHeld, 0, len(a.Pending))}
		for _, h := range a.Pending {
			r.Pending = append(r.Pending, heldJSON(h, names))
		}
		return r
	case QueryBook:
		if a.Book == nil {
			return errResult{Error: "book: unknown symbol " + cmd.Symbol}
		}
		return bookResult{Seq: a.Seq, Book: *bookJSON(a.Book)}
	}
	r := ordersResult{Seq: a.Seq, AccountID: cmd.Account, Account: accountJSON(a.Account), Orders: make([]jsonOrder, 0, len(a.Orders))}
	for _, o := range a.Orders {
		r.Orders = append(r.Orders, orderJSON(o, names))
	}
	return r
}

// submit hands a command that changes the engine to Engine.Submit as an
// Op, and summarises what it did.
func (s *Server) submit(c *conn, cmd Command, line string) (result, uint64) {
	short := cmd
	short.JSON, short.Reason = false, ""
	name := short.String()
	in := event.In{Account: event.Any, Symbol: event.Any}
	if cmd.Verb == VerbKill || cmd.Verb == VerbClear || cmd.Verb == VerbSetLimit {
		in.Account = cmd.Account
		if cmd.Symbol != "" {
			id, err := s.symbolID(cmd.Symbol)
			if err != nil {
				return errResult{Error: name + ": " + s.callError(err, s.cfg.CallTimeout)}, 0
			}
			in.Symbol = id
		}
	}
	switch cmd.Verb {
	case VerbKill:
		in.Kind = event.KindKill
		if cmd.Cancel {
			in.Arg = event.KillCancel
		}
	case VerbClear:
		in.Kind = event.KindClear
	case VerbPause:
		in.Kind = event.KindPause
	case VerbResume:
		in.Kind = event.KindUnpause
	case VerbApprove:
		in.Kind, in.ID = event.KindApprove, cmd.ID
	case VerbDeny:
		in.Kind, in.ID = event.KindDeny, cmd.ID
	case VerbSetLimit:
		in.Kind, in.Arg, in.Qty = event.KindSetLimit, uint16(cmd.Limit), cmd.Value
		if cmd.Global {
			in.Arg |= uint16(risk.LimitGlobal)
		}
	default:
		return errResult{Error: name + ": not a command for the engine"}, 0
	}
	op := Op{In: in, Peer: c.peer, Text: line}
	ctx, cancel := context.WithTimeout(s.base, s.cfg.CallTimeout)
	defer cancel()
	var sequenced atomic.Uint64
	app, err := s.eng.Submit(ctx, op, func(seq uint64) { sequenced.Store(seq) })
	if err != nil {
		seq := app.Seq
		if seq == 0 {
			seq = sequenced.Load()
		}
		if seq != 0 && errors.Is(err, context.DeadlineExceeded) {
			msg := fmt.Sprintf("%s: seq %d, not applied within %s; it may still be", name, seq, s.cfg.CallTimeout)
			if cmd.Verb != VerbResume && s.eng.Stats().Paused {
				msg += " (the engine is paused)"
			}
			return errResult{Error: msg, Seq: seq}, seq
		}
		return errResult{Error: name + ": " + s.callError(err, s.cfg.CallTimeout), Seq: seq}, seq
	}
	return summarise(cmd, name, app), app.Seq
}

// summarise says what an applied op did, from its outputs.
func summarise(cmd Command, name string, app Applied) result {
	r := opResult{Command: name, Seq: app.Seq, NOut: app.NOut}
	var accepted, trades, rejected int
	var rejectedWhy event.Reason
	for _, o := range app.Outs {
		switch o.Kind {
		case event.OutAccepted:
			accepted++
		case event.OutTrade:
			trades++
		case event.OutRejected:
			if rejected == 0 {
				rejectedWhy = o.Reason
			}
			rejected++
		}
	}
	// A rejection of the command itself: for deny, a rejection with
	// ReasonDenied is the held order's, the command's success; for
	// approve, only ReasonUnknownPending is the command's (another is the
	// released order's, refused by the matcher).
	if rejected > 0 {
		own := true
		switch cmd.Verb {
		case VerbDeny:
			own = rejectedWhy != event.ReasonDenied
		case VerbApprove:
			own = rejectedWhy == event.ReasonUnknownPending
		}
		if own {
			return errResult{Error: fmt.Sprintf("%s: seq %d rejected: %s", name, app.Seq, rejectedWhy), Seq: app.Seq, Reason: rejectedWhy.String()}
		}
	}
	switch cmd.Verb {
	case VerbKill:
		r.Effect = "kill switch tripped"
		if cmd.Cancel {
			r.Cancelled = cancelledBy(app)
			r.Effect += fmt.Sprintf(", %d %s cancelled", r.Cancelled, plural(int(r.Cancelled), "order"))
		}
	case VerbClear:
		r.Effect = "kill switch cleared"
	case VerbPause:
		r.Effect = "paused"
	case VerbResume:
		r.Effect = "resumed"
	case VerbDeny:
		r.Effect = fmt.Sprintf("held order %d denied", cmd.ID)
	case VerbApprove:
		r.Effect = fmt.Sprintf("held order %d released", cmd.ID)
		switch {
		case rejected > 0:
			r.Effect += ", rejected: " + rejectedWhy.String()
		case accepted > 0:
			r.Effect += fmt.Sprintf(", accepted, %d %s", trades, plural(trades, "trade"))
		}
	case VerbSetLimit:
		r.Effect = "limit set"
	}
	return r
}
