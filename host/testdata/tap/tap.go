// Package tap is a logger plugin of the host's tests: one line per message
// on the host's standard output, labels in key order.
package tap

import (
	"fmt"
	"sort"
	"strings"

	"example.com/plugkit/pluginapi"
)

type logger struct{}

func (logger) print(level, msg string, labels pluginapi.Labels) {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "tap %s %q", level, msg)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%q", k, labels[k])
	}
	fmt.Println(b.String())
}

func (l logger) Log(msg string, labels pluginapi.Labels)  { l.print("log", msg, labels) }
func (l logger) Info(msg string, labels pluginapi.Labels) { l.print("info", msg, labels) }
func (l logger) Warn(msg string, labels pluginapi.Labels) { l.print("warn", msg, labels) }

// Logger is the logger kind's symbol.
var Logger pluginapi.Logger = logger{}

// PluginManifest identifies this plugin to the host.
var PluginManifest = pluginapi.Manifest{
	Name:       "hosttest/tap",
	Version:    "1.0.0",
	APIVersion: pluginapi.APIVersion,
}
