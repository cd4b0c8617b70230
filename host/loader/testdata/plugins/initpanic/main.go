// Command initpanic panics in its init, inside plugin.Open.
package main

import (
	"errors"

	"example.com/plugkit/pluginapi"
)

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{
	Name:       "loadertest/initpanic",
	Version:    "1.0.0",
	APIVersion: pluginapi.APIVersion,
}

// ErrBoom is the value the init panics with.
var ErrBoom = errors.New("initpanic: boom")

func init() { panic(ErrBoom) }
