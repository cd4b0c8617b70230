package isolated

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"regexp"
	"sync"
)

// goPluginLine matches what go-plugin itself writes on a plugin's stderr:
// its hclog entries (JSON, which its client parses and hands to
// Options.Logger) and its standard-log lines ("2026/01/02 15:04:05
// [DEBUG] plugin: plugin server: accept ..."). They are go-plugin's, not
// the plugin's, so Options.Stderr does not get them.
var goPluginLine = regexp.MustCompile(`^(\{"@level":|(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d )?\[(TRACE|DEBUG|INFO|WARN|ERR|ERROR)\] plugin: )`)

// lineFilter passes the lines written to it to w, a line at a time, but
// go-plugin's own.
type lineFilter struct {
	mu      sync.Mutex
	w       io.Writer
	partial []byte
}

func (f *lineFilter) Write(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.partial = append(f.partial, b...)
	for {
		i := bytes.IndexByte(f.partial, '\n')
		if i < 0 {
			break
		}
		line := f.partial[:i+1]
		if !goPluginLine.Match(line) {
			if _, err := f.w.Write(line); err != nil {
				f.partial = f.partial[i+1:]
				return len(b), err
			}
		}
		f.partial = f.partial[i+1:]
	}
	return len(b), nil
}

// yamuxLine is what yamux, go-plugin's multiplexer, logs on the host's
// stderr when a session it was writing to ends: the usual end of a plugin
// process that the host stopped or that died, reported as a typed error.
var yamuxLine = regexp.MustCompile(`\[(ERR|WARN)\] yamux: `)

// quietSink is a pipe that go-plugin's yamux sessions log into instead of
// the host's stderr. go-plugin gives no way to set yamux's log output,
// which yamux takes from os.Stderr when a session is made, so startLocked
// swaps os.Stderr for this pipe around that moment; the pipe passes
// everything but yamux's lines on to the real stderr, so whatever else a
// goroutine writes to os.Stderr meanwhile still shows.
var quietSink struct {
	once sync.Once
	w    *os.File
	mu   sync.Mutex // one swap of os.Stderr at a time
}

// withQuietYamux runs f with os.Stderr swapped for the sink.
func withQuietYamux(f func()) {
	quietSink.once.Do(func() {
		r, w, err := os.Pipe()
		if err != nil {
			return // then yamux logs where it would have
		}
		quietSink.w = w
		real := os.Stderr
		go func() {
			sc := bufio.NewScanner(r)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				if !yamuxLine.Match(sc.Bytes()) {
					real.Write(append(sc.Bytes(), '\n'))
				}
			}
		}()
	})
	if quietSink.w == nil {
		f()
		return
	}
	quietSink.mu.Lock()
	defer quietSink.mu.Unlock()
	real := os.Stderr
	os.Stderr = quietSink.w
	defer func() { os.Stderr = real }()
	f()
}
