package bindgen

import (
	"fmt"
	"plugin"
	"testing"

	"github.com/stretchr/testify/require"
)

var sink int

// addTwoInts is the basic fixture's function linked statically. noinline
// keeps the comparison fair: a call into a plugin can never be inlined.
//
//go:noinline
func addTwoInts(a, b int) int { return a + b }

// BenchmarkCall compares one call of AddTwoInts through the generated
// bindings, through Lookup and a type assertion on every call (what hosts
// write without bindings), and statically linked.
func BenchmarkCall(b *testing.B) {
	so := fixture(b, "basic")
	b.Run("bindings", func(b *testing.B) {
		api, err := BindBasic(so)
		require.NoError(b, err)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			sink = api.AddTwoInts(i, 1)
		}
	})
	b.Run("lookup", func(b *testing.B) {
		p, err := plugin.Open(so)
		require.NoError(b, err)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			sym, err := p.Lookup("AddTwoInts")
			if err != nil {
				b.Fatal(err)
			}
			sink = sym.(func(int, int) int)(i, 1)
		}
	})
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			sink = addTwoInts(i, 1)
		}
	})
}

// BenchmarkBindgen times a bindgen run (read the symbol tables, look up and
// render every export, generate and format) on plugins exporting 10, 100,
// 1,000 and 10,000 symbols, and reports the generated file's size as
// B/file. The plugin is opened before the timer starts; a process opens a
// plugin once, so later runs reuse it, as a second go:generate in one
// process would.
func BenchmarkBindgen(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("symbols=%d", n), func(b *testing.B) {
			so := bigPlugin(b, n)
			api, err := LoadPlugin(so, "")
			require.NoError(b, err)
			require.Len(b, api.Symbols, n, "the plugin's exports")
			var size int
			b.ReportAllocs()
			for b.Loop() {
				api, err := LoadPlugin(so, "")
				if err != nil {
					b.Fatal(err)
				}
				src, err := Generate(api, Options{})
				if err != nil {
					b.Fatal(err)
				}
				size = len(src)
			}
			b.ReportMetric(float64(size), "B/file")
		})
	}
}
