// Command newplugin scaffolds a plugin: a Go package under plugins/NAME, its
// testify test, and a BUILD.bazel with the go_plugin call and the go_library
// and go_test that gazelle would write, so the new plugin builds, passes its
// own test and the compatibility suite (:plugin_compat_test) unedited.
//
//	bazel run //tools/newplugin -- [--workspace=DIR] NAME
//
// NAME is lowercase Go identifiers separated by '/', e.g. greeter/french,
// logger/syslog or calc. Its first element picks the template:
//
//	greeter/...  a pluginapi.Greeter, exported as `var Greeter`
//	logger/...   a pluginapi.Logger, exported as `var Logger`, writing to
//	             `var Output io.Writer` (the host's standard output)
//	anything     an exported function, Hello
//
// Every plugin also exports `var PluginManifest = pluginapi.Manifest{Name:
// NAME, ...}`. newplugin never overwrites: it refuses a NAME whose folder
// exists. The Go module path comes from the workspace's go.mod, so a fork
// (tools/fork) scaffolds plugins under its own path.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/mod/modfile"

	"example.com/plugkit/internal/cli"
)

// errUsage marks errors in the command line: exit status 2 (internal/cli).
var errUsage = cli.ErrUsage

func main() {
	cli.Exit("newplugin", run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: bazel run //tools/newplugin -- [--workspace=DIR] NAME

Writes a new plugin into plugins/NAME/ of the workspace: NAME.go, NAME_test.go
(the last element of NAME) and BUILD.bazel. NAME is lowercase Go identifiers
separated by '/', such as greeter/french, logger/syslog or calc; a greeter/...
plugin implements pluginapi.Greeter, a logger/... plugin pluginapi.Logger, and
any other exports a function. Existing folders are never overwritten.

flags:
`

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("newplugin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	workspace := fs.String("workspace", os.Getenv("BUILD_WORKSPACE_DIRECTORY"),
		"the workspace root (default: $BUILD_WORKSPACE_DIRECTORY, set by bazel run)")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v (see --help)", errUsage, err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want one NAME, such as greeter/french, got %d arguments (see --help)", errUsage, fs.NArg())
	}
	if *workspace == "" {
		return fmt.Errorf("%w: no workspace: run this with bazel run //tools/newplugin, or pass --workspace", errUsage)
	}
	name := fs.Arg(0)
	if err := validateName(name); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	files, err := generate(*workspace, name)
	if err != nil {
		return err
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	fmt.Fprintf(stdout, "\nnext: tools/bazel test //plugins/%s/...\n", name)
	if kindOf(name) == kindLogger {
		fmt.Fprintf(stdout, "      add //plugins/%s:plugin to plugin_dir loggers in plugins/BUILD.bazel for `host log`\n", name)
	}
	return nil
}

// generate writes the plugin NAME into workspace/plugins/NAME and returns the
// files it wrote, relative to the workspace, with their contents. It writes
// nothing if the folder exists or any file fails to render.
func generate(workspace, name string) (map[string][]byte, error) {
	if err := validateName(name); err != nil {
		return nil, err
	}
	gomod, err := os.ReadFile(filepath.Join(workspace, "go.mod"))
	if err != nil {
		return nil, fmt.Errorf("%s is not the workspace root: %w", workspace, err)
	}
	module := modfile.ModulePath(gomod)
	if module == "" {
		return nil, fmt.Errorf("%s: no module line", filepath.Join(workspace, "go.mod"))
	}
	rel := "plugins/" + name
	dir := filepath.Join(workspace, filepath.FromSlash(rel))
	if _, err := os.Lstat(dir); err == nil {
		return nil, fmt.Errorf("%s already exists: newplugin never overwrites; pick another NAME or remove the folder", rel)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	files, err := render(module, name)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(files))
	for base, data := range files {
		// O_EXCL: a file that appeared since the check is never overwritten.
		f, err := os.OpenFile(filepath.Join(dir, base), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return nil, err
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		out[rel+"/"+base] = data
	}
	return out, nil
}
