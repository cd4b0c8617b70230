// Package text is a logger plugin: one line per message, the level, the
// message, then the labels as key=value pairs in key order.
//
// It exports its Logger the way much Go plugin code does: a concrete value
// whose pointer has the methods (var Logger = logger{} with pointer
// receivers), not a pluginapi.Logger variable. The kind's bindings bind
// either form, by the symbol's name and method set.
package text

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"example.com/plugkit/pluginapi"
)

type logger struct {
	// out is where messages go: the host process's standard output.
	// Tests swap it.
	out io.Writer
}

func (l *logger) print(level, msg string, labels pluginapi.Labels) {
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
	fmt.Fprintln(l.out, b.String())
}

func (l *logger) Log(msg string, labels pluginapi.Labels)  { l.print("LOG", msg, labels) }
func (l *logger) Info(msg string, labels pluginapi.Labels) { l.print("INFO", msg, labels) }
func (l *logger) Warn(msg string, labels pluginapi.Labels) { l.print("WARN", msg, labels) }

// Logger is the kind's Logger symbol (pluginapi.LoggerKind).
var Logger = logger{out: os.Stdout}

// PluginManifest identifies this plugin to the host.
var PluginManifest = pluginapi.Manifest{
	Name:       "logger/text",
	Version:    "1.0.0",
	APIVersion: pluginapi.APIVersion,
}
