package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/tradeengine/engine/internal/progress"
	"github.com/tradeengine/engine/replay"
	"github.com/tradeengine/engine/replay/audit"
)

func cmdAudit(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("audit", "--journal DIR [--out-format text|json|csv|html] [--out FILE]")
	dir := fs.String("journal", "", "the journal directory of the day to audit (required)")
	format := fs.String("out-format", "", "the report's format: text (aligned tables), json, csv or html (one self-contained page with charts) (default: from --out's extension, else text)")
	inFormat := fs.String("format", "", "not for audit, which reads a journal: the report's format is --out-format")
	out := fs.String("out", "", "write the report to FILE (default: stdout)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if *dir == "" {
		return usageError{"--journal is required"}
	}
	if given(fs)["format"] {
		return usageError{fmt.Sprintf("--format %q: --format names the format of an input, and audit reads a journal; the report's format is --out-format", *inFormat)}
	}
	if *format == "" {
		*format = "text"
		switch strings.ToLower(filepath.Ext(*out)) {
		case ".json":
			*format = "json"
		case ".csv":
			*format = "csv"
		case ".html", ".htm":
			*format = "html"
		}
	}
	var write func(r *audit.Report, w io.Writer) error
	switch *format {
	case "text":
		write = (*audit.Report).WriteText
	case "json":
		write = (*audit.Report).WriteJSON
	case "csv":
		write = (*audit.Report).WriteCSV
	case "html":
		write = (*audit.Report).WriteHTML
	default:
		return usageError{fmt.Sprintf("--out-format %q: want text, json, csv or html", *format)}
	}
	if *out != "" && *out != "-" {
		if err := checkOutPath("out", *out, true); err != nil {
			return err
		}
	}
	s, err := replay.Open(*dir, replay.Options{FromStart: true})
	if err != nil {
		return err
	}
	defer s.Close()
	bar := progress.New(stderr, int64(s.Journal.LastSeq-s.Journal.FirstSeq+1), "audit")
	rep, err := audit.FromSession(s, func() { bar.Add(1) })
	stats := bar.Done()
	if err != nil {
		return err
	}
	if *out == "" || *out == "-" {
		err = write(rep, stdout)
	} else {
		err = writeFileAtomic(*out, func(w io.Writer) error { return write(rep, w) })
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	fmt.Fprintf(stderr, "audited %v\n", stats)
	return nil
}
