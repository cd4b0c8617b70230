// Package english is a greeter plugin, the English one of the "Playing
// around with Go 1.8 plugin system" greeter example. Its go_plugin target,
// //plugins/greeter/english:plugin, builds it as english.so, which
// `host greet --lang=english` loads.
package english

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
