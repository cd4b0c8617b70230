// Command host loads plugkit plugins, checked before they are opened, and
// runs them.
//
//	host greet --lang=english      the greeting of the greeter plugin <lang>.so
//	host log --dir=DIR             send a message to every logger plugin under DIR
//
// greet and log take --isolated: each plugin then runs in a process of its
// own (its executable, beside its .so), behind the same kind bindings; a
// plugin that exits, crashes or hangs is an error, and the others go on.
//
//	host add A B                   AddTwoInts and BuildVersion of the adder plugin
//	host list [DIR]                every plugin under DIR and whether it may be loaded
//	host inspect [--json] FILE     build info, exports, sha256 and verdict, opening nothing
//	host reload FILE...            load plugins in order, a later build of one taking over its name
//	host serve --listen=ADDR       serve greet and log over HTTP, hot-reloading new builds
//
// Plugins are found under --plugins (default: $PLUGKIT_PLUGINS, else the
// plugins of //plugins in the binary's Bazel runfiles, else plugins/
// beside the binary), anywhere below it: a plugin's kind is what its build
// record says, and the host binds it through that kind's bindings
// (pluginapi/kinds). Plugins linked into the host (//host:static) come
// first. Exit status: 0 on success, 1 when a plugin fails, 2 for a usage
// error.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/bazelbuild/rules_go/go/runfiles"

	"example.com/plugkit/host/isolated"
	"example.com/plugkit/host/loader"
	"example.com/plugkit/internal/cli"
	"example.com/plugkit/pluginapi/kinds/greeter"
	"example.com/plugkit/pluginapi/kinds/greeterrpc"
)

// commands are the host's subcommands, each writing to stdout and stderr.
func commands(stdout, stderr io.Writer) []cli.Command {
	with := func(run func(args []string, stdout, stderr io.Writer) error) func([]string) error {
		return func(args []string) error { return run(args, stdout, stderr) }
	}
	return []cli.Command{
		{Name: "greet", Summary: "print the greeting of a greeter plugin", Run: with(greet)},
		{Name: "log", Summary: "send a message to every logger plugin in a folder", Run: with(logCmd)},
		{Name: "add", Summary: "add two integers with the adder plugin", Run: with(add)},
		{Name: "list", Summary: "list the plugins under a folder and whether each may be loaded", Run: with(list)},
		{Name: "inspect", Summary: "describe a plugin file without opening it", Run: with(inspect)},
		{Name: "reload", Summary: "load plugin files in order, a later build of a plugin replacing an earlier one", Run: with(reload)},
		{Name: "serve", Summary: "serve greet and log over HTTP, reloading plugins as new builds land", Run: with(serveCmd)},
	}
}

func main() {
	// The host itself does not use package log. hashicorp/go-plugin does,
	// on the host's stderr, for the end of the streams it relays when a
	// plugin process stops ("[ERR] plugin: stream copy 'stderr' error:
	// session shutdown"); every fault that matters is a typed error.
	log.SetOutput(io.Discard)
	// No plugin process outlives the host: on SIGINT and SIGTERM, and on
	// the way out. serve handles the signals itself, to drain first.
	if len(os.Args) < 2 || os.Args[1] != "serve" {
		isolated.StopOnSignal()
	}
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	isolated.WaitIfSignalled()
	isolated.StopAll()
	cli.Exit("host", err)
}

func run(args []string, stdout, stderr io.Writer) error {
	cmds := commands(stdout, stderr)
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: host <command> [flags]\n\ncommands:")
		cli.WriteCommands(w, cmds)
		fmt.Fprintln(w, "\nRun 'host <command> --help' for a command's flags.")
	}
	// The host's help goes to stderr, as each command's --help does (the
	// flag package's output).
	return cli.Dispatch(args, cmds, usage, stderr, stderr)
}

// newFlagSet returns a command's flag set, with the --trust flag every
// command shares.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := cli.NewFlagSet(name, "usage: host "+synopsis+"\n\nflags:\n", stderr)
	fs.String("trust", "", "production mode: a file of trusted public keys (tools/cmd/sign keygen writes one); every plugin's build record must be signed by one of them (default $PLUGKIT_TRUSTED_KEYS; none: development mode, signatures not checked)")
	return fs
}

// parse parses flags and checks that at most maxArgs arguments follow.
func parse(fs *flag.FlagSet, args []string, maxArgs int) error {
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > maxArgs {
		return cli.UsageError("unexpected arguments %q", fs.Args()[maxArgs:])
	}
	return readTrust(fs)
}

// trustedKeys are the keys of the production configuration, set by --trust
// or PLUGKIT_TRUSTED_KEYS; none is development mode. newLoader uses them.
var trustedKeys []loader.TrustedKey

func readTrust(fs *flag.FlagSet) error {
	trustedKeys = nil
	path := os.Getenv("PLUGKIT_TRUSTED_KEYS")
	if f := fs.Lookup("trust"); f != nil && f.Value.String() != "" {
		path = f.Value.String()
	}
	if path == "" {
		return nil
	}
	keys, err := loader.ReadTrustedKeys(userPath(path))
	if err != nil {
		return cli.UsageError("--trust: %v", err)
	}
	trustedKeys = keys
	return nil
}

// runfilesPlugins is the rlocation path of //plugins, the host's data, in
// its runfiles.
const runfilesPlugins = "_main/plugins/plugins"

// pluginsFlag defines a plugins folder flag. Its default is found when the
// flags are parsed, not shown as a path in --help: the runfiles' absolute
// path is this machine's, and means nothing to a reader of the help.
func pluginsFlag(fs *flag.FlagSet, name, usage string) *string {
	v := &pluginsDirValue{dir: defaultPluginsDir()}
	fs.Var(v, name, usage+" (default: $PLUGKIT_PLUGINS, else the plugins in the host's runfiles, else plugins/ beside the binary)")
	return &v.dir
}

// pluginsDirValue holds the default until the flag is set; only a value
// given on the command line prints.
type pluginsDirValue struct {
	dir string
	set bool
}

func (v *pluginsDirValue) String() string {
	if v == nil || !v.set {
		return ""
	}
	return v.dir
}

func (v *pluginsDirValue) Set(s string) error {
	v.dir, v.set = s, true
	return nil
}

// defaultPluginsDir finds the plugins folder: the environment first, then
// Bazel runfiles (bazel run, bazel test, and a host in bazel-bin), then
// plugins/ beside the binary, which is where an installed host keeps them.
// A folder is taken only if it exists: a host run from an install folder
// by a Bazel-built program still inherits that program's runfiles variables.
func defaultPluginsDir() string {
	if dir := os.Getenv("PLUGKIT_PLUGINS"); dir != "" {
		return dir
	}
	candidates := runfilesPluginsDirs()
	if exe, err := os.Executable(); err == nil {
		candidates = append(candidates, filepath.Join(filepath.Dir(exe), "plugins"))
	}
	for _, dir := range candidates {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir
		}
	}
	return "plugins"
}

// runfilesPluginsDirs is where //plugins may be in the host's runfiles. A
// runfiles manifest lists files, not folders, so when the runfiles library
// reads one (a manifest sits beside every Bazel-built binary, and is
// preferred to the tree) the folder is not found by its rlocation path; it
// is then in the runfiles tree the manifest describes, whose root the
// library reports as RUNFILES_DIR.
func runfilesPluginsDirs() []string {
	rf, err := runfiles.New()
	if err != nil {
		return nil // not run by Bazel, nor from bazel-bin
	}
	var dirs []string
	if dir, err := rf.Rlocation(runfilesPlugins); err == nil {
		dirs = append(dirs, dir)
	}
	for _, kv := range rf.Env() {
		if root, ok := strings.CutPrefix(kv, "RUNFILES_DIR="); ok {
			dirs = append(dirs, filepath.Join(root, filepath.FromSlash(runfilesPlugins)))
		}
	}
	return dirs
}

func greet(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("greet", "greet [--lang=LANG] [--plugins=DIR] [--isolated]", stderr)
	lang := fs.String("lang", "english", "language of the greeter plugin to load: the plugin file <lang>.so")
	dir := pluginsFlag(fs, "plugins", "folder whose greeter plugins may answer, at any depth")
	mode := isolationFlags(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	// A greeter linked into this host wins over a .so of the same language.
	var names []string
	for _, p := range loader.Static(greeter.Kind) {
		if language(p.Name) == *lang {
			return greetWith(stdout, p)
		}
		names = append(names, language(p.Name))
	}
	// Every kind: a file of the language that is not a greeter is refused
	// by the loader, with the kind it is, rather than reported missing.
	found, err := findPlugins(*dir, "")
	if err != nil {
		return err
	}
	for _, f := range found {
		if f.base() == *lang {
			if mode.isolated {
				g, _, err := greeterrpc.Load(newLoader(), loader.IsolatedPath(f.path), mode.options())
				if err != nil {
					return err
				}
				return printGreeting(stdout, g)
			}
			p, err := newLoader().LoadKind(f.path, greeter.Spec)
			if err != nil {
				return err
			}
			return greetWith(stdout, p)
		}
		if f.kind == greeter.Kind {
			names = append(names, f.base())
		}
	}
	if len(names) == 0 {
		return cli.UsageError("no greeter plugins in %s (set --plugins)", *dir)
	}
	sort.Strings(names)
	return cli.UsageError("no greeter for language %q; available: %s", *lang, strings.Join(names, ", "))
}

// greetWith prints the greeting of a plugin bound through the greeter
// kind's bindings, the one binding path of greet and reload.
func greetWith(stdout io.Writer, p loader.Symbols) error {
	g, err := greeter.Bind(p)
	if err != nil {
		return err
	}
	return printGreeting(stdout, g)
}

// printGreeting prints g's greeting. A greeter that fails, in any mode (a
// panic in the host's process, a dead or hung process), is an error.
func printGreeting(stdout io.Writer, g *greeter.Plugin) error {
	var greeting string
	if err := isolated.Catch(func() { greeting = g.Greeter.Greet() }); err != nil {
		return err
	}
	_, err := fmt.Fprintln(stdout, greeting)
	return err
}

// isolation is how greet and log run their plugins.
type isolation struct {
	isolated    bool
	callTimeout time.Duration
}

func isolationFlags(fs *flag.FlagSet) *isolation {
	m := &isolation{}
	fs.BoolVar(&m.isolated, "isolated", false, "run each plugin in a process of its own (its executable beside its .so), behind the same API")
	fs.DurationVar(&m.callTimeout, "call-timeout", 10*time.Second, "with --isolated, how long a plugin may take to answer a call")
	return m
}

func (m *isolation) options() isolated.Options {
	return isolated.Options{CallTimeout: m.callTimeout}
}

// language is a linked-in greeter's language: the last element of its
// name, as a built greeter's file is named after its package folder.
func language(name string) string { return name[strings.LastIndex(name, "/")+1:] }
