// Package nihao is a greeter plugin of the host's tests, exported the way
// the article "Sharing compiled go code libraries" exports its logger
// (var LoggingPlugin = Logger{}): a concrete value whose pointer has the
// methods.
package nihao

import "example.com/plugkit/pluginapi"

type greeter struct{ greeting string }

func (g *greeter) Greet() string { return g.greeting }

// Greeter is the greeter kind's symbol.
var Greeter = greeter{greeting: "你好, host/testdata"}

// PluginManifest identifies this plugin to the host.
var PluginManifest = pluginapi.Manifest{
	Name:       "hosttest/nihao",
	Version:    "1.0.0",
	APIVersion: pluginapi.APIVersion,
}
