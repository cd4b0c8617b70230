// Command rebuild_v1 is build 1 of one greeter plugin: both builds share
// the plugin's name, as two builds of one plugin do, and differ in plugin
// path, as go_plugin makes them (tools/rules/plugin_ids.bzl).
package main

import "example.com/plugkit/pluginapi"

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{
	Name:       "loadertest/rebuild",
	Version:    "1.0.1",
	APIVersion: pluginapi.APIVersion,
}

type greeter struct{}

func (greeter) Greet() string { return "hello from build 1" }

// Greeter is the plugin's pluginapi.Greeter.
var Greeter pluginapi.Greeter = greeter{}
