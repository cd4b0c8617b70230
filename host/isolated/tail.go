package isolated

import (
	"bytes"
	"sync"
)

// tail keeps the last n lines written to it: a dead plugin's last words.
type tail struct {
	mu      sync.Mutex
	n       int
	partial []byte
	done    []string
}

func newTail(n int) *tail { return &tail{n: n} }

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.partial = append(t.partial, b...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			break
		}
		t.done = append(t.done, string(t.partial[:i]))
		t.partial = t.partial[i+1:]
		if len(t.done) > t.n {
			t.done = t.done[len(t.done)-t.n:]
		}
	}
	// A line longer than a page is kept as its start.
	if len(t.partial) > 4096 {
		t.partial = t.partial[:4096]
	}
	return len(b), nil
}

// lines returns the kept lines, oldest first, with an unfinished last one.
func (t *tail) lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]string(nil), t.done...)
	if len(t.partial) > 0 {
		out = append(out, string(t.partial))
	}
	if len(out) > t.n {
		out = out[len(out)-t.n:]
	}
	return out
}
