// Command pluginmain generates the Go code that turns a normal plugin
// package into a plugin, from the package's source:
//
//	pluginmain main -importpath P -out main.go SRC.go...
//	    the package main that -buildmode=plugin needs: it re-exports every
//	    exported top-level variable and function of package P.
//	pluginmain static -package NAME -loader-importpath L -out registry.go -plugin KIND:NAME=P:SRC.go,... ...
//	    a registry package for a host that links the plugins in (static
//	    mode): importing it registers each plugin with L.RegisterStatic,
//	    under its kind and name, with a table of the same symbols holding
//	    what plugin.Lookup returns (a pointer for a variable, the value of a
//	    function), so the same kind bindings bind either.
//
// The output is deterministic: no timestamps, no paths, sorted symbols.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/printer"
	"go/token"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"example.com/plugkit/internal/cli"
)

// errUsage marks errors in the command line: exit status 2 (internal/cli).
var errUsage = cli.ErrUsage

func main() {
	cli.Exit("pluginmain", run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: pluginmain main|static [flags]; -help for details", errUsage)
	}
	switch args[0] {
	case "main":
		return runMain(args[1:], stderr)
	case "static":
		return runStatic(args[1:], stderr)
	case "-h", "-help", "--help":
		fmt.Fprintln(stderr, "usage: pluginmain main|static [flags]\n\n"+
			"main:   write the package main that makes a plugin of a normal package\n"+
			"static: write a registry that links plugins into a host\n\n"+
			"Run 'pluginmain main -help' or 'pluginmain static -help' for flags.")
		return flag.ErrHelp
	default:
		return fmt.Errorf("%w: unknown mode %q: want main or static", errUsage, args[0])
	}
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

func runMain(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("pluginmain main", flag.ContinueOnError)
	fs.SetOutput(stderr)
	importpath := fs.String("importpath", "", "import path of the plugin package")
	out := fs.String("out", "", "where to write the package main")
	typesOut := fs.String("types-out", "", "where to write the type aliases the package main names, a file of package P's own package")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *importpath == "" || *out == "" || *typesOut == "" || fs.NArg() == 0 {
		return fmt.Errorf("%w: -importpath, -out, -types-out and the package's source files are required", errUsage)
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

func runStatic(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("pluginmain static", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pkgName := fs.String("package", "registry", "Go package of the registry")
	loaderPath := fs.String("loader-importpath", "", "import path of the host's loader package, whose RegisterStatic the registry calls")
	out := fs.String("out", "", "where to write the registry")
	var plugins []string
	fs.Func("plugin", "KIND:NAME=IMPORTPATH:SRC.go,SRC.go,... for each plugin (repeatable)", func(v string) error {
		plugins = append(plugins, v)
		return nil
	})
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || *loaderPath == "" || len(plugins) == 0 {
		return fmt.Errorf("%w: -out, -loader-importpath and at least one -plugin are required", errUsage)
	}
	var pkgs []*pluginPackage
	seen := map[string]bool{}
	for _, p := range plugins {
		kind, rest, ok0 := strings.Cut(p, ":")
		name, rest, ok1 := strings.Cut(rest, "=")
		importpath, files, ok2 := strings.Cut(rest, ":")
		if !ok0 || !ok1 || !ok2 || kind == "" || name == "" || importpath == "" || files == "" {
			return fmt.Errorf("%w: -plugin %q: want KIND:NAME=IMPORTPATH:SRC.go,...", errUsage, p)
		}
		// The loader's registry refuses duplicates too, but only when the
		// host starts; the build should say so first.
		if seen[name] {
			return fmt.Errorf("%w: plugin %q given twice", errUsage, name)
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

// pluginPackage is what the generators need of a plugin package.
type pluginPackage struct {
	name       string // the plugin's name, static mode only
	kind       string // the plugin's kind, static mode only
	importpath string
	pkgName    string   // the package clause's name
	vars       []string // exported top-level variables, sorted
	funcs      []*function
}

type function struct {
	name    string
	params  []param
	results string            // as written, "" for none
	imports map[string]string // package name used in the signature -> import path
	// aliased are the pkg.Name types of the signature: the package main
	// names each through an alias in the plugin package (typesSource).
	aliased map[string]bool
}

type param struct {
	name, typ string
	variadic  bool
}

// readPackage parses the package's files and collects its exports.
func readPackage(importpath string, files []string) (*pluginPackage, error) {
	fset := token.NewFileSet()
	pkg := &pluginPackage{importpath: importpath}
	var pkgName string
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		if pkgName == "" {
			pkgName = f.Name.Name
			pkg.pkgName = pkgName
		}
		if f.Name.Name == "main" {
			return nil, fmt.Errorf("%s is package main: write the plugin as a normal package; go_plugin generates its package main", file)
		}
		imports := map[string]string{}
		for _, spec := range f.Imports {
			path, _ := strconv.Unquote(spec.Path.Value)
			name := path[strings.LastIndex(path, "/")+1:]
			if spec.Name != nil {
				name = spec.Name.Name
			}
			imports[name] = path
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.GenDecl:
				if d.Tok != token.VAR {
					continue
				}
				for _, spec := range d.Specs {
					for _, n := range spec.(*ast.ValueSpec).Names {
						if n.IsExported() {
							pkg.vars = append(pkg.vars, n.Name)
						}
					}
				}
			case *ast.FuncDecl:
				if d.Recv != nil || !d.Name.IsExported() {
					continue
				}
				if d.Type.TypeParams != nil {
					return nil, fmt.Errorf("%s: %s is generic: a plugin cannot export generic functions", fset.Position(d.Pos()), d.Name.Name)
				}
				fn, err := newFunction(fset, d, imports)
				if err != nil {
					return nil, err
				}
				pkg.funcs = append(pkg.funcs, fn)
			}
		}
	}
	sort.Strings(pkg.vars)
	sort.Slice(pkg.funcs, func(i, j int) bool { return pkg.funcs[i].name < pkg.funcs[j].name })
	if len(pkg.vars)+len(pkg.funcs) == 0 {
		return nil, fmt.Errorf("package %s exports no variables or functions: a plugin needs at least its PluginManifest", importpath)
	}
	return pkg, nil
}

func newFunction(fset *token.FileSet, d *ast.FuncDecl, imports map[string]string) (*function, error) {
	fn := &function{name: d.Name.Name, imports: map[string]string{}, aliased: map[string]bool{}}
	render := func(e ast.Expr) (string, error) {
		if err := fn.checkType(fset, e, imports); err != nil {
			return "", err
		}
		return fn.aliasTypes(fset, e)
	}
	i := 0
	for _, field := range d.Type.Params.List {
		typ := field.Type
		variadic := false
		if el, ok := typ.(*ast.Ellipsis); ok {
			typ, variadic = el.Elt, true
		}
		t, err := render(typ)
		if err != nil {
			return nil, err
		}
		for range max(len(field.Names), 1) {
			fn.params = append(fn.params, param{name: fmt.Sprintf("p%d", i), typ: t, variadic: variadic})
			i++
		}
	}
	if d.Type.Results != nil {
		var results []string
		for _, field := range d.Type.Results.List {
			t, err := render(field.Type)
			if err != nil {
				return nil, err
			}
			for range max(len(field.Names), 1) {
				results = append(results, t)
			}
		}
		fn.results = strings.Join(results, ", ")
		if len(results) > 1 {
			fn.results = "(" + fn.results + ")"
		}
	}
	return fn, nil
}

// checkType records the packages a signature's type names, so the wrapper
// imports them under the same names, and refuses types of the plugin's own
// package: the generated package main could not name them, and neither
// could a host.
func (fn *function) checkType(fset *token.FileSet, e ast.Expr, imports map[string]string) error {
	var err error
	var walk func(ast.Expr)
	fields := func(l *ast.FieldList) {
		if l != nil {
			for _, f := range l.List {
				walk(f.Type)
			}
		}
	}
	walk = func(e ast.Expr) {
		if err != nil || e == nil {
			return
		}
		switch t := e.(type) {
		case *ast.Ident:
			if !isPredeclared(t.Name) {
				err = fmt.Errorf("%s: %s uses %s, a type of the plugin's own package: move it to pluginapi so the host can name it", fset.Position(t.Pos()), fn.name, t.Name)
			}
		case *ast.SelectorExpr:
			id, ok := t.X.(*ast.Ident)
			if !ok {
				err = fmt.Errorf("%s: %s: unexpected type expression", fset.Position(t.Pos()), fn.name)
				return
			}
			path, found := imports[id.Name]
			if !found {
				err = fmt.Errorf("%s: %s: %s is not an import of this file", fset.Position(t.Pos()), fn.name, id.Name)
				return
			}
			fn.imports[id.Name] = path
			fn.aliased[id.Name+"."+t.Sel.Name] = true
		case *ast.StarExpr:
			walk(t.X)
		case *ast.ParenExpr:
			walk(t.X)
		case *ast.Ellipsis:
			walk(t.Elt)
		case *ast.ArrayType:
			if t.Len != nil {
				if _, ok := t.Len.(*ast.BasicLit); !ok {
					err = fmt.Errorf("%s: %s: array length must be a literal", fset.Position(t.Pos()), fn.name)
					return
				}
			}
			walk(t.Elt)
		case *ast.MapType:
			walk(t.Key)
			walk(t.Value)
		case *ast.ChanType:
			walk(t.Value)
		case *ast.FuncType:
			fields(t.Params)
			fields(t.Results)
		case *ast.StructType:
			fields(t.Fields)
		case *ast.InterfaceType:
			fields(t.Methods)
		case *ast.IndexExpr, *ast.IndexListExpr:
			err = fmt.Errorf("%s: %s: generic type instances are not supported in plugin signatures", fset.Position(e.Pos()), fn.name)
		default:
			err = fmt.Errorf("%s: %s: unsupported type expression %T", fset.Position(e.Pos()), fn.name, e)
		}
	}
	walk(e)
	return err
}

// typeAlias is the name under which the plugin package re-exports the type
// pkg.Name that a signature uses: an exported name no hand-written code
// would choose.
func typeAlias(selector string) string {
	pkg, name, _ := strings.Cut(selector, ".")
	return "PluginmainType_" + pkg + "_" + name
}

// aliasTypes prints e with every pkg.Name replaced by its alias in the
// plugin package. The package main then imports the plugin package alone:
// a Bazel target may import only its direct deps, and the plugin package's
// copy has the library's deps, whatever packages its signatures name.
func (fn *function) aliasTypes(fset *token.FileSet, e ast.Expr) (string, error) {
	var b bytes.Buffer
	if err := printer.Fprint(&b, fset, e); err != nil {
		return "", err
	}
	copied, err := parser.ParseExpr(b.String())
	if err != nil {
		return "", err
	}
	ast.Inspect(copied, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				sel.Sel = ast.NewIdent(typeAlias(id.Name + "." + sel.Sel.Name))
				id.Name = implAlias
			}
			return false
		}
		return true
	})
	b.Reset()
	err = printer.Fprint(&b, token.NewFileSet(), copied)
	return b.String(), err
}

// typesSource is a file of the plugin package declaring the aliases that
// the package main's signatures use.
func (pkg *pluginPackage) typesSource() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by \"pluginmain main\"; DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "// The types that the package main of %s names, for it to name\n", pkg.importpath)
	b.WriteString("// through this package: go_plugin compiles this file into the plugin's\n")
	b.WriteString("// copy of its library.\n\n")
	fmt.Fprintf(&b, "package %s\n\n", pkg.pkgName)
	imports := map[string]string{}
	selectors := map[string]bool{}
	for _, fn := range pkg.funcs {
		for name, path := range fn.imports {
			if prev, ok := imports[name]; ok && prev != path {
				return nil, fmt.Errorf("%s: the name %s means both %s and %s in different files", pkg.importpath, name, prev, path)
			}
			imports[name] = path
		}
		for sel := range fn.aliased {
			selectors[sel] = true
		}
	}
	if len(selectors) > 0 {
		importBlock(&b, imports, nil)
	}
	names := make([]string, 0, len(selectors))
	for sel := range selectors {
		names = append(names, sel)
	}
	sort.Strings(names)
	for _, sel := range names {
		fmt.Fprintf(&b, "// %s is %s, for the package main.\n", typeAlias(sel), sel)
		fmt.Fprintf(&b, "type %s = %s\n\n", typeAlias(sel), sel)
	}
	return format.Source(b.Bytes())
}

func isPredeclared(name string) bool {
	switch name {
	case "any", "bool", "byte", "comparable", "complex64", "complex128", "error", "float32", "float64",
		"int", "int8", "int16", "int32", "int64", "rune", "string",
		"uint", "uint8", "uint16", "uint32", "uint64", "uintptr":
		return true
	}
	return false
}

// implAlias is the name the generated code imports the plugin package as; a
// name no Go package is called, so it cannot collide with a signature's.
const implAlias = "plugin_impl"

func (fn *function) signature() string {
	var b strings.Builder
	b.WriteString("(")
	for i, p := range fn.params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.name + " ")
		if p.variadic {
			b.WriteString("...")
		}
		b.WriteString(p.typ)
	}
	b.WriteString(")")
	if fn.results != "" {
		b.WriteString(" " + fn.results)
	}
	return b.String()
}

func (fn *function) call() string {
	args := make([]string, len(fn.params))
	for i, p := range fn.params {
		args[i] = p.name
		if p.variadic {
			args[i] += "..."
		}
	}
	c := fmt.Sprintf("%s.%s(%s)", implAlias, fn.name, strings.Join(args, ", "))
	if fn.results != "" {
		return "return " + c
	}
	return c
}

// importBlock renders the imports, sorted by path, the plugin package first.
func importBlock(b *bytes.Buffer, extra map[string]string, impls map[string]string) {
	b.WriteString("import (\n")
	type imp struct{ name, path string }
	var all []imp
	for name, path := range impls {
		all = append(all, imp{name, path})
	}
	for name, path := range extra {
		all = append(all, imp{name, path})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].path != all[j].path {
			return all[i].path < all[j].path
		}
		return all[i].name < all[j].name
	})
	for _, i := range all {
		last := i.path[strings.LastIndex(i.path, "/")+1:]
		if i.name == last {
			fmt.Fprintf(b, "\t%q\n", i.path)
		} else {
			fmt.Fprintf(b, "\t%s %q\n", i.name, i.path)
		}
	}
	b.WriteString(")\n\n")
}

func (pkg *pluginPackage) mainSource() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by \"pluginmain main -importpath %s\"; DO NOT EDIT.\n\n", pkg.importpath)
	fmt.Fprintf(&b, "// Command main makes a plugin of %s: -buildmode=plugin needs a\n", pkg.importpath)
	b.WriteString("// package main, and plugin authors write a normal package. It re-exports\n")
	b.WriteString("// every exported variable and function of that package.\n")
	b.WriteString("package main\n\n")
	importBlock(&b, nil, map[string]string{implAlias: pkg.importpath})
	for _, v := range pkg.vars {
		fmt.Fprintf(&b, "// %s is %s.%s, copied when the plugin is opened.\n", v, pkg.importpath, v)
		fmt.Fprintf(&b, "var %s = %s.%s\n\n", v, implAlias, v)
	}
	for _, fn := range pkg.funcs {
		fmt.Fprintf(&b, "// %s calls %s.%s.\n", fn.name, pkg.importpath, fn.name)
		fmt.Fprintf(&b, "func %s%s {\n\t%s\n}\n\n", fn.name, fn.signature(), fn.call())
	}
	return format.Source(b.Bytes())
}

func staticSource(pkgName, loaderPath string, pkgs []*pluginPackage) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by \"pluginmain static\"; DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "// Package %s links plugins into a host: importing it registers each\n", pkgName)
	b.WriteString("// one with the loader's static registry, by kind and name, as caddy's\n")
	b.WriteString("// modules register themselves. Kind bindings bind them as they bind a\n")
	b.WriteString("// plugin opened from a .so.\n")
	fmt.Fprintf(&b, "package %s\n\n", pkgName)
	impls := map[string]string{"loader": loaderPath}
	aliases := make([]string, len(pkgs))
	for i, pkg := range pkgs {
		aliases[i] = fmt.Sprintf("%s%d", implAlias, i)
		impls[aliases[i]] = pkg.importpath
	}
	importBlock(&b, nil, impls)
	b.WriteString("func init() {\n")
	for i, pkg := range pkgs {
		b.WriteString("\tloader.RegisterStatic(loader.StaticPlugin{\n")
		fmt.Fprintf(&b, "\t\tKind: %q,\n\t\tName: %q,\n", pkg.kind, pkg.name)
		// What plugin.Lookup would return: a pointer to a variable, or a
		// function.
		b.WriteString("\t\tSymbols: map[string]any{\n")
		var names []string
		values := map[string]string{}
		for _, v := range pkg.vars {
			names = append(names, v)
			values[v] = "&" + aliases[i] + "." + v
		}
		for _, fn := range pkg.funcs {
			names = append(names, fn.name)
			values[fn.name] = aliases[i] + "." + fn.name
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(&b, "\t\t\t%q: %s,\n", n, values[n])
		}
		b.WriteString("\t\t},\n\t})\n")
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
