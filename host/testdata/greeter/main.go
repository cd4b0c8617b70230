// Command greeter is a greeter plugin for the host's compatibility tests. It
// is built against variants of pluginapi (host/testdata/BUILD.bazel), which
// the host must refuse before opening it.
package main

import "example.com/plugkit/pluginapi"

type greeter struct{}

func (greeter) Greet() string { return "hello from a variant" }

// Greeter is the plugin's pluginapi.Greeter.
var Greeter pluginapi.Greeter = greeter{}

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{
	Name:       "hosttest/greeter",
	Version:    "1.0.0",
	APIVersion: pluginapi.APIVersion,
}
