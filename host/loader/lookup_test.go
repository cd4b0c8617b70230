package loader

import (
	"errors"
	"plugin"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/pluginapi"
)

// The static twin of the greeterkind fixture: the same symbols, in the form
// plugin.Lookup returns them, for the same assertions (checkLookups).
type staticGreeter struct{}

func (staticGreeter) Greet() string { return "hello from greeterkind" }

type staticPtrGreeter struct{ greeting string }

func (g *staticPtrGreeter) Greet() string { return g.greeting }

func staticGreeterKind(name string) *StaticPlugin {
	var (
		manifest                     = pluginapi.Manifest{Name: name, Version: "1.0.0", APIVersion: pluginapi.APIVersion}
		greeter    pluginapi.Greeter = staticGreeter{}
		ptrGreeter                   = staticPtrGreeter{greeting: "hello through a pointer"}
		count                        = 7
		hello                        = func() string { return "hello" }
		helloVar                     = hello
	)
	return &StaticPlugin{Kind: "greeter", Name: name, Symbols: map[string]any{
		pluginapi.ManifestSymbol: &manifest,
		"Greeter":                &greeter,
		"PtrGreeter":             &ptrGreeter,
		"Count":                  &count,
		"Hello":                  hello,
		"HelloVar":               &helloVar,
	}}
}

// greetFunc is a named function type, as bindings may declare one.
type greetFunc func() string

// checkLookups is what bindings rely on, asked of p, which exports what
// the greeterkind fixture exports: opened and static plugins must agree.
func checkLookups(t *testing.T, p Symbols) {
	t.Helper()
	origin := p.Origin()
	require.NotEmpty(t, origin)
	typeErr := func(t *testing.T, err error) *SymbolTypeError {
		t.Helper()
		var te *SymbolTypeError
		require.ErrorAs(t, err, &te)
		assert.ErrorIs(t, err, ErrSymbolType)
		assert.Equal(t, "symbol_type", Code(err))
		assert.Equal(t, origin, te.Plugin)
		assert.Contains(t, err.Error(), origin)
		return te
	}
	missingErr := func(t *testing.T, err error, sym string) {
		t.Helper()
		var me *SymbolMissingError
		require.ErrorAs(t, err, &me)
		assert.ErrorIs(t, err, ErrSymbolMissing)
		assert.Equal(t, "symbol_missing", Code(err))
		assert.Equal(t, origin, me.Plugin)
		assert.Equal(t, sym, me.Symbol)
		assert.Contains(t, err.Error(), origin)
	}

	t.Run("Lookup", func(t *testing.T) {
		g, err := Lookup[pluginapi.Greeter](p, "Greeter")
		require.NoError(t, err)
		assert.Equal(t, "hello from greeterkind", g.Greet())
		// Pointer receivers: the variable's type lacks the methods, the
		// symbol, a pointer to it, has them.
		g, err = Lookup[pluginapi.Greeter](p, "PtrGreeter")
		require.NoError(t, err)
		assert.Equal(t, "hello through a pointer", g.Greet())
		pg, err := Lookup[*pluginapi.Greeter](p, "Greeter")
		require.NoError(t, err)
		assert.Equal(t, "hello from greeterkind", (*pg).Greet())
		n, err := Lookup[int](p, "Count")
		require.NoError(t, err)
		assert.Equal(t, 7, n)
		hello, err := Lookup[func() string](p, "Hello")
		require.NoError(t, err)
		assert.Equal(t, "hello", hello())
		m, err := Lookup[pluginapi.Manifest](p, pluginapi.ManifestSymbol)
		require.NoError(t, err)
		assert.Equal(t, pluginapi.APIVersion, m.APIVersion)

		_, err = Lookup[pluginapi.Logger](p, "Greeter")
		te := typeErr(t, err)
		assert.Equal(t, "pluginapi.Logger", te.Want)
		assert.Contains(t, te.Got, "*pluginapi.Greeter (holding ")
		_, err = Lookup[string](p, "Count")
		typeErr(t, err)
		_, err = Lookup[pluginapi.Greeter](p, "Absent")
		missingErr(t, err, "Absent")
	})

	t.Run("LookupVar", func(t *testing.T) {
		g, err := LookupVar[pluginapi.Greeter](p, "Greeter")
		require.NoError(t, err)
		assert.Equal(t, "hello from greeterkind", (*g).Greet())
		n, err := LookupVar[int](p, "Count")
		require.NoError(t, err)
		assert.Equal(t, 7, *n)
		m, err := LookupVar[pluginapi.Manifest](p, pluginapi.ManifestSymbol)
		require.NoError(t, err)
		assert.NotEmpty(t, m.Name)

		// Exactly T: implementing it is not enough, nor is a function.
		_, err = LookupVar[pluginapi.Greeter](p, "PtrGreeter")
		te := typeErr(t, err)
		assert.Equal(t, "*pluginapi.Greeter", te.Want)
		_, err = LookupVar[int64](p, "Count")
		assert.Equal(t, "*int", typeErr(t, err).Got)
		_, err = LookupVar[func() string](p, "Hello")
		assert.Equal(t, "func() string", typeErr(t, err).Got)
		_, err = LookupVar[int](p, "Absent")
		missingErr(t, err, "Absent")
	})

	t.Run("LookupFunc", func(t *testing.T) {
		hello, err := LookupFunc[func() string](p, "Hello")
		require.NoError(t, err)
		assert.Equal(t, "hello", hello())
		named, err := LookupFunc[greetFunc](p, "Hello")
		require.NoError(t, err)
		assert.Equal(t, "hello", named())

		// A variable holding a function is not a function.
		_, err = LookupFunc[func() string](p, "HelloVar")
		assert.Equal(t, "*func() string", typeErr(t, err).Got)
		_, err = LookupFunc[func() int](p, "Hello")
		assert.Equal(t, "func() int", typeErr(t, err).Want)
		_, err = LookupFunc[pluginapi.Greeter](p, "Greeter")
		assert.Contains(t, typeErr(t, err).Want, "not a function type")
		_, err = LookupFunc[func()](p, "Absent")
		missingErr(t, err, "Absent")
	})
}

// TestLookupsStatic runs checkLookups on a static plugin; TestLoadKind runs
// it on the greeterkind plugin once it loaded it (no other test may load that
// one first: TestLoadKind checks that its refusals left no trace).
func TestLookupsStatic(t *testing.T) {
	p := staticGreeterKind("loadertest/static-lookups")
	assert.Equal(t, "static:loadertest/static-lookups", p.Origin())
	checkLookups(t, p)
}

// oddSymbols is a Symbols implementation that breaks the contract.
type oddSymbols struct {
	sym plugin.Symbol
	err error
}

func (o oddSymbols) Lookup(string) (plugin.Symbol, error) { return o.sym, o.err }
func (o oddSymbols) Origin() string                       { return "odd" }

// TestLookupNeverPanics feeds the lookups what no loader-made Symbols
// gives: they must fail with the typed errors, not panic.
func TestLookupNeverPanics(t *testing.T) {
	var nilStatic *StaticPlugin
	var nilPlugin *Plugin
	var typedNilPtr *int
	for name, p := range map[string]Symbols{
		"nil Symbols":        nil,
		"nil *StaticPlugin":  nilStatic,
		"nil *Plugin":        nilPlugin,
		"zero Plugin":        &Plugin{Path: "zero.so"},
		"nil symbol":         oddSymbols{},
		"plain error":        oddSymbols{err: errors.New("broken")},
		"typed nil variable": oddSymbols{sym: typedNilPtr},
		"static nil value":   &StaticPlugin{Kind: "k", Name: "n", Symbols: map[string]any{"X": nil}},
	} {
		t.Run(name, func(t *testing.T) {
			require.NotPanics(t, func() {
				_, err := Lookup[pluginapi.Greeter](p, "X")
				assert.Error(t, err)
				assert.Contains(t, []string{"symbol_missing", "symbol_type"}, Code(err), "%v", err)
				_, err = LookupVar[pluginapi.Greeter](p, "X")
				assert.Contains(t, []string{"symbol_missing", "symbol_type"}, Code(err), "%v", err)
				_, err = LookupFunc[func()](p, "X")
				assert.Contains(t, []string{"symbol_missing", "symbol_type"}, Code(err), "%v", err)
			})
		})
	}
	_, err := Lookup[int](oddSymbols{err: errors.New("broken")}, "X")
	var me *SymbolMissingError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "odd", me.Plugin)
	assert.EqualError(t, me.Err, "broken")

	_, err = LookupVar[int](oddSymbols{sym: typedNilPtr}, "X")
	var te *SymbolTypeError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "*int (nil)", te.Got)
}
