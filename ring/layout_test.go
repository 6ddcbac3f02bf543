package ring

import (
	"testing"
	"unsafe"
)

// TestLayout pins the struct layouts documented in the field comments: sizes,
// offsets, and that the words written on every event by different goroutines
// never share a cache line (nor a 128-byte prefetch pair).
func TestLayout(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the layout comments are for 64-bit platforms")
	}
	var q Sequence
	var s Sequencer
	var c Consumer
	tests := []struct {
		name      string
		got, want uintptr
	}{
		{"Sizeof(Sequence)", unsafe.Sizeof(q), 128},
		{"Offsetof(Sequence.v)", unsafe.Offsetof(q.v), 64},

		{"Sizeof(Sequencer)", unsafe.Sizeof(s), 512},
		{"Offsetof(Sequencer.size)", unsafe.Offsetof(s.size), 0},
		{"Offsetof(Sequencer.mask)", unsafe.Offsetof(s.mask), 8},
		{"Offsetof(Sequencer.wait)", unsafe.Offsetof(s.wait), 16},
		{"Offsetof(Sequencer.gates)", unsafe.Offsetof(s.gates), 32},
		{"Offsetof(Sequencer.next)", unsafe.Offsetof(s.next), 64},
		{"Offsetof(Sequencer.gateCache)", unsafe.Offsetof(s.gateCache), 72},
		{"Offsetof(Sequencer.want)", unsafe.Offsetof(s.want), 80},
		{"Offsetof(Sequencer.closedW)", unsafe.Offsetof(s.closedW), 88},
		{"Offsetof(Sequencer.cursor)", unsafe.Offsetof(s.cursor), 128},
		{"Offsetof(Sequencer.parked)", unsafe.Offsetof(s.parked), 256},
		{"Offsetof(Sequencer.closed)", unsafe.Offsetof(s.closed), 260},
		{"Offsetof(Sequencer.mu)", unsafe.Offsetof(s.mu), 320},
		{"Offsetof(Sequencer.cv)", unsafe.Offsetof(s.cv), 328},

		{"Sizeof(Consumer)", unsafe.Sizeof(c), 256},
		{"Offsetof(Consumer.seq)", unsafe.Offsetof(c.seq), 0},
		{"Offsetof(Consumer.avail)", unsafe.Offsetof(c.avail), 128},
		{"Offsetof(Consumer.want)", unsafe.Offsetof(c.want), 136},
		{"Offsetof(Consumer.s)", unsafe.Offsetof(c.s), 144},
		{"Offsetof(Consumer.deps)", unsafe.Offsetof(c.deps), 152},
		{"Offsetof(Consumer.halted)", unsafe.Offsetof(c.halted), 192},
		{"Offsetof(Consumer.alert)", unsafe.Offsetof(c.alert), 196},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %d, want %d (update the field comments with the layout)", tt.got, tt.want)
			}
		})
	}

	// Words on separate 64-byte lines and separate 128-byte pairs (offsets are
	// relative to the struct, which the allocator places 128-byte aligned:
	// 128, 256 and 512 are size classes whose objects are aligned to 128).
	seqValue := unsafe.Offsetof(s.cursor) + unsafe.Offsetof(s.cursor.v)
	apart := []struct {
		name string
		a, b uintptr
	}{
		// The writer's private words are written on every Claim; the cursor
		// is read by consumers: a shared line would bounce on every Claim.
		{"writer-private vs cursor", unsafe.Offsetof(s.next), seqValue},
		// parked is read by everyone on every Publish and Release and must
		// stay shared-clean: the cursor store must not invalidate it.
		{"cursor vs parked", seqValue, unsafe.Offsetof(s.parked)},
		{"writer-private vs parked", unsafe.Offsetof(s.gateCache), unsafe.Offsetof(s.parked)},
		{"parked vs mutex", unsafe.Offsetof(s.parked), unsafe.Offsetof(s.mu)},
		{"config vs writer-private", unsafe.Offsetof(s.gates), unsafe.Offsetof(s.next)},
		// A consumer's released sequence is written on every Release; its
		// private cache is written on every refill of WaitFor; halted is read
		// by the writer and dependents.
		{"consumer seq vs consumer-private", unsafe.Offsetof(c.seq) + unsafe.Offsetof(c.seq.v), unsafe.Offsetof(c.avail)},
		{"consumer-private vs halted", unsafe.Offsetof(c.deps), unsafe.Offsetof(c.halted)},
	}
	for _, tt := range apart {
		t.Run(tt.name, func(t *testing.T) {
			if tt.a/cacheLine == tt.b/cacheLine {
				t.Errorf("offsets %d and %d share a %d-byte line", tt.a, tt.b, cacheLine)
			}
		})
	}
	pairs := []struct {
		name string
		a, b uintptr
	}{
		{"writer-private vs cursor", unsafe.Offsetof(s.next), seqValue},
		{"cursor vs parked", seqValue, unsafe.Offsetof(s.parked)},
	}
	for _, tt := range pairs {
		t.Run("pair/"+tt.name, func(t *testing.T) {
			if tt.a/(2*cacheLine) == tt.b/(2*cacheLine) {
				t.Errorf("offsets %d and %d share a 128-byte prefetch pair", tt.a, tt.b)
			}
		})
	}

	// Consumers are separate allocations of 256 bytes; one Consumer's hot
	// sequence must be at least a line away from both ends, so that it
	// shares no line with a neighbouring object.
	v := unsafe.Offsetof(c.seq) + unsafe.Offsetof(c.seq.v)
	if v < cacheLine || unsafe.Sizeof(c)-v < cacheLine {
		t.Errorf("consumer sequence at %d is within a line of the struct's ends (size %d)", v, unsafe.Sizeof(c))
	}
}

// TestAlignment checks that heap-allocated sequencers and consumers get the
// 128-byte alignment the layout comments assume.
func TestAlignment(t *testing.T) {
	for range 16 {
		s, err := NewSequencer(8, nil)
		if err != nil {
			t.Fatal(err)
		}
		c := s.NewConsumer()
		if p := uintptr(unsafe.Pointer(s)); p%128 != 0 {
			t.Errorf("sequencer at %#x, not 128-byte aligned", p)
		}
		if p := uintptr(unsafe.Pointer(c)); p%128 != 0 {
			t.Errorf("consumer at %#x, not 128-byte aligned", p)
		}
	}
}
