// Command host loads plugkit plugins, checked before they are opened, and
// runs them.
//
//	host greet --lang=english      the greeting of plugins/greeter/<lang>/<lang>.so (seed 001)
//	host log --dir=DIR             send a message to every logger plugin in DIR (seed 004)
//	host add A B                   AddTwoInts and BuildVersion of the adder plugin (seed 000)
//	host list [DIR]                every plugin under DIR and whether it may be loaded
//	host inspect [--json] FILE     build info, exports, sha256 and verdict, opening nothing
//	host reload FILE...            load plugins in order, a later build of one taking over its name
//
// Plugins are found under --plugins (default: $PLUGKIT_PLUGINS, else the
// plugins/ folder in the binary's Bazel runfiles, else plugins/ beside the
// binary). Exit status: 0 on success, 1 when a plugin fails, 2 for a usage
// error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"example.com/plugkit/internal/cli"
	greeterbindings "example.com/plugkit/plugins/greeter/english/plugin_bindings"
)

// errUsage marks errors in the command line: exit status 2 (internal/cli).
var errUsage = cli.ErrUsage

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"greet", "print the greeting of a greeter plugin", greet},
		{"log", "send a message to every logger plugin in a folder", logCmd},
		{"add", "add two integers with the adder plugin (seed 000)", add},
		{"list", "list the plugins under a folder and whether each may be loaded", list},
		{"inspect", "describe a plugin file without opening it", inspect},
		{"reload", "load plugin files in order, a later build of a plugin replacing an earlier one", reload},
	}
}

func main() {
	cli.Exit("host", run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return fmt.Errorf("%w: no command given", errUsage)
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: host <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'host <command> --help' for a command's flags.")
}

// newFlagSet returns a flag set whose errors come back to run instead of
// exiting, so tests can drive every path.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: host %s\n\nflags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags and checks that at most maxArgs arguments follow.
func parse(fs *flag.FlagSet, args []string, maxArgs int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > maxArgs {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args()[maxArgs:])
	}
	return nil
}

// defaultPluginsDir finds the plugins folder: the environment first, then
// Bazel runfiles (bazel run and bazel test), then beside the binary.
func defaultPluginsDir() string {
	if dir := os.Getenv("PLUGKIT_PLUGINS"); dir != "" {
		return dir
	}
	var candidates []string
	for _, env := range []string{"RUNFILES_DIR", "TEST_SRCDIR"} {
		if dir := os.Getenv(env); dir != "" {
			candidates = append(candidates, filepath.Join(dir, "_main", "plugins"))
		}
	}
	if exe, err := os.Executable(); err == nil {
		candidates = append(candidates,
			filepath.Join(exe+".runfiles", "_main", "plugins"),
			filepath.Join(filepath.Dir(exe), "plugins"))
	}
	for _, dir := range candidates {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir
		}
	}
	return "plugins"
}

// kindPlugins lists the plugins of one kind, by name: <dir>/<kind>/<name>/<name>.so.
func kindPlugins(dir, kind string) (map[string]string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, kind, "*", "*.so"))
	if err != nil {
		return nil, err
	}
	found := make(map[string]string)
	for _, m := range matches {
		name := filepath.Base(filepath.Dir(m))
		if filepath.Base(m) == name+".so" {
			found[name] = m
		}
	}
	return found, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func greet(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("greet", "greet [--lang=LANG] [--plugins=DIR]", stderr)
	lang := fs.String("lang", "english", "language of the greeter plugin to load")
	dir := fs.String("plugins", defaultPluginsDir(), "folder holding greeter/<lang>/<lang>.so")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	// A greeter linked into this host wins over a .so of the same language.
	linked := staticOfKind("greeter")
	if p, ok := linked[*lang]; ok {
		g, err := greeterbindings.BindPluginAPITo(p, p.path(), "", 0)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, (*g.Greeter).Greet())
		return err
	}
	available, err := kindPlugins(*dir, "greeter")
	if err != nil {
		return err
	}
	path, ok := available[*lang]
	if !ok {
		names := sortedKeys(available)
		for name := range linked {
			names = append(names, name)
		}
		if len(names) == 0 {
			return fmt.Errorf("%w: no greeter plugins in %s (set --plugins)", errUsage, *dir)
		}
		sort.Strings(names)
		return fmt.Errorf("%w: no greeter for language %q; available: %s", errUsage, *lang, strings.Join(names, ", "))
	}
	p, err := newLoader().Load(path)
	if err != nil {
		return err
	}
	// Every greeter exports the same symbols, so the bindings generated from
	// the English one bind any of them, and check each symbol's type.
	g, err := greeterbindings.BindPluginAPITo(p, p.Path, p.SHA256, p.Size)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, (*g.Greeter).Greet())
	return err
}
