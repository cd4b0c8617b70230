// Command composite is a fixture plugin whose exports use every kind of
// unnamed composite type, and named types from several packages, including
// two packages both named "template".
package main

import (
	"context"
	"errors"
	htmltemplate "html/template"
	"os"
	"strings"
	texttemplate "text/template"
	"time"
	"unsafe"
)

// Variables of unnamed composite types.
var (
	Slice      = []string{"a", "b"}
	Array      = [3]int32{1, 2, 3}
	Map        = map[string][]int{"k": {1}}
	ChanBoth   = make(chan int, 1)
	ChanRecv   <-chan string
	ChanSend   chan<- bool
	ChanOfRecv                              = make(chan (<-chan int), 1)
	Ptr                                     = new(int)
	Any        any                          = 42
	Iface      interface{ String() string } = time.Second
	Err        error                        = errors.New("boom")
	Bytes                                   = []byte("bytes")
	Runes                                   = []rune("runes")
	Pointer    unsafe.Pointer
	Struct     = struct {
		A    int `json:"a,omitempty"`
		B    string
		Tick time.Duration
		time.Time
		*strings.Builder
	}{A: 1, B: "b"}
	Empty    struct{}
	Nested   map[string]map[int][]*[2]chan<- struct{}
	Callback = func(ctx context.Context, args ...any) error { return ctx.Err() }
	Duration = 3 * time.Second
	File     = os.Stdout
	HTML     = htmltemplate.New("h")
	Text     = texttemplate.New("t")
)

// Variadic joins.
func Variadic(prefix string, xs ...int) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, x := range xs {
		b.WriteByte(byte('0' + x))
	}
	return b.String()
}

// TwoResults returns a value and an error.
func TwoResults(fail bool) (int, error) {
	if fail {
		return 0, errors.New("failed")
	}
	return 7, nil
}

// NoResults does nothing.
func NoResults() {}

// Higher takes and returns functions.
func Higher(pred func(int) bool) func() []string {
	return func() []string {
		if pred(1) {
			return []string{"yes"}
		}
		return nil
	}
}

// Chans returns channels of each direction.
func Chans(in <-chan int, out chan<- int) chan int { return make(chan int) }

// Anon takes an anonymous struct and an interface.
func Anon(s struct{ X, Y int }, v interface{ Len() int }) int { return s.X + s.Y + v.Len() }

// Generic functions are not plugin exports; bindgen must skip them.
func Generic[T any](x T) T { return x }

// Instance is a variable holding an instance, which is exported.
var Instance = Generic[int]

func main() {}
