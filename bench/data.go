package bench

import (
	"os"
	"path/filepath"
	"runtime"
)

// LOBSTERDirName is the directory of the LOBSTER AMZN day, under the
// project's shared data directory (../shared/data beside the checkout).
const LOBSTERDirName = "lobster_amzn_2012-06-21_L1"

// FindLOBSTER looks for the AMZN day's message and orderbook files: in
// dataDir when it is not "" (the LOBSTER directory itself or a data
// directory holding it), else in shared/data relative to the working
// directory and its parents up to three levels, then relative to the source
// tree this package was built from and to the executable. It returns the
// directories it looked in when it finds nothing.
func FindLOBSTER(dataDir string) (messages, orderbook string, looked []string) {
	var dirs []string
	if dataDir != "" {
		dirs = append(dirs, dataDir, filepath.Join(dataDir, LOBSTERDirName))
	} else {
		for _, up := range []string{".", "..", "../..", "../../.."} {
			dirs = append(dirs, filepath.Join(up, "shared", "data", LOBSTERDirName))
		}
		if _, file, _, ok := runtime.Caller(0); ok {
			// file is .../bench/data.go; shared sits beside the checkout.
			dirs = append(dirs, filepath.Join(filepath.Dir(file), "..", "..", "shared", "data", LOBSTERDirName))
		}
		if exe, err := os.Executable(); err == nil {
			dirs = append(dirs, filepath.Join(filepath.Dir(exe), "..", "shared", "data", LOBSTERDirName),
				filepath.Join(filepath.Dir(exe), "..", "..", "shared", "data", LOBSTERDirName))
		}
	}
	for _, d := range dirs {
		msgs, _ := filepath.Glob(filepath.Join(d, "*_message_1.csv"))
		books, _ := filepath.Glob(filepath.Join(d, "*_orderbook_1.csv"))
		if len(msgs) == 1 && len(books) == 1 {
			return msgs[0], books[0], nil
		}
		looked = append(looked, filepath.Clean(d))
	}
	return "", "", looked
}
