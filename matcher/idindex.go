package matcher

// minIndexSize is the smallest order id index the engine uses: 4096 entries
// of 16 bytes, 64 KiB. The index (internal/idindex) maps order ids to pool
// slots; it starts this small and doubles in place as resting orders grow,
// so that a small book stays in cache.
const minIndexSize = 1 << 12
