package loader

import (
	"errors"
	"fmt"
	"maps"
	"plugin"
	"sort"
	"sync"
)

// StaticPlugin is a plugin linked into the host instead of opened from a
// .so: for platforms without -buildmode=plugin, and for hosts that want one
// binary (//host:static). The generated static registry registers one per
// plugin package from an init function, with RegisterStatic, and the host
// finds them by kind with Static. A *StaticPlugin is a Symbols, so the
// bindings generated for a kind bind it exactly as they bind a *Plugin.
//
// None of the loader's checks apply: the plugin was compiled and linked with
// the host, so the toolchain, the flags and the types are the host's.
type StaticPlugin struct {
	// Kind is the plugin's kind, the Name of the Kind its bindings declare.
	Kind string
	// Name is the plugin's unique name, as in its PluginManifest.
	Name string
	// Symbols maps every exported symbol's name to what plugin.Lookup would
	// return for it: a pointer for a variable, the function value for a
	// function. Bindings rely on that: Lookup, LookupVar and LookupFunc
	// treat a static plugin's symbols as they treat an opened plugin's.
	Symbols map[string]any
}

// Lookup returns the symbol name, as plugin.Lookup would. It fails with
// *SymbolMissingError.
func (p *StaticPlugin) Lookup(name string) (plugin.Symbol, error) {
	if p == nil {
		return nil, &SymbolMissingError{Plugin: p.Origin(), Symbol: name, Err: errors.New("nil *StaticPlugin")}
	}
	sym, ok := p.Symbols[name]
	if !ok {
		return nil, &SymbolMissingError{Plugin: p.Origin(), Symbol: name,
			Err: fmt.Errorf("static plugin %s of kind %s does not export %s", p.Name, p.Kind, name)}
	}
	return sym, nil
}

// Origin returns "static:" and the plugin's name, so that messages tell a
// linked-in plugin from a file.
func (p *StaticPlugin) Origin() string {
	if p == nil {
		return "static:"
	}
	return "static:" + p.Name
}

// staticPlugins is process-wide, as a registry filled from init functions
// must be: registration happens before main, in package initialisation
// order, and lookups from any goroutine later.
var staticPlugins struct {
	mu     sync.RWMutex
	byName map[string]*StaticPlugin
}

// RegisterStatic registers a static plugin; the generated static registry
// calls it from an init function. It keeps a copy of p and of its Symbols
// map, so later changes to either do not reach the registry.
//
// It panics when p.Kind or p.Name is empty, or when a plugin of that Name is
// already registered (of any kind: names are unique, as for loaded plugins).
// These are mistakes in the program's build, caught when it starts, like a
// duplicate in caddy.RegisterModule, and there is no caller to return an
// error to from an init function.
func RegisterStatic(p StaticPlugin) {
	if p.Kind == "" {
		panic(fmt.Sprintf("loader: RegisterStatic: static plugin %q has an empty Kind", p.Name))
	}
	if p.Name == "" {
		panic(fmt.Sprintf("loader: RegisterStatic: static plugin of kind %q has an empty Name", p.Kind))
	}
	p.Symbols = maps.Clone(p.Symbols)

	staticPlugins.mu.Lock()
	defer staticPlugins.mu.Unlock()
	if old, ok := staticPlugins.byName[p.Name]; ok {
		panic(fmt.Sprintf("loader: RegisterStatic: static plugin %q (kind %q) already registered (kind %q)", p.Name, p.Kind, old.Kind))
	}
	if staticPlugins.byName == nil {
		staticPlugins.byName = map[string]*StaticPlugin{}
	}
	staticPlugins.byName[p.Name] = &p
}

// Static returns the static plugins of kind, sorted by Name, so that a host
// uses them in the same order on every start; none gives an empty slice.
func Static(kind string) []*StaticPlugin {
	staticPlugins.mu.RLock()
	defer staticPlugins.mu.RUnlock()
	out := []*StaticPlugin{}
	for _, p := range staticPlugins.byName {
		if p.Kind == kind {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Interface guards
var (
	_ Symbols = (*StaticPlugin)(nil)
	_ Symbols = (*Plugin)(nil)
)
