package loader

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/pluginapi"
)

// The static registry is process-wide and cannot forget a plugin, so every
// test registers names and kinds of its own.

func TestRegisterStatic(t *testing.T) {
	const kind = "statictest_greeter"
	for _, name := range []string{"loadertest/static-c", "loadertest/static-a", "loadertest/static-b"} {
		RegisterStatic(*staticGreeterKind(name).withKind(kind))
	}
	RegisterStatic(StaticPlugin{Kind: "statictest_logger", Name: "loadertest/static-logger"})

	got := Static(kind)
	var names []string
	for _, p := range got {
		names = append(names, p.Name)
		assert.Equal(t, kind, p.Kind)
	}
	assert.Equal(t, []string{"loadertest/static-a", "loadertest/static-b", "loadertest/static-c"}, names, "sorted by name, one kind only")
	assert.Equal(t, got, Static(kind), "the same plugins on every call")
	require.Len(t, Static("statictest_logger"), 1)
	assert.Empty(t, Static("statictest_none"))
	assert.NotNil(t, Static("statictest_none"))

	// A registered plugin binds like an opened one.
	g, err := Lookup[pluginapi.Greeter](got[0], pluginapi.GreeterSymbol)
	require.NoError(t, err)
	assert.Equal(t, "hello from greeterkind", g.Greet())
	_, err = Lookup[pluginapi.Logger](Static("statictest_logger")[0], pluginapi.LoggerSymbol)
	var missing *SymbolMissingError
	require.ErrorAs(t, err, &missing)
	assert.Equal(t, "static:loadertest/static-logger", missing.Plugin)
	assert.Contains(t, err.Error(), "static:loadertest/static-logger")
}

// withKind sets p's kind, for tests that need kinds of their own.
func (p *StaticPlugin) withKind(kind string) *StaticPlugin {
	p.Kind = kind
	return p
}

func TestRegisterStaticKeepsACopy(t *testing.T) {
	count := 1
	p := StaticPlugin{Kind: "statictest_copy", Name: "loadertest/static-copy", Symbols: map[string]any{"Count": &count}}
	RegisterStatic(p)
	p.Name = "changed"
	p.Symbols["Count"] = "replaced"
	delete(p.Symbols, "Count")

	got := Static("statictest_copy")
	require.Len(t, got, 1)
	assert.Equal(t, "loadertest/static-copy", got[0].Name)
	n, err := LookupVar[int](got[0], "Count")
	require.NoError(t, err)
	assert.Same(t, &count, n, "the symbols themselves are shared, as a plugin's are")
}

func TestRegisterStaticPanics(t *testing.T) {
	RegisterStatic(StaticPlugin{Kind: "statictest_dup", Name: "loadertest/static-dup"})
	for _, tt := range []struct {
		name string
		p    StaticPlugin
		want string
	}{
		{"empty kind", StaticPlugin{Name: "loadertest/static-nokind"}, `static plugin "loadertest/static-nokind" has an empty Kind`},
		{"empty name", StaticPlugin{Kind: "statictest_noname"}, `static plugin of kind "statictest_noname" has an empty Name`},
		{"same name", StaticPlugin{Kind: "statictest_dup", Name: "loadertest/static-dup"}, `"loadertest/static-dup" (kind "statictest_dup") already registered`},
		{"same name, other kind", StaticPlugin{Kind: "statictest_other", Name: "loadertest/static-dup"}, `already registered (kind "statictest_dup")`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				v := recover()
				require.NotNil(t, v, "RegisterStatic did not panic")
				assert.Contains(t, fmt.Sprint(v), tt.want)
			}()
			RegisterStatic(tt.p)
		})
	}
	assert.Len(t, Static("statictest_dup"), 1)
	assert.Empty(t, Static("statictest_other"))
	assert.Empty(t, Static("statictest_noname"))
}

// TestStaticConcurrent registers and lists from many goroutines; run under
// -race (loader_race_test) it checks the registry's locking.
func TestStaticConcurrent(t *testing.T) {
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			RegisterStatic(StaticPlugin{Kind: "statictest_concurrent", Name: fmt.Sprintf("loadertest/static-concurrent-%02d", i)})
		}()
		go func() {
			defer wg.Done()
			for _, p := range Static("statictest_concurrent") {
				_, _ = p.Lookup("X")
			}
		}()
	}
	wg.Wait()
	got := Static("statictest_concurrent")
	require.Len(t, got, n)
	for i, p := range got {
		assert.Equal(t, fmt.Sprintf("loadertest/static-concurrent-%02d", i), p.Name)
	}
}

func TestStaticPluginLookup(t *testing.T) {
	hello := func() string { return "hi" }
	p := &StaticPlugin{Kind: "k", Name: "loadertest/static-lookup", Symbols: map[string]any{"Hello": hello}}
	sym, err := p.Lookup("Hello")
	require.NoError(t, err)
	assert.Equal(t, "hi", sym.(func() string)())

	_, err = p.Lookup("Absent")
	var missing *SymbolMissingError
	require.ErrorAs(t, err, &missing)
	assert.Equal(t, &SymbolMissingError{Plugin: "static:loadertest/static-lookup", Symbol: "Absent", Err: missing.Err}, missing)
	assert.ErrorIs(t, err, ErrSymbolMissing)
	assert.Contains(t, err.Error(), "static:loadertest/static-lookup")
}
