package loader

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/internal/buildrecord"
	"example.com/plugkit/pluginapi"
)

// greeterKind is what a generated greeter kind package declares as Spec.
var greeterKind = Kind{Name: "greeter", Symbols: []KindSymbol{{Name: pluginapi.GreeterSymbol}}}

// requireNotRecorded fails unless the process-wide registry is free of the
// bytes of the plugin at so: a load the pre-open check refused must leave
// nothing behind, since nothing was mapped.
func requireNotRecorded(t *testing.T, so string) {
	t.Helper()
	br, err := buildrecord.New(so, "", "", "", "", "", nil)
	require.NoError(t, err)
	registry.mu.Lock()
	e := registry.bySHA[br.SHA256]
	registry.mu.Unlock()
	require.Nil(t, e, "%s is recorded as opened", so)
}

// TestLoadKindRefusesBeforeOpen asks for a greeter from a plugin whose init
// ends the process and which exports only F: every refusal has to come from
// the pre-open check, or the test binary exits with status 3.
func TestLoadKindRefusesBeforeOpen(t *testing.T) {
	dir := t.TempDir()
	so := copyFixture(t, "initexit", dir, "initexit.so")
	l := New(testConfig())

	t.Run("no build record, symbols missing", func(t *testing.T) {
		_, err := l.LoadKind(so, greeterKind)
		assert.Equal(t, []string{"symbol_missing PluginManifest", "symbol_missing Greeter"}, findingCodes(err))
		var missing *SymbolMissingError
		require.ErrorAs(t, err, &missing)
		assert.False(t, missing.ExportsUnreadable)
		assert.Equal(t, "symbol_missing", Code(err))
		assert.Contains(t, err.Error(), so)
		t.Log(err)

		// Load, with no kind, still wants the identity symbol.
		_, err = l.Load(so)
		assert.Equal(t, []string{"symbol_missing PluginManifest"}, findingCodes(err))
	})
	t.Run("build record of another kind", func(t *testing.T) {
		writeKindRecord(t, so, "loadertest/initexit", "adder", nil)
		_, err := l.LoadKind(so, greeterKind)
		// The wrong kind explains the missing Greeter; it is not listed.
		assert.Equal(t, []string{"symbol_missing PluginManifest", "wrong_kind"}, findingCodes(err))
		var ke *KindError
		require.ErrorAs(t, err, &ke)
		assert.Equal(t, &KindError{Path: so, Want: "greeter", Got: "adder"}, ke)
		assert.ErrorIs(t, err, ErrWrongKind)
		t.Log(err)
	})
	t.Run("build record of the kind, symbol missing", func(t *testing.T) {
		writeKindRecord(t, so, "loadertest/initexit", "greeter", nil)
		_, err := l.ReloadKind(so, greeterKind)
		assert.Equal(t, []string{"symbol_missing PluginManifest", "symbol_missing Greeter"}, findingCodes(err))
	})
	t.Run("function where a variable is declared", func(t *testing.T) {
		writeKindRecord(t, so, "loadertest/initexit", "exiter", nil)
		_, err := l.LoadKind(so, Kind{Name: "exiter", Symbols: []KindSymbol{{Name: "F"}}})
		assert.Equal(t, []string{"symbol_missing PluginManifest", "symbol_type F"}, findingCodes(err))
		var te *SymbolTypeError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, &SymbolTypeError{Plugin: so, Symbol: "F", Want: "an exported variable", Got: "an exported function"}, te)
		t.Log(err)
	})
	requireNotRecorded(t, so)
}

// findingCodes lists the codes of err's findings, root cause first, each
// symbol finding with its symbol.
func findingCodes(err error) []string {
	var out []string
	for _, f := range Findings(err) {
		c := Code(f)
		var sm *SymbolMissingError
		var st *SymbolTypeError
		switch {
		case errors.As(f, &sm):
			c += " " + sm.Symbol
		case errors.As(f, &st):
			c += " " + st.Symbol
		}
		out = append(out, c)
	}
	return out
}

func TestLoadKind(t *testing.T) {
	dir := t.TempDir()
	so := copyFixture(t, "greeterkind", dir, "greeterkind.so")
	l := New(testConfig())
	kind := Kind{Name: "greeter", Symbols: []KindSymbol{
		{Name: "Greeter"}, {Name: "Hello", Func: true}, {Name: "PtrGreeter"},
	}}

	// Refusals first, each before open: the plugin is not recorded after
	// them, so the corrected build record at the end loads it.
	writeKindRecord(t, so, "loadertest/greeterkind", "", nil)
	_, err := l.LoadKind(so, kind)
	var ke *KindError
	require.ErrorAs(t, err, &ke)
	assert.Equal(t, "", ke.Got)
	assert.Contains(t, err.Error(), "names no kind")
	assert.Contains(t, err.Error(), `rebuild the plugin with go_plugin(kind = "greeter")`)

	writeKindRecord(t, so, "loadertest/greeterkind", "logger", nil)
	_, err = l.LoadKind(so, kind)
	require.ErrorAs(t, err, &ke)
	assert.Contains(t, err.Error(), "put the plugin where logger plugins are looked for")
	assert.Contains(t, err.Error(), `go_plugin(kind = "greeter")`)

	// A host asking for a kind without a name gets no plugin, whatever the
	// build record says, rather than every plugin.
	writeKindRecord(t, so, "loadertest/greeterkind", "greeter", nil)
	_, err = l.LoadKind(so, Kind{})
	require.ErrorAs(t, err, &ke)
	assert.Contains(t, err.Error(), "empty Kind.Name")

	// Every missing or mistyped symbol is listed, in the kind's order.
	_, err = l.LoadKind(so, Kind{Name: "greeter", Symbols: []KindSymbol{
		{Name: "Greeter", Func: true}, {Name: "Absent"}, {Name: "Hello"}, {Name: "HelloVar", Func: true},
	}})
	var te *SymbolTypeError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "Greeter", te.Symbol, "the first problem comes first")
	assert.ErrorIs(t, err, ErrSymbolMissing)
	for _, sym := range []string{"Greeter", "Absent", "Hello", "HelloVar"} {
		assert.Contains(t, err.Error(), ": "+sym)
	}

	// Wrong kind and another toolchain: both reported, the kind first.
	writeKindRecord(t, so, "loadertest/greeterkind", "logger", func(m *buildrecord.Record) { m.GoVersion = "go1.25.0" })
	_, err = l.LoadKind(so, kind)
	assert.ErrorIs(t, err, ErrWrongKind)
	assert.ErrorIs(t, err, ErrToolchainMismatch)
	require.ErrorAs(t, err, &ke)
	requireNotRecorded(t, so)

	// Corrected: it loads, and binds.
	writeKindRecord(t, so, "loadertest/greeterkind", "greeter", nil)
	p, err := l.LoadKind(so, kind)
	require.NoError(t, err)
	assert.Equal(t, "loadertest/greeterkind", p.Manifest.Name)
	assert.Equal(t, "greeter", p.BuildRecord.Kind)
	t.Run("lookups", func(t *testing.T) { checkLookups(t, p) })

	// The same bytes again: the same plugin, through every entry point,
	// and the kind is still checked for each.
	again, err := l.ReloadKind(so, kind)
	require.NoError(t, err)
	assert.Same(t, p, again)
	again, err = l.Load(so)
	require.NoError(t, err)
	assert.Same(t, p, again)
	_, err = l.LoadKind(so, Kind{Name: "logger", Symbols: []KindSymbol{{Name: pluginapi.LoggerSymbol}}})
	assert.ErrorIs(t, err, ErrWrongKind)

	// Without a build record only the exports are checked.
	bare := copyFixture(t, "greeterkind", t.TempDir(), "bare.so")
	again, err = l.LoadKind(bare, kind)
	require.NoError(t, err)
	assert.Same(t, p, again)
}

// TestCheckKindExportsUnreadable covers a file whose export table could not
// be read, which no real plugin gives: it must be refused, not opened.
func TestCheckKindExportsUnreadable(t *testing.T) {
	errs := checkExports("x.so", &elfFacts{}, &greeterKind)
	require.Len(t, errs, 1)
	var missing *SymbolMissingError
	require.ErrorAs(t, errs[0], &missing)
	assert.True(t, missing.ExportsUnreadable)
	assert.Equal(t, pluginapi.ManifestSymbol, missing.Symbol)
	assert.ErrorIs(t, errs[0], ErrSymbolMissing)
	assert.Contains(t, errs[0].Error(), "x.so")
	assert.Contains(t, errs[0].Error(), "export table could not be read")

	// Every plugin needs PluginManifest, a kind its own symbols too.
	manifestOnly := &elfFacts{ExportsIn: ".dynsym", Exports: []Export{{Name: pluginapi.ManifestSymbol, Kind: "var"}}}
	assert.Empty(t, checkExports("x.so", manifestOnly, nil))
	assert.Empty(t, checkExports("x.so", manifestOnly, &Kind{Name: "greeter"}))
	assert.Len(t, checkExports("x.so", manifestOnly, &greeterKind), 1)
	both := &elfFacts{ExportsIn: ".dynsym", Exports: []Export{{Name: "Greeter", Kind: "var"}, {Name: pluginapi.ManifestSymbol, Kind: "var"}}}
	assert.Empty(t, checkExports("x.so", both, &greeterKind))
	assert.Len(t, checkExports("x.so", &elfFacts{ExportsIn: ".dynsym", Exports: []Export{{Name: "Greeter", Kind: "var"}}}, &greeterKind), 1)
}

func TestKindErrorMessages(t *testing.T) {
	for _, tt := range []struct {
		err  *KindError
		want []string
	}{
		{&KindError{Path: "p.so", Want: "greeter", Got: "logger"}, []string{"p.so", "plugin of another kind", "the host wants kind greeter, the build record says logger", "put the plugin where logger plugins are looked for", `go_plugin(kind = "greeter")`}},
		{&KindError{Path: "p.so", Want: "greeter"}, []string{"p.so", "names no kind", "before plugin kinds", `rebuild the plugin with go_plugin(kind = "greeter")`}},
		{&KindError{Path: "p.so", Got: "logger"}, []string{"p.so", "empty Kind.Name", "logger"}},
	} {
		for _, w := range tt.want {
			assert.Contains(t, tt.err.Error(), w)
		}
		assert.True(t, errors.Is(tt.err, ErrWrongKind))
	}
}
