// Package goroutinenil is a logger of the isolated-plugin fault corpus: every method starts a goroutine that dereferences nil, which ends the process, and waits.
package goroutinenil

import (
	"example.com/plugkit/pluginapi"
)

type node struct{ next *node }

type logger struct{}

func (logger) Log(msg string, labels pluginapi.Labels) {
	go func() { var n *node; println(n.next) }()
	select {}
}
func (logger) Info(msg string, labels pluginapi.Labels) {
	go func() { var n *node; println(n.next) }()
	select {}
}
func (logger) Warn(msg string, labels pluginapi.Labels) {
	go func() { var n *node; println(n.next) }()
	select {}
}

// Logger is the kind's Logger.
var Logger pluginapi.Logger = logger{}

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{Name: "faults/goroutinenil", Version: "1.0.0", APIVersion: pluginapi.APIVersion}
