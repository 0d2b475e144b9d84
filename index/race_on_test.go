//go:build race

package index

// raceOn: the race detector slows the tests that replay many queries
// several-fold; they use fewer articles under it (CI), the full sizes
// without (the figures of the README).
const raceOn = true
