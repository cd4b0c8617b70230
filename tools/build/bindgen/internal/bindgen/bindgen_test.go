package bindgen

import (
	"errors"
	"example.com/plugkit/internal/elffacts"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExportName(t *testing.T) {
	for sym, want := range map[string]string{
		"example.com/p.AddTwoInts":      "example.com/p AddTwoInts",
		"plugin/unnamed-abc.F":          "plugin/unnamed-abc F",
		"example.com/p.(*Local).Method": "",
		"example.com/p.Local.Method":    "example.com/p.Local Method", // rejected later: no such package
		"example.com/p.Closure.func1":   "",
		"example.com/p.Generic[int]":    "",
		"example.com/p..inittask":       "",
		"example.com/p.init.0":          "",
		"example.com/p.main":            "",
		"type:example.com/p.Local":      "",
		"go:link.pkghash.example.com/p": "",
		"NoPackage":                     "",
	} {
		pkg, name, ok := exportName(sym)
		got := ""
		if ok {
			got = pkg + " " + name
		}
		assert.Equal(t, want, got, sym)
	}
}

func TestReadSymbolTable(t *testing.T) {
	st, err := readSymbolTable(fixture(t, "composite"))
	require.NoError(t, err)
	assert.Equal(t, ".symtab", st.source)
	sure, _ := st.candidatePaths()
	assert.Equal(t, []string{fixturePkg + "composite"}, sure)
	names, isFunc := st.exports(fixturePkg + "composite")
	assert.Contains(t, names, "Variadic")
	assert.Contains(t, names, "Slice")
	assert.NotContains(t, names, "Generic")
	assert.True(t, isFunc["Variadic"])
	assert.False(t, isFunc["Slice"])
}

// TestStrippedPlugin: -ldflags=-s drops .symtab, but .dynsym keeps every
// export, variables included.
func TestStrippedPlugin(t *testing.T) {
	goTool := requireGo(t, "nothing (this test builds its plugin)")
	so := filepath.Join(t.TempDir(), "stripped.so")
	goBuild(t, goTool, "", "-buildmode=plugin", "-ldflags=-s -w", "-o", so, fixturePkg+"basic")
	st, err := readSymbolTable(so)
	require.NoError(t, err)
	assert.Equal(t, ".dynsym", st.source)
	names, isFunc := st.exports(fixturePkg + "basic")
	assert.Equal(t, []string{"AddTwoInts", "BuildVersion"}, names)
	assert.Equal(t, map[string]bool{"AddTwoInts": true, "BuildVersion": false}, isFunc)
}

// TestPclntabFallback reads functions the way a plugin without any ELF
// symbol table is read.
func TestPclntabFallback(t *testing.T) {
	data, err := os.ReadFile(fixture(t, "basic"))
	require.NoError(t, err)
	f, err := elffacts.Open(data)
	require.NoError(t, err)
	st := &symbolTable{funcs: map[string]bool{}, vars: map[string]bool{}}
	require.NoError(t, st.readPclntab(f))
	names, isFunc := st.exports(fixturePkg + "basic")
	assert.Equal(t, []string{"AddTwoInts"}, names, "variables are not in .gopclntab")
	assert.True(t, isFunc["AddTwoInts"])
}

func TestBadInputs(t *testing.T) {
	for _, name := range []string{"notelf.so", "truncated.so", "empty.so"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(testdataDir, "bad", name)
			_, err := LoadPlugin(path, "")
			assert.ErrorIs(t, err, ErrNotPlugin)
			code, _, stderr := runMain(t, "-plugin-path", path, "-output-path", filepath.Join(t.TempDir(), "out.go"))
			assert.Equal(t, 1, code)
			assert.Contains(t, stderr, "not a Go plugin")
		})
	}
	t.Run("missing", func(t *testing.T) {
		_, err := LoadPlugin(filepath.Join(t.TempDir(), "nope.so"), "")
		assert.ErrorIs(t, err, ErrNotPlugin)
		assert.ErrorIs(t, err, os.ErrNotExist)
	})
	t.Run("executable", func(t *testing.T) {
		exe, err := os.Executable() // this test binary: ELF, but not a plugin
		require.NoError(t, err)
		_, err = LoadPlugin(exe, "")
		assert.ErrorIs(t, err, ErrNotPlugin)
	})
}

// TestBadTypes: every unbindable export is reported, in one error.
func TestBadTypes(t *testing.T) {
	_, err := LoadPlugin(fixture(t, "badtypes"), "")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrMainType)
	assert.ErrorIs(t, err, ErrUnsupportedType)
	assert.Contains(t, err.Error(), "MakeLocal")
	assert.Contains(t, err.Error(), "Hidden")
	assert.Contains(t, err.Error(), "pluginapi")
}

func TestSymbolPrefixOverride(t *testing.T) {
	so := fixture(t, "basic")
	api, err := LoadPlugin(so, fixturePkg+"basic")
	require.NoError(t, err)
	assert.Equal(t, fixturePkg+"basic", api.PkgPath)
	_, err = LoadPlugin(so, "example.com/wrong")
	assert.ErrorIs(t, err, ErrNoPluginPath)
}

func TestRecordPackage(t *testing.T) {
	so := fixture(t, "basic")
	code, stdout, stderr := runMain(t, "-plugin-path", so, "-output-path", "-")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "const PluginAPIPackage = \""+fixturePkg+"basic\"")

	code, stdout, stderr = runMain(t, "-plugin-path", so, "-output-path", "-", "-record-package", "example.com/stable/basic")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, `const PluginAPIPackage = "example.com/stable/basic"`)
	assert.NotContains(t, stdout, "package "+fixturePkg+"basic")
	// Binding still finds the symbols: only what is recorded changed.
	assert.Contains(t, stdout, `p.Lookup("AddTwoInts")`)
}

func TestNameCollision(t *testing.T) {
	api := &API{PkgPath: "p", Symbols: []Symbol{{Name: "String", Func: true, Type: brokenType{}}}}
	_, err := Generate(api, Options{})
	assert.ErrorIs(t, err, ErrNameCollision)
}

func TestUsageErrors(t *testing.T) {
	for name, args := range map[string][]string{
		"no input":        {},
		"rebuild alone":   {"-plugin-path", "x.so", "-rebuild"},
		"sha256 source":   {"-plugin-package", "./x", "-sha256"},
		"bad name":        {"-plugin-path", "x.so", "-output-name", "not-an-ident"},
		"stray argument":  {"-plugin-path", "x.so", "extra"},
		"unknown flag":    {"-no-such-flag"},
		"bad output pkg":  {"-plugin-path", "x.so", "-output-package", "a b"},
		"bad output name": {"-plugin-path", "x.so", "-output-name", ""},
	} {
		t.Run(name, func(t *testing.T) {
			if name == "bad name" || name == "bad output pkg" || name == "bad output name" {
				args = append(args, "-plugin-path", fixture(t, "basic"))
			}
			code, _, stderr := runMain(t, args...)
			assert.Equal(t, 2, code, stderr)
		})
	}
}

func TestHelp(t *testing.T) {
	code, _, stderr := runMain(t, "-help")
	assert.Equal(t, 0, code)
	for _, f := range []string{"-output-name", "-output-package", "-output-path", "-dereference-vars", "-hide-vars",
		"-interface", "-sha256", "-plugin-path", "-plugin-package", "-rebuild", "-format", "-symbol-prefix", "-record-package"} {
		assert.Regexp(t, `(?m)^  `+f+`( |$)`, stderr)
	}
}

func TestHeaderCommand(t *testing.T) {
	fs := flag.NewFlagSet("bindgen", flag.ContinueOnError)
	fs.String("plugin-path", "", "")
	fs.String("output-path", "", "")
	fs.String("output-name", "", "")
	fs.Bool("sha256", false, "")
	got := headerCommand(fs, []string{
		"-plugin-path", "/abs/dir/p.so", "--output-path=../up/out.go", "-sha256", "-output-name", "My API",
	})
	assert.Equal(t, `bindgen -plugin-path p.so -output-path out.go -sha256 -output-name "My API"`, got)
}

func TestDerivePackage(t *testing.T) {
	dir := t.TempDir()
	assert.Equal(t, "main", derivePackage(filepath.Join(dir, "api.go")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x_test.go"), []byte("package other_test\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "api.go"), []byte("package stale\n"), 0o644))
	assert.Equal(t, "main", derivePackage(filepath.Join(dir, "api.go")), "the output file itself doesn't count")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "host.go"), []byte("// Package host.\npackage host\n"), 0o644))
	assert.Equal(t, "host", derivePackage(filepath.Join(dir, "api.go")))
}

func TestImportAliases(t *testing.T) {
	s := newImportSet()
	for _, p := range []string{"text/template", "html/template", "example.com/x/string", "example.com/b/v2",
		"example.com/errors", "os", "gopkg.in/yaml.v3", "example.com/p", "example.com/9lives"} {
		s.add(p)
	}
	s.assign([]string{"PluginAPI"})
	assert.Equal(t, "template", s.alias("html/template"), "sorted order: html before text")
	assert.Equal(t, "template2", s.alias("text/template"))
	assert.Equal(t, "string2", s.alias("example.com/x/string"), "never shadow a predeclared name")
	assert.Equal(t, "b2", s.alias("example.com/b/v2"), "b is the receiver of the generated methods")
	assert.Equal(t, "errors2", s.alias("example.com/errors"), "the generated code imports errors")
	assert.Equal(t, "os", s.alias("os"), "reuses the fixed import")
	assert.Equal(t, "yaml_v3", s.alias("gopkg.in/yaml.v3"))
	assert.Equal(t, "p2", s.alias("example.com/p"), "p is a local of the generated code")
	assert.Equal(t, "pkg9lives", s.alias("example.com/9lives"))
	assert.NotContains(t, strings.Join(s.specs(), "\n"), `"os"`)
}

// TestRebuild covers -plugin-package with -rebuild: bindgen builds the
// plugin itself, as under go:generate.
func TestRebuild(t *testing.T) {
	requireGo(t, "nothing (-rebuild runs go build)")
	if rebuildRan.Swap(true) {
		t.Skip("ran once in this process, which can load the rebuild plugin only once (go test -count > 1)")
	}
	dir := t.TempDir()
	so := filepath.Join(dir, "rebuild.so")
	out := filepath.Join(dir, "api.go")
	code, _, stderr := runMain(t, "-plugin-package", fixturePkg+"rebuild", "-plugin-path", so, "-rebuild", "-output-path", out)
	require.Equal(t, 0, code, stderr)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(got), `// Code generated by "bindgen -plugin-package `+fixturePkg+`rebuild -plugin-path rebuild.so -rebuild -output-path api.go"; DO NOT EDIT.`)
	assert.Contains(t, string(got), "func (b *PluginAPI) Answer() int {")

	code, _, stderr = runMain(t, "-plugin-package", "./no/such/package", "-plugin-path", filepath.Join(dir, "x.so"), "-rebuild")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, ErrBuild.Error())
}

var rebuildRan atomic.Bool

func TestStdout(t *testing.T) {
	code, stdout, stderr := runMain(t, "-plugin-path", fixture(t, "basic"), "-output-path", "-", "-format=false")
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, `// Code generated by "bindgen -plugin-path basic.so -output-path - -format=false"; DO NOT EDIT.`), stdout[:120])
	assert.Contains(t, stderr, "-format=false is ignored")
}

// TestBindingsInProcess calls through basic_bindings_test.go, bindings
// bindgen generated and this test binary compiled in.
func TestBindingsInProcess(t *testing.T) {
	b, err := BindBasic(fixture(t, "basic"))
	require.NoError(t, err)
	assert.Equal(t, 30, b.AddTwoInts(10, 20))
	assert.Equal(t, "1.0.0", *b.BuildVersion)
	assert.Contains(t, b.String(), "    - package: "+fixturePkg+"basic\n")
	assert.Contains(t, b.String(), "    - AddTwoInts func(int, int) int\n")

	_, err = BindBasic(filepath.Join(t.TempDir(), "missing.so"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.False(t, errors.Is(err, ErrBasicSymbolMissing))
}

// brokenType spells a type that doesn't parse, as a bindgen bug would.
type brokenType struct{}

func (brokenType) render(qualifier) (string, error) { return "map[", nil }
func (brokenType) funcParts(qualifier) ([]string, bool, []string, error) {
	return nil, false, nil, nil
}

func TestUnformattableOutputIsAnError(t *testing.T) {
	api := &API{PkgPath: "p", Symbols: []Symbol{{Name: "V", Type: brokenType{}}}}
	out, err := Generate(api, Options{})
	assert.ErrorIs(t, err, ErrFormat)
	assert.Nil(t, out)
}
