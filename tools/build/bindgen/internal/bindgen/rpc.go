package bindgen

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"io"
	"sort"
	"strings"

	"example.com/plugkit/internal/contract"
)

// RPCConfig is a run of bindgen's rpc mode: the stubs that carry one
// plugin kind across a process boundary, generated from the API package's
// source.
type RPCConfig struct {
	// Kind is the kind's name, "greeter".
	Kind string
	// APIImportPath is the API package's import path.
	APIImportPath string
	// IsolatedImportPath is the import path of the runtime both sides use
	// (host/isolated): Serve, Bind, Fault, Recover, Caller.
	IsolatedImportPath string
	// LoaderImportPath and BindingsImportPath, when both set, are the
	// host's loader and the kind's bindings (bindgen kind): the package
	// then declares Load, which starts a plugin's executable and binds it
	// to the kind's Plugin. A plugin's executable imports the package
	// too, so a package without them keeps the loader out of it.
	LoaderImportPath, BindingsImportPath string
	// Package is the generated package's name; default <Kind>rpc.
	Package string
	// Files are the API package's source files.
	Files []string
	// Kinds, when not nil, are the kinds the build expects (as KindConfig).
	Kinds []string
}

// ErrNotIsolatable means a kind has a symbol whose values cannot cross a
// process: a func, a chan, an interface or an unexported type in a
// method's signature.
var ErrNotIsolatable = errors.New("kind cannot run out of process")

// RunRPC parses the API package and generates the rpc stubs of cfg.Kind.
func RunRPC(cfg RPCConfig) ([]byte, error) {
	switch {
	case cfg.Kind == "":
		return nil, usageError("-kind is required")
	case cfg.APIImportPath == "":
		return nil, usageError("-api-importpath is required")
	case cfg.IsolatedImportPath == "":
		return nil, usageError("-isolated-importpath is required")
	}
	c, err := parseAPI(cfg.APIImportPath, cfg.Files, cfg.Kinds)
	if err != nil {
		return nil, err
	}
	return GenerateRPC(c, cfg)
}

// rpcCall is one method of the generated service: an interface symbol's
// method, or a function symbol.
type rpcCall struct {
	Symbol  string // the kind's field
	Method  string // the interface's method, "" for a function symbol
	Params  []contract.Param
	Results []contract.Param
}

// name is the net/rpc method name; the underscore keeps it apart from a
// function symbol's own name.
func (c rpcCall) name() string {
	if c.Method == "" {
		return c.Symbol
	}
	return c.Symbol + "_" + c.Method
}

// display is how errors and messages name the call: Greeter.Greet.
func (c rpcCall) display() string {
	if c.Method == "" {
		return c.Symbol
	}
	return c.Symbol + "." + c.Method
}

// rpcReserved are the generated file's own top-level and local names,
// which an import must not take.
var rpcReserved = []string{"Kind", "Load", "NewService", "bm", "l", "opts", "p", "path", "proc", "syms", "Serve", "Service", "Symbols", "Vars", "a", "c", "err", "errs", "k", "r", "s", "svc", "symbols", "v", "x"}

// GenerateRPC writes the rpc stubs package of the kind cfg.Kind of c.
func GenerateRPC(c *contract.Contract, cfg RPCConfig) ([]byte, error) {
	k, err := findKind(c, cfg.Kind)
	if err != nil {
		return nil, err
	}
	pkgName := cfg.Package
	if pkgName == "" {
		pkgName = k.Name + "rpc"
	}
	if err := checkPackageName(pkgName); err != nil {
		return nil, err
	}

	// What crosses: the kind's variables once, at connection, and a call
	// per interface method and per function.
	var vars []contract.Symbol
	var calls []rpcCall
	var problems []string
	for _, s := range k.Symbols {
		switch {
		case s.Interface != nil:
			if len(s.Interface.Embeds) > 0 {
				problems = append(problems, fmt.Sprintf("%s: %s embeds %s, whose methods bindgen cannot see without type information", s.Name, s.Type, strings.Join(s.Interface.Embeds, ", ")))
			}
			for _, m := range s.Interface.Methods {
				calls = append(calls, rpcCall{Symbol: s.Name, Method: m.Name, Params: m.Params, Results: m.Results})
			}
		case s.Func && s.Signature:
			calls = append(calls, rpcCall{Symbol: s.Name, Params: s.Params, Results: s.Results})
		case s.Func:
			problems = append(problems, fmt.Sprintf("%s: a function of the named type %s; write its func type out in the kind", s.Name, s.Type))
		default:
			if why := crossable(s.Type, false); why != "" {
				problems = append(problems, fmt.Sprintf("variable %s of type %s: %s", s.Name, s.Type, why))
			}
			vars = append(vars, s)
		}
	}
	names := map[string]string{}
	for _, cl := range calls {
		if prev, ok := names[cl.name()]; ok {
			problems = append(problems, fmt.Sprintf("%s and %s both make the rpc method %s", prev, cl.display(), cl.name()))
		}
		names[cl.name()] = cl.display()
		if cl.name() == "Vars" {
			problems = append(problems, fmt.Sprintf("%s: the rpc method name Vars is the stubs' own", cl.display()))
		}
		for i, p := range cl.Params {
			if why := crossable(p.Type, false); why != "" {
				problems = append(problems, fmt.Sprintf("%s: parameter %d (%s): %s", cl.display(), i+1, p.Type, why))
			}
		}
		for i, r := range cl.Results {
			if why := crossable(r.Type, true); why != "" {
				problems = append(problems, fmt.Sprintf("%s: result %d (%s): %s", cl.display(), i+1, r.Type, why))
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: kind %s (%s.%s), whose values an isolated plugin sends over net/rpc with encoding/gob:\n\t%s",
			ErrNotIsolatable, k.Name, c.Package, k.TypeName, strings.Join(problems, "\n\t"))
	}

	// Imports: the runtime, the API package, and those the types name.
	used := map[string]bool{}
	collect := func(typ string) {
		for _, name := range selectorPackages(typ) {
			used[name] = true
		}
	}
	for _, s := range vars {
		collect(s.Type)
	}
	for _, cl := range calls {
		for _, p := range append(append([]contract.Param(nil), cl.Params...), cl.Results...) {
			collect(p.Type)
		}
	}
	pathOf := map[string]string{c.Package: c.ImportPath}
	for name, p := range c.Imports {
		pathOf[name] = p
	}
	order := []string{"errors", cfg.IsolatedImportPath, c.ImportPath}
	withLoad := cfg.LoaderImportPath != "" && cfg.BindingsImportPath != ""
	if withLoad {
		order = append(order, cfg.LoaderImportPath, cfg.BindingsImportPath)
	}
	var rest []string
	for name := range used {
		p, ok := pathOf[name]
		if !ok {
			return nil, fmt.Errorf("%w: kind %s names the package %s, which no file of %s imports", ErrContract, k.Name, name, c.Package)
		}
		if p != c.ImportPath {
			rest = append(rest, p)
		}
	}
	sort.Strings(rest)
	order = append(order, rest...)
	alias := importAliases(order, rpcReserved, func(p string) string {
		switch p {
		case c.ImportPath:
			return c.Package
		case cfg.BindingsImportPath:
			return "kind" // the kind's own name may be an import's
		}
		return contract.AssumedPackageName(p)
	})
	rename := map[string]string{}
	for name, p := range pathOf {
		if a, ok := alias[p]; ok {
			rename[name] = a
		}
	}
	q := func(typ string) string {
		t, err := requalify(typ, rename)
		if err != nil {
			panic(err) // parsed by crossable already
		}
		return t
	}
	iso := alias[cfg.IsolatedImportPath]
	api := alias[c.ImportPath]

	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("// Code generated by \"bindgen rpc -kind %s\"; DO NOT EDIT.\n\n", k.Name)
	w("// Package %s carries plugins of kind %s across a process boundary,\n", pkgName, k.Name)
	w("// over hashicorp/go-plugin's net/rpc transport: Serve is the main of a\n")
	w("// %s plugin's executable (isolated mode), and Symbols gives the host the\n", k.Name)
	w("// table of the plugin's symbols that the kind's bindings bind, as they\n")
	w("// bind a plugin opened in the host's process.\n")
	w("//\n// A method without an error result that fails (the process died, the\n")
	w("// call timed out, the method panicked) panics with the typed error;\n")
	w("// %s.Catch turns it back into one.\n", iso)
	w("package %s\n\nimport (\n", pkgName)
	std, other := importGroups(order, alias)
	for _, s := range std {
		w("\t%s\n", s)
	}
	if len(std) > 0 {
		w("\n")
	}
	for _, s := range other {
		w("\t%s\n", s)
	}
	w(")\n\n")
	w("// Kind is the kind's name, which the service is dispensed under.\nconst Kind = %q\n\n", k.Name)

	// Serve.
	w("// Serve serves the plugin whose exports symbols holds (NewService) until\n")
	w("// the host ends the connection. A plugin that lacks a symbol, or has it\n")
	w("// with another type, says which on stderr and exits 1.\n")
	w("func Serve(symbols map[string]any) {\n\tsvc, err := NewService(symbols)\n")
	w("\tif err != nil {\n\t\t%s.Fail(Kind, err)\n\t}\n\t%s.Serve(Kind, svc)\n}\n\n", iso, iso)
	w("// NewService binds symbols, the plugin's exports as plugin.Lookup would\n")
	w("// return them, to the kind's fields. Every missing or mistyped symbol is\n")
	w("// reported at once.\n")
	w("func NewService(symbols map[string]any) (*Service, error) {\n\tvar k %s.%s\n\tvar errs []error\n", api, k.TypeName)
	for _, s := range k.Symbols {
		w("\tif err := %s.Bind(&k.%s, symbols, %q); err != nil {\n\t\terrs = append(errs, err)\n\t}\n", iso, s.Name, s.Name)
	}
	w("\tif len(errs) > 0 {\n\t\treturn nil, %s.Join(errs...)\n\t}\n\treturn &Service{k: k}, nil\n}\n\n", alias["errors"])

	w("// Service is the net/rpc service of a %s plugin, on the plugin's side;\n", k.Name)
	w("// net/rpc serves the exported methods of an exported type only.\n")
	w("type Service struct{ k %s.%s }\n\n", api, k.TypeName)

	// Variables.
	w("// Vars are the plugin's variables, sent once when the host connects.\ntype Vars struct {\n")
	for _, s := range vars {
		w("\t%s %s\n", s.Name, q(s.Type))
	}
	w("}\n\n// Vars sends the plugin's variables. The argument is unused: gob\n// cannot send a struct without fields.\n")
	w("func (s *Service) Vars(_ int, r *Vars) error {\n")
	for _, s := range vars {
		w("\tr.%s = s.k.%s\n", s.Name, s.Name)
	}
	w("\treturn nil\n}\n\n")

	for _, cl := range calls {
		n := cl.name()
		// gob cannot send a struct without fields: a call without
		// arguments sends an unused int.
		argsType := "int"
		if len(cl.Params) > 0 {
			argsType = n + "_Args"
			w("// %s_Args are the arguments of %s.\ntype %s_Args struct {\n", n, cl.display(), n)
			for i, p := range cl.Params {
				w("\tA%d %s\n", i, sliceOfVariadic(q(p.Type)))
			}
			w("}\n\n")
		}
		w("// %s_Reply is the reply of %s; Panic is set when it panicked.\ntype %s_Reply struct {\n", n, cl.display(), n)
		for i, r := range cl.Results {
			if r.Type == "error" {
				w("\tR%d *%s.Fault\n", i, iso)
			} else {
				w("\tR%d %s\n", i, q(r.Type))
			}
		}
		w("\tPanic *%s.Fault\n}\n\n", iso)

		// The server method.
		target := "s.k." + cl.Symbol
		if cl.Method != "" {
			target += "." + cl.Method
		}
		var args []string
		for i, p := range cl.Params {
			a := fmt.Sprintf("a.A%d", i)
			if strings.HasPrefix(p.Type, "...") {
				a += "..."
			}
			args = append(args, a)
		}
		argName := "a"
		if len(cl.Params) == 0 {
			argName = "_"
		}
		w("// %s calls %s.\nfunc (s *Service) %s(%s %s, r *%s_Reply) error {\n", n, cl.display(), n, argName, argsType, n)
		w("\tdefer %s.Recover(&r.Panic)\n", iso)
		var lhs []string
		var faults []int
		for i, r := range cl.Results {
			if r.Type == "error" {
				w("\tvar e%d error\n", i)
				lhs = append(lhs, fmt.Sprintf("e%d", i))
				faults = append(faults, i)
			} else {
				lhs = append(lhs, fmt.Sprintf("r.R%d", i))
			}
		}
		call := fmt.Sprintf("%s(%s)", target, strings.Join(args, ", "))
		if len(lhs) > 0 {
			w("\t%s = %s\n", strings.Join(lhs, ", "), call)
		} else {
			w("\t%s\n", call)
		}
		for _, i := range faults {
			w("\tr.R%d = %s.ErrorFault(e%d)\n", i, iso, i)
		}
		w("\treturn nil\n}\n\n")
	}

	// The host's side.
	w("// Symbols asks the plugin served through c for its variables and returns\n")
	w("// the table of its symbols that the kind's bindings bind: a pointer for a\n")
	w("// variable, a value with the interface's methods, a function; each\n")
	w("// method and function a call through c.\n")
	w("func Symbols(c %s.Caller) (map[string]any, error) {\n\tvar v Vars\n", iso)
	w("\tif err := c.Call(%q, 0, &v); err != nil {\n\t\treturn nil, err\n\t}\n", "Vars")
	w("\treturn map[string]any{\n")
	for _, s := range k.Symbols {
		switch {
		case s.Interface != nil:
			w("\t\t%q: &%sClient{c: c},\n", s.Name, lowerFirst(s.Name))
		case s.Func:
			w("\t\t%q: %sFunc(c),\n", s.Name, lowerFirst(s.Name))
		default:
			w("\t\t%q: &v.%s,\n", s.Name, s.Name)
		}
	}
	w("\t}, nil\n}\n\n")

	for _, s := range k.Symbols {
		if s.Interface != nil {
			w("// %sClient is the plugin's %s, on the host's side.\ntype %sClient struct{ c %s.Caller }\n\n", lowerFirst(s.Name), s.Name, lowerFirst(s.Name), iso)
		}
	}
	for _, cl := range calls {
		n := cl.name()
		var params, results, args []string
		for i, p := range cl.Params {
			params = append(params, fmt.Sprintf("p%d %s", i, q(p.Type)))
			args = append(args, fmt.Sprintf("A%d: p%d", i, i))
		}
		hasErr := false
		for i, r := range cl.Results {
			results = append(results, fmt.Sprintf("r%d %s", i, q(r.Type)))
			hasErr = hasErr || r.Type == "error"
		}
		sig := "(" + strings.Join(params, ", ") + ")"
		if len(results) > 0 {
			sig += " (" + strings.Join(results, ", ") + ")"
		}
		var body bytes.Buffer
		bw := func(format string, args ...any) { fmt.Fprintf(&body, format, args...) }
		bw("\tvar r %s_Reply\n", n)
		// On failure: every error result carries it, or, with none, a
		// panic does.
		fail := func(expr string) {
			if !hasErr {
				bw("\t\tpanic(%s)\n", expr)
				return
			}
			if expr != "err" {
				bw("\t\terr := %s\n", expr)
			}
			for i, r := range cl.Results {
				if r.Type == "error" {
					bw("\t\tr%d = err\n", i)
				}
			}
			bw("\t\treturn\n")
		}
		callArgs := "0"
		if len(cl.Params) > 0 {
			callArgs = fmt.Sprintf("&%s_Args{%s}", n, strings.Join(args, ", "))
		}
		bw("\tif err := c.Call(%q, %s, &r); err != nil {\n", cl.display(), callArgs)
		fail("err")
		bw("\t}\n\tif r.Panic != nil {\n")
		fail(fmt.Sprintf("r.Panic.Err(c.Path(), %q)", cl.display()))
		bw("\t}\n")
		var rets []string
		for i, r := range cl.Results {
			if r.Type == "error" {
				rets = append(rets, fmt.Sprintf("r.R%d.Err(c.Path(), %q)", i, cl.display()))
			} else {
				rets = append(rets, fmt.Sprintf("r.R%d", i))
			}
		}
		if len(rets) > 0 {
			bw("\treturn %s\n", strings.Join(rets, ", "))
		}
		if cl.Method != "" {
			recv := lowerFirst(cl.Symbol) + "Client"
			w("// %s calls the plugin's %s.\nfunc (x *%s) %s%s {\n\tc := x.c\n%s}\n\n", cl.Method, cl.display(), recv, cl.Method, sig, body.String())
		} else {
			w("// %sFunc is the plugin's function %s, called through c.\nfunc %sFunc(c %s.Caller) func%s {\n\treturn func%s {\n%s\t}\n}\n\n",
				lowerFirst(cl.Symbol), cl.Symbol, lowerFirst(cl.Symbol), iso, sig, sig, body.String())
		}
	}
	if withLoad {
		ld, kb := alias[cfg.LoaderImportPath], alias[cfg.BindingsImportPath]
		w("// Load runs the executable of %s %s plugin at path (go_plugin's\n", article(k.Name), k.Name)
		w("// <name>_isolated, %s.IsolatedPath of its .so) in a process of its own,\n", ld)
		w("// after l's checks of the file and its build record, and binds it with\n")
		w("// the kind's Bind: the same Plugin as %s.Load gives, whose methods are\n", kb)
		w("// calls to that process. go-plugin checks the file against the record's\n")
		w("// SHA-256 before each exec. The next call after the process dies starts\n")
		w("// it again; proc.Stop or %s.StopAll stops it for good.\n", iso)
		w("func Load(l *%s.Loader, path string, opts %s.Options) (_ *%s.Plugin, proc *%s.Process, err error) {\n", ld, iso, kb, iso)
		w("\tbm, err := l.CheckExecutable(path, %s.Spec)\n\tif err != nil {\n\t\treturn nil, nil, err\n\t}\n", kb)
		w("\tproc, err = %s.Start(%s.Config{Path: path, Kind: Kind, SHA256: bm.SHA256, Options: opts})\n", iso, iso)
		w("\tif err != nil {\n\t\treturn nil, nil, err\n\t}\n")
		w("\tsyms, err := Symbols(proc)\n\tif err != nil {\n\t\tproc.Stop()\n\t\treturn nil, nil, err\n\t}\n")
		w("\tp, err := %s.Bind(&%s.RemotePlugin{Path: path, Symbols: syms})\n", kb, ld)
		w("\tif err != nil {\n\t\tproc.Stop()\n\t\treturn nil, nil, err\n\t}\n\treturn p, proc, nil\n}\n\n")
	}
	w("// The kind's declaration, as the stubs were generated from it: this stops\n")
	w("// compiling when %s.%s changes, until they are generated again.\n", api, k.TypeName)
	w("var _ = struct {\n")
	for _, s := range k.Symbols {
		w("\t%s %s\n", s.Name, q(s.Type))
	}
	w("}(%s.%s{})\n", api, k.TypeName)

	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w: %w\n%s", ErrFormat, err, b.Bytes())
	}
	return out, nil
}

// crossable says why a value of type typ cannot cross a process with
// encoding/gob, or "" when it can. error is allowed as a result, where the
// stubs carry it as its message.
func crossable(typ string, result bool) string {
	if result && typ == "error" {
		return ""
	}
	e, err := parser.ParseExpr(strings.TrimPrefix(typ, "..."))
	if err != nil {
		return fmt.Sprintf("cannot parse the type: %v", err)
	}
	why := ""
	ast.Inspect(e, func(n ast.Node) bool {
		if why != "" {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncType:
			why = "a func cannot cross a process"
		case *ast.ChanType:
			why = "a chan cannot cross a process"
		case *ast.InterfaceType:
			why = "an interface value cannot cross a process without its concrete type"
		case *ast.SelectorExpr:
			if !ast.IsExported(n.Sel.Name) {
				why = fmt.Sprintf("the unexported type %s.%s cannot be named outside its package", render(n.X), n.Sel.Name)
			} else if id, ok := n.X.(*ast.Ident); ok && id.Name == "unsafe" {
				why = "an unsafe.Pointer cannot cross a process"
			}
			return false
		case *ast.Ident:
			switch n.Name {
			case "error", "any":
				why = "an interface value cannot cross a process without its concrete type"
			case "uintptr":
				why = "a uintptr is an address, meaningless in another process"
			default:
				if !ast.IsExported(n.Name) && !isPredeclared(n.Name) {
					why = fmt.Sprintf("the unexported type %s cannot be named outside its package", n.Name)
				}
			}
		}
		return true
	})
	return why
}

func isPredeclared(name string) bool {
	for _, p := range predeclared {
		if p == name {
			return true
		}
	}
	return false
}

func render(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return "?"
}

// selectorPackages lists the package names a type string qualifies
// identifiers with.
func selectorPackages(typ string) []string {
	e, err := parser.ParseExpr(strings.TrimPrefix(typ, "..."))
	if err != nil {
		return nil
	}
	var out []string
	ast.Inspect(e, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				out = append(out, id.Name)
			}
			return false
		}
		return true
	})
	return out
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

func sliceOfVariadic(t string) string {
	if strings.HasPrefix(t, "...") {
		return "[]" + t[3:]
	}
	return t
}

const rpcUsageText = `bindgen rpc generates the stubs that carry one plugin kind across a
process boundary (isolated mode), from the source of the API package that
declares it.

Usage:
	bindgen rpc -kind NAME -api-importpath PATH -isolated-importpath PATH
	    [-output-path OUT.go] [-output-package NAME] [-kinds A,B,...] SRC.go...

The package declares Serve (the main of a plugin's executable), Service
(its net/rpc service), Symbols (the host's table of the plugin's symbols,
which the kind's bindings bind), the argument and reply types, and, with
-loader-importpath and -bindings-importpath, Load (start a plugin's
executable, bound to the kind's Plugin). A
method or variable whose values cannot cross a process (a func, a chan,
an interface or an unexported type) is refused, naming the kind, the
method and the type.

Flags:
`

// rpcMain is "bindgen rpc".
func rpcMain(args []string, stdout, stderr io.Writer) int {
	var cfg RPCConfig
	flags := func(fs *flag.FlagSet) {
		fs.StringVar(&cfg.Kind, "kind", "", "the `kind` to generate, as the API package declares it")
		fs.StringVar(&cfg.APIImportPath, "api-importpath", "", "import `path` of the API package whose source files follow")
		fs.StringVar(&cfg.IsolatedImportPath, "isolated-importpath", "", "import `path` of the isolated runtime (host/isolated)")
		fs.StringVar(&cfg.LoaderImportPath, "loader-importpath", "", "import `path` of the host's loader; with -bindings-importpath, adds Load")
		fs.StringVar(&cfg.BindingsImportPath, "bindings-importpath", "", "import `path` of the kind's bindings (bindgen kind)")
		fs.StringVar(&cfg.Package, "output-package", "", "`package` name of the generated file (default: <kind>rpc)")
	}
	run := func(files, kinds []string) ([]byte, error) {
		cfg.Files, cfg.Kinds = files, kinds
		return RunRPC(cfg)
	}
	return modeMain("bindgen rpc", rpcUsageText, "comma-separated `kinds` the build expects the API package to declare",
		args, stdout, stderr, flags, run)
}

func splitList(s string) []string {
	out := []string{}
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}
