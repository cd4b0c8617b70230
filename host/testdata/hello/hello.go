// Package hello is a greeter plugin of the host's tests. The tests own their
// plugins, so a repository that replaces the example plugins keeps them.
package hello

import "example.com/plugkit/pluginapi"

type greeter struct{}

func (greeter) Greet() string { return "hello from host/testdata" }

// Greeter is the greeter kind's symbol.
var Greeter pluginapi.Greeter = greeter{}

// PluginManifest identifies this plugin to the host.
var PluginManifest = pluginapi.Manifest{
	Name:       "hosttest/hello",
	Version:    "1.0.0",
	APIVersion: pluginapi.APIVersion,
}
