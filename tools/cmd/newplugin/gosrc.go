package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"path"
	"sort"
	"strconv"
	"strings"

	"example.com/plugkit/internal/contract"
)

// apiIndex holds the API package's type declarations, read from its source
// with go/parser, for what the contract leaves as names: the signature of a
// function symbol whose type is a named func type of the package, and the
// zero value of a named type.
type apiIndex struct {
	types  map[string]*apiType
	values map[string]bool // constants, variables and functions
}

type apiType struct {
	spec    *ast.TypeSpec
	imports map[string]string // the declaring file's import names -> paths
}

func indexAPI(files []string) (*apiIndex, error) {
	idx := &apiIndex{types: map[string]*apiType{}, values: map[string]bool{}}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		imports := map[string]string{}
		for _, is := range f.Imports {
			p, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				continue
			}
			n := contract.AssumedPackageName(p)
			if is.Name != nil {
				n = is.Name.Name
			}
			imports[n] = p
		}
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				if decl.Recv == nil {
					idx.values[decl.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, spec := range decl.Specs {
					switch spec := spec.(type) {
					case *ast.TypeSpec:
						idx.types[spec.Name.Name] = &apiType{spec: spec, imports: imports}
					case *ast.ValueSpec:
						for _, n := range spec.Names {
							idx.values[n.Name] = true
						}
					}
				}
			}
		}
	}
	return idx, nil
}

// plugin is what the generator knows of the plugin it writes.
type plugin struct {
	c      *contract.Contract
	api    *apiIndex
	module string // the workspace's Go module path
	kind   *contract.Kind
	name   string // KIND/NAME, the manifest's Name: "greeter/french"
	pkg    string // the package name, NAME's last element: "french"
	dir    string // plugins/KIND/NAME

	// imports maps every import name generated code may use to its path:
	// the contract's, the API package's own, and those of named func types.
	imports map[string]string
	// names are the package-level identifiers taken so far, and those
	// generated code must not shadow.
	names map[string]bool
}

// Identifiers a package-level name of the generated package must not take:
// the predeclared ones (a type named string, or new, would break the code
// around it) and the test file's imports.
var reserved = []string{
	"any", "bool", "byte", "comparable", "complex64", "complex128", "error", "float32", "float64",
	"int", "int8", "int16", "int32", "int64", "rune", "string", "uint", "uint8", "uint16", "uint32",
	"uint64", "uintptr", "true", "false", "iota", "nil", "append", "cap", "clear", "close", "complex",
	"copy", "delete", "imag", "len", "make", "max", "min", "new", "panic", "print", "println", "real",
	"recover", "testing", "assert", "require", "init", "main", "_",
}

func newPlugin(c *contract.Contract, api *apiIndex, module string, kind *contract.Kind, name, pkg string) *plugin {
	p := &plugin{
		c: c, api: api, module: module, kind: kind, name: name, pkg: pkg,
		dir:     "plugins/" + name,
		imports: map[string]string{c.Package: c.ImportPath},
		names:   map[string]bool{},
	}
	for n, path := range c.Imports {
		p.imports[n] = path
	}
	for _, n := range reserved {
		p.names[n] = true
	}
	for _, s := range kind.Symbols {
		p.names[s.Name] = true
	}
	return p
}

// source is NAME.go: the plugin's package, exporting every symbol of its
// kind, with TODOs where the plugin's code goes.
func (p *plugin) source() ([]byte, error) {
	// Function signatures first: those of named func types add imports,
	// whose names the struct types below must not take.
	sigs := map[string][2][]contract.Param{}
	for _, s := range p.kind.Symbols {
		if s.Func && s.Name != contract.ManifestField {
			params, results, err := p.signature(s.Type)
			if err != nil {
				return nil, fmt.Errorf("symbol %s of the kind %s: %w", s.Name, p.kind.Name, err)
			}
			sigs[s.Name] = [2][]contract.Param{params, results}
		}
	}
	for n := range p.imports {
		p.names[n] = true
	}
	var b bytes.Buffer
	comment(&b, "", p.packageDoc())
	fmt.Fprintf(&b, "package %s\n\n", p.pkg)
	var decls bytes.Buffer
	for _, s := range p.kind.Symbols {
		var err error
		switch {
		case s.Name == contract.ManifestField:
			p.manifest(&decls, s)
		case s.Interface != nil:
			err = p.implementation(&decls, s)
		case s.Func:
			err = p.function(&decls, s, sigs[s.Name][0], sigs[s.Name][1])
		default:
			p.variable(&decls, s)
		}
		if err != nil {
			return nil, fmt.Errorf("symbol %s of the kind %s: %w", s.Name, p.kind.Name, err)
		}
	}
	return p.finish(b.Bytes(), decls.Bytes(), nil)
}

// test is NAME_test.go: a compile-time check of every symbol's type, and a
// test of the manifest.
func (p *plugin) test() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "package %s\n\n", p.pkg)
	var decls bytes.Buffer
	comment(&decls, "", fmt.Sprintf("The symbols of the kind %s (%s.%s), with their types: this file does not compile when one is missing or has another type.",
		p.kind.Name, p.c.Package, p.kind.TypeName))
	decls.WriteString("var (\n")
	for _, s := range p.kind.Symbols {
		fmt.Fprintf(&decls, "\t_ %s = %s\n", s.Type, s.Name)
	}
	decls.WriteString(")\n\n")
	test := "TestManifest"
	if p.names[test] {
		test = "TestPluginManifest"
	}
	fmt.Fprintf(&decls, "func %s(t *testing.T) {\n", test)
	fmt.Fprintf(&decls, "\tassert.Equal(t, %s, %s.Name)\n", strconv.Quote(p.name), contract.ManifestField)
	fmt.Fprintf(&decls, "\tassert.Equal(t, %s.APIVersion, %s.APIVersion)\n", p.c.Package, contract.ManifestField)
	decls.WriteString("}\n")
	return p.finish(b.Bytes(), decls.Bytes(), map[string]string{
		"testing": "testing",
		"assert":  testifyAssert,
	})
}

// finish puts head, the imports that decls use and decls together, and
// formats them.
func (p *plugin) finish(head, decls []byte, extra map[string]string) ([]byte, error) {
	known := map[string]string{}
	for n, path := range p.imports {
		known[n] = path
	}
	for n, path := range extra {
		known[n] = path
	}
	used, err := usedImports(decls, known)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(head)
	p.importDecl(&b, used)
	b.Write(decls)
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("generated Go does not parse: %w\n%s", err, b.Bytes())
	}
	return out, nil
}

// usedImports returns the imports of known (name -> path) that the
// declarations src refers to, by path.
func usedImports(src []byte, known map[string]string) (map[string]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "", append([]byte("package p\n"), src...), parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("generated Go does not parse: %w\n%s", err, src)
	}
	used := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok {
				if path, ok := known[x.Name]; ok {
					used[path] = x.Name
				}
			}
		}
		return true
	})
	return used, nil
}

// importDecl writes the imports, path -> name, in three groups as
// goimports does with -local set to the module: the standard library, other
// modules, then this module.
func (p *plugin) importDecl(b *bytes.Buffer, used map[string]string) {
	var groups [3][]string
	for ipath, name := range used {
		spec := strconv.Quote(ipath)
		if name != contract.AssumedPackageName(ipath) {
			spec = name + " " + spec
		}
		groups[p.importGroup(ipath)] = append(groups[p.importGroup(ipath)], spec)
	}
	var lines []string
	for _, g := range groups {
		if len(g) == 0 {
			continue
		}
		sort.Slice(g, func(i, j int) bool { return importPath(g[i]) < importPath(g[j]) })
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, g...)
	}
	switch len(lines) {
	case 0:
	case 1:
		fmt.Fprintf(b, "import %s\n\n", lines[0])
	default:
		b.WriteString("import (\n")
		for _, l := range lines {
			if l != "" {
				b.WriteString("\t" + l)
			}
			b.WriteString("\n")
		}
		b.WriteString(")\n\n")
	}
}

func importPath(spec string) string { return spec[strings.Index(spec, `"`):] }

func (p *plugin) importGroup(ipath string) int {
	switch {
	case isStd(ipath):
		return 0
	case ipath == p.module || strings.HasPrefix(ipath, p.module+"/"):
		return 2
	}
	return 1
}

// isStd reports whether ipath is in the standard library, as gazelle and
// goimports guess it: no dot in its first element.
func isStd(ipath string) bool {
	first, _, _ := strings.Cut(ipath, "/")
	return !strings.Contains(first, ".")
}

func (p *plugin) packageDoc() string {
	// "GreeterKind declares the kind greeter: a plugin that says hello."
	// becomes "Package french is a plugin of the kind greeter: a plugin
	// that says hello."
	doc := fmt.Sprintf("Package %s is a plugin of the kind %s.", p.pkg, p.kind.Name)
	first, _, _ := strings.Cut(p.kind.Doc, "\n\n")
	first = strings.Join(strings.Fields(first), " ")
	prefix := p.kind.TypeName + " declares the kind " + p.kind.Name
	if rest, ok := strings.CutPrefix(first, prefix); ok && rest != "" && strings.ContainsRune(":,.; (", rune(rest[0])) {
		doc = fmt.Sprintf("Package %s is a plugin of the kind %s%s", p.pkg, p.kind.Name, rest)
		if !strings.HasSuffix(doc, ".") {
			doc += "."
		}
	}
	last := p.dir[strings.LastIndex(p.dir, "/")+1:]
	return doc + fmt.Sprintf(" It exports what %s.%s declares. Its go_plugin target, //%s:plugin, builds it as %s.so.",
		p.c.Package, p.kind.TypeName, p.dir, last)
}

func (p *plugin) manifest(b *bytes.Buffer, s contract.Symbol) {
	p.symbolDoc(b, s, fmt.Sprintf("%s identifies this plugin to the host.", s.Name))
	fmt.Fprintf(b, "var %s = %s{\n", s.Name, s.Type)
	fmt.Fprintf(b, "\tName: %s,\n", strconv.Quote(p.name))
	b.WriteString("\tVersion: \"0.1.0\",\n")
	fmt.Fprintf(b, "\tAPIVersion: %s.APIVersion,\n", p.c.Package)
	b.WriteString("}\n\n")
}

func (p *plugin) symbolDoc(b *bytes.Buffer, s contract.Symbol, fallback string) {
	if s.Doc != "" {
		for _, l := range strings.Split(s.Doc, "\n") {
			b.WriteString(strings.TrimRight("// "+l, " ") + "\n")
		}
		return
	}
	comment(b, "", fallback)
}

// implementation writes an unexported struct type implementing the
// interface of s, with value receivers, and the variable s of the
// interface's type holding one.
func (p *plugin) implementation(b *bytes.Buffer, s contract.Symbol) error {
	typ := p.newName(lowerInitial(s.Name))
	comment(b, "", fmt.Sprintf("%s implements %s, which this plugin exports as %s.", typ, s.Type, s.Name))
	if len(s.Interface.Embeds) == 0 {
		fmt.Fprintf(b, "type %s struct{}\n\n", typ)
	} else {
		fmt.Fprintf(b, "type %s struct {\n", typ)
		comment(b, "\t", fmt.Sprintf("TODO: implement the methods of %s, embedded interfaces of another package: until then they are nil and panic when called.",
			strings.Join(s.Interface.Embeds, " and ")))
		for _, e := range s.Interface.Embeds {
			b.WriteString("\t" + e + "\n")
		}
		b.WriteString("}\n\n")
	}
	for _, m := range s.Interface.Methods {
		doc := m.Doc
		if doc == "" {
			doc = fmt.Sprintf("%s implements %s.", m.Name, s.Type)
		}
		for _, l := range strings.Split(doc, "\n") {
			b.WriteString(strings.TrimRight("// "+l, " ") + "\n")
		}
		if err := p.funcDecl(b, "("+typ+") "+m.Name, m.Name, m.Params, m.Results); err != nil {
			return fmt.Errorf("method %s: %w", m.Name, err)
		}
	}
	p.symbolDoc(b, s, fmt.Sprintf("%s is this plugin's %s.", s.Name, s.Type))
	fmt.Fprintf(b, "var %s %s = %s{}\n\n", s.Name, s.Type, typ)
	return nil
}

// function writes the exported function s.
func (p *plugin) function(b *bytes.Buffer, s contract.Symbol, params, results []contract.Param) error {
	p.symbolDoc(b, s, fmt.Sprintf("%s is the function the kind %s declares.", s.Name, p.kind.Name))
	return p.funcDecl(b, s.Name, s.Name, params, results)
}

// variable writes the exported variable s, zero.
func (p *plugin) variable(b *bytes.Buffer, s contract.Symbol) {
	p.symbolDoc(b, s, fmt.Sprintf("%s is a variable the kind %s declares.", s.Name, p.kind.Name))
	b.WriteString("//\n")
	comment(b, "", fmt.Sprintf("TODO: give %s its value.", s.Name))
	fmt.Fprintf(b, "var %s %s\n\n", s.Name, s.Type)
}

// funcDecl writes a function or method whose body returns zero values.
func (p *plugin) funcDecl(b *bytes.Buffer, head, name string, params, results []contract.Param) error {
	named := len(results) > 0 && results[0].Name != ""
	var zeros []string
	body := map[string]bool{} // identifiers the body uses
	if !named {
		for _, r := range results {
			z, err := p.zero(r.Type)
			if err != nil {
				return err
			}
			zeros = append(zeros, z)
			e, err := parser.ParseExpr(z)
			if err != nil {
				return fmt.Errorf("zero value %s of %s: %w", z, r.Type, err)
			}
			ast.Inspect(e, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok {
					body[id.Name] = true
				}
				return true
			})
		}
	}
	// A parameter named like a package or identifier the body uses would
	// shadow it there: leave it unnamed.
	ps := make([]contract.Param, len(params))
	for i, prm := range params {
		ps[i] = prm
		if body[prm.Name] {
			ps[i].Name = "_"
		}
	}
	fmt.Fprintf(b, "func %s(%s)", head, paramList(ps))
	switch {
	case len(results) == 1 && !named:
		b.WriteString(" " + results[0].Type)
	case len(results) > 0:
		fmt.Fprintf(b, " (%s)", paramList(results))
	}
	b.WriteString(" {\n")
	comment(b, "\t", fmt.Sprintf("TODO: implement %s.", name))
	switch {
	case named:
		b.WriteString("\treturn\n")
	case len(zeros) > 0:
		fmt.Fprintf(b, "\treturn %s\n", strings.Join(zeros, ", "))
	}
	b.WriteString("}\n\n")
	return nil
}

// paramList writes parameters as Go declares them, "a, b int, s string",
// or "int, string" when they are unnamed.
func paramList(ps []contract.Param) string {
	var parts []string
	for i := 0; i < len(ps); {
		if ps[i].Name == "" {
			parts = append(parts, ps[i].Type)
			i++
			continue
		}
		j := i + 1
		for j < len(ps) && ps[j].Type == ps[i].Type && ps[j].Name != "" {
			j++
		}
		names := make([]string, 0, j-i)
		for _, prm := range ps[i:j] {
			names = append(names, prm.Name)
		}
		parts = append(parts, strings.Join(names, ", ")+" "+ps[i].Type)
		i = j
	}
	return strings.Join(parts, ", ")
}

// signature returns the parameters and results of a function symbol's
// type: a func literal ("func(a, b int) int"), or a named func type of the
// API package ("pluginapi.Hook"), read from its declaration.
func (p *plugin) signature(typ string) (params, results []contract.Param, err error) {
	fset := token.NewFileSet()
	e, err := parser.ParseExprFrom(fset, "", typ, parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, fmt.Errorf("type %s: %w", typ, err)
	}
	var ft *ast.FuncType
	switch e := e.(type) {
	case *ast.FuncType:
		ft = e
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok && x.Name == p.c.Package {
			ft, err = p.namedFunc(e.Sel.Name, map[string]bool{})
			if err != nil {
				return nil, nil, err
			}
			fset = token.NewFileSet() // ft is built without positions
		}
	}
	if ft == nil {
		return nil, nil, fmt.Errorf("type %s is not a func type of package %s", typ, p.c.Package)
	}
	if params, err = fields(fset, ft.Params); err != nil {
		return nil, nil, err
	}
	if results, err = fields(fset, ft.Results); err != nil {
		return nil, nil, err
	}
	return params, results, nil
}

func fields(fset *token.FileSet, fl *ast.FieldList) ([]contract.Param, error) {
	if fl == nil {
		return nil, nil
	}
	var out []contract.Param
	for _, f := range fl.List {
		var b bytes.Buffer
		if err := format.Node(&b, fset, f.Type); err != nil {
			return nil, err
		}
		if len(f.Names) == 0 {
			out = append(out, contract.Param{Type: b.String()})
		}
		for _, n := range f.Names {
			out = append(out, contract.Param{Name: n.Name, Type: b.String()})
		}
	}
	return out, nil
}

// namedFunc returns the func type that the API package's type name is
// defined as, written as code outside the package writes it.
func (p *plugin) namedFunc(name string, seen map[string]bool) (*ast.FuncType, error) {
	t := p.api.types[name]
	if t == nil || seen[name] {
		return nil, fmt.Errorf("type %s.%s: no func type declaration in %s", p.c.Package, name, apiDir)
	}
	seen[name] = true
	switch e := ast.Unparen(t.spec.Type).(type) {
	case *ast.Ident:
		return p.namedFunc(e.Name, seen)
	case *ast.FuncType:
		q, err := p.qualify(e, t.imports)
		if err != nil {
			return nil, fmt.Errorf("type %s.%s: %w", p.c.Package, name, err)
		}
		return q.(*ast.FuncType), nil
	}
	return nil, fmt.Errorf("type %s.%s is not a func type", p.c.Package, name)
}

// qualify copies the type expression e of the API package's source, whose
// file imports imports, as code outside the package writes it: names the
// package declares are qualified with its name. The copy has no positions.
func (p *plugin) qualify(e ast.Expr, imports map[string]string) (ast.Expr, error) {
	q := func(e ast.Expr) (ast.Expr, error) {
		if e == nil {
			return nil, nil
		}
		return p.qualify(e, imports)
	}
	// q2 copies the two operands of a binary node, a map's key and value
	// or an array's length and element, stopping at the first error.
	q2 := func(x, y ast.Expr) (ast.Expr, ast.Expr, error) {
		qx, err := q(x)
		if err != nil {
			return nil, nil, err
		}
		qy, err := q(y)
		return qx, qy, err
	}
	switch e := e.(type) {
	case *ast.Ident:
		if p.api.types[e.Name] != nil || p.api.values[e.Name] {
			return &ast.SelectorExpr{X: ast.NewIdent(p.c.Package), Sel: ast.NewIdent(e.Name)}, nil
		}
		return ast.NewIdent(e.Name), nil
	case *ast.BasicLit:
		return &ast.BasicLit{Kind: e.Kind, Value: e.Value}, nil
	case *ast.SelectorExpr:
		x, ok := e.X.(*ast.Ident)
		if !ok {
			return nil, fmt.Errorf("%s is not a type", typeString(e))
		}
		ipath, ok := imports[x.Name]
		if !ok {
			return nil, fmt.Errorf("%s.%s: %s is not an import of its file", x.Name, e.Sel.Name, x.Name)
		}
		if prev, ok := p.imports[x.Name]; ok && prev != ipath {
			return nil, fmt.Errorf("import name %s means both %q and %q in %s: use one name per package", x.Name, prev, ipath, apiDir)
		}
		p.imports[x.Name] = ipath
		p.names[x.Name] = true
		return &ast.SelectorExpr{X: ast.NewIdent(x.Name), Sel: ast.NewIdent(e.Sel.Name)}, nil
	case *ast.ParenExpr:
		x, err := q(e.X)
		return &ast.ParenExpr{X: x}, err
	case *ast.StarExpr:
		x, err := q(e.X)
		return &ast.StarExpr{X: x}, err
	case *ast.Ellipsis:
		x, err := q(e.Elt)
		return &ast.Ellipsis{Elt: x}, err
	case *ast.ArrayType:
		n, elt, err := q2(e.Len, e.Elt)
		return &ast.ArrayType{Len: n, Elt: elt}, err
	case *ast.MapType:
		k, v, err := q2(e.Key, e.Value)
		return &ast.MapType{Key: k, Value: v}, err
	case *ast.ChanType:
		v, err := q(e.Value)
		return &ast.ChanType{Dir: e.Dir, Value: v}, err
	case *ast.FuncType:
		params, err := p.qualifyFields(e.Params, imports)
		if err != nil {
			return nil, err
		}
		results, err := p.qualifyFields(e.Results, imports)
		return &ast.FuncType{Params: params, Results: results}, err
	case *ast.InterfaceType:
		methods, err := p.qualifyFields(e.Methods, imports)
		return &ast.InterfaceType{Methods: methods}, err
	case *ast.StructType:
		fs, err := p.qualifyFields(e.Fields, imports)
		return &ast.StructType{Fields: fs}, err
	case *ast.IndexExpr:
		x, i, err := q2(e.X, e.Index)
		return &ast.IndexExpr{X: x, Index: i}, err
	case *ast.IndexListExpr:
		x, err := q(e.X)
		if err != nil {
			return nil, err
		}
		out := &ast.IndexListExpr{X: x}
		for _, i := range e.Indices {
			qi, err := q(i)
			if err != nil {
				return nil, err
			}
			out.Indices = append(out.Indices, qi)
		}
		return out, nil
	case *ast.BinaryExpr:
		x, y, err := q2(e.X, e.Y)
		return &ast.BinaryExpr{X: x, Op: e.Op, Y: y}, err
	case *ast.UnaryExpr:
		x, err := q(e.X)
		return &ast.UnaryExpr{Op: e.Op, X: x}, err
	}
	return nil, fmt.Errorf("%s is not a type newplugin can write", typeString(e))
}

func (p *plugin) qualifyFields(fl *ast.FieldList, imports map[string]string) (*ast.FieldList, error) {
	out := &ast.FieldList{}
	if fl == nil {
		return out, nil
	}
	for _, f := range fl.List {
		t, err := p.qualify(f.Type, imports)
		if err != nil {
			return nil, err
		}
		nf := &ast.Field{Type: t}
		for _, n := range f.Names {
			nf.Names = append(nf.Names, ast.NewIdent(n.Name))
		}
		if f.Tag != nil {
			nf.Tag = &ast.BasicLit{Kind: f.Tag.Kind, Value: f.Tag.Value}
		}
		out.List = append(out.List, nf)
	}
	return out, nil
}

func typeString(e ast.Expr) string {
	var b bytes.Buffer
	if err := format.Node(&b, token.NewFileSet(), e); err != nil {
		return fmt.Sprintf("%T", e)
	}
	return b.String()
}

// The zero values newplugin writes, by what it knows of a type.
const (
	zeroNew       = iota // *new(T): a type it cannot see into
	zeroString           // ""
	zeroNumber           // 0
	zeroBool             // false
	zeroNil              // nil
	zeroComposite        // T{}
)

var basicZero = map[string]int{
	"string": zeroString, "bool": zeroBool, "error": zeroNil, "any": zeroNil,
	"int": zeroNumber, "int8": zeroNumber, "int16": zeroNumber, "int32": zeroNumber, "int64": zeroNumber,
	"uint": zeroNumber, "uint8": zeroNumber, "uint16": zeroNumber, "uint32": zeroNumber, "uint64": zeroNumber,
	"uintptr": zeroNumber, "byte": zeroNumber, "rune": zeroNumber, "float32": zeroNumber, "float64": zeroNumber,
	"complex64": zeroNumber, "complex128": zeroNumber,
}

// zero returns the zero value of typ, a type as code outside the API
// package writes it, as an expression a return statement can use.
func (p *plugin) zero(typ string) (string, error) {
	e, err := parser.ParseExpr(typ)
	if err != nil {
		return "", fmt.Errorf("type %s: %w", typ, err)
	}
	switch p.zeroKind(e) {
	case zeroString:
		return `""`, nil
	case zeroNumber:
		return "0", nil
	case zeroBool:
		return "false", nil
	case zeroNil:
		return "nil", nil
	case zeroComposite:
		return typ + "{}", nil
	}
	return "*new(" + typ + ")", nil
}

func (p *plugin) zeroKind(e ast.Expr) int {
	e = ast.Unparen(e)
	switch e := e.(type) {
	case *ast.Ident:
		return basicZero[e.Name]
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok && x.Name == p.c.Package {
			return p.apiZeroKind(e.Sel.Name, map[string]bool{})
		}
		return zeroNew
	}
	return literalZeroKind(e)
}

// literalZeroKind is zeroKind for a type literal, which is the same
// whether code outside the API package writes it or the package's own
// declaration does: zeroNew for anything else.
func literalZeroKind(e ast.Expr) int {
	switch e := e.(type) {
	case *ast.StarExpr, *ast.MapType, *ast.ChanType, *ast.FuncType, *ast.InterfaceType:
		return zeroNil
	case *ast.ArrayType:
		if e.Len == nil {
			return zeroNil
		}
		return zeroComposite
	case *ast.StructType:
		return zeroComposite
	}
	return zeroNew
}

// apiZeroKind is zeroKind for the API package's type name, from its
// declaration: a composite literal of it, T{}, for a struct or array.
func (p *plugin) apiZeroKind(name string, seen map[string]bool) int {
	t := p.api.types[name]
	if t == nil || seen[name] || (t.spec.TypeParams != nil && len(t.spec.TypeParams.List) > 0) {
		return zeroNew
	}
	seen[name] = true
	e := ast.Unparen(t.spec.Type)
	if id, ok := e.(*ast.Ident); ok {
		if p.api.types[id.Name] != nil {
			return p.apiZeroKind(id.Name, seen)
		}
		return basicZero[id.Name] // zeroNew for a name that is not a basic type
	}
	return literalZeroKind(e)
}

// newName returns base, or base with a suffix, so that it is a new
// package-level identifier, and takes it.
func (p *plugin) newName(base string) string {
	name := base
	if token.IsKeyword(name) || p.names[name] {
		name = base + "Impl"
		for i := 2; token.IsKeyword(name) || p.names[name]; i++ {
			name = base + "Impl" + strconv.Itoa(i)
		}
	}
	p.names[name] = true
	return name
}

// lowerInitial lower-cases the leading capitals of an exported name as Go
// names do: Greeter is greeter, HTTPServer httpServer, ID id.
func lowerInitial(name string) string {
	r := []rune(name)
	n := 0
	for n < len(r) && r[n] >= 'A' && r[n] <= 'Z' {
		n++
	}
	if n > 1 && n < len(r) {
		n-- // the last capital starts the next word
	}
	for i := 0; i < n; i++ {
		r[i] += 'a' - 'A'
	}
	return string(r)
}

// comment writes text as a // comment, wrapped at 78 columns, each line
// indented by indent.
func comment(b *bytes.Buffer, indent, text string) {
	const width = 78
	line := indent + "//"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > width && len(line) > len(indent)+2 {
			b.WriteString(line + "\n")
			line = indent + "//"
		}
		line += " " + w
	}
	b.WriteString(line + "\n")
}

// pluginPath is the go_library's importpath.
func (p *plugin) importPath() string { return path.Join(p.module, p.dir) }
