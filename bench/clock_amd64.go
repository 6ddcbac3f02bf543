package bench

import (
	"os"
	"strings"
)

// rdtsc returns the processor's time-stamp counter (RDTSC). It is not
// serializing: a read may move a few instructions earlier or later, which is
// below the resolution this suite reports.
func rdtsc() int64

// invariantTSC reports whether the time-stamp counter ticks at a constant
// rate that does not stop in idle states and is trusted by the kernel, so
// that readings on different cores can be compared: /proc/cpuinfo lists
// constant_tsc and nonstop_tsc, and the kernel's clocksource is tsc (the
// kernel only keeps tsc when it found the counters synchronised).
func invariantTSC() bool {
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return false
	}
	flags := ""
	for line := range strings.SplitSeq(string(info), "\n") {
		if strings.HasPrefix(line, "flags") {
			flags = " " + line + " "
			break
		}
	}
	if !strings.Contains(flags, " constant_tsc ") || !strings.Contains(flags, " nonstop_tsc ") {
		return false
	}
	cs, err := os.ReadFile("/sys/devices/system/clocksource/clocksource0/current_clocksource")
	return err == nil && strings.TrimSpace(string(cs)) == "tsc"
}
