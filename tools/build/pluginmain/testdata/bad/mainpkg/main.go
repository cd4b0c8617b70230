// A plugin written as a package main: go_plugin generates that itself.
package main

var PluginManifest = 1

func main() {}
