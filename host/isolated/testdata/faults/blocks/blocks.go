// Package blocks is a logger of the isolated-plugin fault corpus: every method blocks forever.
package blocks

import (
	"example.com/plugkit/pluginapi"
)

type logger struct{}

func (logger) Log(msg string, labels pluginapi.Labels)  { select {} }
func (logger) Info(msg string, labels pluginapi.Labels) { select {} }
func (logger) Warn(msg string, labels pluginapi.Labels) { select {} }

// Logger is the kind's Logger.
var Logger pluginapi.Logger = logger{}

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{Name: "faults/blocks", Version: "1.0.0", APIVersion: pluginapi.APIVersion}
