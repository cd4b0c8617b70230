//go:build unix

package loader

import (
	"os"
	"syscall"
)

// mapHostExecutable maps the running executable read-only, for its package
// hashes: they are a few kilobytes of a file of tens of megabytes, and a
// mapping reads only the pages looked at. The executable is the host's own
// and cannot change while it runs (the kernel refuses writes to a running
// executable), so, unlike a plugin, it can be read in place.
func mapHostExecutable(path string) ([]byte, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	return mapFile(f, fi.Size())
}

// mapFile maps the first size bytes of f read-only. Only files nobody else
// can change are mapped: the host's executable and the loader's private
// copies.
func mapFile(f *os.File, size int64) ([]byte, func(), error) {
	if size == 0 {
		return nil, func() {}, nil
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return data, func() { syscall.Munmap(data) }, nil
}
