// Command newplugin scaffolds a plugin of a kind the contract declares: a
// Go package under plugins/KIND/NAME that exports every symbol of the kind,
// generated from the kind's declaration in pluginapi/kinds.go, its testify
// test, and a BUILD.bazel with the go_plugin call and the go_library and
// go_test that gazelle would write. It adds the plugin to PLUGINS in
// plugins/BUILD.bazel, the list of plugins the repository ships.
//
//	tools/bazel run //tools/cmd/newplugin -- [--workspace=DIR] [--no-register] KIND/NAME
//
// For each symbol of the kind, the package gets:
//
//	PluginManifest         var PluginManifest = pluginapi.Manifest{Name: "KIND/NAME", ...}
//	an interface symbol    an unexported struct type whose methods (value receivers)
//	                       return zero values, and var Greeter pluginapi.Greeter = greeter{}
//	a function             func AddTwoInts(a, b int) int, returning zero values
//	a variable             var BuildVersion string, zero
//
// with a TODO wherever the plugin's own code goes. The test checks every
// symbol's type at compile time and the manifest at run time. NAME is
// lowercase Go identifiers separated by '/' (its last element names the
// package); KIND is a declared kind. newplugin never overwrites: it refuses
// a folder that exists. The Go module path comes from the workspace's
// go.mod and the kinds from its pluginapi/ source, so a fork (tools/cmd/fork)
// scaffolds plugins of its own kinds under its own path.
package main

import (
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"

	"example.com/plugkit/internal/cli"
	"example.com/plugkit/internal/contract"
)

// apiDir is the API package's folder in the workspace, whose source
// declares the kinds.
const apiDir = "pluginapi"

func main() {
	cli.Exit("newplugin", run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: tools/bazel run //tools/cmd/newplugin -- [--workspace=DIR] [--no-register] KIND/NAME

Writes a new plugin of the kind KIND into plugins/KIND/NAME/ of the workspace:
NAME.go, NAME_test.go (NAME's last element) and BUILD.bazel, generated from
the kind's declaration in pluginapi/kinds.go, and adds //plugins/KIND/NAME:plugin
to PLUGINS in plugins/BUILD.bazel, the plugins the repository ships. KIND is
a declared kind; NAME is lowercase Go identifiers separated by '/', such as
french in greeter/french. Existing folders are never overwritten.
`

func run(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("newplugin", usage, stderr)
	workspace := fs.String("workspace", os.Getenv("BUILD_WORKSPACE_DIRECTORY"),
		"the workspace root (default: $BUILD_WORKSPACE_DIRECTORY, set by bazel run)")
	noRegister := fs.Bool("no-register", false,
		"do not add the plugin to PLUGINS in plugins/BUILD.bazel: it builds and tests, but does not ship")
	// The kinds to choose from are the workspace's, known once --workspace
	// is parsed.
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		if *workspace != "" {
			if ws, err := loadWorkspace(*workspace); err == nil {
				fmt.Fprintf(stderr, "\nkinds declared in %s/ (KIND: symbols):\n", apiDir)
				writeKinds(stderr, ws.contract)
			}
		}
		fmt.Fprint(stderr, "\nflags:\n")
		fs.PrintDefaults()
	}
	if err := cli.Parse(fs, args); err != nil {
		if errors.Is(err, cli.ErrUsage) {
			return fmt.Errorf("%w (see --help)", err)
		}
		return err
	}
	if fs.NArg() != 1 {
		return cli.UsageError("want one KIND/NAME, such as greeter/french, got %d arguments (see --help)", fs.NArg())
	}
	if *workspace == "" {
		return cli.UsageError("no workspace: run this with tools/bazel run //tools/cmd/newplugin, or pass --workspace")
	}
	name := fs.Arg(0)
	if err := validateName(name); err != nil {
		return cli.UsageError("%v", err)
	}
	res, err := generate(*workspace, name, !*noRegister)
	if err != nil {
		return err
	}
	for _, p := range res.wrote {
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	switch {
	case res.reg == nil:
		fmt.Fprintf(stdout, "not in %s (--no-register): the plugin builds and tests but does not ship; add %q to %s there to ship it\n",
			registryList, res.label, registryFile)
	case res.reg.added:
		fmt.Fprintf(stdout, "wrote %s: added %q to %s\n", registryFile, res.label, registryList)
	default:
		fmt.Fprintf(stdout, "%s already lists %q in %s\n", registryFile, res.label, registryList)
	}
	fmt.Fprintln(stdout)
	fmt.Fprintf(stdout, "next: fill in the TODOs in %s/%s.go\n", res.dir, res.pkg)
	fmt.Fprintf(stdout, "next: tools/bazel test //%s/...\n", res.dir)
	if res.reg != nil {
		switch res.kind {
		case "greeter":
			fmt.Fprintf(stdout, "next: tools/bazel run //host -- greet --lang=%s\n", res.pkg)
		case "logger":
			fmt.Fprintf(stdout, "next: tools/bazel run //host -- log\n")
		default:
			fmt.Fprintf(stdout, "next: tools/bazel run //host -- list\n")
		}
	}
	return nil
}

// writeKinds lists the kinds and their symbols, for --help.
func writeKinds(w io.Writer, c *contract.Contract) {
	width := 0
	for _, k := range c.Kinds {
		width = max(width, len(k.Name))
	}
	for _, k := range c.Kinds {
		var syms []string
		for _, s := range k.Symbols {
			switch {
			case s.Name == contract.ManifestField:
				syms = append(syms, s.Name)
			case s.Func:
				syms = append(syms, "func "+s.Name+strings.TrimPrefix(s.Type, "func"))
			default:
				syms = append(syms, s.Name+" "+s.Type)
			}
		}
		fmt.Fprintf(w, "  %-*s  %s\n", width, k.Name, strings.Join(syms, "; "))
	}
}

// A workspace is what newplugin reads of the workspace it writes into.
type workspace struct {
	root     string
	module   string
	gomod    *modfile.File
	apiFiles []string
	contract *contract.Contract
	api      *apiIndex
}

// loadWorkspace reads the module path from root/go.mod and the contract,
// the kinds, from the Go files of root/pluginapi.
func loadWorkspace(root string) (*workspace, error) {
	module, gomod, err := readGoMod(filepath.Join(root, "go.mod"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s is not the workspace root: %w", root, err)
		}
		return nil, err
	}
	matches, err := filepath.Glob(filepath.Join(root, apiDir, "*.go"))
	if err != nil {
		return nil, err
	}
	var files []string
	for _, m := range matches {
		if !strings.HasSuffix(m, "_test.go") {
			files = append(files, m)
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no Go files: the contract's kinds are declared there (kinds.go)", filepath.Join(root, apiDir))
	}
	c, err := contract.Parse(module+"/"+apiDir, files)
	if err != nil {
		return nil, fmt.Errorf("reading the kinds from %s/: %w", apiDir, err)
	}
	api, err := indexAPI(files)
	if err != nil {
		return nil, err
	}
	return &workspace{root: root, module: module, gomod: gomod, apiFiles: files, contract: c, api: api}, nil
}

// result is what generate did.
type result struct {
	kind, pkg string
	dir       string            // plugins/KIND/NAME
	label     string            // //plugins/KIND/NAME:plugin
	wrote     []string          // the plugin's files, relative to the workspace, sorted
	files     map[string][]byte // by base name
	reg       *registration     // nil with --no-register
}

// generate writes the plugin name, KIND/NAME, into root/plugins/KIND/NAME
// and, with register, adds it to PLUGINS. It writes nothing when the kind is
// not declared, the folder exists, a file fails to render or PLUGINS cannot
// be edited; it removes what it wrote when a write fails.
func generate(root, name string, register bool) (*result, error) {
	if err := validateName(name); err != nil {
		return nil, cli.UsageError("%v", err)
	}
	ws, err := loadWorkspace(root)
	if err != nil {
		return nil, err
	}
	kindName, pkg, err := pluginName(name, ws.contract.KindNames())
	if err != nil {
		return nil, cli.UsageError("%v", err)
	}
	kind, _ := ws.contract.Kind(kindName)
	res := &result{kind: kindName, pkg: pkg, dir: "plugins/" + name, label: "//plugins/" + name + ":plugin"}
	dir := filepath.Join(root, filepath.FromSlash(res.dir))
	if _, err := os.Lstat(dir); err == nil {
		return nil, fmt.Errorf("%s already exists: newplugin never overwrites; pick another NAME or remove the folder", res.dir)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if res.files, err = render(ws, kind, name, pkg); err != nil {
		return nil, err
	}
	if register {
		if res.reg, err = planRegistration(root, res.label); err != nil {
			return nil, err
		}
	}

	// Write: the plugin's folder, then PLUGINS. On a failure, remove what
	// was written, so a second run starts from where the first did.
	created, err := mkdirAll(dir)
	if err != nil {
		return nil, err
	}
	var written []string
	undo := func() {
		for _, f := range written {
			os.Remove(f)
		}
		for i := len(created) - 1; i >= 0; i-- {
			os.Remove(created[i])
		}
	}
	bases := make([]string, 0, len(res.files))
	for base := range res.files {
		bases = append(bases, base)
	}
	sort.Strings(bases)
	for _, base := range bases {
		file := filepath.Join(dir, base)
		// O_EXCL: a file that appeared since the check is never overwritten.
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			undo()
			return nil, err
		}
		written = append(written, file)
		_, err = f.Write(res.files[base])
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			undo()
			return nil, err
		}
		res.wrote = append(res.wrote, res.dir+"/"+base)
	}
	if res.reg != nil {
		if err := res.reg.apply(); err != nil {
			undo()
			return nil, err
		}
	}
	return res, nil
}

// mkdirAll is os.MkdirAll, returning the folders it created, outermost
// first.
func mkdirAll(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		missing = append([]string{d}, missing...)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return missing, nil
}

// render returns the plugin's files by base name: NAME.go, NAME_test.go
// and BUILD.bazel.
func render(ws *workspace, kind *contract.Kind, name, pkg string) (map[string][]byte, error) {
	p := newPlugin(ws.contract, ws.api, ws.module, kind, name, pkg)
	src, err := p.source()
	if err != nil {
		return nil, fmt.Errorf("%s.go: %w", pkg, err)
	}
	test, err := p.test()
	if err != nil {
		return nil, fmt.Errorf("%s_test.go: %w", pkg, err)
	}
	libImports, err := fileImports(src)
	if err != nil {
		return nil, err
	}
	testImports, err := fileImports(test)
	if err != nil {
		return nil, err
	}
	build, err := p.buildFile(ws.gomod, libImports, testImports)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{
		pkg + ".go":      src,
		pkg + "_test.go": test,
		"BUILD.bazel":    build,
	}, nil
}

// fileImports lists the import paths of a generated Go file, which its
// BUILD target must have as deps.
func fileImports(src []byte) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(f.Imports))
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}
