package main

import (
	"errors"
	iofs "io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"example.com/plugkit/host/loader"
	"example.com/plugkit/internal/buildrecord"
)

// pluginFile is a *.so file under a plugins folder, with the kind its build
// record gives it.
type pluginFile struct {
	path string
	// kind is the build record's kind, "" when the record is missing
	// or unreadable: the loader, asked to load the file, says why.
	kind string
	// record is the build record read to learn kind, nil if unreadable.
	record *buildrecord.Record
}

// base is the file's name without .so: a greeter's language.
func (f pluginFile) base() string { return strings.TrimSuffix(filepath.Base(f.path), ".so") }

// findPlugins lists, sorted by path, the *.so files at any depth under dir
// whose build record names kind, and those whose kind cannot be told, so
// that a broken plugin is reported rather than skipped. Plugins of other
// kinds are left out: one folder holds every kind. kind "" lists them all.
func findPlugins(dir, kind string) ([]pluginFile, error) {
	dir = userPath(dir)
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, iofs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []pluginFile
	err := filepath.WalkDir(dir, func(path string, d iofs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// Symlinks count: Bazel's runfiles are symlinks. So do named
		// pipes, sockets and devices: they are listed, not skipped, so
		// that the loader reports them (not_regular). Neither the loader
		// nor ReadBuildRecord opens such a file, so listing a folder
		// never blocks on one, nor on a build record that is one.
		if d.IsDir() || !strings.HasSuffix(path, ".so") {
			return nil
		}
		f := pluginFile{path: path}
		// A build record that cannot be read (not_regular included) leaves
		// the kind unknown, and the plugin listed for the loader to refuse.
		if r, err := loader.ReadBuildRecord(path); err == nil {
			f.kind, f.record = r.Kind, r
		}
		if kind == "" || f.kind == kind || f.kind == "" {
			out = append(out, f)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, err
}

// userPath resolves a path as the user typed it. Under `bazel run` the
// command starts in its runfiles, and BUILD_WORKING_DIRECTORY is the folder
// the user ran it from, as gazelle and buildifier read it.
func userPath(p string) string {
	if wd := os.Getenv("BUILD_WORKING_DIRECTORY"); wd != "" && p != "" && !filepath.IsAbs(p) {
		return filepath.Join(wd, p)
	}
	return p
}
