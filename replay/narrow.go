package replay

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/tradeengine/engine/event"
)

// OutEncoder writes output events in one of the output formats (wire's
// OutCSV, OutJSON, OutNative): what the live run wrote its output file
// with.
type OutEncoder interface {
	Write(o *event.Out) error
	Flush() error
}

// Narrow finds the first input whose outputs differ between the live run
// and a replay, inside the divergence d: it replays the journal from its
// first event up to d.Seq, encodes each input's outputs as the live run
// did (newEnc gives an encoder of the live output file's format) and
// compares them with the live output file, live, byte for byte. It sets
// d.FirstSeq and the two encodings at that input; it leaves d alone when the
// outputs agree up to d.Seq (the state differs without an output showing
// it yet). The replay runs under o (FromStart and Until are set here); the
// live file must hold the run's whole output stream from the journal's first
// event, as `engine run --out` writes it across restarts.
func Narrow(dir string, o Options, d *Divergence, live io.Reader, newEnc func(io.Writer) (OutEncoder, error)) error {
	o.FromStart, o.Until, o.UntilTS = true, d.Seq, 0
	s, err := Open(dir, o)
	if err != nil {
		return err
	}
	defer s.Close()
	if s.Snapshot != nil || s.Journal.FirstSeq != 1 {
		return fmt.Errorf("replay: narrowing needs the journal from its first event; it starts at %d", s.Journal.FirstSeq)
	}
	var buf bytes.Buffer
	enc, err := newEnc(&buf)
	if err != nil {
		return fmt.Errorf("replay: narrowing: %w", err)
	}
	br := bufio.NewReaderSize(live, 1<<20)
	want := make([]byte, 0, 4096)
	for s.Next() {
		for _, o := range s.Outs() {
			if err := enc.Write(&o); err != nil {
				return fmt.Errorf("replay: narrowing: %w", err)
			}
		}
		if err := enc.Flush(); err != nil {
			return fmt.Errorf("replay: narrowing: %w", err)
		}
		got := buf.Bytes()
		want = want[:len(got)]
		n, _ := io.ReadFull(br, want)
		if n < len(got) || !bytes.Equal(got, want) {
			d.FirstSeq = s.In().Seq
			d.Replayed = clip(got)
			d.Live = clip(want[:n])
			return nil
		}
		buf.Reset()
	}
	return s.Err()
}

// clip returns b as text, cut to a readable length.
func clip(b []byte) string {
	const max = 2000
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
