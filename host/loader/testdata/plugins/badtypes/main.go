// Command badtypes has a valid PluginManifest but exports Greeter and Logger with
// the wrong types.
package main

import "example.com/plugkit/pluginapi"

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{
	Name:       "loadertest/badtypes",
	Version:    "1.0.0",
	APIVersion: pluginapi.APIVersion,
}

// Greeter is an int, not a pluginapi.Greeter.
var Greeter = 42

// Logger has the right type but is never set.
var Logger pluginapi.Logger
