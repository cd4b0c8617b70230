// Command good is a well-formed greeter plugin, the loader tests' control.
package main

import "example.com/plugkit/pluginapi"

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{
	Name:       "loadertest/good",
	Version:    "1.0.0",
	APIVersion: pluginapi.APIVersion,
}

type greeter struct{}

func (greeter) Greet() string { return "hello from good" }

// Greeter is the plugin's pluginapi.Greeter.
var Greeter pluginapi.Greeter = greeter{}

// Hello is an exported function, for the export listing.
func Hello() string { return "hello" }
