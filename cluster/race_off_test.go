//go:build !race

package cluster_test

const raceOn = false
