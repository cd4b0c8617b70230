// Package contract reads the plugin kinds that the API package (pluginapi)
// declares, from its source, for the generators that emit one bindings
// package per kind.
//
// A kind is declared by a struct type named <X>Kind; it declares the kind
// strings.ToLower(X), and its fields are the symbols every plugin of the kind
// exports, by name and Go type:
//
//	// GreeterKind declares the kind greeter: a plugin that says hello.
//	type GreeterKind struct {
//		PluginManifest Manifest
//		Greeter        Greeter
//		Hook           func(string) error `plugkit:"var"`
//	}
//
// A field of func type is an exported function, any other an exported
// variable; the tag plugkit:"var" makes a func-typed field a variable. Every
// kind has the field PluginManifest of type Manifest.
//
// Parse uses go/parser only, never go/types: the generators run in Bazel
// genrules, which have no export data for the API package's imports. So a
// type is known by how it is written: an identifier declared in the API
// package, a predeclared one, or a selector of an import (time.Duration),
// whose import path is recorded. What that means for func types: a field is
// a function when its type is a func literal or a type of the API package
// whose definition is (through other types of the package) a func literal;
// a func type of another package cannot be seen as one and is a variable.
package contract

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// ManifestField is the field, and symbol, every kind declares: the
// plugin's manifest, of the API package's type ManifestType.
const (
	ManifestField = "PluginManifest"
	ManifestType  = "Manifest"
)

// KindSuffix ends the name of every type that declares a kind.
const KindSuffix = "Kind"

// Contract is what the API package declares about plugin kinds.
type Contract struct {
	// Package is the API package's name, from its package clause
	// ("pluginapi"); types declared in it are qualified with it.
	Package string
	// ImportPath is the API package's import path, as given to Parse.
	ImportPath string
	// Kinds are the declared kinds, sorted by Name.
	Kinds []Kind
	// Imports maps the name of every import that a symbol's type, or a
	// method of a symbol's interface, uses to its import path: the names
	// Symbol.Type, Method and Param types are written with.
	Imports map[string]string
}

// Kind is one kind of plugin.
type Kind struct {
	// Name is the kind's name, "greeter": lower case, [a-z][a-z0-9_]*.
	Name string
	// TypeName is the declaring type's name, "GreeterKind".
	TypeName string
	// Doc is the declaring type's doc comment, as text, without the
	// trailing newline.
	Doc string
	// Symbols are the kind's fields, in declaration order.
	Symbols []Symbol
}

// Symbol is one symbol every plugin of a kind exports.
type Symbol struct {
	// Name is the exported identifier.
	Name string
	// Func is set for an exported function; otherwise the symbol is an
	// exported variable.
	Func bool
	// Type is the Go type as code outside the API package writes it:
	// "pluginapi.Greeter", "func(a, b int) int", "string",
	// "*pluginapi.Manifest", "time.Duration". Identifiers declared in the
	// API package are qualified with its name, predeclared ones are not,
	// and selectors keep the import name their file uses (Contract.Imports).
	Type string
	// Imports are the import paths Type needs, sorted: the API package's
	// own when Type names one of its types.
	Imports []string
	// Interface is set when Type is an interface type declared in the API
	// package, directly or through an alias or a defined type.
	Interface *Interface
	// Params and Results are a function's parameters and results, when
	// Func is set and Type is a func literal (Signature is then true): what
	// stubs that carry a call across a process need.
	Params, Results []Param
	Signature       bool
	// Doc is the field's doc comment (or line comment), as text.
	Doc string
	// Pos is where the field is declared.
	Pos token.Position
}

// Interface is an interface type of the API package.
type Interface struct {
	// Name is the interface type's name in the API package: the type an
	// alias stands for, or the defined type itself.
	Name string
	// Methods are its methods in declaration order, with the methods of
	// interfaces of the API package (and of error) it embeds expanded in
	// place. A method reached twice is listed once, where first reached.
	Methods []Method
	// Embeds are the interfaces of other packages it embeds, as types
	// ("io.Closer"). Their methods are not in Methods: without type
	// information they are unknown.
	Embeds []string
}

// Method is a method of an Interface.
type Method struct {
	Name string
	// Doc is the method's doc comment (or line comment), as text.
	Doc             string
	Params, Results []Param
}

// Param is a parameter or result of a Method.
type Param struct {
	// Name is the parameter's name, "" for an unnamed one.
	Name string
	// Type is written as Symbol.Type is; a variadic parameter's is
	// "...T".
	Type string
}

// Kind returns the kind named name.
func (c *Contract) Kind(name string) (*Kind, bool) {
	for i := range c.Kinds {
		if c.Kinds[i].Name == name {
			return &c.Kinds[i], true
		}
	}
	return nil, false
}

// KindNames returns the names of the declared kinds, sorted.
func (c *Contract) KindNames() []string {
	names := make([]string, len(c.Kinds))
	for i, k := range c.Kinds {
		names[i] = k.Name
	}
	return names
}

// Error is a problem with the contract's declarations, at a position of
// its source.
type Error struct {
	Pos token.Position
	// Type is the name of the type declaring a kind ("GreeterKind"), if
	// the problem is in one.
	Type string
	// Kind is the kind's name ("greeter"), if the problem is in a kind
	// and its type's name makes one.
	Kind string
	// Field is the field's name, if the problem is in one.
	Field string
	Msg   string
}

// Error is "file:line:col: kind greeter (GreeterKind), field Greeter: msg".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Pos.IsValid() {
		b.WriteString(e.Pos.String())
		b.WriteString(": ")
	}
	switch {
	case e.Kind != "":
		fmt.Fprintf(&b, "kind %s (%s)", e.Kind, e.Type)
	case e.Type != "":
		fmt.Fprintf(&b, "type %s", e.Type)
	}
	if e.Field != "" {
		if e.Type != "" {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "field %s", e.Field)
	}
	if e.Type != "" || e.Field != "" {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// KindName returns the kind a type name declares: strings.ToLower(X) for
// <X>Kind, with ok false when typeName does not end in Kind or is not
// exported. The name may still be unusable (CheckKindName).
func KindName(typeName string) (name string, ok bool) {
	if !strings.HasSuffix(typeName, KindSuffix) || !token.IsExported(typeName) {
		return "", false
	}
	return strings.ToLower(strings.TrimSuffix(typeName, KindSuffix)), true
}

var kindNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// CheckKindName reports why name cannot be a kind's name, or nil: it
// names the kind's bindings package and appears in build records.
func CheckKindName(name string) error {
	switch {
	case name == "":
		return errors.New("the name is empty: name the type <X>Kind, declaring the kind x")
	case !kindNameRE.MatchString(name):
		return fmt.Errorf("kind name %q is not [a-z][a-z0-9_]*", name)
	case token.IsKeyword(name):
		return fmt.Errorf("kind name %q is a Go keyword and cannot name the kind's package", name)
	case name == "main":
		return errors.New(`kind name "main" would make the kind's package a command`)
	}
	return nil
}

// Parse reads the API package, whose import path is importPath, from its
// Go source files, and returns the kinds it declares. Every problem found is
// reported, as *Error values (or go/parser's errors) joined with
// errors.Join, sorted by position.
func Parse(importPath string, files []string) (*Contract, error) {
	if importPath == "" {
		return nil, errors.New("contract: no import path for the API package")
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("contract: no source files for %s", importPath)
	}
	p := &pkg{
		fset:       token.NewFileSet(),
		importPath: importPath,
		types:      map[string]*typeDecl{},
		values:     map[string]bool{},
		used:       map[string]usedImport{},
	}
	var errs []error
	for _, name := range files {
		af, err := parser.ParseFile(p.fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		f := &file{ast: af, imports: map[string]string{}}
		if p.name == "" {
			p.name, p.nameFile = af.Name.Name, name
		} else if af.Name.Name != p.name {
			errs = append(errs, p.errorf(af.Name.Pos(), "", "", "package %s, but %s is package %s: every file must be of the API package",
				af.Name.Name, p.nameFile, p.name))
			continue
		}
		for _, is := range af.Imports {
			ipath, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				continue // the parser accepted it; can't happen
			}
			name := AssumedPackageName(ipath)
			if is.Name != nil {
				name = is.Name.Name
			}
			switch name {
			case "_":
			case ".":
				f.dotImport = true
			default:
				f.imports[name] = ipath
			}
		}
		p.files = append(p.files, f)
		errs = append(errs, p.collect(f)...)
	}
	if len(errs) > 0 {
		return nil, joinSorted(errs)
	}
	c := &Contract{Package: p.name, ImportPath: importPath, Imports: map[string]string{}}
	byName := map[string]*typeDecl{}
	for _, d := range p.order {
		name := d.spec.Name.Name
		kindName, ok := KindName(name)
		if !ok {
			continue
		}
		k, kerrs := p.kind(d, kindName)
		errs = append(errs, kerrs...)
		if k == nil {
			continue
		}
		if prev, dup := byName[kindName]; dup {
			errs = append(errs, p.errorf(d.spec.Name.Pos(), name, "", "declares the kind %s, as %s does at %s: kind names are the type names lower-cased, so they must differ in more than case",
				kindName, prev.spec.Name.Name, p.fset.Position(prev.spec.Name.Pos())))
			continue
		}
		byName[kindName] = d
		c.Kinds = append(c.Kinds, *k)
	}
	if len(errs) > 0 {
		return nil, joinSorted(errs)
	}
	sort.Slice(c.Kinds, func(i, j int) bool { return c.Kinds[i].Name < c.Kinds[j].Name })
	for name, u := range p.used {
		c.Imports[name] = u.path
	}
	return c, nil
}

// AssumedPackageName is the package name an import without a name is
// assumed to have, as goimports assumes it: the last element of the path,
// skipping a major version suffix (/v2), without a "go-" prefix, up to the
// first character that can't be in an identifier (yaml.v3 is yaml). Import
// a package under an explicit name when its name is another.
func AssumedPackageName(importPath string) string {
	base := path.Base(importPath)
	if strings.HasPrefix(base, "v") {
		if _, err := strconv.Atoi(base[1:]); err == nil {
			if dir := path.Dir(importPath); dir != "." {
				base = path.Base(dir)
			}
		}
	}
	base = strings.TrimPrefix(base, "go-")
	if i := strings.IndexFunc(base, func(r rune) bool {
		return !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r))
	}); i >= 0 {
		base = base[:i]
	}
	return base
}

type file struct {
	ast       *ast.File
	imports   map[string]string // name -> path
	dotImport bool
}

type typeDecl struct {
	spec *ast.TypeSpec
	gen  *ast.GenDecl
	file *file
}

type usedImport struct {
	path string
	pos  token.Position
}

// pkg is the API package being read.
type pkg struct {
	fset       *token.FileSet
	importPath string
	name       string
	nameFile   string
	files      []*file
	types      map[string]*typeDecl
	order      []*typeDecl           // types in source order
	values     map[string]bool       // constants, variables and functions
	used       map[string]usedImport // import name -> path, as types use them
}

func (p *pkg) errorf(pos token.Pos, typ, field, format string, args ...any) *Error {
	e := &Error{Pos: p.fset.Position(pos), Type: typ, Field: field, Msg: fmt.Sprintf(format, args...)}
	if kind, ok := KindName(typ); ok && CheckKindName(kind) == nil {
		e.Kind = kind
	}
	return e
}

// collect records f's package-level declarations.
func (p *pkg) collect(f *file) []error {
	var errs []error
	for _, decl := range f.ast.Decls {
		switch decl := decl.(type) {
		case *ast.FuncDecl:
			if decl.Recv == nil {
				p.values[decl.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, spec := range decl.Specs {
				switch spec := spec.(type) {
				case *ast.TypeSpec:
					name := spec.Name.Name
					if name == "_" {
						continue
					}
					if prev, ok := p.types[name]; ok {
						errs = append(errs, p.errorf(spec.Name.Pos(), "", "", "type %s redeclared (first at %s)",
							name, p.fset.Position(prev.spec.Name.Pos())))
						continue
					}
					d := &typeDecl{spec: spec, gen: decl, file: f}
					p.types[name] = d
					p.order = append(p.order, d)
				case *ast.ValueSpec:
					for _, n := range spec.Names {
						p.values[n.Name] = true
					}
				}
			}
		}
	}
	return errs
}

// kind reads the declaration d of the kind kindName. It returns nil and
// the reasons when d cannot declare a kind.
func (p *pkg) kind(d *typeDecl, kindName string) (*Kind, []error) {
	tn := d.spec.Name.Name
	at := d.spec.Name.Pos()
	if err := CheckKindName(kindName); err != nil {
		return nil, []error{p.errorf(at, tn, "", "cannot declare a kind: %v", err)}
	}
	if d.spec.Assign.IsValid() {
		return nil, []error{p.errorf(at, tn, "", "is an alias; declare the kind as a struct type: type %s struct { ... }", tn)}
	}
	if d.spec.TypeParams != nil && len(d.spec.TypeParams.List) > 0 {
		return nil, []error{p.errorf(at, tn, "", "is generic; a kind's type has no type parameters")}
	}
	st, ok := d.spec.Type.(*ast.StructType)
	if !ok {
		return nil, []error{p.errorf(at, tn, "", "is not a struct type: every exported type named <X>Kind declares a kind, as a struct of the kind's symbols; rename it or make it a struct")}
	}
	k := &Kind{Name: kindName, TypeName: tn, Doc: docText(d.spec.Doc)}
	if k.Doc == "" && !d.gen.Lparen.IsValid() {
		k.Doc = docText(d.gen.Doc)
	}
	var errs []error
	seen := map[string]token.Pos{}
	manifest := false
	for _, field := range st.Fields.List {
		if len(field.Names) == 0 {
			errs = append(errs, p.errorf(field.Pos(), tn, render(field.Type),
				"is embedded: a kind's fields are its symbols, each with a name; write it as Name %s", render(field.Type)))
			continue
		}
		isVar, err := p.tagSaysVar(field)
		if err != nil {
			errs = append(errs, p.errorf(field.Tag.Pos(), tn, field.Names[0].Name, "%v", err))
		}
		for _, n := range field.Names {
			name := n.Name
			if !token.IsIdentifier(name) || !token.IsExported(name) {
				errs = append(errs, p.errorf(n.Pos(), tn, name, "is not an exported Go identifier: a kind's fields are symbols plugins export"))
				continue
			}
			if prev, dup := seen[name]; dup {
				errs = append(errs, p.errorf(n.Pos(), tn, name, "is duplicated (first at %s)", p.fset.Position(prev)))
				continue
			}
			seen[name] = n.Pos()
			if name == ManifestField {
				manifest = true
				if id, ok := field.Type.(*ast.Ident); !ok || id.Name != ManifestType {
					errs = append(errs, p.errorf(field.Type.Pos(), tn, name, "has type %s; every kind's %s has type %s",
						render(field.Type), ManifestField, ManifestType))
					continue
				}
			}
			sym, err := p.symbol(d.file, n, field, isVar)
			if err != nil {
				err.Type, err.Kind, err.Field = tn, kindName, name
				errs = append(errs, err)
				continue
			}
			k.Symbols = append(k.Symbols, sym)
		}
	}
	if !manifest {
		errs = append(errs, p.errorf(at, tn, "", "has no field %s %s: every plugin exports its manifest, so every kind declares it",
			ManifestField, ManifestType))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return k, nil
}

// tagSaysVar reads the plugkit struct tag of field.
func (p *pkg) tagSaysVar(field *ast.Field) (bool, error) {
	if field.Tag == nil {
		return false, nil
	}
	tag, err := strconv.Unquote(field.Tag.Value)
	if err != nil {
		return false, fmt.Errorf("bad struct tag %s", field.Tag.Value)
	}
	v, ok := reflect.StructTag(tag).Lookup("plugkit")
	if !ok {
		return false, nil
	}
	if v != "var" {
		return false, fmt.Errorf(`unknown struct tag plugkit:%q: the one value is plugkit:"var" (a func-typed field that is a variable)`, v)
	}
	return true, nil
}

// symbol reads one field of a kind.
func (p *pkg) symbol(f *file, n *ast.Ident, field *ast.Field, isVar bool) (Symbol, *Error) {
	r := &renderer{p: p, f: f, imports: map[string]bool{}}
	typ, err := r.expr(field.Type)
	if err != nil {
		return Symbol{}, err
	}
	sym := Symbol{
		Name:    n.Name,
		Type:    typ,
		Imports: sortedKeys(r.imports),
		Doc:     docText(field.Doc),
		Pos:     p.fset.Position(n.Pos()),
	}
	if sym.Doc == "" {
		sym.Doc = docText(field.Comment)
	}
	sym.Func = !isVar && p.isFunc(f, field.Type, map[string]bool{})
	if ft, ok := unparen(field.Type).(*ast.FuncType); ok && sym.Func {
		if sym.Params, err = r.params(ft.Params); err != nil {
			return Symbol{}, err
		}
		if sym.Results, err = r.params(ft.Results); err != nil {
			return Symbol{}, err
		}
		sym.Signature = true
	}
	if !sym.Func {
		iface, err := p.interfaceOf(f, field.Type, map[string]bool{})
		if err != nil {
			return Symbol{}, err
		}
		sym.Interface = iface
	}
	return sym, nil
}

// lookupType returns the API package's type that the identifier id names
// in a type expression, or nil for a predeclared or unknown one.
func (p *pkg) lookupType(id *ast.Ident) *typeDecl {
	return p.types[id.Name]
}

// isFunc reports whether e is a func type: a literal, or a type of the API
// package defined as one.
func (p *pkg) isFunc(f *file, e ast.Expr, seen map[string]bool) bool {
	switch e := e.(type) {
	case *ast.FuncType:
		return true
	case *ast.ParenExpr:
		return p.isFunc(f, e.X, seen)
	case *ast.IndexExpr:
		return p.isFunc(f, e.X, seen)
	case *ast.IndexListExpr:
		return p.isFunc(f, e.X, seen)
	case *ast.Ident:
		d := p.lookupType(e)
		if d == nil || seen[e.Name] {
			return false
		}
		seen[e.Name] = true
		return p.isFunc(d.file, d.spec.Type, seen)
	}
	return false
}

// interfaceOf returns the interface type e names, when the API package
// declares it.
func (p *pkg) interfaceOf(f *file, e ast.Expr, seen map[string]bool) (*Interface, *Error) {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return p.interfaceOf(f, e.X, seen)
	case *ast.Ident:
		d := p.lookupType(e)
		if d == nil || seen[e.Name] {
			return nil, nil
		}
		seen[e.Name] = true
		switch t := d.spec.Type.(type) {
		case *ast.InterfaceType:
			iface := &Interface{Name: e.Name}
			if err := p.methods(d.file, t, iface, map[string]bool{e.Name: true}, map[string]bool{}); err != nil {
				return nil, err
			}
			return iface, nil
		default:
			iface, err := p.interfaceOf(d.file, t, seen)
			if iface != nil && !d.spec.Assign.IsValid() {
				iface.Name = e.Name // a defined type is an interface of its own
			}
			return iface, err
		}
	}
	return nil, nil
}

// methods appends the methods of it to iface, expanding embedded interfaces.
// within holds the interfaces being expanded, to catch a cycle.
func (p *pkg) methods(f *file, it *ast.InterfaceType, iface *Interface, within, listed map[string]bool) *Error {
	for _, field := range it.Methods.List {
		if len(field.Names) > 0 {
			ft, ok := field.Type.(*ast.FuncType)
			if !ok {
				continue // the parser makes every named element a method
			}
			r := &renderer{p: p, f: f, imports: map[string]bool{}}
			params, err := r.params(ft.Params)
			if err != nil {
				return err
			}
			results, err := r.params(ft.Results)
			if err != nil {
				return err
			}
			for _, n := range field.Names {
				if listed[n.Name] {
					continue
				}
				listed[n.Name] = true
				doc := docText(field.Doc)
				if doc == "" {
					doc = docText(field.Comment)
				}
				iface.Methods = append(iface.Methods, Method{Name: n.Name, Doc: doc, Params: params, Results: results})
			}
			continue
		}
		if err := p.embed(f, field.Type, iface, within, listed); err != nil {
			return err
		}
	}
	return nil
}

// embed expands one embedded element of an interface.
func (p *pkg) embed(f *file, e ast.Expr, iface *Interface, within, listed map[string]bool) *Error {
	switch t := e.(type) {
	case *ast.ParenExpr:
		return p.embed(f, t.X, iface, within, listed)
	case *ast.Ident:
		d := p.lookupType(t)
		if d == nil {
			switch t.Name {
			case "error":
				if !listed["Error"] {
					listed["Error"] = true
					iface.Methods = append(iface.Methods, Method{Name: "Error", Results: []Param{{Type: "string"}}})
				}
				return nil
			case "any":
				return nil
			case "comparable":
				return p.errorf(t.Pos(), "", "", "interface %s embeds comparable: it is a constraint, not a type a symbol can have", iface.Name)
			}
			r := &renderer{p: p, f: f, imports: map[string]bool{}}
			_, err := r.expr(t)
			if err == nil {
				err = p.errorf(t.Pos(), "", "", "interface %s embeds %s, which is not an interface", iface.Name, t.Name)
			}
			return err
		}
		if within[t.Name] {
			return p.errorf(t.Pos(), "", "", "interface %s embeds itself through %s", iface.Name, t.Name)
		}
		switch d.spec.Type.(type) {
		case *ast.InterfaceType, *ast.Ident, *ast.ParenExpr, *ast.SelectorExpr:
			within[t.Name] = true
			defer delete(within, t.Name)
			return p.embed(d.file, d.spec.Type, iface, within, listed)
		}
		return p.errorf(t.Pos(), "", "", "interface %s embeds %s, which is not an interface", iface.Name, t.Name)
	case *ast.SelectorExpr:
		r := &renderer{p: p, f: f, imports: map[string]bool{}}
		s, err := r.expr(t)
		if err != nil {
			return err
		}
		iface.Embeds = append(iface.Embeds, s)
		return nil
	case *ast.InterfaceType:
		return p.methods(f, t, iface, within, listed)
	case *ast.BinaryExpr, *ast.UnaryExpr:
		return p.errorf(t.Pos(), "", "", "interface %s has a type set (%s): it is a constraint, not a type a symbol can have", iface.Name, render(t))
	}
	return p.errorf(e.Pos(), "", "", "interface %s embeds %s, which is not supported", iface.Name, render(e))
}

// predeclaredTypes are Go's predeclared type names.
var predeclaredTypes = map[string]bool{
	"any": true, "bool": true, "byte": true, "comparable": true, "complex64": true, "complex128": true,
	"error": true, "float32": true, "float64": true, "int": true, "int8": true, "int16": true,
	"int32": true, "int64": true, "rune": true, "string": true, "uint": true, "uint8": true,
	"uint16": true, "uint32": true, "uint64": true, "uintptr": true,
}

// predeclaredValues are Go's predeclared identifiers that are not types.
var predeclaredValues = map[string]bool{
	"true": true, "false": true, "iota": true, "nil": true, "append": true, "cap": true, "clear": true,
	"close": true, "complex": true, "copy": true, "delete": true, "imag": true, "len": true, "make": true,
	"max": true, "min": true, "new": true, "panic": true, "print": true, "println": true, "real": true,
	"recover": true,
}

// renderer writes type expressions of file f as code outside the API
// package writes them, recording the imports they need.
type renderer struct {
	p       *pkg
	f       *file
	imports map[string]bool // paths
}

func (r *renderer) errorf(pos token.Pos, format string, args ...any) *Error {
	return r.p.errorf(pos, "", "", format, args...)
}

func (r *renderer) expr(e ast.Expr) (string, *Error) {
	switch e := e.(type) {
	case *ast.Ident:
		return r.ident(e, true)
	case *ast.SelectorExpr:
		return r.selector(e)
	case *ast.ParenExpr:
		return r.expr(e.X)
	case *ast.StarExpr:
		x, err := r.expr(e.X)
		return "*" + x, err
	case *ast.ArrayType:
		elt, err := r.expr(e.Elt)
		if err != nil {
			return "", err
		}
		if e.Len == nil {
			return "[]" + elt, nil
		}
		n, err := r.constant(e.Len)
		return "[" + n + "]" + elt, err
	case *ast.MapType:
		k, err := r.expr(e.Key)
		if err != nil {
			return "", err
		}
		v, err := r.expr(e.Value)
		return "map[" + k + "]" + v, err
	case *ast.ChanType:
		v, err := r.expr(e.Value)
		if err != nil {
			return "", err
		}
		switch e.Dir {
		case ast.SEND:
			return "chan<- " + v, nil
		case ast.RECV:
			return "<-chan " + v, nil
		}
		if inner, ok := unparen(e.Value).(*ast.ChanType); ok && inner.Dir == ast.RECV {
			v = "(" + v + ")"
		}
		return "chan " + v, nil
	case *ast.FuncType:
		sig, err := r.signature(e)
		return "func" + sig, err
	case *ast.InterfaceType:
		return r.interfaceLit(e)
	case *ast.StructType:
		return r.structLit(e)
	case *ast.IndexExpr:
		return r.instance(e.X, []ast.Expr{e.Index})
	case *ast.IndexListExpr:
		return r.instance(e.X, e.Indices)
	case *ast.Ellipsis:
		return "", r.errorf(e.Pos(), "... is only allowed on a function's last parameter")
	}
	return "", r.errorf(e.Pos(), "%s is not a type", render(e))
}

// ident writes a type name; bare is false when the name is instantiated.
func (r *renderer) ident(e *ast.Ident, bare bool) (string, *Error) {
	if d := r.p.lookupType(e); d != nil {
		if !token.IsExported(e.Name) {
			return "", r.errorf(e.Pos(), "type %s is not exported: code outside package %s cannot name it", e.Name, r.p.name)
		}
		if bare && d.spec.TypeParams != nil && len(d.spec.TypeParams.List) > 0 {
			return "", r.errorf(e.Pos(), "generic type %s needs type arguments", e.Name)
		}
		r.imports[r.p.importPath] = true
		return r.p.name + "." + e.Name, nil
	}
	if predeclaredTypes[e.Name] {
		if e.Name == "comparable" {
			return "", r.errorf(e.Pos(), "comparable is a constraint, not a type a symbol can have")
		}
		return e.Name, nil
	}
	if r.p.values[e.Name] || predeclaredValues[e.Name] {
		return "", r.errorf(e.Pos(), "%s is not a type", e.Name)
	}
	msg := fmt.Sprintf("%s is neither predeclared nor declared in package %s", e.Name, r.p.name)
	if r.f.dotImport {
		msg += " (a dot import can't be read without type information: import the package by name)"
	}
	return "", r.errorf(e.Pos(), "%s", msg)
}

func (r *renderer) selector(e *ast.SelectorExpr) (string, *Error) {
	x, ok := e.X.(*ast.Ident)
	if !ok {
		return "", r.errorf(e.Pos(), "%s is not a type", render(e))
	}
	ipath, ok := r.f.imports[x.Name]
	if !ok {
		return "", r.errorf(x.Pos(), "%s in %s is not an imported package of %s", x.Name, render(e), r.p.fset.Position(x.Pos()).Filename)
	}
	if !token.IsExported(e.Sel.Name) {
		return "", r.errorf(e.Sel.Pos(), "%s is not exported", render(e))
	}
	if x.Name == r.p.name {
		return "", r.errorf(x.Pos(), "import %q is named %s, the API package's own name, which qualifies the API package's types: import it under another name", ipath, x.Name)
	}
	if u, ok := r.p.used[x.Name]; ok && u.path != ipath {
		return "", r.errorf(x.Pos(), "import name %s means %q here and %q at %s: use one name per package", x.Name, ipath, u.path, u.pos)
	}
	if _, ok := r.p.used[x.Name]; !ok {
		r.p.used[x.Name] = usedImport{path: ipath, pos: r.p.fset.Position(x.Pos())}
	}
	r.imports[ipath] = true
	return x.Name + "." + e.Sel.Name, nil
}

func (r *renderer) instance(x ast.Expr, args []ast.Expr) (string, *Error) {
	var base string
	var err *Error
	switch x := unparen(x).(type) {
	case *ast.Ident:
		d := r.p.lookupType(x)
		if d == nil {
			return "", r.errorf(x.Pos(), "%s is not a generic type of package %s", x.Name, r.p.name)
		}
		n := 0
		if d.spec.TypeParams != nil {
			n = d.spec.TypeParams.NumFields()
		}
		if n != len(args) {
			return "", r.errorf(x.Pos(), "generic type %s takes %d type arguments, not %d", x.Name, n, len(args))
		}
		base, err = r.ident(x, false)
	case *ast.SelectorExpr:
		base, err = r.selector(x)
	default:
		return "", r.errorf(x.Pos(), "%s is not a type", render(x))
	}
	if err != nil {
		return "", err
	}
	list := make([]string, len(args))
	for i, a := range args {
		if list[i], err = r.expr(a); err != nil {
			return "", err
		}
	}
	return base + "[" + strings.Join(list, ", ") + "]", nil
}

// constant writes an array length.
func (r *renderer) constant(e ast.Expr) (string, *Error) {
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Value, nil
	case *ast.ParenExpr:
		x, err := r.constant(e.X)
		return "(" + x + ")", err
	case *ast.BinaryExpr:
		x, err := r.constant(e.X)
		if err != nil {
			return "", err
		}
		y, err := r.constant(e.Y)
		return x + " " + e.Op.String() + " " + y, err
	case *ast.UnaryExpr:
		x, err := r.constant(e.X)
		return e.Op.String() + x, err
	case *ast.Ident:
		if r.p.values[e.Name] {
			if !token.IsExported(e.Name) {
				return "", r.errorf(e.Pos(), "constant %s is not exported: code outside package %s cannot name it", e.Name, r.p.name)
			}
			r.imports[r.p.importPath] = true
			return r.p.name + "." + e.Name, nil
		}
		return "", r.errorf(e.Pos(), "%s is neither a literal nor a constant of package %s", e.Name, r.p.name)
	case *ast.SelectorExpr:
		return r.selector(e)
	case *ast.Ellipsis:
		return "", r.errorf(e.Pos(), "[...] arrays are only for composite literals")
	}
	return "", r.errorf(e.Pos(), "array length %s can't be read without type information: write a literal or a constant", render(e))
}

// signature writes a func type's parameters and results, "(a, b int) int".
func (r *renderer) signature(ft *ast.FuncType) (string, *Error) {
	if ft.TypeParams != nil && len(ft.TypeParams.List) > 0 {
		return "", r.errorf(ft.Pos(), "a func type has no type parameters")
	}
	params, err := r.fieldList(ft.Params, ", ")
	if err != nil {
		return "", err
	}
	s := "(" + params + ")"
	if ft.Results == nil || len(ft.Results.List) == 0 {
		return s, nil
	}
	results, err := r.fieldList(ft.Results, ", ")
	if err != nil {
		return "", err
	}
	if len(ft.Results.List) == 1 && len(ft.Results.List[0].Names) == 0 {
		return s + " " + results, nil
	}
	return s + " (" + results + ")", nil
}

// fieldList writes parameters, results or struct fields as declared:
// "a, b int", "string", "A int `json:\"a\"`".
func (r *renderer) fieldList(fl *ast.FieldList, sep string) (string, *Error) {
	if fl == nil {
		return "", nil
	}
	var parts []string
	for _, field := range fl.List {
		t, err := r.paramType(field.Type)
		if err != nil {
			return "", err
		}
		if len(field.Names) > 0 {
			names := make([]string, len(field.Names))
			for i, n := range field.Names {
				names[i] = n.Name
			}
			t = strings.Join(names, ", ") + " " + t
		}
		if field.Tag != nil {
			t += " " + field.Tag.Value
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, sep), nil
}

func (r *renderer) paramType(e ast.Expr) (string, *Error) {
	if el, ok := e.(*ast.Ellipsis); ok {
		t, err := r.expr(el.Elt)
		return "..." + t, err
	}
	return r.expr(e)
}

// params splits a method's parameters or results into one Param each.
func (r *renderer) params(fl *ast.FieldList) ([]Param, *Error) {
	if fl == nil {
		return nil, nil
	}
	var out []Param
	for _, field := range fl.List {
		t, err := r.paramType(field.Type)
		if err != nil {
			return nil, err
		}
		if len(field.Names) == 0 {
			out = append(out, Param{Type: t})
		}
		for _, n := range field.Names {
			out = append(out, Param{Name: n.Name, Type: t})
		}
	}
	return out, nil
}

func (r *renderer) interfaceLit(it *ast.InterfaceType) (string, *Error) {
	if len(it.Methods.List) == 0 {
		return "interface{}", nil
	}
	var parts []string
	for _, field := range it.Methods.List {
		if len(field.Names) == 0 {
			switch field.Type.(type) {
			case *ast.BinaryExpr, *ast.UnaryExpr:
				return "", r.errorf(field.Pos(), "interface with a type set (%s) is a constraint, not a type a symbol can have", render(field.Type))
			}
			t, err := r.expr(field.Type)
			if err != nil {
				return "", err
			}
			parts = append(parts, t)
			continue
		}
		ft, ok := field.Type.(*ast.FuncType)
		if !ok {
			return "", r.errorf(field.Pos(), "unexpected interface element %s", render(field.Type))
		}
		sig, err := r.signature(ft)
		if err != nil {
			return "", err
		}
		for _, n := range field.Names {
			parts = append(parts, n.Name+sig)
		}
	}
	return "interface{ " + strings.Join(parts, "; ") + " }", nil
}

func (r *renderer) structLit(st *ast.StructType) (string, *Error) {
	if len(st.Fields.List) == 0 {
		return "struct{}", nil
	}
	fields, err := r.fieldList(st.Fields, "; ")
	if err != nil {
		return "", err
	}
	return "struct{ " + fields + " }", nil
}

func unparen(e ast.Expr) ast.Expr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}

// render writes an expression as its source spells it, for messages.
func render(e ast.Expr) string {
	var b strings.Builder
	writeExpr(&b, e)
	return b.String()
}

func writeExpr(b *strings.Builder, e ast.Expr) {
	// types.ExprString would do, but go/types is what this package avoids
	// needing; a message only needs a readable approximation.
	switch e := e.(type) {
	case *ast.Ident:
		b.WriteString(e.Name)
	case *ast.SelectorExpr:
		writeExpr(b, e.X)
		b.WriteString(".")
		b.WriteString(e.Sel.Name)
	case *ast.StarExpr:
		b.WriteString("*")
		writeExpr(b, e.X)
	case *ast.ParenExpr:
		b.WriteString("(")
		writeExpr(b, e.X)
		b.WriteString(")")
	case *ast.ArrayType:
		b.WriteString("[")
		if e.Len != nil {
			writeExpr(b, e.Len)
		}
		b.WriteString("]")
		writeExpr(b, e.Elt)
	case *ast.MapType:
		b.WriteString("map[")
		writeExpr(b, e.Key)
		b.WriteString("]")
		writeExpr(b, e.Value)
	case *ast.BasicLit:
		b.WriteString(e.Value)
	case *ast.BinaryExpr:
		writeExpr(b, e.X)
		b.WriteString(" " + e.Op.String() + " ")
		writeExpr(b, e.Y)
	case *ast.UnaryExpr:
		b.WriteString(e.Op.String())
		writeExpr(b, e.X)
	case *ast.IndexExpr:
		writeExpr(b, e.X)
		b.WriteString("[")
		writeExpr(b, e.Index)
		b.WriteString("]")
	case *ast.Ellipsis:
		b.WriteString("...")
		if e.Elt != nil {
			writeExpr(b, e.Elt)
		}
	case *ast.FuncType:
		b.WriteString("func(...)")
	case *ast.InterfaceType:
		b.WriteString("interface{...}")
	case *ast.StructType:
		b.WriteString("struct{...}")
	case *ast.ChanType:
		b.WriteString("chan ...")
	default:
		fmt.Fprintf(b, "%T", e)
	}
}

func docText(cg *ast.CommentGroup) string {
	return strings.TrimSpace(cg.Text())
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// joinSorted joins errs in source order, *Error values by position.
func joinSorted(errs []error) error {
	sort.SliceStable(errs, func(i, j int) bool {
		a, aok := errs[i].(*Error)
		b, bok := errs[j].(*Error)
		if !aok || !bok {
			return !aok && bok // parse errors first
		}
		if a.Pos.Filename != b.Pos.Filename {
			return a.Pos.Filename < b.Pos.Filename
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		return a.Pos.Column < b.Pos.Column
	})
	return errors.Join(errs...)
}
