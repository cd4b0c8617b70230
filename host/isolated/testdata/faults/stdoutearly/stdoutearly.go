// Package stdoutearly is a logger of the isolated-plugin fault corpus: its init writes to stdout, before the handshake an isolated plugin owes its host.
package stdoutearly

import (
	"example.com/plugkit/pluginapi"
	"fmt"
)

func init() { fmt.Println("stdoutearly: hello from init") }

type logger struct{}

func (logger) Log(msg string, labels pluginapi.Labels)  {}
func (logger) Info(msg string, labels pluginapi.Labels) {}
func (logger) Warn(msg string, labels pluginapi.Labels) {}

// Logger is the kind's Logger.
var Logger pluginapi.Logger = logger{}

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{Name: "faults/stdoutearly", Version: "1.0.0", APIVersion: pluginapi.APIVersion}
