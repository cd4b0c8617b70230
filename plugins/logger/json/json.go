// Package json is a logger plugin, the one of the article "Sharing compiled
// go code libraries": each message is printed with its level, and its
// labels as JSON on the line below.
package json

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"example.com/plugkit/pluginapi"
)

// Output is where messages go: the host process's standard output, as in
// that article. Tests swap it.
var Output io.Writer = os.Stdout

type logger struct{}

func (logger) print(level, msg string, labels pluginapi.Labels) {
	// encoding/json sorts map keys, so the output is stable.
	encoded, err := json.Marshal(labels)
	if err != nil {
		encoded = []byte(fmt.Sprintf("%q", err.Error()))
	}
	fmt.Fprintf(Output, "[%s]\t%s\n\t%s\n", level, msg, encoded)
}

func (l logger) Log(msg string, labels pluginapi.Labels)  { l.print("LOG", msg, labels) }
func (l logger) Info(msg string, labels pluginapi.Labels) { l.print("INFO", msg, labels) }
func (l logger) Warn(msg string, labels pluginapi.Labels) { l.print("WARN", msg, labels) }

// Logger is looked up by the host as pluginapi.LoggerSymbol.
var Logger pluginapi.Logger = logger{}

// PluginManifest identifies this plugin to the host.
var PluginManifest = pluginapi.Manifest{
	Name:       "logger/json",
	Version:    "1.0.0",
	APIVersion: pluginapi.APIVersion,
}
