// Command nomanifest is a Go plugin that does not export PluginManifest.
package main

// Version is exported so the plugin has something to export.
var Version = "1.0.0"
