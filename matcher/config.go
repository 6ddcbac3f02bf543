package matcher

import (
	"errors"
	"fmt"
)

// ErrConfig reports a [Config] that [New] refuses; it is wrapped with the
// field at fault.
var ErrConfig = errors.New("matcher: bad config")

// Limits on [Config] fields.
const (
	maxSymbolsLimit = 1 << 20 // books are a slice indexed by symbol id
	maxOrdersLimit  = 1 << 30 // pool slots are int32
	maxLevelsLimit  = 1 << 20 // preallocated levels per side
	maxBpsLimit     = 10000   // a protection band of at most 100%
)

// Config sizes an [Engine]. Every size must be positive; use
// [DefaultConfig] and change what you need.
type Config struct {
	// MaxSymbols bounds symbol ids: a symbol id is < MaxSymbols. At most
	// 1<<20.
	MaxSymbols int
	// MaxOrders is the hard cap on resting orders: a limit or post-only
	// order arriving when that many rest is rejected with ReasonCapacity.
	// At most 1<<30.
	MaxOrders int
	// InitialOrders is the number of order slots, and of order ids in the
	// id index, allocated up front: size it for the steady state. Within
	// it, nothing allocates; the pool and the index grow past it, up to
	// MaxOrders, by reallocation. (The index in use starts at 4096 entries
	// and doubles in place as resting orders grow, so a small book stays
	// in cache.) At most MaxOrders.
	InitialOrders int
	// InitialLevels is the number of price levels allocated per side of
	// each book, when the side first gets an order (a symbol defined and
	// never traded costs no level memory). At most 1<<20; a side grows
	// past it by reallocation.
	InitialLevels int
	// ProtectionBps is the market order protection band in basis points of
	// the best opposite price, 0 to 10000 (a band of 0 still allows one
	// tick).
	ProtectionBps int64
	// HashKey keys the hash of the order id index (see internal/idindex),
	// so that a feed cannot choose order ids that collide in it. The
	// caller chooses it per journal and keeps it secret from the feed's
	// senders (the pipeline passes the journal's id); 0 is a fixed default
	// key. It changes where ids sit in the index, never an answer, and it
	// is part of the state ([Engine.AppendState]), so that a loaded engine
	// keeps the key it was written with.
	HashKey uint64
}

// DefaultConfig returns the default sizes: 1<<16 symbols, 1<<24 resting
// orders at most, 1<<20 preallocated, 256 levels per side and a 500 bps (5%)
// market protection band.
func DefaultConfig() Config {
	return Config{
		MaxSymbols:    1 << 16,
		MaxOrders:     1 << 24,
		InitialOrders: 1 << 20,
		InitialLevels: 256,
		ProtectionBps: 500,
	}
}

// validate returns an error wrapping [ErrConfig] for the first field out of
// range.
func (c Config) validate() error {
	switch {
	case c.MaxSymbols <= 0 || c.MaxSymbols > maxSymbolsLimit:
		return fmt.Errorf("%w: MaxSymbols %d, want 1 to %d", ErrConfig, c.MaxSymbols, maxSymbolsLimit)
	case c.MaxOrders <= 0 || c.MaxOrders > maxOrdersLimit:
		return fmt.Errorf("%w: MaxOrders %d, want 1 to %d", ErrConfig, c.MaxOrders, maxOrdersLimit)
	case c.InitialOrders <= 0 || c.InitialOrders > c.MaxOrders:
		return fmt.Errorf("%w: InitialOrders %d, want 1 to MaxOrders (%d)", ErrConfig, c.InitialOrders, c.MaxOrders)
	case c.InitialLevels <= 0 || c.InitialLevels > maxLevelsLimit:
		return fmt.Errorf("%w: InitialLevels %d, want 1 to %d", ErrConfig, c.InitialLevels, maxLevelsLimit)
	case c.ProtectionBps < 0 || c.ProtectionBps > maxBpsLimit:
		return fmt.Errorf("%w: ProtectionBps %d, want 0 to %d", ErrConfig, c.ProtectionBps, maxBpsLimit)
	}
	return nil
}
