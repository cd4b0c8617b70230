package loader

import (
	"plugin"
	"reflect"
	"time"

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
	// BuildManifest is the build manifest checked before opening, or nil.
	BuildManifest *BuildManifest
	// Timings is where the time of the Load that opened the plugin went.
	Timings LoadTimings

	p *plugin.Plugin
}

// LoadTimings splits the wall time of one Load into its phases, so that a
// benchmark (tools/bench/load) or a host logging slow starts can tell the
// cost of the checks from the cost of plugin.Open. The phases are measured
// where Load runs them, not re-run apart, because the stage phase hashes
// while it copies: timing the hash alone would measure other work.
type LoadTimings struct {
	// Stage is the permission check and the one pass over the file that
	// computes its SHA-256 while writing the private copy.
	Stage time.Duration
	// Check is reading the build manifest and the pre-open check of the
	// copy's ELF file (architecture, Go plugin, toolchain, packages).
	Check time.Duration
	// Open is plugin.Open of the copy: dlopen, the runtime's package hash
	// check and the plugin's init functions.
	Open time.Duration
	// Identify is the lookup of PluginManifest and the API version check.
	Identify time.Duration
}

// Lookup returns the symbol name exported by the plugin: a pointer for a
// variable, the function for a function. It fails with *SymbolMissingError.
func (p *Plugin) Lookup(name string) (plugin.Symbol, error) {
	sym, err := p.p.Lookup(name)
	if err != nil {
		return nil, &SymbolMissingError{Plugin: p.Path, Symbol: name, Err: err}
	}
	return sym, nil
}

// Lookup returns the plugin's symbol name as a T. T may be the symbol's own
// type (*V for a variable of type V, the func type for a function), or a type
// the variable's value has or implements: Lookup[pluginapi.Greeter] works for
// `var Greeter pluginapi.Greeter = ...` and for `var Greeter english` alike.
// It fails with *SymbolMissingError or *SymbolTypeError, never panics.
func Lookup[T any](p *Plugin, name string) (T, error) {
	var zero T
	sym, err := p.Lookup(name)
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
	got := reflect.TypeOf(sym).String()
	if rv := reflect.ValueOf(sym); rv.Kind() == reflect.Pointer && !rv.IsNil() &&
		rv.Elem().Kind() == reflect.Interface {
		if rv.Elem().IsNil() {
			got += " (holding nil)"
		} else {
			got += " (holding " + rv.Elem().Elem().Type().String() + ")"
		}
	}
	return zero, &SymbolTypeError{Plugin: p.Path, Symbol: name, Want: reflect.TypeFor[T]().String(), Got: got}
}

// Greeter returns the plugin's pluginapi.GreeterSymbol.
func (p *Plugin) Greeter() (pluginapi.Greeter, error) {
	return Lookup[pluginapi.Greeter](p, pluginapi.GreeterSymbol)
}

// Logger returns the plugin's pluginapi.LoggerSymbol.
func (p *Plugin) Logger() (pluginapi.Logger, error) {
	return Lookup[pluginapi.Logger](p, pluginapi.LoggerSymbol)
}

// identify reads the plugin's PluginManifest before anything else of it is
// used, and refuses a plugin of another API major version.
func identify(p *Plugin, bm *BuildManifest, apiVersion string) error {
	sym, err := p.Lookup(pluginapi.ManifestSymbol)
	if err != nil {
		return err
	}
	m, ok := sym.(*pluginapi.Manifest)
	if !ok {
		return &SymbolTypeError{Plugin: p.Path, Symbol: pluginapi.ManifestSymbol,
			Want: reflect.TypeFor[*pluginapi.Manifest]().String(), Got: reflect.TypeOf(sym).String()}
	}
	p.Manifest = *m
	if m.APIVersion == "" || major(m.APIVersion) != major(apiVersion) {
		return &APIVersionError{Plugin: p.Path, Want: apiVersion, Got: m.APIVersion}
	}
	if m.Name == "" {
		return &IdentityError{Plugin: p.Path, Reason: "PluginManifest.Name is empty"}
	}
	if bm != nil && bm.Plugin != m.Name {
		return &IdentityError{Plugin: p.Path, Name: m.Name, Reason: "the build manifest names the plugin " + bm.Plugin}
	}
	return nil
}
