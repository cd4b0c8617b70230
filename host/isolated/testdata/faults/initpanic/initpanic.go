// Package initpanic is a logger of the isolated-plugin fault corpus: its init panics.
package initpanic

import (
	"example.com/plugkit/pluginapi"
)

func init() { panic("initpanic: init fails") }

type logger struct{}

func (logger) Log(msg string, labels pluginapi.Labels)  {}
func (logger) Info(msg string, labels pluginapi.Labels) {}
func (logger) Warn(msg string, labels pluginapi.Labels) {}

// Logger is the kind's Logger.
var Logger pluginapi.Logger = logger{}

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{Name: "faults/initpanic", Version: "1.0.0", APIVersion: pluginapi.APIVersion}
