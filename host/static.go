package main

import (
	"fmt"
	"plugin"
	"sort"
	"strings"
)

// staticPlugins are the plugins linked into this binary, by name: each a
// table of what plugin.Lookup would return for a symbol. The static host
// (//host:static) fills it from a generated registry; the dynamic host
// leaves it empty and opens .so files instead.
var staticPlugins map[string]map[string]any

// staticPlugin is a linked-in plugin. It has the Lookup method that
// generated bindings bind to, so the same bindings serve both hosts.
type staticPlugin struct {
	name    string
	symbols map[string]any
}

func (p staticPlugin) Lookup(name string) (plugin.Symbol, error) {
	if sym, ok := p.symbols[name]; ok {
		return sym, nil
	}
	// The runtime's wording, so callers see one message either way.
	return nil, fmt.Errorf("plugin: symbol %s not found in plugin %s", name, p.name)
}

// path describes the plugin where a file path would.
func (p staticPlugin) path() string { return "static:" + p.name }

// staticOfKind returns the linked-in plugins of one kind ("greeter"), by
// the rest of their name ("english"); kind "" gives those named without one.
func staticOfKind(kind string) map[string]staticPlugin {
	found := map[string]staticPlugin{}
	prefix := kind + "/"
	if kind == "" {
		prefix = "" // plugins of no kind, named at the top level: "adder"
	}
	for name, symbols := range staticPlugins {
		if rest, ok := strings.CutPrefix(name, prefix); ok && (kind != "" || !strings.Contains(name, "/")) {
			found[rest] = staticPlugin{name: name, symbols: symbols}
		}
	}
	return found
}

func sortedStatic(m map[string]staticPlugin) []staticPlugin {
	out := make([]staticPlugin, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}
