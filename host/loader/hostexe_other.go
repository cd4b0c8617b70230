//go:build !unix

package loader

import (
	"io"
	"os"
)

// mapHostExecutable reads the running executable, for its package hashes.
func mapHostExecutable(path string) ([]byte, func(), error) {
	data, err := os.ReadFile(path)
	return data, func() {}, err
}

// mapFile reads the first size bytes of f, where there is no mmap.
func mapFile(f *os.File, size int64) ([]byte, func(), error) {
	data := make([]byte, size)
	_, err := f.ReadAt(data, 0)
	if err == io.EOF {
		err = nil
	}
	return data, func() {}, err
}
