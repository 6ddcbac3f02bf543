package replay

import "github.com/tradeengine/engine/event"

// Alter makes the replays run with o an altered logic: it applies, instead
// of every input, the copy of it f changed.
func Alter(o *Options, f func(in *event.In)) { o.alter = f }
