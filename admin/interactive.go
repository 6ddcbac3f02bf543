package admin

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/sys/unix"
)

// Prompt is what [Interactive] writes before each command it reads from a
// terminal.
const Prompt = "engine> "

// Interactive runs `engine ctl` without a command: it reads command lines
// from in, sends each to the server with c, and writes each answer to out
// followed by an empty line, as the protocol frames it. When in is a
// terminal it writes [Prompt] before each line. Blank lines are skipped
// and a line longer than [MaxLine] is refused without being sent. It
// returns nil at the end of in or after quit, and an error when the
// connection fails (the server closed it, say).
func Interactive(c *Client, in io.Reader, out io.Writer) error {
	term := readerIsTerminal(in)
	r := bufio.NewReaderSize(in, MaxLine+2)
	for {
		if term {
			if _, err := io.WriteString(out, Prompt); err != nil {
				return fmt.Errorf("admin: interactive: %w", err)
			}
		}
		line, rerr := readLine(r)
		switch {
		case errors.Is(rerr, errLineTooLong):
			if _, err := fmt.Fprintf(out, "error: line longer than %d bytes\n\n", MaxLine); err != nil {
				return fmt.Errorf("admin: interactive: %w", err)
			}
			continue
		case rerr != nil && !errors.Is(rerr, io.EOF):
			return fmt.Errorf("admin: interactive: read: %w", rerr)
		}
		if strings.TrimSpace(line) != "" {
			ans, _, err := c.Do(line)
			if ans != "" {
				if _, werr := io.WriteString(out, ans+"\n"); werr != nil {
					return fmt.Errorf("admin: interactive: %w", werr)
				}
			}
			if err != nil {
				return err
			}
			if f := strings.Fields(line); f[len(f)-1] == "quit" && (len(f) == 1 || len(f) == 2 && f[0] == "json") {
				return nil
			}
		}
		if rerr != nil { // io.EOF
			if term {
				io.WriteString(out, "\n")
			}
			return nil
		}
	}
}

// readerIsTerminal reports whether r is a file open on a terminal.
func readerIsTerminal(r io.Reader) bool {
	f, ok := r.(interface{ Fd() uintptr })
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
