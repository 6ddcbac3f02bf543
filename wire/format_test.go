package wire

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want Format
		err  error
	}{
		{"native", encodeFeed(t, goldenFeed()), FormatNative, nil},
		{"native header only", header(FeedMagic, 1, 64, 0), FormatNative, nil},
		{"csv", []byte("1,new,AAPL,1,1,buy,limit,1,1\n"), FormatCSV, nil},
		{"csv comment", []byte("# TEFEED\r\n"), FormatCSV, nil},
		{"short", []byte("TEF"), FormatCSV, nil},
		{"empty", nil, FormatCSV, nil},
		{"output stream", header(OutMagic, 1, 64, 0), FormatUnknown, ErrOutStream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReader(bytes.NewReader(tt.data))
			f, err := Sniff(br)
			if f != tt.want || !errors.Is(err, tt.err) {
				t.Fatalf("got %v, %v; want %v, %v", f, err, tt.want, tt.err)
			}
			if br.Buffered() != min(len(tt.data), br.Size()) && len(tt.data) > 0 {
				t.Fatalf("sniff consumed input")
			}
			if tt.want == FormatNative {
				if _, err := NewNativeDecoder(br); err != nil {
					t.Fatalf("decoder after sniff: %v", err)
				}
			}
		})
	}
	t.Run("read error", func(t *testing.T) {
		if _, err := Sniff(bufio.NewReader(&errReader{err: errDisk})); !errors.Is(err, errDisk) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{FormatNative, FormatCSV, FormatLOBSTER} {
		for _, s := range []string{f.String(), strings.ToUpper(f.String())} {
			if got, err := ParseFormat(s); err != nil || got != f {
				t.Fatalf("ParseFormat(%q) = %v, %v", s, got, err)
			}
		}
	}
	for _, s := range []string{"", "unknown", "json", "nat"} {
		if _, err := ParseFormat(s); !errors.Is(err, ErrFormat) {
			t.Fatalf("ParseFormat(%q): %v, want ErrFormat", s, err)
		}
	}
	if Format(99).String() != "format?" {
		t.Fatal(Format(99).String())
	}
}

func TestDecodeErrorMessage(t *testing.T) {
	tests := []struct {
		err  *DecodeError
		want string
	}{
		{&DecodeError{Line: 12, Err: badValue(ErrSide, []byte("x"), 6, "side")}, `wire: line 12: bad side "x" (field 6, side)`},
		{&DecodeError{Offset: 4112, Err: &problem{sentinel: ErrTruncated, detail: "3 of 64 bytes"}}, "wire: offset 4112: truncated frame: 3 of 64 bytes"},
		{&DecodeError{Line: 1, Err: errDisk}, "wire: line 1: disk on fire"},
		{&DecodeError{}, "wire: offset 0: unknown error"},
		{&DecodeError{Line: 2, Err: badValue(ErrNumber, bytes.Repeat([]byte("9"), 100), 1, "ts")}, `wire: line 2: bad number "` + strings.Repeat("9", maxQuoted) + `" (field 1, ts)`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
