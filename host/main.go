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
// manifest says, and the host binds it through that kind's bindings
// (pluginapi/kinds). Plugins linked into the host (//host:static) come
// first. Exit status: 0 on success, 1 when a plugin fails, 2 for a usage
// error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"example.com/plugkit/host/isolated"
	"example.com/plugkit/host/loader"
	"example.com/plugkit/internal/cli"
	"example.com/plugkit/pluginapi/kinds/greeter"
	"example.com/plugkit/pluginapi/kinds/greeterrpc"
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
		{"add", "add two integers with the adder plugin", add},
		{"list", "list the plugins under a folder and whether each may be loaded", list},
		{"inspect", "describe a plugin file without opening it", inspect},
		{"reload", "load plugin files in order, a later build of a plugin replacing an earlier one", reload},
		{"serve", "serve greet and log over HTTP, reloading plugins as new builds land", serveCmd},
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
	fs.String("trust", "", "production mode: a file of trusted public keys (tools/cmd/sign keygen writes one); every plugin's build manifest must be signed by one of them (default $PLUGKIT_TRUSTED_KEYS; none: development mode, signatures not checked)")
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
		return fmt.Errorf("%w: --trust: %v", errUsage, err)
	}
	trustedKeys = keys
	return nil
}

// runfilesPlugins is where //plugins, the host's data, sits in its
// runfiles.
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
// Bazel runfiles (bazel run and bazel test), then beside the binary.
func defaultPluginsDir() string {
	if dir := os.Getenv("PLUGKIT_PLUGINS"); dir != "" {
		return dir
	}
	var candidates []string
	for _, env := range []string{"RUNFILES_DIR", "TEST_SRCDIR"} {
		if dir := os.Getenv(env); dir != "" {
			candidates = append(candidates, filepath.Join(dir, runfilesPlugins))
		}
	}
	if exe, err := os.Executable(); err == nil {
		candidates = append(candidates,
			filepath.Join(exe+".runfiles", runfilesPlugins),
			filepath.Join(filepath.Dir(exe), "plugins"))
	}
	for _, dir := range candidates {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir
		}
	}
	return "plugins"
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
		return fmt.Errorf("%w: no greeter plugins in %s (set --plugins)", errUsage, *dir)
	}
	sort.Strings(names)
	return fmt.Errorf("%w: no greeter for language %q; available: %s", errUsage, *lang, strings.Join(names, ", "))
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
