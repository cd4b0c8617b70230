// Command buildrecord writes, at build time, what the host's loader
// compares before it opens a plugin: a plugin's build record (the JSON file
// beside its .so or executable, internal/buildrecord), or the host's own
// expected values as Go source. Both modes derive every value the same
// way (inputs.go), from inputs the Bazel rules in
// tools/rules/build_record.bzl pass from the target's own configuration,
// so a host and a plugin built with the same flags agree byte for byte, and
// any difference is named by the loader.
//
//	buildrecord plugin -so P.so -out P.so.build.json -name NAME [-kind KIND] [common flags]
//	buildrecord host -out buildconfig.go [-package NAME] [common flags]
//
// Common flags: -go-version, -flag (repeated), -go-mod, -importpath
// (repeated), -api-src (repeated). Run with -help for details.
//
// The output is deterministic: no timestamps, no paths, sorted keys.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"example.com/plugkit/internal/buildrecord"
	"example.com/plugkit/internal/cli"
)

func main() {
	cli.Exit("buildrecord", run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) error {
	with := func(mode func([]string, io.Writer) error) func([]string) error {
		return func(args []string) error { return mode(args, stderr) }
	}
	cmds := []cli.Command{
		{Name: "plugin", Summary: "write a plugin's build record (JSON), for beside its .so or executable", Run: with(runPlugin)},
		{Name: "host", Summary: "write the host's expected values as Go source (host/buildconfig)", Run: with(runHost)},
	}
	usage := func(w io.Writer) {
		fmt.Fprint(w, "usage: buildrecord MODE [flags]\n\n"+
			"Writes what the host's loader compares before it opens a plugin, for\n"+
			"the rules in tools/rules/build_record.bzl. Modes:\n\n")
		cli.WriteCommands(w, cmds)
		fmt.Fprint(w, "\nRun 'buildrecord MODE -help' for a mode's flags.\n")
	}
	// Asked for, the usage goes to stdout, as the go tool's help does.
	return cli.Dispatch(args, cmds, usage, stdout, stderr)
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// inputs are the values both modes derive their output from.
type inputs struct {
	goVersion   string
	flags       stringList
	goMod       string
	importpaths stringList
	apiSrcs     stringList
}

func (in *inputs) register(fs *flag.FlagSet) {
	fs.StringVar(&in.goVersion, "go-version", "", "the Go SDK version, e.g. 1.26.8")
	fs.Var(&in.flags, "flag", "a build setting that decides type identity, e.g. -race or GOAMD64=v1 (repeatable)")
	fs.StringVar(&in.goMod, "go-mod", "", "the go.mod whose requirements give module versions")
	fs.Var(&in.importpaths, "importpath", "an import path the target links (repeatable)")
	fs.Var(&in.apiSrcs, "api-src", "a source file of the pluginapi package the target links (repeatable)")
}

func (in *inputs) check() error {
	if in.goVersion == "" || in.goMod == "" {
		return cli.UsageError("-go-version and -go-mod are required")
	}
	return nil
}

// parse parses a mode's flags: both take flags only.
func parse(fs *flag.FlagSet, args []string) error {
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.UsageError("unexpected arguments %q", fs.Args())
	}
	return nil
}

func flagSet(mode, synopsis string, stderr io.Writer) *flag.FlagSet {
	return cli.NewFlagSet("buildrecord "+mode, "usage: buildrecord "+mode+" "+synopsis+"\n\nflags:\n", stderr)
}

const commonSynopsis = "-go-version V -go-mod go.mod [-flag F]... [-importpath P]... [-api-src F]..."

func runPlugin(args []string, stderr io.Writer) error {
	fs := flagSet("plugin", "-so P.so -out P.so.build.json -name NAME [-kind KIND] "+commonSynopsis, stderr)
	var in inputs
	in.register(fs)
	so := fs.String("so", "", "the plugin .so, or its executable (isolated mode)")
	out := fs.String("out", "", "where to write the build record")
	name := fs.String("name", "", "the plugin's name; must equal its PluginManifest.Name")
	kind := fs.String("kind", "", "the plugin's kind, e.g. greeter; the host's loader compares it with the kind it loads")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	if *so == "" || *out == "" || *name == "" {
		return cli.UsageError("-so, -out and -name are required")
	}
	api, err := apiVersion(in.apiSrcs)
	if err != nil {
		return err
	}
	deps, err := sharedDeps(in.goMod, in.importpaths)
	if err != nil {
		return err
	}
	r, err := buildrecord.New(*so, *name, *kind, "go"+in.goVersion, buildrecord.FlagsFingerprint(in.flags), api, deps)
	if err != nil {
		return err
	}
	// The loader validates every record it reads; one it would refuse (a
	// kind that is no kind's name, a pluginapi version that is no version)
	// fails this build action rather than the host, later.
	if err := r.Validate(); err != nil {
		return fmt.Errorf("the loader would refuse this build record: %w", err)
	}
	data, err := r.Marshal()
	if err != nil {
		return err
	}
	return os.WriteFile(*out, data, 0o644)
}

func runHost(args []string, stderr io.Writer) error {
	fs := flagSet("host", "-out buildconfig.go [-package NAME] "+commonSynopsis, stderr)
	var in inputs
	in.register(fs)
	out := fs.String("out", "", "where to write the Go source")
	pkg := fs.String("package", "buildconfig", "the Go package name of the output")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	if *out == "" {
		return cli.UsageError("-out is required")
	}
	// The host may load any plugin built from this go.mod, so it expects
	// every required module at its go.mod version, linked by the host or not.
	deps, err := sharedDeps(in.goMod, nil)
	if err != nil {
		return err
	}
	src, err := hostSource(*pkg, "go"+in.goVersion, buildrecord.FlagsFingerprint(in.flags), deps)
	if err != nil {
		return err
	}
	return os.WriteFile(*out, src, 0o644)
}
