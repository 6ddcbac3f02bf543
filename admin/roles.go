package admin

import (
	"errors"
	"fmt"
	"github.com/tradeengine/engine/internal/conf"
	"io"
	"io/fs"
	"strconv"
	"strings"
)

// Role is what a peer may do on the admin socket. Each role may do
// everything the roles below it may.
type Role uint8

// Roles, lowest first.
const (
	// RoleNone may not connect.
	RoleNone Role = iota
	// RoleView may read: status, stats, guards, limits, pending, book,
	// orders.
	RoleView
	// RoleOperate may also trip kill switches, pause and deny held orders.
	RoleOperate
	// RoleAdmin may also clear kill switches, resume, approve held orders,
	// change limits, snapshot and shut the engine down.
	RoleAdmin
)

var roleNames = [...]string{"none", "view", "operate", "admin"}

// String returns "none", "view", "operate" or "admin".
func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return "role" + strconv.Itoa(int(r))
}

// Allows reports whether a peer with role r may run v.
func (r Role) Allows(v Verb) bool { return r != RoleNone && r >= v.Role() }

// ParseRole returns the role named s ("none", "view", "operate", "admin").
func ParseRole(s string) (Role, bool) {
	for i, n := range roleNames {
		if s == n {
			return Role(i), true
		}
	}
	return RoleNone, false
}

// DefaultMaxConns is the number of connections the server serves at once
// when neither [ServerConfig.MaxConns] nor the [admin] section says.
const DefaultMaxConns = 16

// maxMaxConns bounds max_connections.
const maxMaxConns = 1024

// DefaultSocketMode is the mode of the socket file: only the engine's user
// may connect (root too, whose permission checks the kernel skips; the
// roles still apply to it).
const DefaultSocketMode fs.FileMode = 0o600

// Roles says which peers may use the admin socket and how. The zero value
// (or nil) lets only the engine's own uid in, as admin. The engine's own
// uid is always admin; any other peer (root included) has the role of its
// uid's entry if there is one, else of its gid's entry (the peer's
// effective gid as SO_PEERCRED reports it; supplementary groups are not
// seen), else none.
type Roles struct {
	UID map[uint32]Role // by peer uid
	GID map[uint32]Role // by peer gid, for uids without an entry
	// MaxConns is max_connections; 0 when not set.
	MaxConns int
	// SocketMode is socket_mode, the permission bits of the socket file;
	// 0 when not set ([DefaultSocketMode]).
	SocketMode fs.FileMode
}

// Role returns the role of peer p for an engine running as uid own.
func (r *Roles) Role(p Peer, own uint32) Role {
	if p.UID == own {
		return RoleAdmin
	}
	if r == nil {
		return RoleNone
	}
	if role, ok := r.UID[p.UID]; ok {
		return role
	}
	if role, ok := r.GID[p.GID]; ok {
		return role
	}
	return RoleNone
}

// ErrConfig is wrapped by every [*ConfigError].
var ErrConfig = errors.New("admin: bad [admin] section")

// ConfigError is an [admin] section refused by [ParseRoles]: its Error is
// "name:line: reason", as the risk configuration's errors are. It wraps
// [ErrConfig].
type ConfigError struct {
	Name string // the file name given to ParseRoles
	Line int    // 1-based
	Msg  string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg) }

// Unwrap returns [ErrConfig].
func (e *ConfigError) Unwrap() error { return ErrConfig }

// ParseRoles reads a whole risk configuration file and parses only its
// [admin] section (see the package documentation for its syntax); the other
// sections are the risk parser's and are skipped (the syntax of every line is checked, see internal/conf). A file without an
// [admin] section gives the default: empty Roles. Errors are
// [*ConfigError]s naming the file (as name) and line.
func ParseRoles(r io.Reader, name string) (*Roles, error) {
	p := rolesParser{name: name, roles: &Roles{}, uids: map[uint32]int{}, gids: map[uint32]int{}, keys: map[string]int{}}
	err := conf.Scan(r, func(l conf.Line) error {
		p.line = l.N
		return p.parseLine(l)
	})
	var se *conf.SyntaxError
	switch {
	case errors.As(err, &se):
		return nil, &ConfigError{Name: name, Line: se.Line, Msg: se.Msg}
	case err != nil && !errors.As(err, new(*ConfigError)):
		return nil, fmt.Errorf("admin: read roles from %s: %w", name, err)
	case err != nil:
		return nil, err
	}
	return p.roles, nil
}

// rolesParser is the state of one ParseRoles.
type rolesParser struct {
	name    string
	line    int
	inAdmin bool
	seen    int // line of the [admin] header, 0 before it
	roles   *Roles
	uids    map[uint32]int // entry -> line
	gids    map[uint32]int
	keys    map[string]int // other keys -> line
}

func (p *rolesParser) errorf(format string, args ...any) error {
	return &ConfigError{Name: p.name, Line: p.line, Msg: fmt.Sprintf(format, args...)}
}

// parseLine takes one header or key = value line of the file.
func (p *rolesParser) parseLine(l conf.Line) error {
	if l.IsSection {
		kind, arg, _ := strings.Cut(l.Section, " ")
		p.inAdmin = kind == "admin"
		if !p.inAdmin {
			return nil
		}
		if strings.TrimSpace(arg) != "" {
			return p.errorf("[admin] takes no argument, got %q", strings.TrimSpace(arg))
		}
		if p.seen != 0 {
			return p.errorf("duplicate section [admin] (first at line %d)", p.seen)
		}
		p.seen = p.line
		return nil
	}
	if !p.inAdmin {
		return nil
	}
	key, val := strings.Join(strings.Fields(l.Key), " "), l.Value
	kind, arg, _ := strings.Cut(key, " ")
	switch kind {
	case "uid", "gid":
		return p.entry(kind, arg, val)
	case "max_connections", "socket_mode":
		if arg != "" {
			return p.errorf("%s takes no argument, got %q", kind, arg)
		}
		if prev, dup := p.keys[kind]; dup {
			return p.errorf("%s set twice (line %d)", kind, prev)
		}
		p.keys[kind] = p.line
		if kind == "max_connections" {
			n, err := strconv.ParseUint(val, 10, 16)
			if err != nil || n < 1 || n > maxMaxConns {
				return p.errorf("max_connections: %q is not a number from 1 to %d", val, maxMaxConns)
			}
			p.roles.MaxConns = int(n)
			return nil
		}
		m, err := strconv.ParseUint(val, 8, 32)
		if err != nil || m&^0o666 != 0 || m&0o600 != 0o600 {
			return p.errorf("socket_mode: %q is not an octal mode with rw for the owner and no more than rw for others (0600, 0660, 0666)", val)
		}
		p.roles.SocketMode = fs.FileMode(m)
		return nil
	}
	return p.errorf("unknown key %q: want uid N = ROLE, gid N = ROLE, max_connections = N or socket_mode = MODE", key)
}

// entry parses "uid N = ROLE" or "gid N = ROLE".
func (p *rolesParser) entry(kind, arg, val string) error {
	id, err := strconv.ParseUint(arg, 10, 32)
	if err != nil || arg == "" {
		return p.errorf("%s %s: want a number from 0 to %d", kind, arg, uint32(1<<32-1))
	}
	role, ok := ParseRole(val)
	if !ok {
		return p.errorf("%s %d: unknown role %q: want view, operate, admin or none", kind, id, val)
	}
	lines, m := p.uids, &p.roles.UID
	if kind == "gid" {
		lines, m = p.gids, &p.roles.GID
	}
	if prev, dup := lines[uint32(id)]; dup {
		return p.errorf("%s %d listed twice (line %d)", kind, id, prev)
	}
	lines[uint32(id)] = p.line
	if *m == nil {
		*m = map[uint32]Role{}
	}
	(*m)[uint32(id)] = role
	return nil
}
