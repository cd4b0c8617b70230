// Package sum is an adder plugin of the host's tests.
package sum

import "example.com/plugkit/pluginapi"

// BuildVersion is the adder kind's variable.
var BuildVersion = "host-test"

// AddTwoInts is the adder kind's function.
func AddTwoInts(a, b int) int { return a + b }

// PluginManifest identifies this plugin to the host.
var PluginManifest = pluginapi.Manifest{
	Name:       "hosttest/sum",
	Version:    BuildVersion,
	APIVersion: pluginapi.APIVersion,
}
