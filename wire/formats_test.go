package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/tradeengine/engine/event"
)

// TestFormatsTable: within a stream a name and an extension each mean one
// format, every feed the engine reads has a decoder, and extensions are
// written as FormatOfPath compares them.
func TestFormatsTable(t *testing.T) {
	names := map[Stream]map[string]bool{}
	exts := map[Stream]map[string]string{}
	for _, f := range Formats {
		if names[f.Stream] == nil {
			names[f.Stream], exts[f.Stream] = map[string]bool{}, map[string]string{}
		}
		if names[f.Stream][f.Name] {
			t.Errorf("%s format %q twice", f.Stream, f.Name)
		}
		names[f.Stream][f.Name] = true
		for _, e := range f.Exts {
			if other, ok := exts[f.Stream][e]; ok {
				t.Errorf("%s extension %s names %s and %s", f.Stream, e, other, f.Name)
			}
			exts[f.Stream][e] = f.Name
			if e != strings.ToLower(e) || !strings.HasPrefix(e, ".") {
				t.Errorf("%s extension %q: want lower case with the dot", f.Name, e)
			}
		}
		if f.Stream == StreamFeed && f.Read && f.Feed == FormatUnknown {
			t.Errorf("feed %s is read but has no decoder", f.Name)
		}
		if !f.Read && !f.Write || f.What == "" {
			t.Errorf("%s %s: read %v write %v, what %q", f.Stream, f.Name, f.Read, f.Write, f.What)
		}
	}
}

func TestFormatOfPath(t *testing.T) {
	tests := []struct {
		stream Stream
		path   string
		want   string // "" for none
	}{
		{StreamFeed, "day.csv", "csv"},
		{StreamFeed, "DAY.CSV", "csv"},
		{StreamFeed, "flow.feed", "native"},
		{StreamFeed, "flow.bin", "native"},
		{StreamFeed, "data/AMZN_2012-06-21_34200000_57600000_message_1.csv", "lobster"},
		{StreamFeed, "dump.jsonl", "jsonl"},
		{StreamFeed, "feed", ""},
		{StreamFeed, "trades.out", ""},
		{StreamOutput, "trades.jsonl", "jsonl"},
		{StreamOutput, "trades.out", "native"},
		{StreamOutput, "trades.bin", "native"},
		{StreamOutput, "trades.csv", "csv"},
		{StreamOutput, "x_message_1.csv", "csv"},
		{StreamOutput, "trades", ""},
	}
	for _, tc := range tests {
		t.Run(tc.stream.String()+"/"+tc.path, func(t *testing.T) {
			f, ok := FormatOfPath(tc.stream, tc.path)
			if got := f.Name; ok != (tc.want != "") || got != tc.want {
				t.Errorf("FormatOfPath = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
}

func TestLookupFormat(t *testing.T) {
	tests := []struct {
		stream Stream
		name   string
		read   bool
		ok     bool
		errHas string
	}{
		{StreamFeed, "CSV", true, true, ""},
		{StreamFeed, "lobster", true, true, ""},
		{StreamFeed, "lobster", false, false, "does not write lobster"},
		{StreamFeed, "jsonl", true, false, "does not read jsonl"},
		{StreamFeed, "jsonl", false, true, ""},
		{StreamFeed, "xml", true, false, "want csv, native, lobster"},
		{StreamOutput, "native", false, true, ""},
		{StreamOutput, "native", true, false, "does not read native"},
		{StreamOutput, "lobster", false, false, "want csv, jsonl, native"},
	}
	for _, tc := range tests {
		t.Run(tc.stream.String()+"/"+tc.name, func(t *testing.T) {
			f, err := LookupFormat(tc.stream, tc.name, tc.read)
			if ok := err == nil; ok != tc.ok {
				t.Fatalf("err %v, want ok %v", err, tc.ok)
			}
			if err != nil {
				if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.errHas) {
					t.Errorf("err %q, want ErrFormat saying %q", err, tc.errHas)
				}
				return
			}
			if !strings.EqualFold(f.Name, tc.name) || f.Stream != tc.stream {
				t.Errorf("got %+v", f)
			}
		})
	}
	if got := FormatNames(StreamFeed, true); !slices.Equal(got, []string{"csv", "native", "lobster", "itch"}) {
		t.Errorf("feed formats read: %v", got)
	}
}

// TestFeedFormat: an explicit name wins, then a native feed's magic, then
// the path's name, then CSV; stdin has no name.
func TestFeedFormat(t *testing.T) {
	var native bytes.Buffer
	enc, err := NewFeedEncoder("native", &native)
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.Flush(); err != nil {
		t.Fatal(err)
	}
	csv := []byte("1,new,AAPL,1,1,buy,limit,100,10\n")
	tests := []struct {
		name, format, path string
		data               []byte
		want               Format
	}{
		{"explicit", "csv", "x.feed", native.Bytes(), FormatCSV},
		{"magic over name", "auto", "x.csv", native.Bytes(), FormatNative},
		{"magic without name", "", "-", native.Bytes(), FormatNative},
		{"lobster by name", "auto", "AMZN_2012-06-21_34200000_57600000_message_1.csv", csv, FormatLOBSTER},
		{"stdin is csv", "auto", "-", csv, FormatCSV},
		{"unknown name is csv", "auto", "feed", csv, FormatCSV},
		{"write-only name is csv", "auto", "dump.jsonl", csv, FormatCSV},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FeedFormat(tc.format, tc.path, bufio.NewReader(bytes.NewReader(tc.data)))
			if err != nil || got != tc.want {
				t.Errorf("FeedFormat = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	if _, err := FeedFormat("xml", "x", bufio.NewReader(bytes.NewReader(csv))); !errors.Is(err, ErrFormat) {
		t.Errorf("xml: %v", err)
	}
}

// TestOpenThroughTable: what NewFeedEncoder writes, OpenFeed reads back, in
// every feed format that has both; every output format has a writer.
func TestOpenThroughTable(t *testing.T) {
	in := []event.In{
		{Kind: event.KindSymbol, Symbol: 0, Aux: mustPack(t, "AAPL")},
		{Kind: event.KindNew, TS: 5, Symbol: 0, Account: 1, ID: 1, Side: event.Buy, Type: event.Limit, Price: 100, Qty: 10},
	}
	for _, name := range FormatNames(StreamFeed, false) {
		spec, _ := LookupFormat(StreamFeed, name, false)
		if !spec.Read {
			continue
		}
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			enc, err := NewFeedEncoder(name, &b)
			if err != nil {
				t.Fatal(err)
			}
			for i := range in {
				if err := enc.Encode(&in[i]); err != nil {
					t.Fatal(err)
				}
			}
			if err := enc.Flush(); err != nil {
				t.Fatal(err)
			}
			d, err := OpenFeed(spec.Feed, &b, FeedOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for i := range in {
				var got event.In
				if err := d.Next(&got); err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				if got.Kind != in[i].Kind || got.ID != in[i].ID || got.Price != in[i].Price || got.Qty != in[i].Qty {
					t.Errorf("event %d: %+v, want %+v", i, got, in[i])
				}
			}
			var end event.In
			if err := d.Next(&end); err != io.EOF {
				t.Errorf("end: %v", err)
			}
		})
	}
	for _, name := range FormatNames(StreamOutput, false) {
		for _, appending := range []bool{false, true} {
			w, err := NewOutWriter(name, io.Discard, appending)
			if name == "itch" && appending {
				// ITCH refers to orders an earlier run published.
				if !errors.Is(err, ErrUnencodable) {
					t.Errorf("output itch appending: %v, want ErrUnencodable", err)
				}
				continue
			}
			if err != nil || w == nil {
				t.Errorf("output %s (appending %v): %v", name, appending, err)
			}
		}
	}
	if _, err := NewOutWriter("xml", io.Discard, false); !errors.Is(err, ErrFormat) {
		t.Errorf("output xml: %v", err)
	}
	if _, err := NewFeedEncoder("lobster", io.Discard); !errors.Is(err, ErrFormat) {
		t.Errorf("feed encoder lobster: %v", err)
	}
}

func mustPack(t *testing.T, name string) uint64 {
	t.Helper()
	p, err := event.PackName(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
