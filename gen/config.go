package gen

import (
	"errors"
	"fmt"
	"math"

	"github.com/tradeengine/engine/event"
)

// MaxSymbols is the largest number of symbols the generator defines (the
// size of a feed's symbol table).
const MaxSymbols = 1 << 16

// ErrConfig reports an invalid [Config].
var ErrConfig = errors.New("gen: bad config")

// Config describes the flow to generate. Start from [DefaultConfig] and change
// what you need: [New] takes every field as given (a zero share means none)
// and rejects values that make no sense.
type Config struct {
	Seed     uint64 // seed of the PCG generator; the same Config gives the same events
	Symbols  int    // number of symbols, 1 to MaxSymbols
	Accounts int    // number of accounts; account ids are 1 to Accounts
	Events   int    // total events, the symbol definitions included (at least Symbols)
	// Rate is the mean number of events per second of event time (Poisson
	// arrivals).
	Rate float64
	// StartTS is the event time of the first event, ns after midnight by
	// default; the symbol definitions all carry it.
	StartTS int64

	// CancelFrac is the share of passive orders later cancelled.
	CancelFrac float64
	// ReplaceFrac is the share of events (after the definitions) that are
	// replaces.
	ReplaceFrac float64
	// MarketableFrac is the share of events that are marketable orders.
	MarketableFrac float64
	// PostOnlyFrac is the share of passive orders sent post-only.
	PostOnlyFrac float64
	// FOKFrac, MarketFrac and LimitTakeFrac are the shares of marketable
	// orders that are FOK, market and limit orders at or through the touch;
	// the rest are IOC.
	FOKFrac, MarketFrac, LimitTakeFrac float64

	// MinPrice and MaxPrice bound the symbols' starting mids, in ticks (drawn
	// log-uniformly). With a tick of $0.01 the default is $20 to $500.
	MinPrice, MaxPrice int64
	// MaxHalfSpread is the largest half-spread in ticks; each symbol gets one
	// from 1 to MaxHalfSpread.
	MaxHalfSpread int64
	// DepthDecay is the parameter p of the geometric number of ticks behind
	// the touch at which a passive order is placed (mean (1-p)/p ticks).
	DepthDecay float64
	// Skew is the popularity exponent: the symbol of rank k (from 0) is picked
	// with weight 1/(k+1)^Skew, and accounts likewise.
	Skew float64
	// Volatility is the probability that a symbol's mid moves one tick up or
	// down each time an event picks the symbol.
	Volatility float64

	// OpenBurst is the length of an opening burst, ns of event time from
	// StartTS (0: none): during it events arrive at OpenBurstFactor times
	// Rate, as at a real open, where the first minutes trade several times
	// the day's average.
	OpenBurst       int64
	OpenBurstFactor float64

	// Scenario mixes a scenario into the flow: "" for none, ScenarioKnight
	// for a router that runs away (see [KnightConfig]).
	Scenario string
	// Knight configures the ScenarioKnight scenario.
	Knight KnightConfig
}

// ScenarioKnight is the Scenario of a Knight Capital style runaway.
const ScenarioKnight = "knight"

// DefaultConfig returns a configuration for 1,000,000 events over 8 symbols
// and 100 accounts at 200,000 events per second from 09:30:00, with 90% of
// passive orders cancelled, 3.5% replaces and 3.5% marketable orders, mids
// from $20 to $500 at a $0.01 tick and half-spreads of 1 to 3 ticks.
func DefaultConfig() Config {
	return Config{
		Seed:           1,
		Symbols:        8,
		Accounts:       100,
		Events:         1_000_000,
		Rate:           200_000,
		StartTS:        (9*3600 + 30*60) * 1e9,
		CancelFrac:     0.9,
		ReplaceFrac:    0.035,
		MarketableFrac: 0.035,
		PostOnlyFrac:   0.02,
		FOKFrac:        0.05,
		MarketFrac:     0.15,
		LimitTakeFrac:  0.25,
		MinPrice:       2_000,
		MaxPrice:       50_000,
		MaxHalfSpread:  3,
		DepthDecay:     0.35,
		Skew:           1.0,
		Volatility:     0.02,
		Knight:         DefaultKnight(),
	}
}

// Validate reports the first field of c that makes no sense, wrapping
// [ErrConfig].
func (c *Config) Validate() error {
	share := func(name string, v float64) error {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("%w: %s %v not in [0, 1]", ErrConfig, name, v)
		}
		return nil
	}
	switch {
	case c.Symbols < 1 || c.Symbols > MaxSymbols:
		return fmt.Errorf("%w: symbols %d not in [1, %d]", ErrConfig, c.Symbols, MaxSymbols)
	case c.Accounts < 1 || int64(c.Accounts) >= int64(event.Any):
		return fmt.Errorf("%w: accounts %d not in [1, %d)", ErrConfig, c.Accounts, event.Any)
	case c.Events < c.Symbols:
		return fmt.Errorf("%w: events %d fewer than the %d symbol definitions", ErrConfig, c.Events, c.Symbols)
	case !(c.Rate > 0) || math.IsInf(c.Rate, 0):
		return fmt.Errorf("%w: rate %v not a positive number", ErrConfig, c.Rate)
	case c.StartTS < 0:
		return fmt.Errorf("%w: start ts %d negative", ErrConfig, c.StartTS)
	case c.MinPrice < 1 || c.MaxPrice < c.MinPrice || c.MaxPrice > event.MaxPrice/2:
		return fmt.Errorf("%w: price range [%d, %d] not within [1, %d]", ErrConfig, c.MinPrice, c.MaxPrice, event.MaxPrice/2)
	case c.MaxHalfSpread < 1 || c.MaxHalfSpread > c.MinPrice:
		return fmt.Errorf("%w: max half-spread %d not in [1, min price %d]", ErrConfig, c.MaxHalfSpread, c.MinPrice)
	case !(c.DepthDecay > 0 && c.DepthDecay <= 1):
		return fmt.Errorf("%w: depth decay %v not in (0, 1]", ErrConfig, c.DepthDecay)
	case !(c.Skew >= 0 && c.Skew <= 10):
		return fmt.Errorf("%w: skew %v not in [0, 10]", ErrConfig, c.Skew)
	}
	for _, s := range []struct {
		name string
		v    float64
	}{
		{"cancel share", c.CancelFrac}, {"replace share", c.ReplaceFrac}, {"marketable share", c.MarketableFrac},
		{"post-only share", c.PostOnlyFrac}, {"FOK share", c.FOKFrac}, {"market share", c.MarketFrac},
		{"limit-take share", c.LimitTakeFrac}, {"volatility", c.Volatility},
	} {
		if err := share(s.name, s.v); err != nil {
			return err
		}
	}
	if c.ReplaceFrac+c.MarketableFrac >= 1 {
		return fmt.Errorf("%w: replace share %v + marketable share %v leave no room for passive orders", ErrConfig, c.ReplaceFrac, c.MarketableFrac)
	}
	if c.FOKFrac+c.MarketFrac+c.LimitTakeFrac > 1 {
		return fmt.Errorf("%w: FOK %v + market %v + limit-take %v shares exceed 1", ErrConfig, c.FOKFrac, c.MarketFrac, c.LimitTakeFrac)
	}
	if c.OpenBurst < 0 || c.OpenBurst > 0 && !(c.OpenBurstFactor >= 1 && c.OpenBurstFactor <= 100) {
		return fmt.Errorf("%w: opening burst of %dns at %v times the rate: want a length >= 0 and a factor from 1 to 100", ErrConfig, c.OpenBurst, c.OpenBurstFactor)
	}
	switch c.Scenario {
	case "":
	case ScenarioKnight:
		if err := c.Knight.validate(c); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w: unknown scenario %q, want %q or none", ErrConfig, c.Scenario, ScenarioKnight)
	}
	return nil
}

// EventsThrough returns about how many events c's flow holds up to t ns of
// event time after StartTS: the symbol definitions, the normal flow at Rate
// (OpenBurstFactor times it during the opening burst) and, with
// ScenarioKnight, the router's events. The count is the expectation of the
// random arrivals; a flow of that many events ends within a few
// milliseconds of t at the default rate. Set Events to it to make a flow
// that reaches t, such as past the knight's Start.
func (c *Config) EventsThrough(t int64) int {
	secs := float64(max(t, 0)) / 1e9
	n := c.Rate * secs
	if c.OpenBurst > 0 {
		n += c.Rate * (c.OpenBurstFactor - 1) * float64(min(c.OpenBurst, max(t, 0))) / 1e9
	}
	if c.Scenario == ScenarioKnight {
		k := &c.Knight
		before := float64(min(k.Start, max(t, 0))) / 1e9
		after := float64(max(t-k.Start, 0)) / 1e9
		n += k.NormalRate*before + k.Rate*after
		if !k.NoParents {
			n += float64(2 * min(k.Symbols, c.Symbols))
		}
	}
	return c.Symbols + int(math.Ceil(n))
}
