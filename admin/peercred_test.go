package admin

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The peer-credential tests run a client as another user: the test binary
// re-executes itself as uid and gid 65534 (nobody), which only root may do,
// running TestPeerCredChild, which sends the lines it is given and prints
// each answer.
//
// What they set up, and why: the child must reach the socket, so the
// socket's directory is made by the test with mode 0711 (traversable, not
// listable) and the test binary is copied into it (go test's build
// directory is private to root). The server's own uid stays root's, so
// the child is a stranger whose role comes only from Roles. The socket
// gets socket_mode 0666 through Roles, because the point is the
// SO_PEERCRED check, which the default mode 0600 would pre-empt: with it
// the kernel refuses the child's connect itself, which the last case
// shows.

const (
	childUID = 65534
	childGID = 65534
	// childEnv names the socket for the child; childLinesEnv the lines it
	// sends, separated by "|".
	childEnv      = "ADMIN_TEST_CHILD_SOCKET"
	childLinesEnv = "ADMIN_TEST_CHILD_LINES"
)

// childResult is one line of the child's report.
type childResult struct {
	Line    string `json:"line"`
	Answer  string `json:"answer"`
	IsErr   bool   `json:"is_err"`
	Err     string `json:"err,omitempty"`
	DialErr string `json:"dial_err,omitempty"`
}

// TestPeerCredChild is the child's side: it does nothing unless run by
// runChild.
func TestPeerCredChild(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("run by TestPeerCredentials as another uid")
	}
	report := func(r childResult) {
		b, _ := json.Marshal(r)
		fmt.Printf("CHILD %s\n", b)
	}
	c, err := Dial(path)
	if err != nil {
		report(childResult{DialErr: err.Error()})
		return
	}
	defer c.Close()
	for line := range strings.SplitSeq(os.Getenv(childLinesEnv), "|") {
		ans, isErr, err := c.Do(line)
		r := childResult{Line: line, Answer: ans, IsErr: isErr}
		if err != nil {
			r.Err = err.Error()
		}
		report(r)
		if err != nil {
			return
		}
	}
}

// runChild runs the copied test binary as childUID, connecting to path and
// sending lines, and returns its report and pid.
func runChild(t *testing.T, bin, path string, lines ...string) ([]childResult, int) {
	t.Helper()
	cmd := exec.Command(bin, "-test.run=^TestPeerCredChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+path, childLinesEnv+"="+strings.Join(lines, "|"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: childUID, Gid: childGID}}
	cmd.Dir = filepath.Dir(bin)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		if errors.Is(err, fs.ErrPermission) {
			t.Skipf("cannot run the test binary as uid %d (a noexec temporary directory?): %v", childUID, err)
		}
		t.Fatal(err)
	}
	var out []childResult
	var rest strings.Builder
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "CHILD ")
		if !ok {
			rest.WriteString(sc.Text() + "\n")
			continue
		}
		var r childResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v\n%s%s", err, rest.String(), stderr.String())
	}
	return out, cmd.Process.Pid
}

// copyFile copies src to dst with mode.
func copyFile(t *testing.T, src, dst string, mode fs.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestPeerCredentials(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root, to run a client as uid 65534")
	}
	dir, err := os.MkdirTemp("", "admin-peercred-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "admin.test")
	copyFile(t, os.Args[0], bin, 0o755)
	path := filepath.Join(dir, "admin.sock")
	other := func(r Role) string {
		return fmt.Sprintf("denied: uid %d has role %s, kill needs operate\n", childUID, r)
	}

	tests := []struct {
		name  string
		roles *Roles
		lines []string
		want  []childResult // Line is filled in from lines
		op    bool          // the kill reached the engine, with the child's peer
	}{
		{
			name:  "uid with role view",
			roles: &Roles{UID: map[uint32]Role{childUID: RoleView}, SocketMode: 0o666},
			lines: []string{"json status", "kill all", "guards"},
			want: []childResult{
				{IsErr: false}, // checked apart
				{Answer: other(RoleView), IsErr: true},
				{Answer: "guards at seq 0: 0\n"},
			},
		},
		{
			name:  "gid with role operate",
			roles: &Roles{GID: map[uint32]Role{childGID: RoleOperate}, SocketMode: 0o666},
			lines: []string{"kill all", "clear all"},
			want: []childResult{
				{Answer: "kill all: seq 1, kill switch tripped\n"},
				{Answer: fmt.Sprintf("denied: uid %d has role operate, clear needs admin\n", childUID), IsErr: true},
			},
			op: true,
		},
		{
			name:  "no role",
			roles: &Roles{UID: map[uint32]Role{childUID + 1: RoleAdmin}, GID: map[uint32]Role{childGID + 1: RoleAdmin}, SocketMode: 0o666},
			lines: []string{"status", "status"},
			want: []childResult{
				{Answer: fmt.Sprintf("denied: uid %d has no role\n", childUID), IsErr: true},
				{Err: "admin: status: admin: connection closed"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, ServerConfig{Path: path, Roles: tt.roles}, nil)
			got, pid := runChild(t, bin, path, tt.lines...)
			if len(got) != len(tt.want) {
				t.Fatalf("child reported %+v", got)
			}
			for i, w := range tt.want {
				w.Line = tt.lines[i]
				g := got[i]
				if i == 0 && tt.lines[0] == "json status" {
					if g.IsErr || !strings.HasPrefix(g.Answer, `{"status":{"running":true`) {
						t.Errorf("json status: %+v", g)
					}
					continue
				}
				if strings.HasPrefix(g.Err, w.Err) && w.Err != "" {
					g.Err = w.Err // the rest names the socket's error
				}
				if g != w {
					t.Errorf("line %d:\ngot  %+v\nwant %+v", i, g, w)
				}
			}
			ops := ts.eng.opsCopy()
			if tt.op {
				if len(ops) != 1 || ops[0].Peer != (Peer{UID: childUID, GID: childGID, PID: int32(pid)}) || ops[0].Text != "kill all" {
					t.Errorf("ops %+v, want one from pid %d", ops, pid)
				}
			} else if len(ops) != 0 {
				t.Errorf("ops %+v", ops)
			}
			ts.logs.waitN(t, 1, "the child's connection or refusal", func(msg string, a map[string]string) bool {
				return (msg == "admin: connected" || msg == "admin: refused") && a["uid"] == fmt.Sprint(childUID) && a["pid"] == fmt.Sprint(pid)
			})
			ts.Close()
		})
	}

	// With the default mode the kernel keeps the child out before any
	// role is looked at.
	t.Run("mode 0600", func(t *testing.T) {
		ts := startServer(t, ServerConfig{Path: path, Roles: &Roles{UID: map[uint32]Role{childUID: RoleAdmin}}}, nil)
		got, _ := runChild(t, bin, path, "status")
		if len(got) != 1 || !strings.Contains(got[0].DialErr, "permission denied") {
			t.Fatalf("child reported %+v", got)
		}
		if n := ts.logs.count(msgIs("admin: connected")); n != 0 {
			t.Fatal("the child got in")
		}
	})
}
