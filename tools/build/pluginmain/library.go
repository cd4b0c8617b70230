package main

// Reading a plugin package: its exported variables and functions, and the
// types its functions' signatures name. Everything the generated code
// could not re-export is refused here, with the file and position, so the
// build fails in pluginmain rather than in the compiler on generated code.

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"sort"
	"strconv"
	"strings"
)

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
