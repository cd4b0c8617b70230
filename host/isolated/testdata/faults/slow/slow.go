// Package slow is a logger of the isolated-plugin fault corpus: every method takes a second: long enough to kill its process in the middle of a call.
package slow

import (
	"example.com/plugkit/pluginapi"
	"time"
)

type logger struct{}

func (logger) Log(msg string, labels pluginapi.Labels)  { time.Sleep(time.Second) }
func (logger) Info(msg string, labels pluginapi.Labels) { time.Sleep(time.Second) }
func (logger) Warn(msg string, labels pluginapi.Labels) { time.Sleep(time.Second) }

// Logger is the kind's Logger.
var Logger pluginapi.Logger = logger{}

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{Name: "faults/slow", Version: "1.0.0", APIVersion: pluginapi.APIVersion}
