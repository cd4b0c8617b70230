// Package methodpanic is a logger of the isolated-plugin fault corpus: every method panics.
package methodpanic

import (
	"example.com/plugkit/pluginapi"
)

type logger struct{}

func (logger) Log(msg string, labels pluginapi.Labels)  { panic("methodpanic: " + msg) }
func (logger) Info(msg string, labels pluginapi.Labels) { panic("methodpanic: " + msg) }
func (logger) Warn(msg string, labels pluginapi.Labels) { panic("methodpanic: " + msg) }

// Logger is the kind's Logger.
var Logger pluginapi.Logger = logger{}

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{Name: "faults/methodpanic", Version: "1.0.0", APIVersion: pluginapi.APIVersion}
