package journal

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tradeengine/engine/internal/faultfs"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output of the scripted tests under testdata/recover/")

// The scripted recovery tests, in the spirit of Pebble's datadriven
// package: each file under testdata/recover/ is a sequence of commands,
// each followed by "----" and the output it must print, then a blank line.
// A journal lives in a fault-injecting file system, so a script can crash
// it, tear its last write, damage sectors, and recover.
//
//	open [seg=4096] [mode=none|batch|sync] [first=1] [truncate-corrupt] [verify-sealed]
//	                             open (or create) the journal; print the recovery report
//	recover [truncate-corrupt] [verify-sealed]
//	                             the same, keeping the options of the last open
//	append n=N [size=64]         append N records; print their range and DurableSeq
//	append-seq seq=S             append one record with sequence S (to test refusals)
//	commit                       Commit; print DurableSeq
//	close                        Close
//	crash [keep=synced|all]      lose what was not synced (power loss) or nothing (process death)
//	crash-at offset=O [seg=S]    power loss during which segment S (default: the newest)
//	                             reached the disk up to offset O of its page cache
//	zero offset=O len=L [seg=S]  overwrite bytes of a segment on the disk with zeros
//	garbage offset=O len=L [seg=S] [seed=1]
//	                             ... with pseudo-random bytes
//	fail op=msync|fsync|fsync-dir|write|create|rename [nth=1] [short=0]
//	                             arm a fault of the file system
//	records                      read every record, checking its payload; print the ranges
//	verify                       print the Verify report
//	segments                     list the segment files

// ddPayload is the payload scripts write: size bytes, none of them zero.
func ddPayload(seq uint64, size int) []byte {
	p := make([]byte, size)
	for i := range p {
		p[i] = 0x80 | byte(seq+uint64(i))
	}
	return p
}

// ddState is a script's world.
type ddState struct {
	t    *testing.T
	fs   *faultfs.Faulty
	dir  string
	opts Options
	j    *Journal
	size map[uint64]int // payload size of each sequence appended
}

func TestScripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "recover", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			runScript(t, file)
		})
	}
}

type ddCase struct {
	line   int
	cmd    string
	pre    []string // comment and blank lines before the command
	want   string
	output string
}

func runScript(t *testing.T, file string) {
	cases := parseScript(t, file)
	st := &ddState{t: t, fs: faultfs.NewFaulty(), dir: t.TempDir(), opts: testOptions(None), size: map[uint64]int{}}
	st.opts.fs = st.fs
	st.opts.id = 0xd00d
	defer func() {
		if st.j != nil {
			st.j.abandon()
		}
	}()
	for i := range cases {
		c := &cases[i]
		c.output = st.run(c.cmd)
		if !*rewrite && c.output != c.want {
			t.Fatalf("%s:%d: %s\ngot:\n%s\nwant:\n%s", file, c.line, c.cmd, c.output, c.want)
		}
	}
	if *rewrite {
		var b strings.Builder
		for i, c := range cases {
			if i > 0 {
				b.WriteString("\n")
			}
			for _, p := range c.pre {
				b.WriteString(p + "\n")
			}
			fmt.Fprintf(&b, "%s\n----\n%s\n", c.cmd, c.output)
		}
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// parseScript splits a script into commands, their expected output, and
// the comments before them.
func parseScript(t *testing.T, file string) []ddCase {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []ddCase
	var pre []string
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			pre = append(pre, line)
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		c := ddCase{line: n, cmd: line, pre: pre}
		pre = nil
		if !sc.Scan() || sc.Text() != "----" {
			t.Fatalf("%s:%d: %q is not followed by ----", file, n, line)
		}
		n++
		var out []string
		for sc.Scan() {
			n++
			if sc.Text() == "" {
				break
			}
			out = append(out, sc.Text())
		}
		c.want = strings.Join(out, "\n")
		cases = append(cases, c)
	}
	if len(pre) > 0 && strings.TrimSpace(strings.Join(pre, "")) != "" {
		t.Fatalf("%s: trailing lines without a command", file)
	}
	return cases
}

// args parses "key=value" and bare "flag" words.
type args map[string]string

func parseArgs(words []string) args {
	a := args{}
	for _, w := range words {
		k, v, _ := strings.Cut(w, "=")
		a[k] = v
	}
	return a
}

func (a args) has(k string) bool { _, ok := a[k]; return ok }

func (a args) int(t *testing.T, k string, def int64) int64 {
	v, ok := a[k]
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("argument %s=%q: %v", k, v, err)
	}
	return n
}

func (st *ddState) run(line string) string {
	t := st.t
	words := strings.Fields(line)
	a := parseArgs(words[1:])
	switch words[0] {
	case "open", "recover":
		if st.j != nil {
			st.j.abandon()
			st.j = nil
		}
		if words[0] == "open" {
			st.opts.SegmentSize = a.int(t, "seg", 4096)
			st.opts.FirstSeq = uint64(a.int(t, "first", 1))
			st.opts.Durability = None
			if m, ok := a["mode"]; ok {
				d, err := ParseDurability(m)
				if err != nil {
					t.Fatal(err)
				}
				st.opts.Durability = d
			}
		}
		o := st.opts
		o.TruncateCorrupt = a.has("truncate-corrupt")
		o.VerifySealed = a.has("verify-sealed")
		j, rep, err := Open(st.dir, o)
		out := ""
		if rep != nil {
			out = rep.String()
		}
		if err != nil {
			return out + st.errString(err)
		}
		st.j = j
		return strings.TrimSuffix(out, "\n")
	case "append":
		n := a.int(t, "n", 1)
		size := int(a.int(t, "size", 64))
		first := st.j.LastSeq() + 1
		for range n {
			seq := st.j.LastSeq() + 1
			if err := st.j.Append(1, seq, int64(seq), ddPayload(seq, size)); err != nil {
				return fmt.Sprintf("appended %s\n%s", seqRange(first, seq-1), st.errString(err))
			}
			st.size[seq] = size
		}
		return fmt.Sprintf("appended %s, durable %d", seqRange(first, st.j.LastSeq()), st.j.DurableSeq())
	case "append-seq":
		seq := uint64(a.int(t, "seq", 0))
		if err := st.j.Append(1, seq, int64(seq), ddPayload(seq, 64)); err != nil {
			return st.errString(err)
		}
		st.size[seq] = 64
		return fmt.Sprintf("appended %d", seq)
	case "commit":
		if err := st.j.Commit(); err != nil {
			return st.errString(err)
		}
		return fmt.Sprintf("durable %d", st.j.DurableSeq())
	case "close":
		err := st.j.Close()
		st.j = nil
		if err != nil {
			return st.errString(err)
		}
		return "closed"
	case "crash":
		st.abandon()
		if a["keep"] == "all" {
			if err := st.fs.CrashProcess(); err != nil {
				t.Fatal(err)
			}
			return "process died: the page cache survives"
		}
		st.fs.Crash()
		return "power lost: unsynced bytes are gone"
	case "crash-at":
		seg := st.segPath(a)
		st.abandon()
		off := a.int(t, "offset", 0)
		if err := st.fs.CrashTorn(seg, off); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("power lost: %s reached the disk up to offset %d", filepath.Base(seg), off)
	case "zero", "garbage":
		// Damage reaches only the disk; a cached file would hide it. So
		// the journal must be closed or crashed, and the cache is dropped
		// (after a close or a crash it holds nothing unsynced).
		if st.j != nil {
			t.Fatalf("%s: close or crash the journal first", words[0])
		}
		st.fs.Crash()
		seg := st.segPath(a)
		off, n := a.int(t, "offset", 0), a.int(t, "len", 512)
		var err error
		if words[0] == "zero" {
			err = faultfs.Zero(seg, off, n)
		} else {
			err = faultfs.Garbage(seg, off, n, uint64(a.int(t, "seed", 1)))
		}
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%s: %s bytes %d..%d", filepath.Base(seg), words[0], off, off+n)
	case "fail":
		ops := map[string]faultfs.Op{"msync": faultfs.OpMsync, "fsync": faultfs.OpSync, "fsync-dir": faultfs.OpSyncDir,
			"write": faultfs.OpWrite, "create": faultfs.OpCreate, "rename": faultfs.OpRename}
		op, ok := ops[a["op"]]
		if !ok {
			t.Fatalf("fail: unknown op %q", a["op"])
		}
		st.fs.Fail(op, int(a.int(t, "nth", 1)), int(a.int(t, "short", 0)))
		return fmt.Sprintf("armed: %v", op)
	case "records":
		return st.records()
	case "verify":
		rep, err := verify(st.fs, st.dir)
		out := strings.TrimSuffix(rep.String(), "\n")
		if err != nil {
			out += "\n" + st.errString(err)
		}
		return out
	case "segments":
		refs, leftovers, err := listDir(st.fs, st.dir)
		if err != nil {
			t.Fatal(err)
		}
		var b []string
		for _, r := range refs {
			b = append(b, filepath.Base(r.path))
		}
		for _, p := range leftovers {
			b = append(b, filepath.Base(p)+" (leftover)")
		}
		return strings.Join(b, "\n")
	}
	t.Fatalf("unknown command %q", line)
	return ""
}

// abandon stops the journal as a crash would.
func (st *ddState) abandon() {
	if st.j != nil {
		st.j.abandon()
		st.j = nil
	}
}

// segPath returns the path of segment seg=S, or of the newest segment.
func (st *ddState) segPath(a args) string {
	if a.has("seg") {
		return filepath.Join(st.dir, segmentName(uint64(a.int(st.t, "seg", 1))))
	}
	refs, _, err := listDir(st.fs, st.dir)
	if err != nil || len(refs) == 0 {
		st.t.Fatalf("no segment: %v", err)
	}
	return refs[len(refs)-1].path
}

// records reads the journal and prints the sequence ranges found, checking
// every payload against what was appended.
func (st *ddState) records() string {
	r, err := newReader(st.fs, st.dir, 0)
	if err != nil {
		return st.errString(err)
	}
	defer r.Close()
	var first, last uint64
	n := 0
	for r.Next() {
		rec := r.Record()
		if size, ok := st.size[rec.Seq]; !ok || string(rec.Payload) != string(ddPayload(rec.Seq, size)) {
			return fmt.Sprintf("record %d does not hold what was appended", rec.Seq)
		}
		if n == 0 {
			first = rec.Seq
		}
		last = rec.Seq
		n++
	}
	out := "no records"
	if n > 0 {
		out = fmt.Sprintf("%s (%d %s)", seqRange(first, last), n, plural(int64(n), "record"))
	}
	if r.Err() != nil {
		out += "\n" + st.errString(r.Err())
	}
	return out
}

// errString prints an error with the sentinels it wraps and without the
// temporary directory.
func (st *ddState) errString(err error) string {
	s := strings.ReplaceAll(err.Error(), st.dir+"/", "")
	var tags []string
	for _, e := range []error{ErrCorrupt, ErrSequence, ErrTooLarge, ErrType, ErrSync, ErrClosed, ErrNotFound, ErrVersion} {
		if errors.Is(err, e) {
			tags = append(tags, strings.TrimPrefix(e.Error(), "journal: "))
		}
	}
	return fmt.Sprintf("error [%s]: %s", strings.Join(tags, ", "), s)
}

func seqRange(first, last uint64) string {
	if last < first {
		return "nothing"
	}
	return fmt.Sprintf("%d..%d", first, last)
}
