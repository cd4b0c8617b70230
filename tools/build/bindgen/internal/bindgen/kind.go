package bindgen

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
	"path"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"example.com/plugkit/internal/cli"
	"example.com/plugkit/internal/contract"
)

// KindConfig is a run of bindgen's kind mode: the bindings package of one
// plugin kind, generated from the API package's source.
type KindConfig struct {
	// Kind is the kind's name, "greeter".
	Kind string
	// APIImportPath is the API package's import path.
	APIImportPath string
	// LoaderImportPath is the import path of the host's loader package,
	// whose Kind, Symbols, Lookup, LookupVar, LookupFunc, LoadKind and
	// ReloadKind the bindings use. Its package name must be its last path
	// element, or the one AssumedPackageName gives.
	LoaderImportPath string
	// Package is the generated file's package name; default Kind.
	Package string
	// Command is what the header line quotes; default "bindgen kind -kind
	// <Kind>".
	Command string
	// Files are the API package's source files.
	Files []string
	// Kinds, when not nil, are the kinds the caller expects the API package
	// to declare (the BUILD files' textual scan); any difference fails.
	Kinds []string
}

// Errors of the kind mode, besides usage errors (which wrap cli.ErrUsage
// and ErrUsage).
var (
	// ErrContract means the API package's kind declarations are wrong, or
	// differ from the kinds the build expects.
	ErrContract = errors.New("invalid plugin kind declarations")
)

// usageError is a wrong command line: it matches both usage sentinels,
// internal/cli's, which makes the exit status 2, and bindgen's own, and
// reads "usage: <msg>" as every plugkit command's do.
func usageError(format string, args ...any) error {
	return &kindUsageError{msg: fmt.Sprintf(format, args...)}
}

type kindUsageError struct{ msg string }

func (e *kindUsageError) Error() string   { return "usage: " + e.msg }
func (e *kindUsageError) Unwrap() []error { return []error{cli.ErrUsage, ErrUsage} }

// RunKind parses the API package and generates the bindings of cfg.Kind.
func RunKind(cfg KindConfig) ([]byte, error) {
	if cfg.Kind == "" {
		return nil, usageError("-kind is required")
	}
	if cfg.APIImportPath == "" {
		return nil, usageError("-api-importpath is required")
	}
	if cfg.LoaderImportPath == "" {
		return nil, usageError("-loader-importpath is required")
	}
	c, err := parseAPI(cfg.APIImportPath, cfg.Files, cfg.Kinds)
	if err != nil {
		return nil, err
	}
	return GenerateKind(c, cfg)
}

// parseAPI reads the API package for the kind and rpc modes, which take
// the same source files and -kinds list: files, its source, and kinds,
// when not nil, the kinds the build expects it to declare.
func parseAPI(importPath string, files, kinds []string) (*contract.Contract, error) {
	if len(files) == 0 {
		return nil, usageError("the API package's source files are required")
	}
	for _, f := range files {
		if !strings.HasSuffix(f, ".go") {
			return nil, usageError("%s is not a Go source file (flags go before the files)", f)
		}
	}
	c, err := contract.Parse(importPath, files)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrContract, err)
	}
	if kinds != nil {
		if err := checkKindList(c, kinds); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// findKind is the kind -kind names, or a usage error that lists the kinds
// the API package does declare.
func findKind(c *contract.Contract, name string) (*contract.Kind, error) {
	k, ok := c.Kind(name)
	if !ok {
		declared := "no kinds (struct types named <X>Kind)"
		if names := c.KindNames(); len(names) > 0 {
			declared = "the kinds " + strings.Join(names, ", ")
		}
		return nil, usageError("-kind %s: package %s (%s) declares %s", name, c.Package, c.ImportPath, declared)
	}
	return k, nil
}

// checkPackageName refuses an -output-package that no library package can
// be named: not an identifier, the blank one, or main.
func checkPackageName(name string) error {
	if !token.IsIdentifier(name) || name == "_" || name == "main" {
		return usageError("-output-package %q is not a Go package name for a library", name)
	}
	return nil
}

// importAliases names each import path of order in the generated file:
// base(path), numbered from 2 while that is taken by reserved (the file's
// own identifiers), a predeclared identifier, a keyword or an earlier
// import. A path listed twice keeps its first name (the loader or errors
// may be the API package, or the package of one of its types).
func importAliases(order, reserved []string, base func(path string) string) map[string]string {
	taken := map[string]bool{}
	for _, r := range append(append([]string{}, reserved...), predeclared...) {
		taken[r] = true
	}
	alias := map[string]string{} // path -> name in the generated file
	for _, p := range order {
		if _, done := alias[p]; done {
			continue
		}
		b := base(p)
		name := b
		for n := 2; taken[name] || token.IsKeyword(name); n++ {
			name = b + strconv.Itoa(n)
		}
		taken[name] = true
		alias[p] = name
	}
	return alias
}

// importGroups are the import specs of order, each named only where its
// alias differs from the path's last element, split as gofmt groups them:
// the standard library's, then the others (a dot in the first element),
// each sorted by path.
func importGroups(order []string, alias map[string]string) (std, other []string) {
	for _, p := range order {
		spec := strconv.Quote(p)
		if alias[p] != path.Base(p) {
			spec = alias[p] + " " + spec
		}
		if strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
			other = append(other, spec)
		} else {
			std = append(std, spec)
		}
	}
	sort.Slice(std, func(i, j int) bool { return importPathOf(std[i]) < importPathOf(std[j]) })
	sort.Slice(other, func(i, j int) bool { return importPathOf(other[i]) < importPathOf(other[j]) })
	return std, other
}

// checkKindList compares the kinds c declares with want.
func checkKindList(c *contract.Contract, want []string) error {
	got := c.KindNames()
	wantSet, gotSet := map[string]bool{}, map[string]bool{}
	for _, k := range want {
		wantSet[k] = true
	}
	for _, k := range got {
		gotSet[k] = true
	}
	var unseen, missing []string
	for _, k := range got {
		if !wantSet[k] {
			unseen = append(unseen, k)
		}
	}
	for k := range wantSet {
		if !gotSet[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(unseen) == 0 && len(missing) == 0 {
		return nil
	}
	var parts []string
	if len(unseen) > 0 {
		parts = append(parts, fmt.Sprintf("it declares %s, which -kinds lacks: the BUILD files' scan (tools/rules/contract.bzl) reads only `type <X>Kind struct {` lines outside a type ( ... ) group, so write the declaration that way",
			strings.Join(unseen, ", ")))
	}
	if len(missing) > 0 {
		parts = append(parts, fmt.Sprintf("-kinds lists %s, which it does not declare as a kind", strings.Join(missing, ", ")))
	}
	return fmt.Errorf("%w: package %s declares the kinds [%s], -kinds says [%s]: %s", ErrContract, c.Package,
		strings.Join(got, ", "), strings.Join(want, ", "), strings.Join(parts, "; "))
}

// kindReserved are the identifiers the generated file declares, at package
// level and in its functions; an import is never named like one.
var kindReserved = []string{"Kind", "Spec", "Plugin", "Bind", "Load", "Reload", "b", "err", "errs", "l", "p", "path"}

// kindSymbol is a contract.Symbol as the template sees it.
type kindSymbol struct {
	Name    string
	Func    bool
	Iface   bool
	Type    string // the symbol's type, with the file's import names
	Field   string // the Plugin field's type
	Lookup  string // the loader function that binds it, with its type argument
	Comment []string
}

type kindData struct {
	Command     string
	Package     string
	Kind        string
	TypeName    string // qualified: pluginapi.GreeterKind
	Doc         []string
	Imports     [][]string // groups of import lines
	Loader      string     // the loader's import name
	Errors      string     // the errors package's import name
	Symbols     []kindSymbol
	Declaration []kindSymbol // the kind's fields, in declaration order
}

// GenerateKind writes the bindings package of the kind cfg.Kind of c.
// Only cfg's Kind, LoaderImportPath, Package and Command are used. The
// output depends on nothing else: no time, no paths, everything sorted.
func GenerateKind(c *contract.Contract, cfg KindConfig) ([]byte, error) {
	k, err := findKind(c, cfg.Kind)
	if err != nil {
		return nil, err
	}
	if cfg.LoaderImportPath == "" {
		return nil, usageError("-loader-importpath is required")
	}
	pkgName := cfg.Package
	if pkgName == "" {
		pkgName = k.Name
	}
	if err := checkPackageName(pkgName); err != nil {
		return nil, err
	}
	command := cfg.Command
	if command == "" {
		command = "bindgen kind -kind " + k.Name
	}
	if strings.ContainsAny(command, "\n\"") {
		return nil, usageError("command %q can't go in the header line", command)
	}

	// Every package the file imports, by path, with the name the contract's
	// type strings use for it; then one name each that can't collide.
	names := map[string]string{ // path -> name in the contract's strings
		"errors":             "errors",
		cfg.LoaderImportPath: contract.AssumedPackageName(cfg.LoaderImportPath),
		c.ImportPath:         c.Package,
	}
	for _, s := range k.Symbols {
		for _, p := range s.Imports {
			if _, ok := names[p]; !ok {
				names[p] = importName(c, p)
			}
		}
	}
	order := []string{"errors", cfg.LoaderImportPath, c.ImportPath}
	var rest []string
	for p := range names {
		if p != "errors" && p != cfg.LoaderImportPath && p != c.ImportPath {
			rest = append(rest, p)
		}
	}
	sort.Strings(rest)
	order = append(order, rest...)
	alias := importAliases(order, kindReserved, func(p string) string { return names[p] })
	// The contract's type strings name packages by their import names;
	// rename those whose alias differs.
	rename := map[string]string{c.Package: alias[c.ImportPath]}
	for name, p := range c.Imports {
		if a, ok := alias[p]; ok {
			rename[name] = a
		}
	}

	d := &kindData{
		Command:  command,
		Package:  pkgName,
		Kind:     k.Name,
		TypeName: alias[c.ImportPath] + "." + k.TypeName,
		Doc:      packageDoc(pkgName, k, alias[c.ImportPath]),
		Loader:   alias[cfg.LoaderImportPath],
		Errors:   alias["errors"],
	}
	std, other := importGroups(order, alias)
	for _, g := range [][]string{std, other} {
		if len(g) > 0 {
			d.Imports = append(d.Imports, g)
		}
	}

	for _, s := range k.Symbols {
		typ, err := requalify(s.Type, rename)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", k.TypeName, s.Name, err)
		}
		g := kindSymbol{Name: s.Name, Func: s.Func, Iface: s.Interface != nil, Type: typ}
		switch {
		case s.Func:
			g.Field = typ
			g.Lookup = fmt.Sprintf("%s.LookupFunc[%s]", d.Loader, typ)
			g.Comment = []string{fmt.Sprintf("%s is the plugin's function %s.", s.Name, s.Name)}
		case s.Interface != nil:
			g.Field = typ
			g.Lookup = fmt.Sprintf("%s.Lookup[%s]", d.Loader, typ)
			g.Comment = []string{fmt.Sprintf("%s is the plugin's %s: the value of its variable %s.", s.Name, typ, s.Name)}
		default:
			g.Field = "*" + typ
			g.Lookup = fmt.Sprintf("%s.LookupVar[%s]", d.Loader, typ)
			g.Comment = []string{fmt.Sprintf("%s points to the plugin's variable %s.", s.Name, s.Name)}
		}
		if s.Doc != "" {
			g.Comment = append(g.Comment, "")
			g.Comment = append(g.Comment, strings.Split(s.Doc, "\n")...)
		}
		d.Declaration = append(d.Declaration, g)
	}
	d.Symbols = append([]kindSymbol(nil), d.Declaration...)
	sort.Slice(d.Symbols, func(i, j int) bool { return d.Symbols[i].Name < d.Symbols[j].Name })

	var buf bytes.Buffer
	if err := kindTemplate.Execute(&buf, d); err != nil {
		return nil, err
	}
	out, err := format.Source(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return out, nil
}

func importPathOf(spec string) string {
	return spec[strings.Index(spec, `"`):]
}

// importName is the name the contract's types use for the import path p.
// Files may import one path under different names; the first in order
// wins, and requalify renames the others.
func importName(c *contract.Contract, p string) string {
	var names []string
	for name, ip := range c.Imports {
		if ip == p {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return contract.AssumedPackageName(p)
	}
	return names[0]
}

// requalify rewrites the package names of a type string.
func requalify(typ string, rename map[string]string) (string, error) {
	needed := false
	for from, to := range rename {
		if from != to && strings.Contains(typ, from+".") {
			needed = true
		}
	}
	if !needed {
		return typ, nil
	}
	e, err := parser.ParseExpr(typ)
	if err != nil {
		return "", fmt.Errorf("%w: cannot parse type %q: %w", ErrUnsupportedType, typ, err)
	}
	ast.Inspect(e, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				if to, ok := rename[id.Name]; ok {
					id.Name = to
				}
			}
		}
		return true
	})
	var b strings.Builder
	if err := printer.Fprint(&b, token.NewFileSet(), e); err != nil {
		return "", err
	}
	return b.String(), nil
}

// packageDoc is the generated package's doc comment, without the //
// markers. A kind's doc that follows the convention, "<Type> declares the
// kind <name>: what it is.", continues the first sentence; any other doc
// follows it as a paragraph.
func packageDoc(pkgName string, k *contract.Kind, api string) []string {
	first := fmt.Sprintf("Package %s binds plugins of the kind %s, declared by %s.%s", pkgName, k.Name, api, k.TypeName)
	doc := strings.TrimSpace(k.Doc)
	para, rest, _ := strings.Cut(doc, "\n\n")
	prefix := k.TypeName + " declares the kind " + k.Name
	var lines []string
	if tail, ok := strings.CutPrefix(para, prefix); ok && (tail == "" || strings.ContainsAny(tail[:1], ":,.;")) {
		if tail == "" {
			tail = "."
		}
		lines = wrap(first+strings.Join(strings.Fields(tail), " "), 76)
	} else {
		lines = wrap(first+".", 76)
		rest = doc
	}
	if rest != "" {
		lines = append(lines, "")
		lines = append(lines, strings.Split(rest, "\n")...)
	}
	return lines
}

// wrap breaks s into lines of at most width characters, at spaces.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case len(line)+1+len(w) > width:
			lines = append(lines, line)
			line = w
		default:
			line += " " + w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

var kindTemplate = template.Must(template.New("kind").Funcs(template.FuncMap{
	"quote": strconv.Quote,
	"a":     func(word string) string { return article(word) + " " + word },
}).Parse(kindText))

// kindText is the generated bindings package of a kind. It imports the
// errors package, the loader and the packages of the kind's types only.
const kindText = `// Code generated by "{{.Command}}"; DO NOT EDIT.

{{range .Doc}}//{{if .}} {{.}}{{end}}
{{end -}}
package {{.Package}}

import (
{{- range $i, $g := .Imports}}
{{- if $i}}
{{end}}
{{- range $g}}
	{{.}}
{{- end}}
{{- end}}
)

// Kind is the kind's name, as go_plugin(kind = ...) and build records
// write it.
const Kind = {{quote .Kind}}

// Spec is what the loader checks of {{a .Kind}} plugin before it opens it:
// its build record names Kind, and it exports every symbol of the kind,
// as a function or a variable as declared.
var Spec = {{.Loader}}.Kind{
	Name: Kind,
	Symbols: []{{.Loader}}.KindSymbol{
{{- range .Symbols}}
		{Name: {{quote .Name}}{{if .Func}}, Func: true{{end}}},
{{- end}}
	},
}

// Plugin is {{a (printf "bound %s" .Kind)}} plugin.
type Plugin struct {
{{- range .Symbols}}
{{- range .Comment}}
	//{{if .}} {{.}}{{end}}
{{- end}}
	{{.Name}} {{.Field}}
{{- end}}
}

// Bind binds p, a plugin the loader opened or one linked into the host:
// every symbol present, with its type. Every missing or mistyped symbol is
// reported at once, joined with errors.Join, as a *{{.Loader}}.SymbolMissingError
// (errors.Is(err, {{.Loader}}.ErrSymbolMissing)) or a *{{.Loader}}.SymbolTypeError
// (errors.Is(err, {{.Loader}}.ErrSymbolType)).
func Bind(p {{.Loader}}.Symbols) (*Plugin, error) {
	var b Plugin
	var errs []error
	var err error
{{- range .Symbols}}
	if b.{{.Name}}, err = {{.Lookup}}(p, {{quote .Name}}); err != nil {
		errs = append(errs, err)
	}
{{- end}}
	if len(errs) > 0 {
		return nil, {{.Errors}}.Join(errs...)
	}
	return &b, nil
}

// Load loads the plugin at path with l, which refuses, before opening it, a
// plugin of another kind or one that lacks a symbol, and binds it.
func Load(l *{{.Loader}}.Loader, path string) (*Plugin, error) {
	p, err := l.LoadKind(path, Spec)
	if err != nil {
		return nil, err
	}
	return Bind(p)
}

// Reload is Load for a new build of a plugin that is already loaded
// ({{.Loader}}.ReloadKind).
func Reload(l *{{.Loader}}.Loader, path string) (*Plugin, error) {
	p, err := l.ReloadKind(path, Spec)
	if err != nil {
		return nil, err
	}
	return Bind(p)
}

// The kind's declaration, field by field, as the bindings were generated
// from it: this stops compiling when {{.TypeName}} changes
// (a symbol added, removed, renamed or retyped) until they are generated
// again.
var _ = struct {
{{- range .Declaration}}
	{{.Name}} {{.Type}}
{{- end}}
}({{.TypeName}}{})
`

const kindUsageText = `bindgen kind generates the bindings package of one plugin kind from the
source of the API package that declares it.

Usage:
	bindgen kind -kind NAME -api-importpath PATH -loader-importpath PATH
	    [-output-path OUT.go] [-output-package NAME] [-kinds A,B,...] SRC.go...

Every struct type named <X>Kind in the API package declares the kind x;
its fields are the symbols every plugin of the kind exports (a field of
func type is a function, unless tagged plugkit:"var"; any other field is a
variable). The source is read with go/parser only, without type
information, so no export data is needed.

The package declares Kind, Spec (the loader.Kind the loader checks before
opening a plugin), Plugin, Bind(loader.Symbols), Load and Reload. The
first line is // Code generated by "bindgen kind -kind NAME"; DO NOT EDIT.
(with -output-package when given): no paths, no timestamps.

Flags:
`

// kindMain is "bindgen kind": it returns the exit code, by internal/cli's
// convention.
func kindMain(args []string, stdout, stderr io.Writer) int {
	var cfg KindConfig
	flags := func(fs *flag.FlagSet) {
		fs.StringVar(&cfg.Kind, "kind", "", "the `kind` to generate, as the API package declares it (greeter for GreeterKind)")
		fs.StringVar(&cfg.APIImportPath, "api-importpath", "", "import `path` of the API package whose source files follow")
		fs.StringVar(&cfg.LoaderImportPath, "loader-importpath", "", "import `path` of the host's loader package")
		fs.StringVar(&cfg.Package, "output-package", "", "`package` name of the generated file (default: the kind's name)")
	}
	run := func(files, kinds []string) ([]byte, error) {
		cfg.Files, cfg.Kinds = files, kinds
		cfg.Command = "bindgen kind -kind " + quoteArg(cfg.Kind)
		if cfg.Package != "" {
			cfg.Command += " -output-package " + quoteArg(cfg.Package)
		}
		return RunKind(cfg)
	}
	return modeMain("bindgen kind", kindUsageText, "comma-separated `kinds` the build expects the API package to declare; any\ndifference is an error (tools/rules/kinds.bzl passes its textual scan's)",
		args, stdout, stderr, flags, run)
}

// modeMain is the command line of the kind and rpc modes, which differ in
// their own flags (flags declares them) and in what they generate (run,
// given the API package's source files, the arguments after the flags,
// and the -kinds list, nil without one); both write to -output-path.
func modeMain(name, usage, kindsUsage string, args []string, stdout, stderr io.Writer,
	flags func(*flag.FlagSet), run func(files, kinds []string) ([]byte, error)) int {
	fs := cli.NewFlagSet(name, usage, stderr)
	flags(fs)
	outputPath := fs.String("output-path", "-", "`file` to write; - for standard output")
	kindList := fs.String("kinds", "", kindsUsage)
	if err := cli.Parse(fs, args); err != nil {
		return cli.Status(err) // flag printed it
	}
	var kinds []string
	if *kindList != "" {
		kinds = splitList(*kindList)
	}
	out, err := run(fs.Args(), kinds)
	if err == nil {
		err = writeOutput(stdout, *outputPath, out)
	}
	return cli.Report(stderr, "bindgen", err)
}
