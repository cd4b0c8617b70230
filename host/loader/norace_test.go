//go:build !race

package loader

// raceEnabled tells the fixture build to use -race: a test binary can only
// open plugins built with its own flags.
const raceEnabled = false
