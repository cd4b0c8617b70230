// Command oldapi claims a pluginapi major version the host does not support.
package main

import "example.com/plugkit/pluginapi"

// PluginManifest names API version 0.9.0.
var PluginManifest = pluginapi.Manifest{
	Name:       "loadertest/oldapi",
	Version:    "1.0.0",
	APIVersion: "0.9.0",
}
