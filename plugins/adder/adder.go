// Package adder is the example plugin of go-bind-plugin's README (a
// go:generate tool that builds a plugin and generates typed wrappers around
// its exports: AddTwoInts and BuildVersion there): it exports a function
// and a variable, which its generated bindings expose as a method and a
// field.
package adder

import "example.com/plugkit/pluginapi"

// BuildVersion is the plugin's version, read by the host.
var BuildVersion = "1.0.0"

// AddTwoInts adds a and b.
func AddTwoInts(a, b int) int { return a + b }

// PluginManifest identifies this plugin to the host.
var PluginManifest = pluginapi.Manifest{
	Name:       "adder",
	Version:    BuildVersion,
	APIVersion: pluginapi.APIVersion,
}
