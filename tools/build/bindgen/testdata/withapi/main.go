// Command withapi is a fixture plugin whose exports use the shared
// pluginapi types: the manifest, an interface value, and an alias.
package main

import (
	"strings"

	"example.com/plugkit/pluginapi"
)

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{Name: "fixture/withapi", Version: "0.1.0", APIVersion: pluginapi.APIVersion}

type greeter struct{}

func (greeter) Greet() string { return "hello" }

// Greeter is an interface-typed variable.
var Greeter pluginapi.Greeter = greeter{}

// DefaultLabels uses an alias of a map type.
var DefaultLabels = pluginapi.Labels{"plugin": "withapi"}

type logger struct{ sb *strings.Builder }

func (l logger) Log(msg string, labels pluginapi.Labels)  { l.sb.WriteString("log:" + msg) }
func (l logger) Info(msg string, labels pluginapi.Labels) { l.sb.WriteString("info:" + msg) }
func (l logger) Warn(msg string, labels pluginapi.Labels) { l.sb.WriteString("warn:" + msg) }

// NewLogger returns a Logger writing to sb.
func NewLogger(sb *strings.Builder) pluginapi.Logger { return logger{sb} }

// Manifest returns a pointer to the manifest.
func Manifest() *pluginapi.Manifest { return &PluginManifest }

func main() {}
