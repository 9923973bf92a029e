//go:build race

package agent

// raceEnabled: the race detector slows the agent ~15×; throughput tests
// scale down.
const raceEnabled = true
