package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/tradeengine/engine/internal/faultfs"
	"github.com/tradeengine/engine/risk"
)

// The run configuration: what of a run's configuration changes the logic's
// answers (the matcher's limits and the risk guard's configuration, which
// includes the tick scaling of a LOBSTER feed), journaled at the start of
// every run as a file in the journal directory:
//
//	00000000000000000001.config   the configuration in force from sequence 1
//	00000000000000052411.config   ... and from 52411, where a run changed it
//
// A file holds the configuration as JSON (matcher, then risk: null when the
// guard is off), written crash-safely before the run journals its first
// event; a run that starts with the configuration already in force writes
// none. A restart under another configuration is refused unless
// pipeline.JournalConfig.AllowConfigChange is set; recovery replays every event under
// the configuration that was in force when it was first applied, whatever the
// restart's own, so a restart never changes what the journal's past means.
// The files are never deleted by retention: they are small and one is
// written only when a configuration changes.
const configExt = ".config"

// ErrConfigChanged is wrapped by the error of a restart whose configuration
// differs from the one in force in the journal, without AllowConfigChange.
var ErrConfigChanged = errors.New("replay: configuration differs from the journal's")

// runConfig is the journaled part of a configuration.
type runConfig struct {
	Matcher matcherAnswers `json:"matcher"`
	Risk    *risk.Config   `json:"risk"`
}

// matcherAnswers is the part of matcher.Config that changes answers; the
// rest only sizes preallocations.
type matcherAnswers struct {
	MaxSymbols    int   `json:"max_symbols"`
	MaxOrders     int   `json:"max_orders"`
	ProtectionBps int64 `json:"protection_bps"`
}

// EncodeConfig returns the journaled configuration of cfg, encoded.
func EncodeConfig(cfg *Config) []byte {
	rc := runConfig{Matcher: matcherAnswers{cfg.Matcher.MaxSymbols, cfg.Matcher.MaxOrders, cfg.Matcher.ProtectionBps}, Risk: cfg.Risk}
	b, err := json.Marshal(rc)
	if err != nil {
		panic(fmt.Sprintf("replay: run configuration: %v", err)) // only plain values: cannot fail
	}
	return b
}

// ApplyConfig returns cfg with the journaled configuration raw in force.
func ApplyConfig(cfg Config, raw []byte) (Config, error) {
	var rc runConfig
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rc); err != nil {
		return cfg, fmt.Errorf("replay: run configuration: %w", err)
	}
	cfg.Matcher.MaxSymbols, cfg.Matcher.MaxOrders, cfg.Matcher.ProtectionBps = rc.Matcher.MaxSymbols, rc.Matcher.MaxOrders, rc.Matcher.ProtectionBps
	cfg.Matcher.InitialOrders = min(cfg.Matcher.InitialOrders, cfg.Matcher.MaxOrders)
	cfg.Risk = rc.Risk
	return cfg, nil
}

// ConfigFile is one journaled configuration.
type ConfigFile struct {
	Seq uint64 // first sequence it is in force for
	Raw []byte // in EncodeConfig's encoding
}

// ReadConfigs reads the journaled configurations in dir, oldest first.
func ReadConfigs(dir string) ([]ConfigFile, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("replay: run configurations: %w", err)
	}
	var cs []ConfigFile
	for _, e := range ents {
		name := e.Name()
		num, ok := strings.CutSuffix(name, configExt)
		if !ok || len(num) != 20 {
			continue
		}
		seq, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("replay: run configuration: %w", err)
		}
		c, err := ApplyConfig(Config{}, raw)
		if err != nil {
			return nil, fmt.Errorf("replay: %s: %w", filepath.Join(dir, name), err)
		}
		// Compared in today's encoding: a configuration journaled by an
		// older engine (before a setting existed, which then takes its
		// default) is the same configuration when it decodes the same.
		cs = append(cs, ConfigFile{Seq: seq, Raw: EncodeConfig(&c)})
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Seq < cs[j].Seq })
	return cs, nil
}

// InForce returns the index of the configuration in force for seq in cs,
// -1 when none is.
func InForce(cs []ConfigFile, seq uint64) int {
	i := sort.Search(len(cs), func(i int) bool { return cs[i].Seq > seq })
	return i - 1
}

// WriteConfig journals raw as the configuration in force from seq.
func WriteConfig(dir string, seq uint64, raw []byte) error {
	if err := faultfs.WriteFileSynced(dir, fmt.Sprintf("%020d%s", seq, configExt), raw); err != nil {
		return fmt.Errorf("replay: run configuration: %w", err)
	}
	return nil
}

// ConfigDiff names the settings that differ between two encoded
// configurations, at most max of them.
func ConfigDiff(a, b []byte, max int) []string {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return []string{"(unreadable)"}
	}
	var diffs []string
	var walk func(path string, x, y any)
	walk = func(path string, x, y any) {
		if len(diffs) >= max {
			return
		}
		xm, xok := x.(map[string]any)
		ym, yok := y.(map[string]any)
		if xok && yok {
			keys := make([]string, 0, len(xm))
			for k := range xm {
				keys = append(keys, k)
			}
			for k := range ym {
				if _, ok := xm[k]; !ok {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(strings.TrimPrefix(path+"."+k, "."), xm[k], ym[k])
			}
			return
		}
		if !reflect.DeepEqual(x, y) {
			diffs = append(diffs, fmt.Sprintf("%s: journal %s, now %s", path, short(x), short(y)))
		}
	}
	walk("", x, y)
	return diffs
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}
