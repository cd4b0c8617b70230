// Command greeterkind is a greeter plugin for the tests of LoadKind and of
// Lookup, LookupVar and LookupFunc. No other test loads it, so they can tell
// whether a load the kind checks refused left a trace in the registry.
package main

import "example.com/plugkit/pluginapi"

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{
	Name:       "loadertest/greeterkind",
	Version:    "1.0.0",
	APIVersion: pluginapi.APIVersion,
}

type greeter struct{}

func (greeter) Greet() string { return "hello from greeterkind" }

// Greeter is the plugin's pluginapi.Greeter.
var Greeter pluginapi.Greeter = greeter{}

type ptrGreeter struct{ greeting string }

func (g *ptrGreeter) Greet() string { return g.greeting }

// PtrGreeter's methods have pointer receivers, like the LoggingPlugin of
// the article "Sharing compiled go code libraries": its type does not
// implement pluginapi.Greeter, the symbol (a *ptrGreeter) does.
var PtrGreeter = ptrGreeter{greeting: "hello through a pointer"}

// Count is a plain variable.
var Count = 7

// Hello is an exported function.
func Hello() string { return "hello" }

// HelloVar is a variable holding a function, not a function.
var HelloVar = Hello
