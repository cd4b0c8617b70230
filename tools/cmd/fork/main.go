// Command fork turns a copy of this repository into another project: it
// rewrites the Go module path, the Bazel module name and the project name in
// the docs (rewrite.go lists what, where and why), so the fork builds and
// passes its tests under its own name.
//
//	bazel run //tools/cmd/fork -- --module github.com/acme/platform --name platform [--dest DIR] [--dry-run]
//
// With --dest, it copies the tracked files (as `git ls-files` lists them,
// with their work tree content) into DIR, which must not exist or be empty,
// and rewrites the copy. Without it, it rewrites the workspace in place,
// and refuses while tracked files have uncommitted changes, so the fork is
// one reviewable change.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"example.com/plugkit/internal/cli"
)

func main() {
	cli.Exit("fork", run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: bazel run //tools/cmd/fork -- --module PATH --name NAME [--dest DIR] [--dry-run]

Makes this repository another project: rewrites the Go module path (go.mod,
imports, gazelle directives, importpath attributes, tests, golden files,
docs), the Bazel module name (module(name = ...) in MODULE.bazel) and the
project name in Markdown prose. It refuses, before it writes anything, to
change the module path where it stands in data rather than text (a binary
file, a generated Go string such as a protobuf descriptor): regenerate those.
docs/forking.md says what is rewritten and what is not.

With --dest, copies the tracked files into DIR (absent or empty) and rewrites
the copy; without, rewrites the workspace in place, which must have no
uncommitted changes to tracked files. Under the offline launcher, bazel run
runs inside its root filesystem, which sees the workspace and output bases
only: run the built tool directly for another --dest (tools/cmd/fork/fork_test.sh
does).

flags:
`

var bazelModuleName = regexp.MustCompile(`^[a-z]([a-z0-9._-]*[a-z0-9])?$`)

type options struct {
	src, dest    string
	module, name string
	dryRun       bool
	stdout       io.Writer
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("fork", usage, stderr)
	o := options{stdout: stdout}
	fs.StringVar(&o.module, "module", "", "the fork's Go module path, e.g. github.com/acme/platform (required)")
	fs.StringVar(&o.name, "name", "", "the fork's Bazel module and project name, e.g. platform (required)")
	fs.StringVar(&o.dest, "dest", "", "copy the tracked files into this folder (absent or empty) and rewrite there; relative to the folder bazel run was called from")
	fs.BoolVar(&o.dryRun, "dry-run", false, "list the files that would change, and change nothing")
	fs.StringVar(&o.src, "src", os.Getenv("BUILD_WORKSPACE_DIRECTORY"), "the work tree to fork (default: $BUILD_WORKSPACE_DIRECTORY, set by bazel run)")
	if err := cli.Parse(fs, args); err != nil {
		if errors.Is(err, cli.ErrUsage) {
			return fmt.Errorf("%w (see --help)", err)
		}
		return err
	}
	switch {
	case fs.NArg() > 0:
		return cli.UsageError("unexpected argument %q (see --help)", fs.Arg(0))
	case o.module == "" || o.name == "":
		return cli.UsageError("--module and --name are required (see --help)")
	case o.src == "":
		return cli.UsageError("no work tree: run this with bazel run //tools/cmd/fork, or pass --src")
	}
	if err := module.CheckPath(o.module); err != nil {
		return cli.UsageError("--module: %v", err)
	}
	if !bazelModuleName.MatchString(o.name) {
		return cli.UsageError("--name %q: a Bazel module name is lowercase letters, digits, '.', '-' and '_', starting with a letter", o.name)
	}
	if o.dest != "" && !filepath.IsAbs(o.dest) {
		if wd := os.Getenv("BUILD_WORKING_DIRECTORY"); wd != "" {
			o.dest = filepath.Join(wd, o.dest)
		}
	}
	return fork(o)
}

// projectIdentity reads the Go module path from go.mod and the Bazel module
// name from MODULE.bazel.
func projectIdentity(root string) (goModule, bazelName string, err error) {
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", "", fmt.Errorf("%s is not the workspace root: %w", root, err)
	}
	goModule = modfile.ModulePath(gomod)
	mod, err := os.ReadFile(filepath.Join(root, "MODULE.bazel"))
	if err != nil {
		return "", "", fmt.Errorf("%s is not the workspace root: %w", root, err)
	}
	m := regexp.MustCompile(`(?m)^module\(\s*name\s*=\s*"([^"]+)"`).FindSubmatch(mod)
	if goModule == "" || m == nil {
		return "", "", fmt.Errorf("%s: no module path in go.mod or no module(name = ...) in MODULE.bazel", root)
	}
	return goModule, string(m[1]), nil
}

// change is one file the fork rewrites.
type change struct {
	path         string
	content      []byte
	replacements int
}

func fork(o options) error {
	src, err := filepath.Abs(o.src)
	if err != nil {
		return err
	}
	oldModule, oldName, err := projectIdentity(src)
	if err != nil {
		return err
	}
	if oldModule == o.module && oldName == o.name {
		return cli.UsageError("%s is already module %s, named %s: nothing to do", src, o.module, o.name)
	}
	entries, err := trackedFiles(src)
	if err != nil {
		return fmt.Errorf("listing the tracked files of %s: %w", src, err)
	}
	root := src
	if o.dest != "" {
		if root, err = checkDest(src, o.dest); err != nil {
			return err
		}
	} else {
		dirty, err := dirtyFiles(src, entries)
		if err != nil {
			return err
		}
		if len(dirty) > 0 {
			sort.Strings(dirty)
			more := ""
			if len(dirty) > 10 {
				more = fmt.Sprintf(" and %d more", len(dirty)-10)
				dirty = dirty[:10]
			}
			return fmt.Errorf("%s has uncommitted changes (%s%s): commit or stash them first, so the fork is one change of its own, or fork into a copy with --dest", src, strings.Join(dirty, ", "), more)
		}
	}

	r := &rewriter{oldModule: oldModule, newModule: o.module, oldName: oldName, newName: o.name}
	var changes []change
	var copied []indexEntry
	var warnings, refused []string
	for _, e := range entries {
		if e.Mode&0o170000 == 0o160000 {
			warnings = append(warnings, fmt.Sprintf("%s: a submodule, not copied or rewritten", e.Path))
			continue
		}
		content, err := readTracked(src, e)
		if errors.Is(err, os.ErrNotExist) {
			warnings = append(warnings, fmt.Sprintf("%s: tracked but missing from the work tree, not copied", e.Path))
			continue
		} else if err != nil {
			return err
		}
		copied = append(copied, e)
		if e.Mode&0o170000 == 0o120000 {
			continue // a symlink's target is left as it is
		}
		if why := r.refusal(e.Path, content); why != "" {
			refused = append(refused, fmt.Sprintf("%s: %s", e.Path, why))
			continue
		}
		out, n := r.rewrite(e.Path, content)
		if n > 0 {
			changes = append(changes, change{e.Path, out, n})
		}
	}
	// Before anything is copied or written (rewrite.go says why).
	if len(refused) > 0 {
		return fmt.Errorf("refusing to fork, nothing written: the old module path or name stands in data, not text, which a rewrite would corrupt:\n  %s\n"+
			"regenerate each file so that it does not carry the module path (protobuf: a .proto without go_package, the import path from protoc's M flag), "+
			"or delete it and regenerate it after the fork; commit, and fork again (docs/forking.md)",
			strings.Join(refused, "\n  "))
	}

	verb := "rewrote"
	if o.dryRun {
		verb = "would rewrite"
	}
	fmt.Fprintf(o.stdout, "fork: %s -> %s, Bazel module %s -> %s\n", oldModule, o.module, oldName, o.name)
	if o.dest != "" {
		if o.dryRun {
			fmt.Fprintf(o.stdout, "would copy %d tracked files from %s to %s\n", len(copied), src, root)
		} else if err := copyFiles(src, root, copied); err != nil {
			return err
		}
	}
	total := 0
	for _, c := range changes {
		fmt.Fprintf(o.stdout, "%s %s (%d)\n", verb, c.path, c.replacements)
		total += c.replacements
		if o.dryRun {
			continue
		}
		// Truncating an existing file keeps its mode.
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(c.path)), c.content, 0o644); err != nil {
			return err
		}
	}
	for _, w := range warnings {
		fmt.Fprintf(o.stdout, "warning: %s\n", w)
	}
	fmt.Fprintf(o.stdout, "%s %d files, %d replacements", verb, len(changes), total)
	if o.dest != "" && !o.dryRun {
		fmt.Fprintf(o.stdout, "; copied %d files to %s", len(copied), root)
	}
	fmt.Fprintln(o.stdout)
	if !o.dryRun {
		fmt.Fprintf(o.stdout, "next: cd %s && tools/bazel test //...\n", root)
	}
	return nil
}

// checkDest returns dest as an absolute path after checking that it is
// absent or an empty folder, and apart from src: a copy inside the
// workspace would become part of its //... (and src inside dest, of the
// copy's).
func checkDest(src, dest string) (string, error) {
	abs, err := filepath.Abs(dest)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	realSrc, err := filepath.EvalSymlinks(src)
	if err != nil {
		return "", err
	}
	within := func(a, b string) bool { return a == b || strings.HasPrefix(a, b+string(filepath.Separator)) }
	if within(abs, realSrc) || within(realSrc, abs) {
		return "", cli.UsageError("--dest %s overlaps the work tree %s: pick a folder outside it", abs, src)
	}
	entries, err := os.ReadDir(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return "", fmt.Errorf("--dest: %w", err)
	case len(entries) > 0:
		return "", cli.UsageError("--dest %s is not empty: pick a new or empty folder", abs)
	}
	return abs, nil
}

// copyFiles copies the tracked entries from src to dest, with the file mode
// git records (0755 or 0644) and symlinks as symlinks.
func copyFiles(src, dest string, entries []indexEntry) error {
	for _, e := range entries {
		to := filepath.Join(dest, filepath.FromSlash(e.Path))
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		content, err := readTracked(src, e)
		if err != nil {
			return err
		}
		switch {
		case e.Mode&0o170000 == 0o120000:
			err = os.Symlink(string(content), to)
		case e.Mode&0o111 != 0:
			err = os.WriteFile(to, content, 0o755)
		default:
			err = os.WriteFile(to, content, 0o644)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
