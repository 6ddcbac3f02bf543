//go:build linux

package ring

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestAllowedCPUs(t *testing.T) {
	cpus, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	if len(cpus) == 0 || !slices.IsSorted(cpus) {
		t.Fatalf("AllowedCPUs() = %v, want a sorted non-empty list", cpus)
	}
	if n := runtime.NumCPU(); len(cpus) != n {
		t.Errorf("AllowedCPUs() has %d cpus, runtime.NumCPU() = %d", len(cpus), n)
	}
}

func TestPinErrors(t *testing.T) {
	cpus, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	outside := cpus[len(cpus)-1] + 1 // not in the allowed set (and likely no such cpu)
	tests := []struct {
		name string
		cpu  int
	}{
		{"negative", -1},
		{"4096", 4096},
		{"past the allowed set", outside},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := "cpu " + strconv.Itoa(tt.cpu)
			ran := false
			done, err := GoPinned(tt.cpu, func() { ran = true })
			if !errors.Is(err, ErrCPU) || done != nil || !strings.Contains(err.Error(), want) {
				t.Errorf("GoPinned(%d) = %v, %v; want nil and an error wrapping ErrCPU naming %q", tt.cpu, done, err, want)
			}
			if ran {
				t.Errorf("GoPinned(%d) ran fn despite the error", tt.cpu)
			}
			pinErr := make(chan error)
			go func() { pinErr <- PinCurrent(tt.cpu) }()
			if err := <-pinErr; !errors.Is(err, ErrCPU) || !strings.Contains(err.Error(), want) {
				t.Errorf("PinCurrent(%d) = %v; want an error wrapping ErrCPU naming %q", tt.cpu, err, want)
			}
		})
	}
}

// TestGoPinnedAffinity reads back the affinity of a pinned goroutine's thread
// for every allowed cpu.
func TestGoPinnedAffinity(t *testing.T) {
	cpus, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	for _, cpu := range cpus {
		t.Run("cpu="+strconv.Itoa(cpu), func(t *testing.T) {
			var got unix.CPUSet
			var getErr error
			done, err := GoPinned(cpu, func() { getErr = unix.SchedGetaffinity(0, &got) })
			if err != nil {
				t.Fatal(err)
			}
			<-done
			if getErr != nil {
				t.Fatal(getErr)
			}
			if got.Count() != 1 || !got.IsSet(cpu) {
				t.Errorf("pinned thread's affinity has %d cpus (cpu %d set: %v), want exactly {%d}", got.Count(), cpu, got.IsSet(cpu), cpu)
			}
		})
	}
}

// TestPinCurrentUnpin pins the calling goroutine, checks the affinity, and
// checks that Unpin restores the allowed set.
func TestPinCurrentUnpin(t *testing.T) {
	cpus, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	cpu := cpus[len(cpus)-1]
	errc := make(chan error)
	go func() {
		if err := PinCurrent(cpu); err != nil {
			errc <- err
			return
		}
		var set unix.CPUSet
		if err := unix.SchedGetaffinity(0, &set); err != nil {
			errc <- err
			return
		}
		if set.Count() != 1 || !set.IsSet(cpu) {
			errc <- errors.New("pinned affinity is not exactly the cpu")
			return
		}
		if err := Unpin(); err != nil {
			errc <- err
			return
		}
		// Still on the same thread? Not guaranteed after Unpin; ask the
		// thread we are on now, which must have the full set either way.
		if err := unix.SchedGetaffinity(0, &set); err != nil {
			errc <- err
			return
		}
		if set.Count() != len(cpus) {
			errc <- errors.New("thread affinity after Unpin is not the allowed set")
			return
		}
		errc <- nil
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// pinChildEnv makes the test binary, re-run as a child, try to pin to the cpu
// it names and exit with the outcome.
const pinChildEnv = "RING_TEST_PIN_CHILD_CPU"

// TestPinNotAllowed starts a child process whose allowed set is only the
// first cpu (a child inherits the affinity of the thread that forks it) and
// checks there that pinning to another, existing cpu fails with ErrCPU.
func TestPinNotAllowed(t *testing.T) {
	if v := os.Getenv(pinChildEnv); v != "" {
		return // the child's work is done by TestMain-less pinChild below
	}
	cpus, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	if len(cpus) < 2 {
		t.Skip("needs two allowed cpus")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		out []byte
		err error
	}
	res := make(chan result)
	go func() {
		// Fork from a thread whose affinity is {cpus[0]}; the goroutine exits
		// locked, so the runtime discards that thread afterwards.
		if err := PinCurrent(cpus[0]); err != nil {
			res <- result{nil, err}
			return
		}
		cmd := exec.Command(exe, "-test.run=^TestPinChild$", "-test.v")
		cmd.Env = append(os.Environ(), pinChildEnv+"="+strconv.Itoa(cpus[1]))
		out, err := cmd.CombinedOutput()
		res <- result{out, err}
	}()
	r := <-res
	if r.err != nil {
		t.Fatalf("child: %v\n%s", r.err, r.out)
	}
	if !strings.Contains(string(r.out), "--- PASS: TestPinChild") {
		t.Fatalf("child did not run TestPinChild:\n%s", r.out)
	}
}

// TestPinChild is the child half of TestPinNotAllowed; it does nothing in a
// normal run.
func TestPinChild(t *testing.T) {
	v := os.Getenv(pinChildEnv)
	if v == "" {
		t.Skip("only runs as the child of TestPinNotAllowed")
	}
	cpu, err := strconv.Atoi(v)
	if err != nil {
		t.Fatal(err)
	}
	cpus, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(cpus, cpu) {
		t.Fatalf("cpu %d is in the child's allowed set %v; the parent's restriction did not apply", cpu, cpus)
	}
	done, err := GoPinned(cpu, func() { t.Error("fn ran on a cpu outside the allowed set") })
	if !errors.Is(err, ErrCPU) || done != nil {
		t.Fatalf("GoPinned(%d) = %v, %v; want an error wrapping ErrCPU", cpu, done, err)
	}
	if !strings.Contains(err.Error(), "cpu "+v+": not in the allowed set") {
		t.Errorf("error %q does not say the cpu is outside the allowed set", err)
	}
}
