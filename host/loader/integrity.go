package loader

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// notRegularError says what a path is instead of a regular file. A
// *FileError or *ManifestError with Kind ErrNotRegular carries it as Err.
type notRegularError struct {
	What string // e.g. "a named pipe (FIFO)", "a symlink to a folder"
	Mode fs.FileMode
}

func (e *notRegularError) Error() string { return fmt.Sprintf("%s (mode %v)", e.What, e.Mode) }

// describeFileType names the file type in mode, which is not a regular
// file's.
func describeFileType(mode fs.FileMode) string {
	switch t := mode.Type(); {
	case t&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case t&fs.ModeSocket != 0:
		return "a socket"
	case t&fs.ModeCharDevice != 0:
		return "a character device"
	case t&fs.ModeDevice != 0:
		return "a block device"
	case t&fs.ModeDir != 0:
		return "a folder"
	case t&fs.ModeSymlink != 0:
		return "a symlink"
	}
	return "a special file"
}

// statRegular stats path, following symlinks as opening it would, and
// refuses anything but a regular file before anything opens it: opening a
// named pipe for reading waits for a writer, possibly forever, opening a
// device can have effects of its own, and reading either may never end. It
// returns os.Stat's error unchanged, or a *notRegularError.
func statRegular(path string) (fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		what := describeFileType(fi.Mode())
		// Say so when a symlink led there: the name looks like a file.
		if li, err := os.Lstat(path); err == nil && li.Mode()&fs.ModeSymlink != 0 {
			what = "a symlink to " + what
		}
		return fi, &notRegularError{What: what, Mode: fi.Mode()}
	}
	return fi, nil
}

// openRegular opens path, which statRegular accepted, for reading. The file
// may have been swapped since, so it is opened without blocking (see
// openReadFlags) and the descriptor itself is fstat'ed: a special file
// that got in between is refused with a *notRegularError before a byte is
// read. It returns the opened file's FileInfo.
func openRegular(path string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, openReadFlags, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = &notRegularError{What: "replaced by " + describeFileType(fi.Mode()) + " while it was being opened", Mode: fi.Mode()}
	}
	if err == nil {
		err = setBlocking(f)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// pluginFileError types an error of statRegular or openRegular on the
// plugin at path. permissions says whether permission checks are on: only
// then is an inaccessible file a permission problem rather than a file
// that cannot be found.
func pluginFileError(path string, err error, permissions bool) error {
	var nr *notRegularError
	switch {
	case errors.As(err, &nr):
		return &FileError{Path: path, Kind: ErrNotRegular, Err: err}
	case permissions && errors.Is(err, fs.ErrPermission):
		return &PermissionError{Path: path, Reason: "is not accessible to the host: " + err.Error()}
	}
	return &FileError{Path: path, Kind: ErrNotFound, Err: err}
}

// checkPermissions refuses a plugin file (fi, its Stat), or the folder it
// really lives in (after symlinks, so Bazel runfiles links are judged by
// their targets), that others could change. The caller compares fi with
// what it opens, so that a file swapped in between is noticed.
func checkPermissions(path string, fi fs.FileInfo) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return &FileError{Path: path, Kind: ErrNotFound, Err: err}
	}
	if err := checkOwnerAndMode(path, real, fi, false); err != nil {
		return err
	}
	dir := filepath.Dir(real)
	di, err := os.Stat(dir)
	if err != nil {
		return &FileError{Path: dir, Kind: ErrNotFound, Err: err}
	}
	return checkOwnerAndMode(path, dir, di, true)
}

// checkOwnerAndMode applies the permission rule to one file or folder. A
// writable folder with the sticky bit (like /tmp) is accepted: others can
// add files there but not replace ours.
func checkOwnerAndMode(path, subject string, fi fs.FileInfo, isDir bool) error {
	mode := fi.Mode()
	if mode&0o022 != 0 && !(isDir && mode&fs.ModeSticky != 0) {
		return &PermissionError{Path: path, Subject: subject, Reason: fmt.Sprintf("is group- or other-writable (mode %v)", mode)}
	}
	if uid, ok := fileOwner(fi); ok && uid != os.Geteuid() && uid != 0 {
		return &PermissionError{Path: path, Subject: subject, Reason: fmt.Sprintf("is owned by uid %d, not by the host's uid %d or root", uid, os.Geteuid())}
	}
	return nil
}

// staged is a plugin file read once: its digest, and a reader over the
// exact bytes digested (the private copy when one was made).
type staged struct {
	path   string // the path the caller gave
	sha256 string
	size   int64
	r      io.ReaderAt
	copy   string // the private copy to give plugin.Open; "" for inspection
	close  func()
}

// stage opens the plugin at path once, checks its permissions unless
// skipped, and hashes it. With private set it copies the bytes into a new
// 0700 folder under tempDir while hashing, and every later check reads that
// copy, so the bytes checked are the bytes opened even if the original is
// replaced meanwhile. The caller must call close.
//
// A file that is not a regular file is refused first, before the
// permission check (a device such as /dev/null is writable by all, which
// says nothing about a plugin) and before anything opens it. Cfg.MaxSize
// bounds what is read, not only what Stat says: the file may grow.
func stage(path string, cfg *Config, private bool) (*staged, error) {
	checked, err := statRegular(path)
	if err != nil {
		return nil, pluginFileError(path, err, !cfg.SkipPermissionCheck)
	}
	if !cfg.SkipPermissionCheck {
		if err := checkPermissions(path, checked); err != nil {
			return nil, err
		}
	}
	src, fi, err := openRegular(path)
	if err != nil {
		return nil, pluginFileError(path, err, false)
	}
	if !cfg.SkipPermissionCheck && !os.SameFile(checked, fi) {
		src.Close()
		return nil, &PermissionError{Path: path, Reason: "was replaced while it was being checked"}
	}
	if fi.Size() > cfg.MaxSize {
		src.Close()
		return nil, &FileError{Path: path, Kind: ErrTooLarge, Err: fmt.Errorf("%d bytes, limit %d", fi.Size(), cfg.MaxSize)}
	}
	h := sha256.New()
	if !private {
		n, err := io.Copy(h, io.LimitReader(src, cfg.MaxSize+1))
		if err == nil && n > cfg.MaxSize {
			err = fmt.Errorf("grew past the limit of %d bytes while being read", cfg.MaxSize)
		}
		if err != nil {
			src.Close()
			return nil, &FileError{Path: path, Kind: ErrTooLarge, Err: err}
		}
		return &staged{path: path, sha256: hex.EncodeToString(h.Sum(nil)), size: n, r: src, close: func() { src.Close() }}, nil
	}
	defer src.Close()

	dir, err := os.MkdirTemp(cfg.TempDir, "plugkit-loader-")
	if err != nil {
		return nil, &OpenError{Path: path, Err: fmt.Errorf("creating the private copy: %w", err)}
	}
	cleanup := func() { os.RemoveAll(dir) }
	// Keep the base name: the runtime names the plugin after it in its own
	// messages.
	dst := filepath.Join(dir, filepath.Base(path))
	out, err := os.OpenFile(dst, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o500)
	if err != nil {
		cleanup()
		return nil, &OpenError{Path: path, Err: fmt.Errorf("creating the private copy: %w", err)}
	}
	n, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(src, cfg.MaxSize+1))
	if err == nil && n > cfg.MaxSize {
		err = fmt.Errorf("grew past the limit of %d bytes while being read", cfg.MaxSize)
	}
	// No fsync: the copy lives as long as this process's use of it, and
	// dlopen reads it through the same page cache the copy wrote to.
	if err != nil {
		out.Close()
		cleanup()
		return nil, &FileError{Path: path, Kind: ErrTooLarge, Err: err}
	}
	return &staged{
		path:   path,
		sha256: hex.EncodeToString(h.Sum(nil)),
		size:   n,
		r:      out,
		copy:   dst,
		close:  func() { out.Close(); cleanup() },
	}, nil
}

// ReadAllowlist reads an allowlist for Config.Allowlist in the format of
// sha256sum's output: one "<sha256>  <label>" per line, where the label is
// usually the file name. Blank lines and lines starting with # are skipped.
func ReadAllowlist(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		sum, label, _ := strings.Cut(text, " ")
		sum = strings.ToLower(sum)
		if !sha256Re.MatchString(sum) {
			return nil, fmt.Errorf("%s:%d: %q is not a sha256 in hex", path, line, sum)
		}
		out[sum] = strings.TrimLeft(strings.TrimSpace(label), "*")
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
