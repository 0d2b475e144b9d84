//go:build !race

package testrace

// Enabled is true when the race detector is on (go test -race).
const Enabled = false
