package matcher

import (
	"errors"
	"testing"
)

func TestNewConfig(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Config)
		ok   bool
	}{
		{"default", func(*Config) {}, true},
		{"smallest", func(c *Config) { *c = Config{MaxSymbols: 1, MaxOrders: 1, InitialOrders: 1, InitialLevels: 1} }, true},
		{"max symbols zero", func(c *Config) { c.MaxSymbols = 0 }, false},
		{"max symbols too many", func(c *Config) { c.MaxSymbols = maxSymbolsLimit + 1 }, false},
		{"max orders zero", func(c *Config) { c.MaxOrders = 0 }, false},
		{"max orders too many", func(c *Config) { c.MaxOrders = maxOrdersLimit + 1 }, false},
		{"initial orders zero", func(c *Config) { c.InitialOrders = 0 }, false},
		{"initial orders above max", func(c *Config) { c.MaxOrders, c.InitialOrders = 10, 11 }, false},
		{"initial levels zero", func(c *Config) { c.InitialLevels = 0 }, false},
		{"initial levels too many", func(c *Config) { c.InitialLevels = maxLevelsLimit + 1 }, false},
		{"negative band", func(c *Config) { c.ProtectionBps = -1 }, false},
		{"band above 100%", func(c *Config) { c.ProtectionBps = 10001 }, false},
		{"band 0", func(c *Config) { c.ProtectionBps = 0 }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.InitialOrders = 16 // keep the test light
			c.edit(&cfg)
			e, err := New(cfg)
			if c.ok != (err == nil) {
				t.Fatalf("New(%+v) error %v, want ok=%v", cfg, err, c.ok)
			}
			if err != nil && !errors.Is(err, ErrConfig) {
				t.Fatalf("error %v does not wrap ErrConfig", err)
			}
			if err == nil && (e == nil || e.Resting() != 0) {
				t.Fatalf("New returned %v", e)
			}
		})
	}
}
