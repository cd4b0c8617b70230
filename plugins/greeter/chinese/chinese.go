// Package chinese is a greeter plugin, the Chinese one of the "Playing
// around with Go 1.8 plugin system" greeter example. Its go_plugin target,
// //plugins/greeter/chinese:plugin, builds it as chinese.so, which
// `host greet --lang=chinese` loads.
package chinese

import "example.com/plugkit/pluginapi"

type greeter struct{}

func (greeter) Greet() string { return "你好宇宙" }

// Greeter is looked up by the host as pluginapi.GreeterSymbol.
var Greeter pluginapi.Greeter = greeter{}

// PluginManifest identifies this plugin to the host.
var PluginManifest = pluginapi.Manifest{
	Name:       "greeter/chinese",
	Version:    "1.0.0",
	APIVersion: pluginapi.APIVersion,
}
