// Package replay owns replaying a journaled day: the journal's input
// records (their payload formats: RecordInput, RecordInputPacked,
// RecordInputBlock and RecordCommand, and the EventReader that decodes
// them), the business logic every event goes through (Logic: the risk guard
// in front of the matcher, with the snapshot format of its state), the run
// configurations journaled beside the events (ConfigFile), and the Replayer
// that applies a journal to the logic, each event under the configuration
// it was journaled under.
//
// It is the one replay of the engine: a restart of `engine run` recovers
// its state through it (pipeline), and `engine replay` and `engine audit`
// run it to verify a day against the checkpoints the live run journaled,
// look at the state at a moment, or try another risk configuration.
package replay
