// Package text is a logger plugin: one line per message, the level, the
// message, then the labels as key=value pairs in key order.
package text

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"example.com/plugkit/pluginapi"
)

// Output is where messages go: the host process's standard output, as in
// seed 004. Tests swap it.
var Output io.Writer = os.Stdout

type logger struct{}

func (logger) print(level, msg string, labels pluginapi.Labels) {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%-4s %s", level, msg)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%q", k, labels[k])
	}
	fmt.Fprintln(Output, b.String())
}

func (l logger) Log(msg string, labels pluginapi.Labels)  { l.print("LOG", msg, labels) }
func (l logger) Info(msg string, labels pluginapi.Labels) { l.print("INFO", msg, labels) }
func (l logger) Warn(msg string, labels pluginapi.Labels) { l.print("WARN", msg, labels) }

// Logger is looked up by the host as pluginapi.LoggerSymbol.
var Logger pluginapi.Logger = logger{}

// PluginManifest identifies this plugin to the host.
var PluginManifest = pluginapi.Manifest{
	Name:       "logger/text",
	Version:    "1.0.0",
	APIVersion: pluginapi.APIVersion,
}
