//go:build linux

package loader

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// stageLeased stages the plugin open in src without copying it, where the
// kernel can guarantee what the copy guarantees: that the bytes checked are
// the bytes dlopen maps. It takes a read lease on the file, which the
// kernel grants only when nobody has the file open for writing, and which
// holds off anyone who opens it for writing or truncates it until released
// (they wait; see fcntl(2), F_SETLEASE). It then hard-links the very inode
// it opened (through /proc/self/fd, so a path swapped meanwhile does not
// matter) into a new 0700 folder, for plugin.Open: a rename over the
// original path changes nothing there. The checks read the file through a
// read-only mapping. close, after plugin.Open, releases the lease and
// removes the link.
//
// It reports false, having changed nothing, when any step is refused: the
// file is open for writing somewhere, belongs to another user (a lease
// needs the owner or CAP_LEASE), lives on another file system than
// Config.TempDir, or on one without leases (NFS). stage then copies.
func stageLeased(path string, src *os.File, size int64, cfg *Config) (*staged, bool) {
	if size == 0 {
		return nil, false
	}
	fd := int(src.Fd())
	if _, err := fcntl(fd, unix.F_SETLEASE, unix.F_RDLCK); err != nil {
		return nil, false
	}
	release := func() { fcntl(fd, unix.F_SETLEASE, unix.F_UNLCK) }
	dir, err := os.MkdirTemp(cfg.TempDir, "plugkit-loader-")
	if err != nil {
		release()
		return nil, false
	}
	dst := filepath.Join(dir, filepath.Base(path))
	if err := linkat(fmt.Sprintf("/proc/self/fd/%d", fd), dst); err != nil {
		release()
		os.RemoveAll(dir)
		return nil, false
	}
	data, unmap, err := mapFile(src, size)
	if err != nil {
		release()
		os.RemoveAll(dir)
		return nil, false
	}
	// The lease lives with the descriptor: keep it open until close.
	keep, err := dupFile(src)
	if err != nil {
		unmap()
		release()
		os.RemoveAll(dir)
		return nil, false
	}
	st := &staged{path: path, size: size, data: data, copy: dst, hashed: hashAsync(data)}
	st.close = func() {
		st.digest()
		unmap()
		fcntl(int(keep.Fd()), unix.F_SETLEASE, unix.F_UNLCK)
		keep.Close()
		os.RemoveAll(dir)
	}
	return st, true
}

func fcntl(fd, cmd, arg int) (int, error) { return unix.FcntlInt(uintptr(fd), cmd, arg) }

// linkat links the file that the /proc/self/fd symlink at from names to
// to, following that one symlink: the inode open in this process, not
// whatever its path names now.
func linkat(from, to string) error {
	return unix.Linkat(unix.AT_FDCWD, from, unix.AT_FDCWD, to, unix.AT_SYMLINK_FOLLOW)
}

// dupFile duplicates f's descriptor, which shares f's lease.
func dupFile(f *os.File) (*os.File, error) {
	fd, err := unix.Dup(int(f.Fd()))
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}
