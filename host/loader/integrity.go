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
	"regexp"
	"strings"

	"example.com/plugkit/internal/buildrecord"
)

// notRegularError says what a path is instead of a regular file. A
// *FileError or *BuildRecordError with Kind ErrNotRegular carries it as Err.
type notRegularError struct {
	What string // e.g. "a named pipe (FIFO)", "a symlink to a folder"
	Mode fs.FileMode
}

func (e *notRegularError) Error() string { return fmt.Sprintf("%s (mode %v)", e.What, e.Mode) }

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
		what := buildrecord.DescribeFileType(fi.Mode())
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
		err = &notRegularError{What: "replaced by " + buildrecord.DescribeFileType(fi.Mode()) + " while it was being opened", Mode: fi.Mode()}
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

// staged is a plugin file read once: its digest, and the bytes digested,
// which every check reads: the private copy that plugin.Open gets, mapped,
// or for inspection the file read into memory.
type staged struct {
	path string // the path the caller gave
	size int64
	data []byte
	// hashed delivers the SHA-256 of data; see digest.
	hashed <-chan string
	sum    string
	copy   string // the private copy to give plugin.Open; "" for inspection
	close  func()
}

// stage reads the plugin at path once, after checking its permissions
// unless skipped, and hashes what it reads. With private set it writes the
// same bytes, as they are read, to a new 0500 file in a new 0700 folder
// under tempDir, for plugin.Open, and the checks read that copy (mapped, so
// only the pages they look at are touched): the bytes checked are the bytes
// opened even if the original is replaced or rewritten meanwhile, since
// nobody else can write the copy. The caller must call close.
//
// The copy is what dlopen maps for the rest of the process, so it also keeps
// a running host alive when the installed file is rewritten in place (cp,
// or a write with O_TRUNC, as a redeploy does): mapped pages of a shared
// library are not protected from writes, and a truncated one kills the
// process with SIGBUS. A hard link under a file lease was tried instead, to
// save the copy; it guards the check but not the lifetime, and
// TestServeReloadRefusals died of it. Where the file system can share
// extents (XFS, Btrfs), copy_file_range makes the copy a reflink, in no
// time; on ext4 it is a copy in the kernel.
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
	defer src.Close()
	if !cfg.SkipPermissionCheck && !os.SameFile(checked, fi) {
		return nil, &PermissionError{Path: path, Reason: "was replaced while it was being checked"}
	}
	if fi.Size() > cfg.MaxSize {
		return nil, &FileError{Path: path, Kind: ErrTooLarge, Err: fmt.Errorf("%d bytes, limit %d", fi.Size(), cfg.MaxSize)}
	}
	if !private {
		data, err := readBounded(src, fi.Size(), cfg.MaxSize)
		if err != nil {
			return nil, &FileError{Path: path, Kind: ErrTooLarge, Err: err}
		}
		sum := sha256.Sum256(data)
		return &staged{path: path, sum: hex.EncodeToString(sum[:]), size: int64(len(data)), data: data, close: func() {}}, nil
	}

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
	// No fsync: the copy lives as long as this process's use of it, and
	// dlopen reads it through the same page cache.
	hashed, data, unmap, err := copyHashing(out, src, fi.Size())
	out.Close()
	if err != nil {
		cleanup()
		return nil, &OpenError{Path: path, Err: fmt.Errorf("writing the private copy: %w", err)}
	}
	st := &staged{path: path, hashed: hashed, size: int64(len(data)), data: data, copy: dst}
	// The hash reads the mapping: it must be done before the unmap.
	st.close = func() { st.digest(); unmap(); cleanup() }
	return st, nil
}

// copyChunk is the unit copyHashing copies before handing it to the hash:
// large enough for few system calls and wake-ups, small enough that the
// hash starts early.
const copyChunk = 512 << 10

// copyHashing copies the first size bytes of src to dst, maps dst, and
// hashes the copy from the mapping, delivering the digest on sum: the bytes
// hashed are the bytes dlopen
// maps, and nobody else can write them. The kernel copies (copy_file_range
// where the file systems allow it, no user-space buffer), and the hash runs
// on a goroutine of its own a chunk behind, so on a machine with two cores
// the copy costs little more than the hash alone, which is the cost every
// reader of the file pays. A src shorter than size (it shrank since its
// fstat) gives a shorter copy; one that grew is read only up to size, the
// size checked against MaxSize.
func copyHashing(dst, src *os.File, size int64) (sum <-chan string, data []byte, unmap func(), err error) {
	if err := dst.Truncate(size); err != nil {
		return nil, nil, nil, err
	}
	data, unmap, err = mapFile(dst, size)
	if err != nil {
		return nil, nil, nil, err
	}
	copied := make(chan int64, int(size/copyChunk)+2)
	hashed := make(chan string, 1)
	go func() {
		h := sha256.New()
		var at int64
		for end := range copied {
			h.Write(data[at:end])
			at = end
		}
		hashed <- hex.EncodeToString(h.Sum(nil))
	}()
	var n int64
	for n < size {
		k, cerr := dst.ReadFrom(io.LimitReader(src, min(copyChunk, size-n)))
		n += k
		if k > 0 {
			copied <- n
		}
		if cerr != nil {
			err = cerr
			break
		}
		if k == 0 {
			break // shrank
		}
	}
	close(copied)
	if err == nil && n < size {
		data = data[:n]
		err = dst.Truncate(n)
	}
	if err != nil {
		<-hashed // the hash reads the mapping: let it finish first
		unmap()
		return nil, nil, nil, err
	}
	return hashed, data, unmap, nil
}

// readBounded reads all of r, which fstat said holds size bytes, in one
// read when it does, and fails when it holds more than limit.
func readBounded(r io.Reader, size, limit int64) ([]byte, error) {
	buf := make([]byte, size, size+1)
	n, err := io.ReadFull(r, buf)
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		return buf[:n], nil // shrank since the fstat: what is there is what is checked
	case err != nil:
		return nil, err
	}
	// Grown since the fstat? Read on, within the limit.
	rest, err := io.ReadAll(io.LimitReader(r, limit-size+1))
	if err != nil {
		return nil, err
	}
	if int64(len(rest)) > limit-size {
		return nil, fmt.Errorf("grew past the limit of %d bytes while being read", limit)
	}
	return append(buf, rest...), nil
}

// sha256Re is a SHA-256 as sha256sum writes it, lower-cased.
var sha256Re = regexp.MustCompile(`^[0-9a-f]{64}$`)

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

// digest returns the SHA-256 of the staged bytes, waiting for the hash to
// finish: stage returns as soon as the copy is made, and the checks that do
// not need the digest run while it is computed.
func (st *staged) digest() string {
	if st.hashed != nil {
		st.sum, st.hashed = <-st.hashed, nil
	}
	return st.sum
}
