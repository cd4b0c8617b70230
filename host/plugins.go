package main

import (
	"fmt"
	"plugin"
	"strings"

	"example.com/plugkit/pluginapi"
)

// loadGreeter opens a greeter plugin, checks its manifest and returns its
// Greeter.
func loadGreeter(path string) (pluginapi.Greeter, error) {
	p, err := plugin.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open plugin %s: %w", path, err)
	}
	sym, err := p.Lookup(pluginapi.ManifestSymbol)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", path, err)
	}
	m, ok := sym.(*pluginapi.Manifest)
	if !ok {
		return nil, fmt.Errorf("plugin %s: %s is %T, want *pluginapi.Manifest", path, pluginapi.ManifestSymbol, sym)
	}
	if major(m.APIVersion) != major(pluginapi.APIVersion) {
		return nil, fmt.Errorf("plugin %s: built against pluginapi %s, host has %s: rebuild the plugin", path, m.APIVersion, pluginapi.APIVersion)
	}
	sym, err = p.Lookup(pluginapi.GreeterSymbol)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", path, err)
	}
	g, ok := sym.(*pluginapi.Greeter)
	if !ok {
		return nil, fmt.Errorf("plugin %s: %s is %T, want *pluginapi.Greeter", path, pluginapi.GreeterSymbol, sym)
	}
	return *g, nil
}

func major(version string) string {
	major, _, _ := strings.Cut(version, ".")
	return major
}
