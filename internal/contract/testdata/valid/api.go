// Package api is a contract with every shape of symbol the parser reads.
package api

import (
	"io"
	tm "text/template"
	"time"
)

// Size is an array length.
const Size = 4

// Manifest identifies a plugin.
type Manifest struct{ Name string }

// Greeter greets.
type Greeter interface {
	// Greet returns a greeting.
	Greet() string
}

// Loud is a Greeter that shouts.
type Loud interface {
	Greeter
	error
	io.Closer
	// Shout shouts words.
	Shout(words ...string) (n int, err error)
	Greet() string // reached again: listed once
	Wait(time.Duration, Labels)
}

type (
	// AliasGreeter is Greeter.
	AliasGreeter = Greeter
	// OwnGreeter is a Greeter of its own.
	OwnGreeter Greeter
	// Labels are labels.
	Labels = map[string]string
	// Handler handles.
	Handler func(ctx string, labels Labels) error
	// Pair is generic.
	Pair[K comparable, V any] struct {
		K K
		V V
	}
)

// ToolKind declares the kind tool: every shape of symbol.
//
// It has a second paragraph.
type ToolKind struct {
	PluginManifest Manifest
	Greeter        AliasGreeter
	Own            OwnGreeter
	Loud           Loud
	Run            func(a, b int, rest ...string) (int, error)
	Hook           func() `plugkit:"var"`
	Handle         Handler
	Timeout        time.Duration
	Tmpl           *tm.Template
	Table          [Size][2 * 2]byte
	Pairs          []Pair[string, int]
	Ch             <-chan map[string][]*Manifest
	Send           chan<- func() (x int)
	Both           chan (<-chan int)
	Opts           struct {
		Verbose bool `json:"v"`
		Level   int
	}
	Empty struct{}
	Any   any
	Err   error
	Lit   interface{ Greet() string }
	// Out is where it writes.
	Out  io.Writer
	A, B int // two at once
}

type (
	// GroupKind declares the kind group, in a type group.
	GroupKind struct {
		PluginManifest Manifest
	}
)

type notAKind struct{}

// lowerKind is unexported: not a kind.
type lowerKind struct{ X int }
