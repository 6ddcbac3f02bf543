package ring

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// mustPanic runs f and fails unless it panics with a message containing want.
func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one containing %q", want)
		}
		if msg := fmt.Sprint(r); !strings.Contains(msg, want) {
			t.Fatalf("panic %q, want one containing %q", msg, want)
		}
	}()
	f()
}

// eventually polls cond until it holds. The deadline only turns a hang into a
// clear failure; nothing asserts how long it took.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		runtime.Gosched()
		time.Sleep(100 * time.Microsecond)
	}
}

// newSeq returns a sequencer or fails the test.
func newSeq(t testing.TB, size int, w WaitStrategy) *Sequencer {
	t.Helper()
	s, err := NewSequencer(size, w)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
