// Package countera is a logger that counts, for the service's load test: it
// appends every message it gets, one per line, to countera.log in
// $PLUGKIT_COUNTER_DIR (package counter writes it), so the test counts
// deliveries on the loggers' side.
package countera

import (
	"example.com/plugkit/host/testdata/counter"
	"example.com/plugkit/pluginapi"
)

// Logger is the kind's Logger.
var Logger = counter.Logger{File: "countera.log"}

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{Name: "hosttest/countera", Version: "1.0.0", APIVersion: pluginapi.APIVersion}
