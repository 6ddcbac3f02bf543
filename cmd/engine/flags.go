package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// newFlags returns a silent flag set: Parse prints nothing, [parse] turns
// its errors into usage errors (printed once, by mainErr) and prints the
// usage to stdout when asked for it.
func newFlags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("engine "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: engine %s %s\n\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, turning a flag error into a usageError; with -h or
// --help it prints the usage to stdout and returns flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	if err := parseOnly(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// parseOnly is parse that leaves the arguments after the flags alone.
func parseOnly(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		printUsage(fs, stdout)
		return err
	}
	return usageError{err.Error()}
}

// printUsage prints the usage of fs to w.
func printUsage(fs *flag.FlagSet, w io.Writer) {
	fs.SetOutput(w)
	fs.Usage()
	fs.SetOutput(io.Discard)
}

// given returns the names of the flags set on the command line.
func given(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// needs returns a usage error naming the first of flags that was given
// without what it needs ("--durability needs --journal").
func needs(set map[string]bool, ok bool, what string, flags ...string) error {
	if ok {
		return nil
	}
	for _, f := range flags {
		if set[f] {
			return usageError{fmt.Sprintf("--%s needs %s", f, what)}
		}
	}
	return nil
}

// excludes returns a usage error naming the first of flags that was given
// with what it cannot go with ("--events is for the embedded flow, not
// with --feed").
func excludes(set map[string]bool, bad bool, why string, flags ...string) error {
	if !bad {
		return nil
	}
	for _, f := range flags {
		if set[f] {
			return usageError{fmt.Sprintf("--%s %s", f, why)}
		}
	}
	return nil
}

// number is what [positive] and [nonNegative] check.
type number interface {
	~int | ~int64 | ~float64
}

// positive returns a usage error unless v > 0.
func positive[T number](name string, v T) error {
	if v > 0 {
		return nil
	}
	return usageError{fmt.Sprintf("--%s %v: must be positive", name, show(v))}
}

// nonNegative returns a usage error when v < 0.
func nonNegative[T number](name string, v T) error {
	if v >= 0 {
		return nil
	}
	return usageError{fmt.Sprintf("--%s %v: must not be negative", name, show(v))}
}

// show prints durations as durations.
func show(v any) any {
	if d, ok := v.(time.Duration); ok {
		return d.String()
	}
	return v
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// uintFlag is a flag.Value for a uint64 that must not be negative. Unlike
// flag.Uint64, which answers "-5" with "parse error", it takes a negative
// number and [uintFlag.check] says what is wrong with it.
type uintFlag struct {
	v   uint64
	neg string // the negative number given, "" for none
}

func newUint(fs *flag.FlagSet, name string, value uint64, usage string) *uintFlag {
	u := &uintFlag{v: value}
	fs.Var(u, name, usage)
	return u
}

func (u *uintFlag) String() string {
	if u == nil {
		return "0"
	}
	return strconv.FormatUint(u.v, 10)
}

func (u *uintFlag) Set(s string) error {
	if strings.HasPrefix(s, "-") {
		if _, err := strconv.ParseInt(s, 0, 64); err == nil {
			u.neg, u.v = s, 0
			return nil
		}
	}
	v, err := strconv.ParseUint(s, 0, 64)
	if err != nil {
		return errors.New("not a number")
	}
	u.v, u.neg = v, ""
	return nil
}

// check returns a usage error when a negative number was given.
func (u *uintFlag) check(name string) error {
	if u.neg != "" {
		return usageError{fmt.Sprintf("--%s %s: must not be negative", name, u.neg)}
	}
	return nil
}

// checkOutPath checks, before a run starts, that path can be written as an
// output file: it is not a directory, an existing file opens for writing,
// and the directory of a file still to be created (or, with byRename, of
// any file, which is then replaced through a temporary file beside it)
// exists and takes a new file. It neither creates nor truncates path: it
// creates and removes a temporary file beside it.
func checkOutPath(flagName, path string, byRename bool) error {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("--%s %s: %s", flagName, path, fmt.Sprintf(format, a...))
	}
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return fail("is a directory")
	case err == nil && st.Mode().IsRegular():
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return fail("cannot be written: %v", unwrapPath(err))
		}
		f.Close()
		if !byRename {
			return nil
		}
	case err == nil:
		return nil // a device or a pipe, such as /dev/null
	case !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
		return fail("%v", unwrapPath(err))
	}
	dir := filepath.Dir(path)
	st, err = os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fail("directory %s does not exist", dir)
	case err != nil:
		return fail("%v", unwrapPath(err))
	case !st.IsDir():
		return fail("%s is not a directory", dir)
	}
	tmp, err := os.CreateTemp(dir, ".engine-check-*")
	if err != nil {
		return fail("cannot create a file in %s: %v", dir, unwrapPath(err))
	}
	tmp.Close()
	os.Remove(tmp.Name())
	return nil
}

// unwrapPath drops the operation and path of a *PathError, which the
// message around it already names.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
