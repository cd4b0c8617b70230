package loader

import (
	"errors"
	"plugin"
	"reflect"
	"time"

	"example.com/plugkit/internal/buildrecord"
	"example.com/plugkit/pluginapi"
)

// Plugin is a loaded plugin whose identity has been checked. It is shared by
// every Loader in the process: there is one per loaded plugin.
type Plugin struct {
	// Path is the file the plugin was first loaded from.
	Path string
	// PluginPath is the plugin's path in the Go runtime (the import path of
	// its main package), "" if the file did not reveal it.
	PluginPath string
	// SHA256 and Size describe the bytes that were opened.
	SHA256 string
	Size   int64
	// Manifest is a copy of the plugin's exported PluginManifest.
	Manifest pluginapi.Manifest
	// BuildRecord is the build record checked before opening, or nil.
	BuildRecord *buildrecord.Record
	// Timings is where the time of the Load that opened the plugin went.
	Timings LoadTimings

	p *plugin.Plugin
}

// LoadTimings splits the wall time of one Load into its phases, so that a
// benchmark (tools/cmd/bench/load) or a host logging slow starts can tell the
// cost of the checks from the cost of plugin.Open. The phases are measured
// where Load runs them, not re-run apart, because the stage phase hashes
// while it copies: timing the hash alone would measure other work.
type LoadTimings struct {
	// Stage is the permission check and the private copy, made in the
	// kernel; its SHA-256 starts on a second goroutine as the copy goes.
	Stage time.Duration
	// Check is the rest of the pre-open check: the build record and its
	// signature, the copy's ELF facts, every comparison, and the wait for
	// the SHA-256.
	Check time.Duration
	// Open is plugin.Open of the copy: dlopen, the runtime's package hash
	// check and the plugin's init functions.
	Open time.Duration
	// Identify is the lookup of PluginManifest and the API version check.
	Identify time.Duration
}

// Symbols is what bindings bind to: a source of exported symbols, as
// plugin.Lookup returns them, and a name for messages. A *Plugin opened by
// the loader and a *StaticPlugin linked into the host both implement it, so
// one set of generated bindings (and Lookup, LookupVar, LookupFunc) serves a
// host that opens .so files and one that cannot.
type Symbols interface {
	// Lookup returns the exported symbol name: a pointer for a variable,
	// the function for a function. It fails with *SymbolMissingError.
	Lookup(name string) (plugin.Symbol, error)
	// Origin names where the symbols come from, for error messages: the
	// plugin's file, or "static:" and the static plugin's name.
	Origin() string
}

// Lookup returns the symbol name exported by the plugin: a pointer for a
// variable, the function for a function. It fails with *SymbolMissingError.
func (p *Plugin) Lookup(name string) (plugin.Symbol, error) {
	if p == nil || p.p == nil {
		// A Plugin the loader did not open (a zero value, or one built by
		// hand in a test) has no symbols; say so rather than panic.
		return nil, &SymbolMissingError{Plugin: orNone(p.Origin()), Symbol: name, Err: errors.New("plugin not opened by the loader")}
	}
	sym, err := p.p.Lookup(name)
	if err != nil {
		return nil, &SymbolMissingError{Plugin: p.Path, Symbol: name, Err: err}
	}
	return sym, nil
}

// Origin returns the file the plugin was first loaded from.
func (p *Plugin) Origin() string {
	if p == nil {
		return ""
	}
	return p.Path
}

// Lookup returns the symbol name of p as a T. T may be the symbol's own type
// (*V for a variable of type V, the func type for a function), or a type the
// variable's value has or implements: Lookup[pluginapi.Greeter] works for
// `var Greeter pluginapi.Greeter = x`, and for `var Greeter = x` when x's
// type, or *x's type (methods with pointer receivers: the symbol is a
// pointer), has the methods. Bindings of an interface use it, because
// plugins declare such variables both ways.
//
// It fails with *SymbolMissingError or *SymbolTypeError, which name
// p.Origin(), and never panics.
func Lookup[T any](p Symbols, name string) (T, error) {
	var zero T
	sym, err := lookup(p, name)
	if err != nil {
		return zero, err
	}
	if v, ok := sym.(T); ok {
		return v, nil
	}
	if rv := reflect.ValueOf(sym); rv.Kind() == reflect.Pointer && !rv.IsNil() {
		if v, ok := rv.Elem().Interface().(T); ok {
			return v, nil
		}
	}
	return zero, &SymbolTypeError{Plugin: p.Origin(), Symbol: name, Want: reflect.TypeFor[T]().String(), Got: describeSymbol(sym)}
}

// LookupVar returns the variable name of p, which must be of exactly type
// T: the symbol is a *T. Unlike Lookup it accepts no other type, so
// bindings of a variable the host writes to, or of a concrete type, use it.
// It fails with *SymbolMissingError or *SymbolTypeError, never panics.
func LookupVar[T any](p Symbols, name string) (*T, error) {
	sym, err := lookup(p, name)
	if err != nil {
		return nil, err
	}
	if v, ok := sym.(*T); ok && v != nil {
		return v, nil
	}
	return nil, &SymbolTypeError{Plugin: p.Origin(), Symbol: name, Want: reflect.TypeFor[*T]().String(), Got: describeSymbol(sym)}
}

// LookupFunc returns the function name of p, which must be of exactly type
// F, a function type. A variable holding a function is refused: it can be
// reassigned, and bindings of a function promise a function. F may be a
// named function type whose underlying type is the function's, since an
// exported function's own type is always unnamed.
// It fails with *SymbolMissingError or *SymbolTypeError, never panics.
func LookupFunc[F any](p Symbols, name string) (F, error) {
	var zero F
	want := reflect.TypeFor[F]()
	if want.Kind() != reflect.Func {
		return zero, &SymbolTypeError{Plugin: p.Origin(), Symbol: name,
			Want: want.String() + " (not a function type: use Lookup or LookupVar)", Got: "(not looked up)"}
	}
	sym, err := lookup(p, name)
	if err != nil {
		return zero, err
	}
	if v, ok := sym.(F); ok {
		return v, nil
	}
	if rv := reflect.ValueOf(sym); rv.Kind() == reflect.Func && !rv.IsNil() && rv.Type().ConvertibleTo(want) {
		// Function types convert only between identical underlying types.
		if v, ok := rv.Convert(want).Interface().(F); ok {
			return v, nil
		}
	}
	return zero, &SymbolTypeError{Plugin: p.Origin(), Symbol: name, Want: want.String(), Got: describeSymbol(sym)}
}

// lookup is Symbols.Lookup made safe for a nil Symbols and for an
// implementation that returns neither a symbol nor an error.
func lookup(p Symbols, name string) (plugin.Symbol, error) {
	if p == nil {
		return nil, &SymbolMissingError{Plugin: "(no plugin)", Symbol: name, Err: errors.New("nil Symbols")}
	}
	sym, err := p.Lookup(name)
	if err != nil {
		var missing *SymbolMissingError
		if errors.As(err, &missing) {
			return nil, err
		}
		return nil, &SymbolMissingError{Plugin: p.Origin(), Symbol: name, Err: err}
	}
	if sym == nil {
		return nil, &SymbolMissingError{Plugin: p.Origin(), Symbol: name, Err: errors.New("the symbol is nil")}
	}
	return sym, nil
}

// describeSymbol names a symbol's type for a *SymbolTypeError, with the
// dynamic type behind a pointer to an interface, which is what a mistyped
// `var Greeter pluginapi.Greeter` most often holds wrong.
func describeSymbol(sym plugin.Symbol) string {
	if sym == nil {
		return "nil"
	}
	got := reflect.TypeOf(sym).String()
	rv := reflect.ValueOf(sym)
	if rv.Kind() == reflect.Pointer && rv.IsNil() {
		return got + " (nil)"
	}
	if rv.Kind() == reflect.Pointer && rv.Elem().Kind() == reflect.Interface {
		if rv.Elem().IsNil() {
			got += " (holding nil)"
		} else {
			got += " (holding " + rv.Elem().Elem().Type().String() + ")"
		}
	}
	return got
}

// identify reads the plugin's PluginManifest before anything else of it is
// used, and refuses a plugin of another API major version.
func identify(p *Plugin, br *buildrecord.Record, apiVersion string) error {
	sym, err := p.Lookup(pluginapi.ManifestSymbol)
	if err != nil {
		return err
	}
	m, ok := sym.(*pluginapi.Manifest)
	if !ok || m == nil {
		return &SymbolTypeError{Plugin: p.Path, Symbol: pluginapi.ManifestSymbol,
			Want: reflect.TypeFor[*pluginapi.Manifest]().String(), Got: describeSymbol(sym)}
	}
	p.Manifest = *m
	if m.APIVersion == "" || major(m.APIVersion) != major(apiVersion) {
		return &APIVersionError{Plugin: p.Path, Want: apiVersion, Got: m.APIVersion}
	}
	if m.Name == "" {
		return &IdentityError{Plugin: p.Path, Reason: "PluginManifest.Name is empty"}
	}
	if br != nil && br.Plugin != m.Name {
		return &IdentityError{Plugin: p.Path, Name: m.Name, Reason: "the build record names the plugin " + br.Plugin}
	}
	return nil
}
