package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/tradeengine/engine/admin"
)

// adminSocketName is the admin socket's name in the journal directory,
// where `engine run --journal DIR` opens it unless --admin says otherwise.
const adminSocketName = "admin.sock"

// exitCodeError ends a command with a given exit status.
type exitCodeError struct {
	code int
	err  error
}

func (e exitCodeError) Error() string { return e.err.Error() }
func (e exitCodeError) Unwrap() error { return e.err }

// exitConnect is ctl's exit status when it cannot reach the engine.
const exitConnect = 2

// cmdCtl is the admin socket's client: one command, an interactive
// session, or the live view (ctl top).
func cmdCtl(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ctl", "[--socket PATH | --journal DIR] [COMMAND...] | top [--once] [--interval D]")
	socket := fs.String("socket", "", "the engine's admin socket (default: $ENGINE_ADMIN, else DIR/"+adminSocketName+" with --journal)")
	jdir := fs.String("journal", "", "the running engine's journal `DIR`: connect to its "+adminSocketName)
	once := fs.Bool("once", false, "top: print exactly one frame")
	interval := fs.Duration("interval", time.Second, "top: refresh interval")
	if err := parseOnly(fs, args, stdout); err != nil {
		return err
	}
	set := given(fs)
	rest := fs.Args()
	isTop := len(rest) > 0 && rest[0] == "top"
	if isTop {
		// top's own flags may follow it.
		if err := parseOnly(fs, rest[1:], stdout); err != nil {
			return err
		}
		set = given(fs)
		if fs.NArg() > 0 {
			return usageError{fmt.Sprintf("top: unexpected argument %q", fs.Arg(0))}
		}
	}
	if err := firstErr(
		excludes(set, *socket != "", "cannot go with --socket, which names the socket already", "journal"),
		needs(set, isTop, "top", "once", "interval"),
		positive("interval", *interval),
	); err != nil {
		return err
	}
	path := *socket
	switch {
	case path != "":
	case *jdir != "":
		path = filepath.Join(*jdir, adminSocketName)
	case os.Getenv("ENGINE_ADMIN") != "":
		path = os.Getenv("ENGINE_ADMIN")
	default:
		return usageError{"no socket: give --socket PATH or --journal DIR (or set ENGINE_ADMIN)"}
	}
	c, err := admin.Dial(path)
	if err != nil {
		return exitCodeError{exitConnect, fmt.Errorf("cannot connect to %s: %w", path, err)}
	}
	defer c.Close()

	if isTop {
		ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer cancel()
		opt := admin.TopOptions{Interval: *interval, Once: *once}
		if f, ok := stdout.(*os.File); ok && admin.IsTerminal(f) {
			opt.Terminal = true
			if w, ok := admin.TerminalWidth(f); ok {
				opt.Width = w
			}
		}
		if err := admin.Top(ctx, c, stdout, opt); err != nil {
			return exitCodeError{exitConnect, err}
		}
		return nil
	}
	if len(rest) == 0 {
		if err := admin.Interactive(c, os.Stdin, stdout); err != nil {
			return exitCodeError{exitConnect, err}
		}
		return nil
	}
	ans, isErr, err := c.Do(strings.Join(rest, " "))
	if ans != "" {
		fmt.Fprintln(stdout, ans)
	}
	if err != nil {
		return exitCodeError{exitConnect, err}
	}
	if isErr {
		return exitCodeError{1, errors.New("the engine answered with an error")}
	}
	return nil
}
