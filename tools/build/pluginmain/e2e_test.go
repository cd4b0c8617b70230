package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"plugin"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The end-to-end tests compile what pluginmain generates, with the go
// command, the way go_plugin and go_plugin_registry compile it, and run
// it. go -overlay puts the generated files where the rules put them (the
// types file into the library, the rpc package at its import path) without
// writing into the source tree. Under Bazel there is no go command in the
// sandbox; there, //plugins/... and every go_plugin's compat test build and
// load the generated code through the real rules.

// requireGo returns the go command, or skips.
func requireGo(t *testing.T) string {
	t.Helper()
	if os.Getenv("TEST_SRCDIR") != "" {
		t.Skip("under Bazel: the rules compile pluginmain's output in //plugins/... and the compat tests")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to compile the generated code")
	}
	return goTool
}

// pkgDir is this package's folder, absolute: overlay paths must be.
func pkgDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	return wd
}

// goBuild runs go build with the overlay, from this package's folder.
func goBuild(t *testing.T, goTool string, overlay map[string]string, args ...string) {
	t.Helper()
	data, err := json.Marshal(map[string]any{"Replace": overlay})
	require.NoError(t, err)
	ov := filepath.Join(t.TempDir(), "overlay.json")
	require.NoError(t, os.WriteFile(ov, data, 0o644))
	cmd := exec.Command(goTool, append([]string{"build", "-overlay", ov}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Run(), "go build %s\n%s", strings.Join(args, " "), out.String())
}

// opened holds the plugins this process opened: a plugin path loads once
// per process, so a second run of a test (-count) reuses the first's. Their
// files are in dir, which outlives the tests that built them and goes when
// the test binary ends (TestMain).
var opened struct {
	sync.Mutex
	dir     string
	plugins map[string]*plugin.Plugin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if opened.dir != "" {
		os.RemoveAll(opened.dir)
	}
	os.Exit(code)
}

// buildPlugin generates the package main of fixture name, builds it with
// -buildmode=plugin as go_plugin does, and opens it.
func buildPlugin(t *testing.T, name string) *plugin.Plugin {
	t.Helper()
	opened.Lock()
	defer opened.Unlock()
	if p, ok := opened.plugins[name]; ok {
		return p
	}
	goTool := requireGo(t)
	gen := t.TempDir()
	generated(t, gen, mainArgs(name, gen), "main.go", "types.go")
	here := pkgDir(t)
	// The rule compiles the types file into the plugin's copy of the
	// library; the fixture itself stands in for that copy here.
	overlay := map[string]string{
		filepath.Join(here, "testdata", "src", name, "zz_pluginmain_types.go"): filepath.Join(gen, "types.go"),
		filepath.Join(here, "testdata", "e2e", name, "main.go"):                filepath.Join(gen, "main.go"),
	}
	if opened.dir == "" {
		dir, err := os.MkdirTemp("", "pluginmain-e2e-")
		require.NoError(t, err)
		opened.dir = dir
	}
	so := filepath.Join(opened.dir, name+".so")
	goBuild(t, goTool, overlay, "-buildmode=plugin", "-o", so, "./testdata/e2e/"+name)
	p, err := plugin.Open(so)
	require.NoError(t, err)
	if opened.plugins == nil {
		opened.plugins = map[string]*plugin.Plugin{}
	}
	opened.plugins[name] = p
	return p
}

// TestPluginEndToEnd opens each fixture's plugin and checks that every
// export is there with the type the library declares: a variable as a
// pointer to it, a function as a function of the same signature.
func TestPluginEndToEnd(t *testing.T) {
	for _, name := range []string{"adder", "greeter", "logger", "signatures"} {
		t.Run(name, func(t *testing.T) {
			p := buildPlugin(t, name)
			for sym, typ := range fixtureTypes(name) {
				s, err := p.Lookup(sym)
				if assert.NoError(t, err) {
					assert.Equal(t, typ, fmt.Sprintf("%T", s), sym)
				}
			}
			// The test file's export is not the plugin's.
			_, err := p.Lookup("Exported")
			assert.Error(t, err)
		})
	}

	t.Run("calls", func(t *testing.T) {
		add, err := buildPlugin(t, "adder").Lookup("AddTwoInts")
		require.NoError(t, err)
		assert.Equal(t, 5, add.(func(int, int) int)(2, 3))

		p := buildPlugin(t, "signatures")
		variadic, err := p.Lookup("Variadic")
		require.NoError(t, err)
		assert.Equal(t, "took 1s 2ms", variadic.(func(string, ...time.Duration) string)("took", time.Second, 2*time.Millisecond))
		grouped, err := p.Lookup("Grouped")
		require.NoError(t, err)
		n, err := grouped.(func(int, int, string) (int, error))(1, 2, "abc")
		assert.NoError(t, err)
		assert.Equal(t, 6, n)
		// A variable is the library's: the pointer Lookup gives reads the
		// value the library set.
		counter, err := p.Lookup("Counter")
		require.NoError(t, err)
		assert.Equal(t, 1, *counter.(*int))
	})
}

// signatureTypes is every export of testdata/src/signatures, as %T prints
// the symbol plugin.Lookup returns. The aliases of the types file are
// invisible here: an alias is the type it names.
var signatureTypes = map[string]string{
	"Anonymous":      "func(struct { Name string; At time.Time }, interface { Greet() string }) interface {}",
	"Callback":       "func(func(map[string]string) error, <-chan time.Time) func() (time.Duration, bool)",
	"Composite":      "func(map[string]string, []pluginapi.Manifest, map[string]pluginapi.Greeter, [2]time.Duration) map[string][]*pluginapi.Manifest",
	"Counter":        "*int",
	"Grouped":        "func(int, int, string) (int, error)",
	"Hook":           "*func()",
	"Limit":          "*int",
	"Named":          "func(context.Context) (int, error)",
	"NoArgs":         "func()",
	"PluginManifest": "*pluginapi.Manifest",
	"Pointer":        "func(*pluginapi.Manifest) *pluginapi.Manifest",
	"Second":         "func(pluginapi.Greeter, time.Duration) string",
	"Unnamed":        "func(int, string) bool",
	"Variadic":       "func(string, ...time.Duration) string",
}

// TestIsolatedEndToEnd builds each fixture's executable with the fake rpc
// package overlaid at the kind's, and runs it: the table it passes to Serve
// holds each export as plugin.Lookup would return it.
func TestIsolatedEndToEnd(t *testing.T) {
	goTool := requireGo(t)
	here := pkgDir(t)
	for _, name := range []string{"adder", "greeter", "logger", "signatures"} {
		t.Run(name, func(t *testing.T) {
			gen := t.TempDir()
			generated(t, gen, isolatedArgs(name, gen), "main.go")
			rpc := kinds[name] + "rpc"
			overlay := map[string]string{
				// Where the executable's main would be, and the kind's rpc
				// package at the import path the main names.
				filepath.Join(here, "testdata", "e2e", "isolated", name, "main.go"):         filepath.Join(gen, "main.go"),
				filepath.Join(here, "..", "..", "..", "pluginapi", "kinds", rpc, rpc+".go"): filepath.Join(here, "testdata", "fake", "kindrpc", "kindrpc.go"),
			}
			exe := filepath.Join(gen, name)
			goBuild(t, goTool, overlay, "-o", exe, "./testdata/e2e/isolated/"+name)
			out, err := exec.Command(exe).CombinedOutput()
			require.NoError(t, err, "%s", out)
			assert.Equal(t, table(fixtureTypes(name), ""), string(out))
		})
	}
}

// TestStaticEndToEnd builds a host that links the generated registry in,
// with the real loader, and asks the loader what it holds.
func TestStaticEndToEnd(t *testing.T) {
	goTool := requireGo(t)
	here := pkgDir(t)
	gen := t.TempDir()
	generated(t, gen, staticArgs(gen), "registry.go")
	overlay := map[string]string{
		filepath.Join(here, "testdata", "e2e", "registry", "registry.go"): filepath.Join(gen, "registry.go"),
	}
	exe := filepath.Join(gen, "host")
	goBuild(t, goTool, overlay, "-o", exe, "./testdata/fake/host")
	var want strings.Builder
	// In the order the host is asked for the kinds.
	names := []string{"adder", "greeter", "logger", "signatures"}
	args := make([]string, len(names))
	for i, name := range names {
		args[i] = kinds[name]
		want.WriteString(table(fixtureTypes(name), kinds[name]+" pluginmaintest/"+name+" "))
	}
	out, err := exec.Command(exe, args...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, want.String(), string(out))
}

// fixtureTypes is what %T prints for each export of fixture name.
func fixtureTypes(name string) map[string]string {
	switch name {
	case "adder":
		return map[string]string{"AddTwoInts": "func(int, int) int", "BuildVersion": "*string", "PluginManifest": "*pluginapi.Manifest"}
	case "greeter":
		return map[string]string{"Greeter": "*pluginapi.Greeter", "PluginManifest": "*pluginapi.Manifest"}
	case "logger":
		return map[string]string{"Logger": "*pluginapi.Logger", "Output": "*io.Writer", "PluginManifest": "*pluginapi.Manifest"}
	case "signatures":
		return signatureTypes
	}
	panic("no fixture " + name)
}

// table renders types as "<prefix>name type" lines in name order.
func table(types map[string]string, prefix string) string {
	names := make([]string, 0, len(types))
	for n := range types {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s%s %s\n", prefix, n, types[n])
	}
	return b.String()
}
