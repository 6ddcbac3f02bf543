package admin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Default timeouts of a [ServerConfig].
const (
	DefaultCallTimeout     = 5 * time.Second  // an Engine call
	DefaultSnapshotTimeout = 60 * time.Second // Engine.Snapshot
	DefaultWriteTimeout    = 5 * time.Second  // writing one answer
	DefaultIdleTimeout     = 10 * time.Minute // waiting for a command
)

// ServerConfig configures [Listen]. Zero fields take their defaults.
type ServerConfig struct {
	// Path is the socket's path. Its directory is created with mode 0700
	// when missing; an existing directory is left as it is.
	Path string
	// Roles says who may connect and do what; nil lets only OwnUID in.
	Roles *Roles
	// MaxConns is the most connections served at once; 0 takes the [admin]
	// section's max_connections, else DefaultMaxConns.
	MaxConns int
	// Log receives the server's start, every command with its peer, and
	// every refusal. Nil discards them.
	Log *slog.Logger
	// OwnUID is the engine's own uid, which is always admin. 0 means the
	// process's effective uid.
	OwnUID uint32

	CallTimeout     time.Duration // bound on each Engine call
	SnapshotTimeout time.Duration // bound on Engine.Snapshot
	// WriteTimeout bounds writing one answer: a client that does not read
	// its answers for that long is dropped.
	WriteTimeout time.Duration
	// IdleTimeout drops a connection that sends no command for that long,
	// so that forgotten sessions do not hold the connection slots.
	IdleTimeout time.Duration
}

// Server is a running admin socket server.
type Server struct {
	cfg   ServerConfig
	eng   Engine
	ln    *net.UnixListener
	log   *slog.Logger
	own   uint32
	max   int
	base  context.Context // canceled by Close
	stop  context.CancelFunc
	rates rateSampler

	symMu    sync.Mutex
	symNames map[uint32]string // learnt from the commands that name symbols

	mu     sync.Mutex
	conns  map[*conn]struct{} // served connections
	closed bool
	wg     sync.WaitGroup
}

// ErrListening is returned by [Listen] when another engine listens on the
// path.
var ErrListening = errors.New("admin: another engine listens on the socket")

// Listen creates the admin socket at cfg.Path and serves it in the
// background until [Server.Close]. A socket file left by a dead engine
// (connecting to it is refused) is replaced; a live one is an error
// wrapping [ErrListening]; any other file at the path is an error. The
// socket's mode is set (0600 unless the [admin] section says) before the
// first connection is accepted.
func Listen(cfg ServerConfig, eng Engine) (*Server, error) {
	if cfg.Path == "" {
		return nil, errors.New("admin: listen: no socket path")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.OwnUID == 0 {
		cfg.OwnUID = uint32(os.Geteuid())
	}
	for _, d := range []struct {
		p *time.Duration
		v time.Duration
	}{{&cfg.CallTimeout, DefaultCallTimeout}, {&cfg.SnapshotTimeout, DefaultSnapshotTimeout},
		{&cfg.WriteTimeout, DefaultWriteTimeout}, {&cfg.IdleTimeout, DefaultIdleTimeout}} {
		if *d.p <= 0 {
			*d.p = d.v
		}
	}
	maxConns := cfg.MaxConns
	if maxConns <= 0 && cfg.Roles != nil {
		maxConns = cfg.Roles.MaxConns
	}
	if maxConns <= 0 {
		maxConns = DefaultMaxConns
	}
	mode := DefaultSocketMode
	if cfg.Roles != nil && cfg.Roles.SocketMode != 0 {
		mode = cfg.Roles.SocketMode
	}

	if err := makeDir(filepath.Dir(cfg.Path)); err != nil {
		return nil, err
	}
	if err := removeStale(cfg.Path); err != nil {
		return nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: cfg.Path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("admin: listen on %s: %w", cfg.Path, err)
	}
	if err := os.Chmod(cfg.Path, mode); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin: chmod socket: %w", err)
	}
	base, stop := context.WithCancel(context.Background())
	s := &Server{
		cfg: cfg, eng: eng, ln: ln, log: cfg.Log, own: cfg.OwnUID, max: maxConns,
		base: base, stop: stop, conns: map[*conn]struct{}{}, symNames: map[uint32]string{},
	}
	s.rates.sample(eng.Stats())
	s.log.Info("admin: listening", "path", cfg.Path, "mode", fmt.Sprintf("%04o", mode), "max_conns", maxConns, "own_uid", s.own)
	s.wg.Add(2)
	go s.acceptLoop()
	go s.sampleLoop()
	return s, nil
}

// makeDir creates dir with mode 0700 (and its missing parents) when it is
// missing.
func makeDir(dir string) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("admin: socket directory %s is not a directory", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("admin: socket directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("admin: create socket directory: %w", err)
	}
	// The umask may have taken bits from 0700; set it exactly.
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("admin: create socket directory: %w", err)
	}
	return nil
}

// removeStale removes a socket file at path that nobody listens on.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("admin: socket: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("admin: %s exists and is not a socket", path)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("%w: %s", ErrListening, path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("admin: check for another engine on %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("admin: remove stale socket: %w", err)
	}
	return nil
}

// Addr returns the socket's path.
func (s *Server) Addr() string { return s.cfg.Path }

// Close stops the server: it closes the listener and every connection,
// waits for their goroutines (an Engine call in progress is canceled), and
// removes the socket file.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.stop()
	err := s.ln.Close() // removes the socket file
	for c := range s.conns {
		c.closing.Store(true)
		c.nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.log.Info("admin: closed", "path", s.cfg.Path)
	if err != nil {
		return fmt.Errorf("admin: close: %w", err)
	}
	return nil
}

// acceptLoop accepts connections until the listener is closed.
func (s *Server) acceptLoop() {
	defer s.wg.Done()
	var backoff time.Duration
	for {
		nc, err := s.ln.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors and the like: wait and retry, as
			// net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warn("admin: accept", "err", err)
			select {
			case <-time.After(backoff):
			case <-s.base.Done():
				return
			}
			continue
		}
		backoff = 0
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(nc)
	}
}

// sampleLoop samples the engine's stats once a second for the rates.
func (s *Server) sampleLoop() {
	defer s.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.rates.sample(s.eng.Stats())
		case <-s.base.Done():
			return
		}
	}
}

// rateSampler keeps the last two samples of the engine's stats, taken about
// a second apart, to compute rates over the last second.
type rateSampler struct {
	mu         sync.Mutex
	prev, last Stats
}

func (r *rateSampler) sample(st Stats) {
	r.mu.Lock()
	r.prev, r.last = r.last, st
	r.mu.Unlock()
}

// rates returns the rates up to cur: from the latest sample at least half
// a second older than cur, else the one before.
func (r *rateSampler) rates(cur Stats) Rates {
	r.mu.Lock()
	base := r.last
	if cur.NowNS-base.NowNS < int64(500*time.Millisecond) {
		base = r.prev
	}
	r.mu.Unlock()
	return RatesBetween(base, cur)
}

// peerCred returns the credentials of the process on the other end of c.
func peerCred(c *net.UnixConn) (Peer, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return Peer{}, fmt.Errorf("admin: peer credentials: %w", err)
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return Peer{}, fmt.Errorf("admin: peer credentials: %w", err)
	}
	if cerr != nil {
		return Peer{}, fmt.Errorf("admin: peer credentials: %w", cerr)
	}
	return Peer{UID: cred.Uid, GID: cred.Gid, PID: cred.Pid}, nil
}

// logPeer returns the log attributes of a peer.
func logPeer(p Peer) []any {
	return []any{"uid", p.UID, "gid", p.GID, "pid", p.PID}
}

// serve runs one connection: check the peer, then read commands and answer
// them until the peer quits or goes away.
func (s *Server) serve(nc *net.UnixConn) {
	defer s.wg.Done()
	defer nc.Close()
	peer, err := peerCred(nc)
	if err != nil {
		s.log.Warn("admin: refused", "reason", err.Error())
		return
	}
	role := s.cfg.Roles.Role(peer, s.own)
	if role == RoleNone {
		s.refuse(nc, peer, errResult{Error: fmt.Sprintf("uid %d has no role", peer.UID), Denied: true})
		return
	}
	c := &conn{nc: nc, peer: peer, role: role}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if len(s.conns) >= s.max {
		s.mu.Unlock()
		s.refuse(nc, peer, errResult{Error: fmt.Sprintf("too many connections (at most %d)", s.max)})
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	s.log.Info("admin: connected", append(logPeer(peer), "role", role.String())...)
	why := s.run(c)
	// Gone before it is logged: whoever reads "disconnected" finds the
	// connection no longer counted (TestStuckClient).
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.log.Info("admin: disconnected", append(logPeer(peer), "reason", why)...)
}

// refuse answers a connection it will not serve with one line, and logs it.
func (s *Server) refuse(nc *net.UnixConn, peer Peer, r errResult) {
	s.log.Warn("admin: refused", append(logPeer(peer), "reason", r.Error)...)
	var b bytes.Buffer
	render(&b, r, false)
	nc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	nc.Write(b.Bytes())
}
