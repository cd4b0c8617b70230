// Package twopkg is an adder plugin of the host's tests that also exports a
// function whose signature names a type of another package (geom.Point).
// go_plugin's generated package main must build without the plugin author
// listing that package again.
package twopkg

import (
	"example.com/plugkit/host/testdata/twopkg/geom"
	"example.com/plugkit/pluginapi"
)

// BuildVersion is the adder kind's variable.
var BuildVersion = "twopkg"

// AddTwoInts is the adder kind's function.
func AddTwoInts(a, b int) int { return a + b }

// Scale is not part of the adder kind: go_plugin's extra_exports allows it.
func Scale(p geom.Point, by int) *geom.Point { return &geom.Point{X: p.X * by, Y: p.Y * by} }

// PluginManifest identifies this plugin to the host.
var PluginManifest = pluginapi.Manifest{
	Name:       "hosttest/twopkg",
	Version:    BuildVersion,
	APIVersion: pluginapi.APIVersion,
}
