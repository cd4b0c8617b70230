// Package logger is a logger plugin, shaped like plugins/logger/json: the
// kind's Logger, and Output, an export the kind does not declare
// (go_plugin's extra_exports).
package logger

import (
	"fmt"
	"io"
	"os"

	"example.com/plugkit/pluginapi"
)

// Output is where messages go. Tests swap it.
var Output io.Writer = os.Stdout

type logger struct{}

func (logger) Log(msg string, labels pluginapi.Labels)  { fmt.Fprintln(Output, "LOG", msg, labels) }
func (logger) Info(msg string, labels pluginapi.Labels) { fmt.Fprintln(Output, "INFO", msg, labels) }
func (logger) Warn(msg string, labels pluginapi.Labels) { fmt.Fprintln(Output, "WARN", msg, labels) }

// Logger is the logger kind's symbol.
var Logger pluginapi.Logger = logger{}

// PluginManifest identifies this plugin to the host.
var PluginManifest = pluginapi.Manifest{
	Name:       "pluginmaintest/logger",
	Version:    "1.0.0",
	APIVersion: pluginapi.APIVersion,
}
