package main

// Main mode, for go_plugin's .so: the package main that re-exports a plugin
// package, and the types file through which that package main names the
// types of the exports' signatures.

import (
	"fmt"
	"sort"
	"strings"
)

type mainData struct {
	ImportPath string
	Imports    []importSpec
	Vars       []string
	Funcs      []mainFunc
}

// mainFunc is a wrapper function: its parameters and results, and its one
// statement, the call of the function it re-exports.
type mainFunc struct{ Name, Signature, Body string }

// mainSource is the package main of the plugin's .so. It re-exports each
// variable by copying it (the plugin's init runs at plugin.Open, so the
// copy sees the library's initialised value) and each function through a
// wrapper of the same signature.
func (pkg *pluginPackage) mainSource() ([]byte, error) {
	data := mainData{
		ImportPath: pkg.importpath,
		Imports:    importSpecs(map[string]string{implAlias: pkg.importpath}),
		Vars:       pkg.vars,
	}
	for _, fn := range pkg.funcs {
		data.Funcs = append(data.Funcs, mainFunc{fn.name, fn.signature(), fn.call()})
	}
	return render("main", data)
}

type typesData struct {
	ImportPath string
	Package    string
	Imports    []importSpec
	Aliases    []typeAliasDecl
}

type typeAliasDecl struct{ Name, Type string }

// typesSource is a file of the plugin package declaring the aliases that
// the package main's signatures use. All the signatures' imports land in
// this one file, so one name meaning two packages in two of the library's
// files is an error here.
func (pkg *pluginPackage) typesSource() ([]byte, error) {
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
	names := make([]string, 0, len(selectors))
	for sel := range selectors {
		names = append(names, sel)
	}
	sort.Strings(names)
	data := typesData{ImportPath: pkg.importpath, Package: pkg.pkgName, Imports: importSpecs(imports)}
	for _, sel := range names {
		data.Aliases = append(data.Aliases, typeAliasDecl{typeAlias(sel), sel})
	}
	return render("types", data)
}

// signature is the wrapper's parameters, named p0, p1, ..., and results.
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

// call is the wrapper's body: the call of the re-exported function,
// returned if it has results.
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
