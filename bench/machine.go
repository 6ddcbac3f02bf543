package bench

import (
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/tradeengine/engine/ring"
)

// Machine describes where a run took place.
type Machine struct {
	CPU         string `json:"cpu"`          // model name from /proc/cpuinfo
	Cores       int    `json:"cores"`        // runtime.NumCPU: logical CPUs this process may use
	AllowedCPUs []int  `json:"allowed_cpus"` // the affinity set
	GOMAXPROCS  int    `json:"gomaxprocs"`
	GoVersion   string `json:"go_version"`
	OS          string `json:"os"`
	Arch        string `json:"arch"`
	Kernel      string `json:"kernel"`
	Clocksource string `json:"clocksource"`
	Hostname    string `json:"hostname"`
	LoadAvg     string `json:"load_average"` // /proc/loadavg's 1, 5 and 15 minute figures when the run started
	Date        string `json:"date"`         // RFC 3339, when the run started
}

// DescribeMachine returns the machine this process runs on.
func DescribeMachine(now time.Time) Machine {
	m := Machine{
		CPU:        "unknown",
		Cores:      runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion:  runtime.Version(),
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
		Date:       now.Format(time.RFC3339),
	}
	m.AllowedCPUs, _ = ring.AllowedCPUs()
	if info, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(info), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/sys/devices/system/clocksource/clocksource0/current_clocksource"); err == nil {
		m.Clocksource = strings.TrimSpace(string(b))
	}
	m.Hostname, _ = os.Hostname()
	m.LoadAvg = LoadAverage()
	return m
}

// LoadAverage returns the 1, 5 and 15 minute load averages from
// /proc/loadavg, "" where there is none. On a machine whose CPUs other
// processes share, it says how much of the noise is theirs.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
