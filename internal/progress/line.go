package progress

import (
	"math"
	"strconv"
	"time"
)

const (
	// numWidth is the width numbers are padded to, that of "999.9K", so
	// that the bar keeps its width as they grow.
	numWidth = 6
	// minBar is the narrowest bar drawn; on a narrower terminal the line
	// has figures only.
	minBar = 5
)

// render appends to dst the line for el of work: '\r', the label, the bar
// and figures when the total is known, the figures alone when it is not,
// cut to b.width columns, and "\x1b[K".
func (b *Bar) render(dst []byte, el time.Duration) []byte {
	rate := float64(b.done) / el.Seconds()
	var num [24]byte
	tail := b.tail[:0]
	if b.total > 0 {
		tail = append(tail, ' ')
		tail = appendPadded(tail, 3, strconv.AppendInt(num[:0], b.percent(), 10))
		tail = append(tail, "%  "...)
		tail = appendPadded(tail, numWidth, appendHuman(num[:0], b.done))
		tail = append(tail, '/')
		tail = appendHuman(tail, b.total)
		tail = append(tail, " events  "...)
		tail = appendPadded(tail, numWidth, appendHuman(num[:0], rateUnits(rate)))
		tail = append(tail, "/s  "...)
		tail = appendLeft(tail, b.total-b.done, rate)
		tail = append(tail, " left"...)
	} else {
		tail = append(tail, "  "...)
		tail = appendPadded(tail, numWidth, appendHuman(num[:0], b.done))
		tail = append(tail, " events  "...)
		tail = appendPadded(tail, numWidth, appendHuman(num[:0], rateUnits(rate)))
		tail = append(tail, "/s"...)
	}
	b.tail = tail

	dst = append(dst, '\r')
	start := len(dst)
	dst = append(dst, b.label...)
	if bw := b.width - len(b.label) - len(" []") - len(tail); b.total > 0 && bw >= minBar {
		dst = append(dst, " ["...)
		dst = b.appendBar(dst, bw)
		dst = append(dst, ']')
	}
	dst = append(dst, tail...)
	if len(dst)-start > b.width {
		dst = dst[:start+max(b.width, 0)]
	}
	return append(dst, "\x1b[K"...)
}

// percent returns the whole percentage of the total done, at most 100.
func (b *Bar) percent() int64 {
	if b.done >= b.total {
		return 100
	}
	return int64(float64(max(b.done, 0)) * 100 / float64(b.total))
}

// appendBar appends a bar of width columns: '=' for the part done, '>' at
// its head while work remains, spaces for the rest.
func (b *Bar) appendBar(dst []byte, width int) []byte {
	filled := width
	if b.done < b.total {
		filled = min(int(float64(width)*float64(max(b.done, 0))/float64(b.total)), width)
	}
	for i := range width {
		switch {
		case i < filled-1 || (i == filled-1 && b.done >= b.total):
			dst = append(dst, '=')
		case i == filled-1:
			dst = append(dst, '>')
		default:
			dst = append(dst, ' ')
		}
	}
	return dst
}

// appendLeft appends the time the remaining units take at rate, rounded up
// to a second, as H:MM:SS; "-:--:--" when the rate is 0.
func appendLeft(dst []byte, remaining int64, rate float64) []byte {
	if remaining <= 0 {
		remaining = 0
	}
	secs := 0.0
	if remaining > 0 {
		if rate <= 0 {
			return append(dst, "-:--:--"...)
		}
		secs = math.Ceil(float64(remaining) / rate)
	}
	if secs > 1e9 { // some 30 years: not worth a figure
		return append(dst, "-:--:--"...)
	}
	s := int64(secs)
	dst = strconv.AppendInt(dst, s/3600, 10)
	dst = append(dst, ':', byte('0'+s/60%60/10), byte('0'+s/60%10), ':', byte('0'+s%60/10), byte('0'+s%10))
	return dst
}

// rateUnits returns rate rounded to whole units, 0 for a rate that is not a
// finite positive number.
func rateUnits(rate float64) int64 {
	if !(rate > 0) || rate >= math.MaxInt64 {
		return 0
	}
	return int64(rate + 0.5)
}

// appendPadded appends s right-aligned in width columns.
func appendPadded(dst []byte, width int, s []byte) []byte {
	for i := len(s); i < width; i++ {
		dst = append(dst, ' ')
	}
	return append(dst, s...)
}
