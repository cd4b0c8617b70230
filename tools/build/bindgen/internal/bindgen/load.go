package bindgen

import (
	"errors"
	"fmt"
	"go/token"
	"go/types"
	"path/filepath"
	"plugin"
	"reflect"
	"runtime"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Symbol is one exported function or variable of a plugin.
type Symbol struct {
	Name string
	// Func is true for a function; false for a variable.
	Func bool
	// Type is the function's type, or the variable's (not a pointer to it).
	Type typeRef
}

// API is everything the generator needs to know about a plugin.
type API struct {
	// PkgPath is the plugin's package path as its symbols spell it.
	PkgPath string
	// Symbols are sorted by name.
	Symbols []Symbol
	// Notes are warnings for the user, such as exports the input could
	// not list. They do not change the generated code's shape.
	Notes []string
}

// LoadPlugin reads the exports of the plugin file at path. Names come from
// the file's symbol tables and types from plugin.Open, Lookup and reflect,
// so this process runs the plugin's init code and must be built with the
// same toolchain, flags and shared packages as the plugin. symbolPrefix
// overrides the detected package path when not empty.
func LoadPlugin(path, symbolPrefix string) (*API, error) {
	st, err := readSymbolTable(path)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	p, err := plugin.Open(abs)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w\n"+
			"bindgen opens the plugin to learn its types, so bindgen and the plugin must be built with the same Go toolchain, "+
			"flags and versions of every shared package; if they can't be, pass -plugin-package to read the types from source",
			ErrOpen, path, err)
	}
	pkg, err := choosePkgPath(st, p, symbolPrefix)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	api := &API{PkgPath: pkg}
	names, isFunc := st.exports(pkg)
	var errs []error
	for _, name := range names {
		sym, err := p.Lookup(name)
		if err != nil {
			// A symbol that looks like an export but is not one, e.g. a
			// compiler-generated function; the plugin is the authority.
			api.Notes = append(api.Notes, fmt.Sprintf("skipping %s.%s: the plugin does not export it", pkg, name))
			continue
		}
		t := reflect.TypeOf(sym)
		switch {
		case isFunc[name] && t.Kind() == reflect.Func:
			api.Symbols = append(api.Symbols, Symbol{Name: name, Func: true, Type: reflectRef{t, pkg}})
		case !isFunc[name] && t.Kind() == reflect.Pointer:
			api.Symbols = append(api.Symbols, Symbol{Name: name, Type: reflectRef{t.Elem(), pkg}})
		default:
			errs = append(errs, fmt.Errorf("%w: %s: the symbol table and Lookup disagree (%T)", ErrUnsupportedType, name, sym))
		}
	}
	if st.source == ".gopclntab" {
		api.Notes = append(api.Notes, fmt.Sprintf("%s has no ELF symbol table, so only functions were found (from .gopclntab); "+
			"exported variables need an unstripped plugin (Bazel: --strip=never, go: no -ldflags=-s)", path))
	}
	return finish(api, errs)
}

// choosePkgPath finds the plugin's package path. A candidate is confirmed
// when every name exported under it resolves through Lookup, and every
// function resolves to code the runtime names "<path>.<Name>"
// (runtime.FuncForPC), so a wrong guess cannot pass.
func choosePkgPath(st *symbolTable, p *plugin.Plugin, override string) (string, error) {
	sure, all := st.candidatePaths()
	if override != "" {
		sure = []string{override}
	}
	try := sure
	if len(try) == 0 {
		try = all
	}
	var confirmed []string
	var lastErr error
	for _, pkg := range try {
		if err := confirmPkgPath(st, p, pkg); err != nil {
			lastErr = err
			continue
		}
		confirmed = append(confirmed, pkg)
	}
	switch {
	case len(confirmed) == 1:
		return confirmed[0], nil
	case len(sure) > 0:
		return "", fmt.Errorf("%w: %w", ErrNoPluginPath, lastErr)
	case len(confirmed) > 1:
		return "", fmt.Errorf("%w: several packages match (%s); pass -symbol-prefix", ErrNoPluginPath, strings.Join(confirmed, ", "))
	}
	return "", fmt.Errorf("%w: no package's symbols match the plugin's exports; pass -symbol-prefix", ErrNoPluginPath)
}

func confirmPkgPath(st *symbolTable, p *plugin.Plugin, pkg string) error {
	names, isFunc := st.exports(pkg)
	found := 0
	for _, name := range names {
		sym, err := p.Lookup(name)
		if err != nil {
			continue // not an export; LoadPlugin notes it
		}
		found++
		if !isFunc[name] {
			continue
		}
		v := reflect.ValueOf(sym)
		if v.Kind() != reflect.Func {
			return fmt.Errorf("package %s: %s is not a function", pkg, name)
		}
		if fn := runtime.FuncForPC(v.Pointer()); fn == nil || fn.Name() != pkg+"."+name {
			return fmt.Errorf("package %s: Lookup(%q) is not %s.%s", pkg, name, pkg, name)
		}
	}
	if found == 0 {
		return fmt.Errorf("%w: the plugin exports none of the symbols named %s.<Name>", ErrNoSymbols, pkg)
	}
	return nil
}

// LoadSource reads the exports of a plugin's package main from source
// through go/packages, for when the plugin can't be opened here (built for
// another platform, or with other flags). pattern is a package pattern as
// the go command takes it, resolved in dir.
func LoadSource(dir, pattern string) (*API, error) {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedTypes | packages.NeedDeps | packages.NeedImports,
		Dir:  dir,
	}
	pkgs, err := packages.Load(cfg, pattern)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrLoad, pattern, err)
	}
	if len(pkgs) != 1 {
		return nil, fmt.Errorf("%w: %s matches %d packages, want 1", ErrLoad, pattern, len(pkgs))
	}
	pkg := pkgs[0]
	var errs []error
	for _, e := range pkg.Errors {
		errs = append(errs, e)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %s: %w", ErrLoad, pattern, errors.Join(errs...))
	}
	if pkg.Name != "main" {
		return nil, fmt.Errorf("%w: %s is package %s; a plugin is a package main", ErrLoad, pkg.PkgPath, pkg.Name)
	}
	api := &API{PkgPath: pkg.PkgPath}
	scope := pkg.Types.Scope()
	for _, name := range scope.Names() { // sorted
		if !token.IsExported(name) {
			continue
		}
		switch obj := scope.Lookup(name).(type) {
		case *types.Func:
			if obj.Signature().TypeParams().Len() > 0 {
				continue // generic functions are not exported by plugins
			}
			api.Symbols = append(api.Symbols, Symbol{Name: name, Func: true, Type: typesRef{obj.Type(), pkg.PkgPath}})
		case *types.Var:
			api.Symbols = append(api.Symbols, Symbol{Name: name, Type: typesRef{obj.Type(), pkg.PkgPath}})
		}
	}
	return finish(api, errs)
}

// finish renders every symbol's type once, so that all unsupported types
// are reported together rather than one per run.
func finish(api *API, errs []error) (*API, error) {
	sort.Slice(api.Symbols, func(i, j int) bool { return api.Symbols[i].Name < api.Symbols[j].Name })
	for _, s := range api.Symbols {
		if _, err := s.Type.render(func(_, name string) string { return name }); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Name, err))
		}
	}
	if len(api.Symbols) == 0 && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("%w: %s", ErrNoSymbols, api.PkgPath))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return api, nil
}
