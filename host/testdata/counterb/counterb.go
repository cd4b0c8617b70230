// Package counterb is a logger that counts, for the service's load test: it
// appends every message it gets, one per line, to counterb.log in
// $PLUGKIT_COUNTER_DIR, so the test counts deliveries on the loggers' side.
package counterb

import (
	"os"
	"path/filepath"
	"sync"

	"example.com/plugkit/pluginapi"
)

// mu is the package's, not the logger's: the plugin's generated main
// re-exports Logger by value, and a lock must not be copied.
var mu sync.Mutex

type logger struct{}

func (l *logger) write(msg string) {
	dir := os.Getenv("PLUGKIT_COUNTER_DIR")
	if dir == "" {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	f, err := os.OpenFile(filepath.Join(dir, "counterb.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if _, err := f.WriteString(msg + "\n"); err != nil {
		panic(err)
	}
}

func (l *logger) Log(msg string, _ pluginapi.Labels)  { l.write(msg) }
func (l *logger) Info(msg string, _ pluginapi.Labels) { l.write(msg) }
func (l *logger) Warn(msg string, _ pluginapi.Labels) { l.write(msg) }

// Logger is the kind's Logger.
var Logger = logger{}

// PluginManifest identifies the plugin.
var PluginManifest = pluginapi.Manifest{Name: "hosttest/counterb", Version: "1.0.0", APIVersion: pluginapi.APIVersion}
