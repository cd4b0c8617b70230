// Package signatures exports a function of every signature shape pluginmain
// handles, over two files that import pluginapi under different names. The
// end-to-end test compares each re-exported function's type with the
// source's.
package signatures

import (
	"context"
	"time"

	api "example.com/plugkit/pluginapi"
)

// Counter and Limit are two variables of one spec; hidden is not exported.
var (
	Counter, Limit = 1, 2
	hidden         = 3
)

// Hook is a variable of func type: a variable, not a function.
var Hook = func() {}

// PluginManifest identifies this plugin to the host.
var PluginManifest = api.Manifest{
	Name:       "pluginmaintest/signatures",
	Version:    "1.0.0",
	APIVersion: api.APIVersion,
}

// Exported constants and types are not plugin symbols.
const Exported = 1

// T has a method, which no plugin exports.
type T struct{}

// Method is not re-exported: plugin.Lookup finds no methods.
func (T) Method() {}

func unexported() int { return hidden }

// NoArgs has neither parameters nor results.
func NoArgs() { _ = unexported() }

// Grouped has parameters sharing a type, and two results.
func Grouped(a, b int, s string) (int, error) { return a + b + len(s), nil }

// Unnamed has unnamed parameters.
func Unnamed(int, string) bool { return true }

// Variadic passes its variadic parameter on.
func Variadic(prefix string, ds ...time.Duration) string {
	for _, d := range ds {
		prefix += " " + d.String()
	}
	return prefix
}

// Named has named results.
func Named(ctx context.Context) (n int, err error) { return 0, ctx.Err() }

// Pointer takes and returns pointers to an imported type.
func Pointer(m *api.Manifest) *api.Manifest { return m }

// Composite names imported types inside slices, maps and arrays.
func Composite(labels api.Labels, ms []api.Manifest, byName map[string]api.Greeter, arr [2]time.Duration) map[string][]*api.Manifest {
	return nil
}

// Callback takes and returns funcs, and a channel.
func Callback(f func(api.Labels) error, ch <-chan time.Time) func() (time.Duration, bool) {
	return nil
}

// Anonymous takes a struct and an interface type written out.
func Anonymous(v struct {
	Name string
	At   time.Time
}, i interface{ Greet() string }) any {
	return nil
}
