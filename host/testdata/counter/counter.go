// Package counter is the logger behind the counting plugins countera and
// counterb, for the service's load test: it appends every message it gets,
// one per line, to a file of its own in $PLUGKIT_COUNTER_DIR, so the test
// counts deliveries on the loggers' side. Each plugin declares its own
// Logger and PluginManifest, so the two stay distinct plugins (one loaded
// in the host's process, one isolated) while writing the same way.
package counter

import (
	"os"
	"path/filepath"
	"sync"

	"example.com/plugkit/pluginapi"
)

// mu is the package's, not the logger's: a plugin's generated main
// re-exports its Logger by value, and a lock must not be copied.
var mu sync.Mutex

// Logger counts into File, a name in $PLUGKIT_COUNTER_DIR; without that
// variable it drops what it gets.
type Logger struct{ File string }

func (l *Logger) write(msg string) {
	dir := os.Getenv("PLUGKIT_COUNTER_DIR")
	if dir == "" {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	f, err := os.OpenFile(filepath.Join(dir, l.File), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if _, err := f.WriteString(msg + "\n"); err != nil {
		panic(err)
	}
}

func (l *Logger) Log(msg string, _ pluginapi.Labels)  { l.write(msg) }
func (l *Logger) Info(msg string, _ pluginapi.Labels) { l.write(msg) }
func (l *Logger) Warn(msg string, _ pluginapi.Labels) { l.write(msg) }

// Interface guards
var _ pluginapi.Logger = (*Logger)(nil)
