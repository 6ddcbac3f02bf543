package admin

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseRoles(t *testing.T) {
	tests := []struct {
		name, file string
		want       *Roles
	}{
		{"no file content", "", &Roles{}},
		{"no section", "[global]\ntick_usd = 0.01\n[defaults]\nmax_order_qty = 10\n", &Roles{}},
		{"section", `
# the risk sections are skipped, whatever keys they hold
[global]
uid 5 = admin
anything = at all
[admin]   # operators
uid 1001 = view        # alice
uid 1002 = none
  gid   27   =   operate
uid 0 = admin
max_connections = 4
socket_mode = 0660
[account 7]
uid 9 = admin
`, &Roles{
			UID:      map[uint32]Role{1001: RoleView, 1002: RoleNone, 0: RoleAdmin},
			GID:      map[uint32]Role{27: RoleOperate},
			MaxConns: 4, SocketMode: 0o660,
		}},
		{"mode without leading zero", "[admin]\nsocket_mode = 666\n", &Roles{SocketMode: 0o666}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRoles(strings.NewReader(tt.file), "risk.conf")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseRolesErrors(t *testing.T) {
	tests := []struct{ file, err string }{
		{"[admin]\nuid 1001 = viewer\n", `risk.conf:2: uid 1001: unknown role "viewer": want view, operate, admin or none`},
		{"[admin]\nuid = view\n", "risk.conf:2: uid : want a number from 0 to 4294967295"},
		{"[admin]\nuid x = view\n", "risk.conf:2: uid x: want a number from 0 to 4294967295"},
		{"[admin]\nuid 4294967296 = view\n", "risk.conf:2: uid 4294967296: want a number from 0 to 4294967295"},
		{"[admin]\n\n# c\nuid 7 = view\nuid 007 = admin\n", "risk.conf:5: uid 7 listed twice (line 4)"},
		{"[admin]\ngid 7 = view\nuid 7 = view\ngid 7 = admin\n", "risk.conf:4: gid 7 listed twice (line 2)"},
		{"[admin]\nuser alice = view\n", `risk.conf:2: unknown key "user alice": want uid N = ROLE, gid N = ROLE, max_connections = N or socket_mode = MODE`},
		{"[admin]\nuid 7 view\n", `risk.conf:2: "uid 7 view" is neither a section header nor key = value`},
		{"[admin]\n= view\n", "risk.conf:2: missing key before ="},
		{"[admin]\nuid 7 =\n", "risk.conf:2: uid 7: missing value"},
		{"[admin]\nmax_connections = 0\n", `risk.conf:2: max_connections: "0" is not a number from 1 to 1024`},
		{"[admin]\nmax_connections = 1025\n", `risk.conf:2: max_connections: "1025" is not a number from 1 to 1024`},
		{"[admin]\nmax_connections = 2\nmax_connections = 3\n", "risk.conf:3: max_connections set twice (line 2)"},
		{"[admin]\nmax_connections 2 = 3\n", `risk.conf:2: max_connections takes no argument, got "2"`},
		{"[admin]\nsocket_mode = 0610\n", `risk.conf:2: socket_mode: "0610" is not an octal mode with rw for the owner and no more than rw for others (0600, 0660, 0666)`},
		{"[admin]\nsocket_mode = 0700\n", `risk.conf:2: socket_mode: "0700" is not an octal mode with rw for the owner and no more than rw for others (0600, 0660, 0666)`},
		{"[admin]\nsocket_mode = 0400\n", `risk.conf:2: socket_mode: "0400" is not an octal mode with rw for the owner and no more than rw for others (0600, 0660, 0666)`},
		{"[admin]\n[global]\n[admin]\n", "risk.conf:3: duplicate section [admin] (first at line 1)"},
		{"[admin x]\n", `risk.conf:1: [admin] takes no argument, got "x"`},
		{"[global]\n[admin\n", `risk.conf:2: section header "[admin" not closed with ]`},
		{"[admin]\n" + strings.Repeat("#", 5000) + "\n", "risk.conf:2: line longer than 4096 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.err, func(t *testing.T) {
			_, err := ParseRoles(strings.NewReader(tt.file), "risk.conf")
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want a *ConfigError", err)
			}
			if err.Error() != tt.err {
				t.Fatalf("err = %q\nwant  %q", err, tt.err)
			}
		})
	}
}

// TestRolesRole checks how a peer's role is found.
func TestRolesRole(t *testing.T) {
	const own = 500
	r := &Roles{
		UID: map[uint32]Role{1001: RoleView, 1002: RoleNone, 0: RoleOperate},
		GID: map[uint32]Role{27: RoleAdmin},
	}
	tests := []struct {
		roles *Roles
		peer  Peer
		want  Role
	}{
		{nil, Peer{UID: own}, RoleAdmin},
		{nil, Peer{UID: 0}, RoleNone},
		{&Roles{}, Peer{UID: 0, GID: 0}, RoleNone},
		{&Roles{UID: map[uint32]Role{own: RoleView}}, Peer{UID: own}, RoleAdmin}, // own uid cannot be demoted
		{r, Peer{UID: 1001, GID: 1001}, RoleView},
		{r, Peer{UID: 1001, GID: 27}, RoleView},  // the uid's entry wins
		{r, Peer{UID: 1002, GID: 27}, RoleNone},  // even when it is none
		{r, Peer{UID: 1003, GID: 27}, RoleAdmin}, // the gid's entry
		{r, Peer{UID: 1003, GID: 28}, RoleNone},
		{r, Peer{UID: 0, GID: 0}, RoleOperate}, // root only as listed
	}
	for _, tt := range tests {
		if got := tt.roles.Role(tt.peer, own); got != tt.want {
			t.Errorf("%+v in %+v: %s, want %s", tt.peer, tt.roles, got, tt.want)
		}
	}
	for r := RoleNone; r <= RoleAdmin; r++ {
		if p, ok := ParseRole(r.String()); !ok || p != r {
			t.Errorf("ParseRole(%q) = %v, %v", r.String(), p, ok)
		}
	}
}

// formatRoles writes r as an [admin] section.
func formatRoles(r *Roles) string {
	var b strings.Builder
	b.WriteString("[admin]\n")
	for _, kind := range []struct {
		name string
		m    map[uint32]Role
	}{{"uid", r.UID}, {"gid", r.GID}} {
		ids := make([]uint32, 0, len(kind.m))
		for id := range kind.m {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			fmt.Fprintf(&b, "%s %d = %s\n", kind.name, id, kind.m[id])
		}
	}
	if r.MaxConns != 0 {
		fmt.Fprintf(&b, "max_connections = %d\n", r.MaxConns)
	}
	if r.SocketMode != 0 {
		fmt.Fprintf(&b, "socket_mode = %04o\n", r.SocketMode)
	}
	return b.String()
}

func FuzzParseRoles(f *testing.F) {
	f.Add("")
	f.Add("[admin]\nuid 1 = view\ngid 2 = operate\nmax_connections = 3\nsocket_mode = 0660\n")
	f.Add("[global]\nx = y\n[admin] # c\nuid 0 = admin # root\n[symbol A]\n")
	f.Add("[admin]\nuid 1 = view\nuid 1 = view\n")
	f.Add("[admin\n")
	f.Fuzz(func(t *testing.T, file string) {
		r, err := ParseRoles(strings.NewReader(file), "f")
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Line < 1 {
				t.Fatalf("error %v: not a *ConfigError with a line", err)
			}
			return
		}
		for _, m := range []map[uint32]Role{r.UID, r.GID} {
			for id, role := range m {
				if role > RoleAdmin {
					t.Fatalf("id %d: role %d", id, role)
				}
			}
		}
		if r.MaxConns < 0 || r.MaxConns > maxMaxConns || r.SocketMode&^fs.FileMode(0o666) != 0 {
			t.Fatalf("out of range: %+v", r)
		}
		again, err := ParseRoles(strings.NewReader(formatRoles(r)), "f")
		if err != nil {
			t.Fatalf("%q: %v", formatRoles(r), err)
		}
		if !reflect.DeepEqual(again, r) {
			t.Fatalf("%+v -> %q -> %+v", r, formatRoles(r), again)
		}
	})
}
