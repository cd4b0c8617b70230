// Command pluginmain generates the Go code that turns a normal plugin
// package into a plugin, from the package's source. The rules in
// tools/rules run it in three modes:
//
//	pluginmain main -importpath P -out main.go -types-out types.go SRC.go...
//	    (go_plugin, the .so) the package main that -buildmode=plugin
//	    needs: it re-exports every exported top-level variable and function
//	    of package P. types.go, compiled into P, declares aliases for the
//	    types the exports' signatures name, so the package main imports P
//	    alone.
//	pluginmain isolated -rpc-importpath R -importpath P -out main.go SRC.go...
//	    (go_plugin, the executable) the package main of the plugin's
//	    executable (isolated mode): it passes a table of P's exports, each
//	    as plugin.Lookup would return it (a pointer for a variable, the
//	    value of a function), to R.Serve, the kind's generated rpc package,
//	    which serves the kind over hashicorp/go-plugin.
//	pluginmain static -package NAME -loader-importpath L -out registry.go -plugin KIND:NAME=P:SRC.go,... ...
//	    (go_plugin_registry) a registry package for a host that links the
//	    plugins in (static mode): importing it registers each plugin with
//	    L.RegisterStatic, under its kind and name, with the same table, so
//	    the same kind bindings bind either.
//
// The output is deterministic: no timestamps, no paths, sorted symbols.
//
// The files: main.go parses the command line; library.go reads a plugin
// package's source and refuses what no generated code could re-export;
// inprocess.go, isolated.go and static.go build each mode's output, from
// the templates in templates.go.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"example.com/plugkit/internal/cli"
)

func main() {
	cli.Exit("pluginmain", run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) error {
	with := func(mode func([]string, io.Writer) error) func([]string) error {
		return func(args []string) error { return mode(args, stderr) }
	}
	cmds := []cli.Command{
		{Name: "main", Summary: "the package main of a plugin's .so, and the types file it names types through", Run: with(runMain)},
		{Name: "isolated", Summary: "the package main of a plugin's executable, which serves its kind", Run: with(runIsolated)},
		{Name: "static", Summary: "a registry package that links plugins into a host", Run: with(runStatic)},
	}
	usage := func(w io.Writer) {
		fmt.Fprint(w, "usage: pluginmain MODE [flags] [SRC.go...]\n\n"+
			"Generates the Go code that makes a plugin of a normal Go package, for\n"+
			"the rules in tools/rules. Modes:\n\n")
		cli.WriteCommands(w, cmds)
		fmt.Fprint(w, "\nRun 'pluginmain MODE -help' for a mode's flags.\n")
	}
	// Asked for, the usage goes to stdout, as the go tool's help does.
	return cli.Dispatch(args, cmds, usage, stdout, stderr)
}

func flagSet(mode, synopsis string, stderr io.Writer) *flag.FlagSet {
	return cli.NewFlagSet("pluginmain "+mode, "usage: pluginmain "+mode+" "+synopsis+"\n\nflags:\n", stderr)
}

func runMain(args []string, stderr io.Writer) error {
	fs := flagSet("main", "-importpath P -out main.go -types-out types.go SRC.go...", stderr)
	importpath := fs.String("importpath", "", "import path of the plugin package")
	out := fs.String("out", "", "where to write the package main")
	typesOut := fs.String("types-out", "", "where to write the type aliases the package main names, a file of package P's own package")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if *importpath == "" || *out == "" || *typesOut == "" || fs.NArg() == 0 {
		return cli.UsageError("-importpath, -out, -types-out and the package's source files are required")
	}
	pkg, err := readPackage(*importpath, fs.Args())
	if err != nil {
		return err
	}
	src, err := pkg.mainSource()
	if err != nil {
		return err
	}
	types, err := pkg.typesSource()
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		return err
	}
	return os.WriteFile(*typesOut, types, 0o644)
}

func runIsolated(args []string, stderr io.Writer) error {
	fs := flagSet("isolated", "-importpath P -rpc-importpath R -out main.go SRC.go...", stderr)
	importpath := fs.String("importpath", "", "import path of the plugin package")
	rpcPath := fs.String("rpc-importpath", "", "import path of the kind's rpc package (//pluginapi/kinds:<kind>rpc), whose Serve the main calls")
	out := fs.String("out", "", "where to write the package main")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if *importpath == "" || *rpcPath == "" || *out == "" || fs.NArg() == 0 {
		return cli.UsageError("-importpath, -rpc-importpath, -out and the package's source files are required")
	}
	pkg, err := readPackage(*importpath, fs.Args())
	if err != nil {
		return err
	}
	src, err := isolatedSource(*rpcPath, pkg)
	if err != nil {
		return err
	}
	return os.WriteFile(*out, src, 0o644)
}

func runStatic(args []string, stderr io.Writer) error {
	fs := flagSet("static", "-loader-importpath L -out registry.go [-package NAME] -plugin KIND:NAME=P:SRC.go,... ...", stderr)
	pkgName := fs.String("package", "registry", "Go package of the registry")
	loaderPath := fs.String("loader-importpath", "", "import path of the host's loader package, whose RegisterStatic the registry calls")
	out := fs.String("out", "", "where to write the registry")
	var plugins []string
	fs.Func("plugin", "KIND:NAME=IMPORTPATH:SRC.go,SRC.go,... for each plugin (repeatable)", func(v string) error {
		plugins = append(plugins, v)
		return nil
	})
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if *out == "" || *loaderPath == "" || len(plugins) == 0 {
		return cli.UsageError("-out, -loader-importpath and at least one -plugin are required")
	}
	// Files given as in the other modes would be ignored: say so.
	if fs.NArg() > 0 {
		return cli.UsageError("unexpected arguments %q: give each plugin's files in its -plugin", fs.Args())
	}
	var pkgs []*pluginPackage
	seen := map[string]bool{}
	for _, p := range plugins {
		kind, rest, ok0 := strings.Cut(p, ":")
		name, rest, ok1 := strings.Cut(rest, "=")
		importpath, files, ok2 := strings.Cut(rest, ":")
		if !ok0 || !ok1 || !ok2 || kind == "" || name == "" || importpath == "" || files == "" {
			return cli.UsageError("-plugin %q: want KIND:NAME=IMPORTPATH:SRC.go,...", p)
		}
		// The loader's registry refuses duplicates too, but only when the
		// host starts; the build should say so first.
		if seen[name] {
			return cli.UsageError("plugin %q given twice", name)
		}
		seen[name] = true
		pkg, err := readPackage(importpath, strings.Split(files, ","))
		if err != nil {
			return err
		}
		pkg.name, pkg.kind = name, kind
		pkgs = append(pkgs, pkg)
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].name < pkgs[j].name })
	src, err := staticSource(*pkgName, *loaderPath, pkgs)
	if err != nil {
		return err
	}
	return os.WriteFile(*out, src, 0o644)
}
