// Package pluginapi is a contract with a kind that uses what newplugin's
// generator must get right beyond the real contract: imports under their own
// and other names, named func types, types whose zero value is a composite
// literal, embedded interfaces, named results, parameters that would shadow
// a package, and symbol names that would collide with predeclared ones.
package pluginapi

import (
	"context"
	"io"
	tm "time"
)

const APIVersion = "1.0.0"

type Manifest struct {
	Name       string
	Version    string
	APIVersion string
}

type Labels = map[string]string

type Level int

type Name string

type Point struct{ X, Y int }

type Grid [4]Point

// Hook is called on every event.
type Hook func(ctx context.Context, name string) error

type Base interface {
	error
	Ping()
}

// Store keeps things.
type Store interface {
	io.Closer
	Base
	// Get returns the value of key.
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Put(string, []byte) error
	Stats() (n int, size int64)
	Level() Level
	Where() Point
	Grid() Grid
	Name() Name
	Timeout() tm.Duration
	Labels() Labels
	Each(fn func(k, v string) bool, keys ...string)
	Done() <-chan struct{}
	Any() any
	Anon() struct{ A int }
	Shadow(tm string, new int) (Point, tm.Duration)
}
