// Command badmanifest exports PluginManifest with a look-alike type instead
// of pluginapi.Manifest.
package main

type manifest struct {
	Name, Version, APIVersion string
}

// PluginManifest has the fields but not the type of pluginapi.Manifest.
var PluginManifest = manifest{Name: "loadertest/badmanifest", Version: "1.0.0", APIVersion: "1.0.0"}
