// Package stderrprint is a logger of the isolated-plugin corpus that is not
// a fault: every method prints the message to stderr with println, as
// scaffolded loggers do, which must show on the host's stderr in both modes.
package stderrprint

import "example.com/plugkit/pluginapi"

type logger struct{}

func (logger) Log(msg string, labels pluginapi.Labels)  { println("stderrprint: " + msg) }
func (logger) Info(msg string, labels pluginapi.Labels) { println("stderrprint: " + msg) }
func (logger) Warn(msg string, labels pluginapi.Labels) { println("stderrprint: " + msg) }

// Logger is the kind's Logger.
var Logger pluginapi.Logger = logger{}

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{Name: "faults/stderrprint", Version: "1.0.0", APIVersion: pluginapi.APIVersion}
