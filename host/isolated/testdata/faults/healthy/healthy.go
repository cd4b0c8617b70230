// Package healthy is a logger of the isolated-plugin fault corpus: it answers every call, one line on stdout each.
package healthy

import (
	"example.com/plugkit/pluginapi"
	"fmt"
	"os"
)

// out is kept at init, as loggers do: the isolated executable must make it
// the host's stdout.
var out = os.Stdout

type logger struct{}

func (logger) Log(msg string, labels pluginapi.Labels)  { fmt.Fprintf(out, "healthy: %s\n", msg) }
func (logger) Info(msg string, labels pluginapi.Labels) { fmt.Fprintf(out, "healthy: %s\n", msg) }
func (logger) Warn(msg string, labels pluginapi.Labels) { fmt.Fprintf(out, "healthy: %s\n", msg) }

// Logger is the kind's Logger.
var Logger pluginapi.Logger = logger{}

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{Name: "faults/healthy", Version: "1.0.0", APIVersion: pluginapi.APIVersion}
