package matcher

import "github.com/tradeengine/engine/event"

// nilSlot ends a linked list of pool slots.
const nilSlot int32 = -1

// order is one resting order, a pointer-free value in the pool. Orders at a
// price level form a doubly linked FIFO list through prev and next; a free
// slot is linked into the free list through next.
type order struct {
	id      uint64        // 0:8
	price   int64         // 8:16  ticks
	qty     int64         // 16:24 open quantity, lots
	account uint32        // 24:28
	symbol  uint32        // 28:32
	prev    int32         // 32:36 slot of the order ahead in time priority
	next    int32         // 36:40 slot of the order behind, or the next free slot
	side    event.Side    // 40
	typ     event.OrdType // 41
	stp     event.STP     // 42
}

// pool is the order storage: a slice of values indexed by int32 slot, with a
// free list. It grows by reallocation when exhausted, up to max slots.
type pool struct {
	orders []order
	free   int32 // head of the free list, nilSlot when empty
	max    int
}

func newPool(initial, max int) pool {
	p := pool{free: nilSlot, max: max}
	p.extend(initial)
	return p
}

// extend grows the pool to n slots and links the new ones into the free
// list, lowest slot first.
func (p *pool) extend(n int) {
	old := len(p.orders)
	if n <= old {
		return
	}
	grown := make([]order, n)
	copy(grown, p.orders)
	for i := n - 1; i >= old; i-- {
		grown[i].next = p.free
		p.free = int32(i)
	}
	p.orders = grown
}

// alloc returns a free slot. The caller guarantees (through the resting
// order count and MaxOrders) that a slot exists or can be added.
func (p *pool) alloc() int32 {
	if p.free == nilSlot {
		p.extend(min(max(2*len(p.orders), 16), p.max))
	}
	s := p.free
	p.free = p.orders[s].next
	return s
}

// release puts slot s back on the free list.
func (p *pool) release(s int32) {
	p.orders[s] = order{next: p.free}
	p.free = s
}
