// Command pluginmanifest writes, at build time, what the host's loader
// compares before it opens a plugin: a plugin's build manifest
// (<plugin>.so.manifest.json), or the host's own expected values as Go
// source. Both modes derive every value the same way, from inputs the Bazel
// rule in tools/rules/plugin_manifest.bzl passes from the target's own
// configuration, so a host and a plugin built with the same flags agree
// byte for byte, and any difference is named by the loader.
//
//	pluginmanifest plugin -so P.so -out P.so.manifest.json -name NAME [common flags]
//	pluginmanifest host -out buildconfig.go -package NAME [common flags]
//
// Common flags: -go-version, -flag (repeated), -go-mod, -importpath
// (repeated), -api-src (repeated). Run with -help for details.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"

	"example.com/plugkit/host/loader"
	"example.com/plugkit/internal/cli"
)

// errUsage marks errors in the command line: exit status 2 (internal/cli).
var errUsage = cli.ErrUsage

func main() {
	cli.Exit("pluginmanifest", run(os.Args[1:], os.Stderr))
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
		return fmt.Errorf("%w: -go-version and -go-mod are required", errUsage)
	}
	return nil
}

func run(args []string, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: pluginmanifest plugin|host [flags]; -help for details", errUsage)
	}
	switch args[0] {
	case "plugin":
		return runPlugin(args[1:], stderr)
	case "host":
		return runHost(args[1:], stderr)
	case "-h", "-help", "--help":
		fmt.Fprintln(stderr, "usage: pluginmanifest plugin|host [flags]\n\n"+
			"plugin: write a plugin's build manifest (JSON) next to its .so\n"+
			"host:   write the host's expected values as Go source\n\n"+
			"Run 'pluginmanifest plugin -help' or 'pluginmanifest host -help' for flags.")
		return flag.ErrHelp
	default:
		return fmt.Errorf("%w: unknown mode %q: want plugin or host", errUsage, args[0])
	}
}

func newFlagSet(mode string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("pluginmanifest "+mode, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	return nil
}

func runPlugin(args []string, stderr io.Writer) error {
	fs := newFlagSet("plugin", stderr)
	var in inputs
	in.register(fs)
	so := fs.String("so", "", "the plugin .so")
	out := fs.String("out", "", "where to write the build manifest")
	name := fs.String("name", "", "the plugin's name; must equal its PluginManifest.Name")
	kind := fs.String("kind", "", "the plugin's kind, e.g. greeter; the host's loader compares it with the kind it loads")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	if *so == "" || *out == "" || *name == "" {
		return fmt.Errorf("%w: -so, -out and -name are required", errUsage)
	}
	api, err := apiVersion(in.apiSrcs)
	if err != nil {
		return err
	}
	deps, err := sharedDeps(in.goMod, in.importpaths)
	if err != nil {
		return err
	}
	m, err := loader.NewBuildManifest(*so, *name, *kind, "go"+in.goVersion, loader.FlagsFingerprint(in.flags), api, deps)
	if err != nil {
		return err
	}
	data, err := m.Marshal()
	if err != nil {
		return err
	}
	return os.WriteFile(*out, data, 0o644)
}

func runHost(args []string, stderr io.Writer) error {
	fs := newFlagSet("host", stderr)
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
		return fmt.Errorf("%w: -out is required", errUsage)
	}
	// The host may load any plugin built from this go.mod, so it expects
	// every required module at its go.mod version, linked by the host or not.
	deps, err := sharedDeps(in.goMod, nil)
	if err != nil {
		return err
	}
	src, err := hostSource(*pkg, "go"+in.goVersion, loader.FlagsFingerprint(in.flags), deps)
	if err != nil {
		return err
	}
	return os.WriteFile(*out, src, 0o644)
}

// hostSource renders the host's expectations. The output is deterministic:
// no timestamps, no paths, sorted keys.
func hostSource(pkg, goVersion, fingerprint string, deps map[string]string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by \"pluginmanifest host\"; DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	fmt.Fprintf(&b, "// Generated is true in a build whose values came from Bazel.\n")
	fmt.Fprintf(&b, "const Generated = true\n\n")
	fmt.Fprintf(&b, "// GoVersion is the Go SDK the host was built with.\n")
	fmt.Fprintf(&b, "const GoVersion = %s\n\n", strconv.Quote(goVersion))
	fmt.Fprintf(&b, "// BuildFlagsFingerprint is loader.FlagsFingerprint of the host's flag set.\n")
	fmt.Fprintf(&b, "const BuildFlagsFingerprint = %s\n\n", strconv.Quote(fingerprint))
	fmt.Fprintf(&b, "// SharedDeps maps module path to the version in go.mod.\n")
	fmt.Fprintf(&b, "var SharedDeps = map[string]string{\n")
	for _, k := range sortedKeys(deps) {
		fmt.Fprintf(&b, "\t%s: %s,\n", strconv.Quote(k), strconv.Quote(deps[k]))
	}
	fmt.Fprintf(&b, "}\n")
	return format.Source(b.Bytes())
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sharedDeps maps each go.mod requirement to its version (after replace
// directives). With importpaths, only the modules providing one of them are
// kept: those are the modules the target links.
func sharedDeps(goModPath string, importpaths []string) (map[string]string, error) {
	data, err := os.ReadFile(goModPath)
	if err != nil {
		return nil, err
	}
	mf, err := modfile.Parse(goModPath, data, nil)
	if err != nil {
		return nil, err
	}
	versions := map[string]string{}
	for _, r := range mf.Require {
		versions[r.Mod.Path] = r.Mod.Version
	}
	for _, r := range mf.Replace {
		if _, ok := versions[r.Old.Path]; !ok {
			continue
		}
		if r.New.Version != "" {
			versions[r.Old.Path] = r.New.Version
		} else {
			versions[r.Old.Path] = "=> " + r.New.Path
		}
	}
	if importpaths == nil {
		return versions, nil
	}
	linked := map[string]string{}
	for _, ip := range importpaths {
		if mod := moduleOf(ip, versions); mod != "" {
			linked[mod] = versions[mod]
		}
	}
	return linked, nil
}

// moduleOf returns the longest module path in mods that contains importpath.
func moduleOf(importpath string, mods map[string]string) string {
	best := ""
	for mod := range mods {
		if (importpath == mod || strings.HasPrefix(importpath, mod+"/")) && len(mod) > len(best) {
			best = mod
		}
	}
	return best
}

// apiVersion reads the APIVersion constant from the pluginapi sources the
// plugin was compiled against. Reading the source, not this tool's own copy
// of pluginapi, is what lets a plugin built against another pluginapi be
// told apart.
func apiVersion(srcs []string) (string, error) {
	if len(srcs) == 0 {
		return "", errors.New("the plugin does not link example.com/plugkit/pluginapi: every plugin exports a pluginapi.Manifest")
	}
	fset := token.NewFileSet()
	for _, src := range srcs {
		f, err := parser.ParseFile(fset, src, nil, 0)
		if err != nil {
			return "", err
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if n.Name != "APIVersion" || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						return "", fmt.Errorf("%s: APIVersion is not a string literal", src)
					}
					return strconv.Unquote(lit.Value)
				}
			}
		}
	}
	return "", fmt.Errorf("no APIVersion constant in %s", strings.Join(srcs, ", "))
}
