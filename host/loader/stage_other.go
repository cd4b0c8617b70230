//go:build !linux

package loader

import "os"

// stageLeased needs Linux's file leases; elsewhere stage copies.
func stageLeased(path string, src *os.File, size int64, cfg *Config) (*staged, bool) {
	return nil, false
}
