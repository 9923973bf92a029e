//go:build race

package cpu

// raceEnabled: the race detector slows the trainer's arithmetic ~14×, so
// the tests that train to a target accuracy skip under it.
const raceEnabled = true
