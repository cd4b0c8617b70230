//go:build !unix

package loader

import "os"

// mapHostExecutable reads the running executable, for its package hashes.
func mapHostExecutable(path string) ([]byte, func(), error) {
	data, err := os.ReadFile(path)
	return data, func() {}, err
}
