// Command english is a greeter plugin (seed 001): build it with
// -buildmode=plugin, as //plugins/greeter/english does, and load it with
// `host greet --lang=english`.
package main

import "example.com/plugkit/pluginapi"

type greeter struct{}

func (greeter) Greet() string { return "Hello Universe" }

// Greeter is looked up by the host as pluginapi.GreeterSymbol.
var Greeter pluginapi.Greeter = greeter{}

// PluginManifest identifies this plugin to the host.
var PluginManifest = pluginapi.Manifest{
	Name:       "greeter/english",
	Version:    "1.0.0",
	APIVersion: pluginapi.APIVersion,
}
