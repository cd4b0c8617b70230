package bindgen

import (
	"bytes"
	"fmt"
	"go/format"
	"go/token"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"unicode"
	"unicode/utf8"
)

// Options shape the generated code. They mirror go-bind-plugin's flags.
type Options struct {
	// Name is the bindings' type; Bind<Name> returns it. Default "PluginAPI".
	Name string
	// Package is the generated file's package name. Default "main".
	Package string
	// Command is what the header line quotes: "bindgen <args>". It must
	// not hold absolute paths, so that output doesn't depend on the machine.
	Command string
	// DereferenceVars makes variables fields holding copies of the plugin's
	// values, taken at bind time, instead of pointers to them.
	DereferenceVars bool
	// HideVars leaves variables out of the bindings.
	HideVars bool
	// Interface makes Name an interface of the plugin's functions, with an
	// unexported implementation. It implies HideVars.
	Interface bool
	// SHA256, when not empty, is the hex sha256 of the plugin file. Bind
	// checks it before opening the plugin.
	SHA256 string
}

func (o *Options) defaults() error {
	if o.Name == "" {
		o.Name = "PluginAPI"
	}
	if o.Package == "" {
		o.Package = "main"
	}
	if o.Command == "" {
		o.Command = "bindgen"
	}
	if o.Interface {
		o.HideVars = true
	}
	if !token.IsIdentifier(o.Name) {
		return fmt.Errorf("%w: -output-name %q is not a Go identifier", ErrUsage, o.Name)
	}
	if !token.IsIdentifier(o.Package) || o.Package == "_" {
		return fmt.Errorf("%w: -output-package %q is not a Go package name", ErrUsage, o.Package)
	}
	if strings.ContainsAny(o.Command, "\n\"") {
		return fmt.Errorf("%w: command %q can't go in the header line", ErrUsage, o.Command)
	}
	return nil
}

// genSymbol is a Symbol as the template sees it.
type genSymbol struct {
	Name    string
	Type    string // the Go type, with import aliases
	Display string // Name and type, for String()
	// Functions only: the method's parameter list, its arguments to the
	// bound function, and its results.
	Params, Args, Results string
	HasResults            bool
}

type genData struct {
	Options
	API        *API
	Imports    []string
	Funcs      []genSymbol
	Vars       []genSymbol
	Exports    []string // every bound symbol, sorted
	Impl       string   // the struct type's name
	ErrPrefix  string   // sentinel error names: <ErrPrefix>SymbolMissing
	SHA256Name string
}

// Generate writes the bindings for api. The output depends only on api and
// opts: no time, no machine paths, and everything sorted.
func Generate(api *API, opts Options) ([]byte, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	d := &genData{Options: opts, API: api, Impl: opts.Name, SHA256Name: opts.Name + "SHA256"}
	if opts.Interface {
		d.Impl = lowerFirst(opts.Name) + "Binding"
	}
	if token.IsExported(opts.Name) {
		d.ErrPrefix = "Err" + opts.Name
	} else {
		d.ErrPrefix = "err" + upperFirst(opts.Name)
	}
	if err := checkCollisions(api, opts); err != nil {
		return nil, err
	}

	// Two passes: first collect the packages every type names, then choose
	// their aliases in sorted order and spell the types with them.
	imports := newImportSet()
	for _, s := range api.Symbols {
		if _, err := s.Type.render(func(path, name string) string { imports.add(path); return name }); err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name, err)
		}
	}
	imports.assign(d.packageNames())
	d.Imports = imports.specs()
	qual := func(path, name string) string { return imports.alias(path) + "." + name }

	for _, s := range api.Symbols {
		if !s.Func && opts.HideVars {
			continue
		}
		typ, err := s.Type.render(qual)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name, err)
		}
		g := genSymbol{Name: s.Name, Type: typ, Display: s.Name + " " + typ}
		if s.Func {
			g.Params, g.Args, g.Results, err = methodParts(s.Type, qual)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.Name, err)
			}
			g.HasResults = g.Results != ""
			d.Funcs = append(d.Funcs, g)
		} else {
			d.Vars = append(d.Vars, g)
		}
	}
	for _, g := range append(append([]genSymbol(nil), d.Funcs...), d.Vars...) {
		d.Exports = append(d.Exports, g.Name)
	}
	sort.Strings(d.Exports)
	var buf bytes.Buffer
	if err := fileTemplate.Execute(&buf, d); err != nil {
		return nil, err
	}
	out, err := format.Source(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return out, nil
}

// packageNames are the package-scope identifiers of the generated file.
func (d *genData) packageNames() []string {
	n := d.Name
	return []string{
		n, d.Impl, "Bind" + n, "Bind" + n + "To", n + "Package", n + "Exports", n + "Symbols", d.SHA256Name,
		d.ErrPrefix + "SymbolMissing", d.ErrPrefix + "SymbolType", d.ErrPrefix + "Checksum",
		n + "MissingSymbolError", n + "TypeError", n + "ChecksumError",
	}
}

// checkCollisions rejects exports whose names the bindings already use.
func checkCollisions(api *API, opts Options) error {
	for _, s := range api.Symbols {
		if !s.Func && opts.HideVars {
			continue
		}
		if s.Name == "String" {
			return fmt.Errorf("%w: the plugin exports %s, and the bindings' String method describes the plugin; rename the export",
				ErrNameCollision, s.Name)
		}
	}
	return nil
}

// methodParts splits a function type into what the forwarding method
// needs. The parameters are named a0, a1, ... because neither reflect nor
// the plugin's symbol table keeps their names.
func methodParts(t typeRef, qual qualifier) (params, args, results string, err error) {
	in, variadic, out, err := t.funcParts(qual)
	if err != nil {
		return "", "", "", err
	}
	return joinParts(in, variadic, out)
}

func joinParts(in []string, variadic bool, out []string) (params, args, results string, err error) {
	var ps, as []string
	for i, p := range in {
		name := "a" + strconv.Itoa(i)
		if variadic && i == len(in)-1 {
			ps = append(ps, name+" ..."+p)
			as = append(as, name+"...")
			continue
		}
		ps = append(ps, name+" "+p)
		as = append(as, name)
	}
	switch len(out) {
	case 0:
	case 1:
		results = out[0]
	default:
		results = "(" + strings.Join(out, ", ") + ")"
	}
	return strings.Join(ps, ", "), strings.Join(as, ", "), results, nil
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

var fileTemplate = template.Must(template.New("file").Funcs(template.FuncMap{
	"quote": strconv.Quote,
}).Parse(fileText))
