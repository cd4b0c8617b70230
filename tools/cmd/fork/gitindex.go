package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Tracked files come from the git index, read directly: `bazel run` under
// the offline launcher (tools/bazel) runs this tool inside a root filesystem
// that has no git. The index lists exactly what `git ls-files` lists.

// indexEntry is one path of the git index.
type indexEntry struct {
	Path  string // slash-separated, relative to the work tree
	Mode  uint32 // 0100644, 0100755, 0120000 (symlink) or 0160000 (submodule)
	Hash  [sha1.Size]byte
	Stage int // 0, or 1-3 for an unresolved merge conflict
}

// gitDir returns the git directory of the work tree root: root/.git, or the
// folder a .git file ("gitdir: ...") names.
func gitDir(root string) (string, error) {
	p := filepath.Join(root, ".git")
	fi, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("%s is not the root of a git work tree: %w", root, err)
	}
	if fi.IsDir() {
		return p, nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	dir, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir: ")
	if !ok {
		return "", fmt.Errorf("%s: not a gitdir file", p)
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	return dir, nil
}

// readIndex parses a git index file, versions 2 to 4.
func readIndex(path string) ([]indexEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) < 12 || string(data[:4]) != "DIRC" {
		return nil, fmt.Errorf("%s: not a git index", path)
	}
	version := binary.BigEndian.Uint32(data[4:8])
	if version < 2 || version > 4 {
		return nil, fmt.Errorf("%s: git index version %d is not supported (2-4 are)", path, version)
	}
	n := int(binary.BigEndian.Uint32(data[8:12]))
	off := 12
	entries := make([]indexEntry, 0, n)
	prev := ""
	for i := 0; i < n; i++ {
		start := off
		if off+62 > len(data) {
			return nil, fmt.Errorf("%s: truncated at entry %d", path, i)
		}
		var e indexEntry
		e.Mode = binary.BigEndian.Uint32(data[off+24 : off+28])
		copy(e.Hash[:], data[off+40:off+60])
		flags := binary.BigEndian.Uint16(data[off+60 : off+62])
		e.Stage = int(flags>>12) & 3
		off += 62
		if flags&0x4000 != 0 { // extended flags, version 3 and up
			off += 2
		}
		if version == 4 {
			// The path is the previous one minus a varint-counted suffix,
			// plus a NUL-terminated string; entries are not padded.
			strip, w := offsetVarint(data[off:])
			if w == 0 || strip > len(prev) {
				return nil, fmt.Errorf("%s: bad path compression at entry %d", path, i)
			}
			off += w
			end := bytes.IndexByte(data[off:], 0)
			if end < 0 {
				return nil, fmt.Errorf("%s: truncated path at entry %d", path, i)
			}
			e.Path = prev[:len(prev)-strip] + string(data[off:off+end])
			off += end + 1
		} else {
			end := bytes.IndexByte(data[off:], 0)
			if end < 0 {
				return nil, fmt.Errorf("%s: truncated path at entry %d", path, i)
			}
			e.Path = string(data[off : off+end])
			// 1 to 8 NULs pad the entry to a multiple of 8 bytes.
			off = start + (off+end-start+8)&^7
		}
		if e.Mode&0o170000 == 0o040000 {
			return nil, fmt.Errorf("%s: sparse index (directory entry %s): run `git sparse-checkout disable` or use a full checkout", path, e.Path)
		}
		prev = e.Path
		entries = append(entries, e)
	}
	// Extensions follow; a split index keeps entries elsewhere.
	for off+8 <= len(data)-sha1.Size {
		sig := string(data[off : off+4])
		size := int(binary.BigEndian.Uint32(data[off+4 : off+8]))
		if sig == "link" {
			return nil, fmt.Errorf("%s: split index: run `git update-index --no-split-index` first", path)
		}
		off += 8 + size
	}
	return entries, nil
}

// offsetVarint decodes git's offset varint (index v4, varint.c).
func offsetVarint(b []byte) (int, int) {
	if len(b) == 0 {
		return 0, 0
	}
	c := b[0]
	val := int(c & 127)
	i := 1
	for c&128 != 0 {
		if i >= len(b) {
			return 0, 0
		}
		val++
		c = b[i]
		i++
		val = val<<7 + int(c&127)
	}
	return val, i
}

// trackedFiles returns the index entries of the work tree at root, one per
// path (stage 0, or the first stage of a conflict).
func trackedFiles(root string) ([]indexEntry, error) {
	dir, err := gitDir(root)
	if err != nil {
		return nil, err
	}
	if b, err := os.ReadFile(filepath.Join(dir, "config")); err == nil && bytes.Contains(bytes.ToLower(b), []byte("objectformat = sha256")) {
		return nil, errors.New("SHA-256 git repositories are not supported")
	}
	all, err := readIndex(filepath.Join(dir, "index"))
	if err != nil {
		return nil, err
	}
	var out []indexEntry
	for _, e := range all {
		if len(out) > 0 && out[len(out)-1].Path == e.Path {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// blobHash is git's object id of a blob with this content.
func blobHash(content []byte) [sha1.Size]byte {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(content))
	h.Write(content)
	var sum [sha1.Size]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// readTracked returns the work tree's content of a tracked path: a file's
// bytes, or a symlink's target.
func readTracked(root string, e indexEntry) ([]byte, error) {
	p := filepath.Join(root, filepath.FromSlash(e.Path))
	if e.Mode&0o170000 == 0o120000 {
		t, err := os.Readlink(p)
		return []byte(t), err
	}
	return os.ReadFile(p)
}

// dirtyFiles lists tracked paths whose work tree content differs from the
// index, or that are missing or in conflict. With git on PATH it asks git
// (`git status`), which also sees changes staged but not committed; without,
// it compares the work tree with the index itself.
func dirtyFiles(root string, entries []indexEntry) ([]string, error) {
	if git, err := exec.LookPath("git"); err == nil {
		cmd := exec.Command(git, "-C", root, "status", "--porcelain", "-z", "--untracked-files=no")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err == nil {
			var dirty []string
			for _, rec := range strings.Split(string(out), "\x00") {
				if len(rec) > 3 {
					dirty = append(dirty, rec[3:])
				}
			}
			return dirty, nil
		}
		// A git that refuses the repository (say, "dubious ownership"):
		// compare with the index instead.
	}
	var dirty []string
	for _, e := range entries {
		if e.Mode&0o170000 == 0o160000 {
			continue // submodule
		}
		content, err := readTracked(root, e)
		if e.Stage != 0 || err != nil || blobHash(content) != e.Hash {
			dirty = append(dirty, e.Path)
		}
	}
	return dirty, nil
}
