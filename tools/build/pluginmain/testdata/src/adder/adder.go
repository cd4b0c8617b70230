// Package adder is an adder plugin, shaped like plugins/adder: a function
// and a variable beside the manifest.
package adder

import "example.com/plugkit/pluginapi"

// BuildVersion is the adder kind's variable.
var BuildVersion = "1.0.0"

// AddTwoInts is the adder kind's function.
func AddTwoInts(a, b int) int { return a + b }

// PluginManifest identifies this plugin to the host.
var PluginManifest = pluginapi.Manifest{
	Name:       "pluginmaintest/adder",
	Version:    BuildVersion,
	APIVersion: pluginapi.APIVersion,
}
