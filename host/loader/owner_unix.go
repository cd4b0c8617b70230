//go:build unix

package loader

import (
	"io/fs"
	"os"
	"syscall"
)

// fileOwner returns the uid owning fi.
func fileOwner(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// openReadFlags opens a file that was a regular file when it was stat'ed
// but may have been swapped since: O_NONBLOCK, so that opening a named pipe
// returns at once instead of waiting for a writer (the fstat after the
// open then refuses it), and O_NOCTTY, so that a terminal swapped in does
// not become the host's controlling terminal.
const openReadFlags = os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_NOCTTY

// setBlocking undoes openReadFlags' O_NONBLOCK once f is known to be a
// regular file, so that reads are the ordinary blocking reads every file
// system implements; Linux ignores the flag for regular files, not every
// file system driver need.
func setBlocking(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.SetNonblock(int(fd), false) }); err != nil {
		return err
	}
	return serr
}
