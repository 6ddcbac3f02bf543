package ring

// Ring pairs a [Sequencer] with the storage of its slots: a []T of Size
// values indexed by seq&(Size-1). Slots are values, so a Ring of pointer-free
// T holds nothing the garbage collector scans.
//
// The writer fills r.Slot(seq) for each claimed seq before publishing it; a
// consumer reads r.Slot(seq) for next <= seq <= avail after WaitFor and before
// Release. The sequencer's barriers order those plain reads and writes.
type Ring[T any] struct {
	buf  []T
	mask int64
	seq  *Sequencer
}

// New returns a ring of size slots (a power of two, at least 2) whose
// sequencer waits with w (nil means [SpinYield]).
func New[T any](size int, w WaitStrategy) (*Ring[T], error) {
	s, err := NewSequencer(size, w)
	if err != nil {
		return nil, err
	}
	return &Ring[T]{buf: make([]T, size), mask: int64(size - 1), seq: s}, nil
}

// Slot returns the slot of sequence seq.
func (r *Ring[T]) Slot(seq int64) *T { return &r.buf[seq&r.mask] }

// Sequencer returns the ring's sequencer.
func (r *Ring[T]) Sequencer() *Sequencer { return r.seq }
