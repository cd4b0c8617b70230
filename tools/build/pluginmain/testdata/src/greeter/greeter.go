// Package greeter is a greeter plugin, shaped like plugins/greeter/*: an
// interface-typed variable and the manifest.
package greeter

import "example.com/plugkit/pluginapi"

type greeter struct{}

func (greeter) Greet() string { return "hello from pluginmain's testdata" }

// Greeter is the greeter kind's symbol.
var Greeter pluginapi.Greeter = greeter{}

// PluginManifest identifies this plugin to the host.
var PluginManifest = pluginapi.Manifest{
	Name:       "pluginmaintest/greeter",
	Version:    "1.0.0",
	APIVersion: pluginapi.APIVersion,
}
