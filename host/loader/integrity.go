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

// checkPermissions refuses a plugin file, or the folder it really lives in
// (after symlinks, so Bazel runfiles links are judged by their targets),
// that others could change. It returns the resolved path and the file's
// FileInfo, which the caller compares with what it opens so that a file
// swapped in between is noticed.
func checkPermissions(path string) (fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrPermission) {
		return nil, &PermissionError{Path: path, Reason: "is not accessible to the host: " + err.Error()}
	}
	if err != nil {
		return nil, &FileError{Path: path, Kind: ErrNotFound, Err: err}
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, &FileError{Path: path, Kind: ErrNotFound, Err: err}
	}
	if err := checkOwnerAndMode(path, real, fi, false); err != nil {
		return nil, err
	}
	dir := filepath.Dir(real)
	di, err := os.Stat(dir)
	if err != nil {
		return nil, &FileError{Path: dir, Kind: ErrNotFound, Err: err}
	}
	if err := checkOwnerAndMode(path, dir, di, true); err != nil {
		return nil, err
	}
	return fi, nil
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
func stage(path string, cfg *Config, private bool) (*staged, error) {
	var checked fs.FileInfo
	if !cfg.SkipPermissionCheck {
		fi, err := checkPermissions(path)
		if err != nil {
			return nil, err
		}
		checked = fi
	}
	src, err := os.Open(path)
	if err != nil {
		return nil, &FileError{Path: path, Kind: ErrNotFound, Err: err}
	}
	fi, err := src.Stat()
	if err != nil {
		src.Close()
		return nil, &FileError{Path: path, Kind: ErrNotFound, Err: err}
	}
	if checked != nil && !os.SameFile(checked, fi) {
		src.Close()
		return nil, &PermissionError{Path: path, Reason: "was replaced while it was being checked"}
	}
	if !fi.Mode().IsRegular() {
		src.Close()
		return nil, &FormatError{Path: path, Kind: ErrNotELF, Detail: fmt.Sprintf("not a regular file (mode %v)", fi.Mode())}
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
