package bindgen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The end-to-end tests generate bindings, compile them into a host program
// with the go command and run it against real plugins. The host and the
// plugins it opens are built in one temporary module that replaces
// example.com/plugkit with this source tree, so both sides see identical
// pluginapi bytes and flags. They need the go command and the source tree,
// and skip without them.

// e2eModule creates the temporary module and returns its directory.
func e2eModule(t *testing.T, goTool string) string {
	t.Helper()
	out, err := exec.Command(goTool, "env", "GOMOD").Output()
	require.NoError(t, err)
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Skip("end-to-end tests need the example.com/plugkit source tree")
	}
	root := filepath.Dir(gomod)
	dir := t.TempDir()
	rootMod, err := os.ReadFile(gomod)
	require.NoError(t, err)
	goLine := "go 1.26"
	for _, line := range strings.Split(string(rootMod), "\n") {
		if strings.HasPrefix(line, "go ") {
			goLine = line // at least the replaced module's, or go wants to edit go.mod
		}
	}
	goMod := fmt.Sprintf("module e2e\n\n%s\n\nrequire example.com/plugkit v0.0.0\n\nreplace example.com/plugkit => %s\n", goLine, root)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(goMod), 0o644))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "host"), 0o755))
	return dir
}

// buildHost writes the host's main.go and bindings, vets and builds it.
func buildHost(t *testing.T, goTool, mod string, mainGo []byte, bindings map[string][]byte) string {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(mod, "host", "main.go"), mainGo, 0o644))
	for name, src := range bindings {
		require.NoError(t, os.WriteFile(filepath.Join(mod, "host", name), src, 0o644))
	}
	vet := exec.Command(goTool, "vet", "./host")
	vet.Dir = mod
	out, err := vet.CombinedOutput()
	require.NoError(t, err, "go vet of the generated code:\n%s", out)
	host := filepath.Join(mod, "host.bin")
	goBuild(t, goTool, mod, "-o", host, "./host")
	return host
}

func runHost(t *testing.T, host string, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(host, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Run(), out.String())
	return out.String()
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// bazelHost returns the end-to-end host for fixture that Bazel built, with
// bindings Bazel generated (tools/build/bindgen/testdata/BUILD.bazel), when the
// test runs under Bazel: BINDGEN_E2E_<NAME>_HOST names it.
func bazelHost(t *testing.T, fixture string) (string, bool) {
	t.Helper()
	env := "BINDGEN_E2E_" + strings.ToUpper(fixture) + "_HOST"
	v := os.Getenv(env)
	if v == "" {
		return "", false
	}
	return runfile(t, env, v), true
}

func generateFor(t *testing.T, api *API, opts Options) []byte {
	t.Helper()
	src, err := Generate(api, opts)
	require.NoError(t, err)
	return src
}

// e2eSetup is the start of an end-to-end test outside Bazel: the go
// command, the API read from fixture's plugin, and the temporary module
// the test builds the plugins and the host in.
func e2eSetup(t *testing.T, fixtureName string) (goTool string, api *API, mod string) {
	t.Helper()
	goTool = requireGo(t, "nothing (the host is built with go)")
	api, err := LoadPlugin(fixture(t, fixtureName), "")
	require.NoError(t, err)
	return goTool, api, e2eModule(t, goTool)
}

// hostMain is the main.go of fixture's end-to-end host,
// testdata/hosts/<fixture>/main.go.
func hostMain(t *testing.T, fixtureName string) []byte {
	t.Helper()
	mainGo, err := os.ReadFile(filepath.Join(testdataDir, "hosts", fixtureName, "main.go"))
	require.NoError(t, err)
	return mainGo
}

// singlePluginHost returns the end-to-end host of fixture and the plugin
// to run it on, for the hosts that bind one plugin with the default
// bindings: Bazel's under Bazel, else both built here.
func singlePluginHost(t *testing.T, fixtureName string) (host, so string) {
	t.Helper()
	if host, ok := bazelHost(t, fixtureName); ok {
		return host, fixture(t, fixtureName)
	}
	goTool, api, mod := e2eSetup(t, fixtureName)
	so = filepath.Join(mod, fixtureName+".so")
	goBuild(t, goTool, mod, "-buildmode=plugin", "-o", so, fixturePkg+fixtureName)
	host = buildHost(t, goTool, mod, hostMain(t, fixtureName), map[string][]byte{"plugin_api.go": generateFor(t, api, Options{})})
	return host, so
}

func TestEndToEndBasic(t *testing.T) {
	host, bazel := bazelHost(t, "basic")
	var good, wrong, tampered string
	if bazel {
		good, wrong = fixture(t, "basic"), fixture(t, "basicv2")
		tampered = runfile(t, "BINDGEN_E2E_TAMPERED_SO", os.Getenv("BINDGEN_E2E_TAMPERED_SO"))
	} else {
		goTool, api, mod := e2eSetup(t, "basic")
		good = filepath.Join(mod, "good.so")
		wrong = filepath.Join(mod, "wrong.so")
		tampered = filepath.Join(mod, "tampered.so")
		goBuild(t, goTool, mod, "-buildmode=plugin", "-o", good, fixturePkg+"basic")
		goBuild(t, goTool, mod, "-buildmode=plugin", "-o", wrong, fixturePkg+"basicv2")
		data, err := os.ReadFile(good)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(tampered, append(data, 0), 0o644))

		host = buildHost(t, goTool, mod, hostMain(t, "basic"), map[string][]byte{
			"plugin_api.go": generateFor(t, api, Options{}),
			"checked.go":    generateFor(t, api, Options{Name: "Checked", DereferenceVars: true, SHA256: sha256File(t, good)}),
			"iface.go":      generateFor(t, api, Options{Name: "Iface", Interface: true}),
		})
	}
	assert.Equal(t, `AddTwoInts: 30
BuildVersion: 1.0.0
String has symbols: true
Checked.AddTwoInts: 3
Checked.BuildVersion: changed
Iface.AddTwoInts: 7
wrong: missing: true
wrong: type: true
wrong: AddTwoInts expected func(int, int) int, got func(int64, int64) int64
wrong: missing symbol: BuildVersion
tampered: checksum: true true
`, runHost(t, host, good, wrong, tampered))
}

func TestEndToEndComposite(t *testing.T) {
	host, so := singlePluginHost(t, "composite")
	assert.Equal(t, `Variadic: p123
TwoResults: 7 <nil>
TwoResults(true): failed
Higher: [yes]
Chans: true
Anon: 6
Slice: [a b] Array: [1 2 3] Map: map[k:[1]]
ChanBoth: 5
ChanRecv: true ChanSend: true
ChanOfRecv: 1
Ptr: 0 Any: 42 Iface: 1s Err: boom
Bytes: bytes Runes: runes Pointer: true
Struct: 1 b 0s true true
Empty: {} Nested: true
Callback: <nil>
Duration: 3s File: true
HTML: h Text: t Instance: 9
`, runHost(t, host, so))
}

func TestEndToEndWithAPI(t *testing.T) {
	host, so := singlePluginHost(t, "withapi")
	assert.Equal(t, `PluginManifest: fixture/withapi 0.1.0 true
Manifest: true
Greeter: hello
DefaultLabels: withapi
Logger: log:ainfo:bwarn:c
`, runHost(t, host, so))
}

// TestThousandSymbols binds a generated plugin exporting 500 functions and
// 500 variables, and calls or reads every one.
func TestThousandSymbols(t *testing.T) {
	if host, ok := bazelHost(t, "big"); ok {
		// Bazel generated the plugin, its bindings and this host.
		so := bigPlugin(t, 1000)
		api, err := LoadPlugin(so, "")
		require.NoError(t, err)
		require.Len(t, api.Symbols, 1000)
		assert.Equal(t, "250000 1004\n", runHost(t, host, so))
		return
	}
	goTool := requireGo(t, "nothing (this plugin is generated)")
	so := bigPlugin(t, 1000)
	api, err := LoadPlugin(so, "")
	require.NoError(t, err)
	require.Len(t, api.Symbols, 1000)
	bindings := generateFor(t, api, Options{})

	var mainGo bytes.Buffer
	mainGo.WriteString("package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"strings\"\n)\n\nfunc main() {\n")
	mainGo.WriteString("\tapi, err := BindPluginAPI(os.Args[1])\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\tsum := 0\n")
	for i := range 500 {
		fmt.Fprintf(&mainGo, "\tsum += api.F%04d(1) + *api.V%04d\n", i, i)
	}
	mainGo.WriteString("\tfmt.Println(sum, strings.Count(api.String(), \"\\n    - \"))\n}\n")

	mod := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module e2ebig\n\ngo 1.26\n"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(mod, "host"), 0o755))
	host := buildHost(t, goTool, mod, mainGo.Bytes(), map[string][]byte{"plugin_api.go": bindings})
	// Σ(1+i) + Σi for i < 500, and 4 plugin-info lines plus one per symbol.
	assert.Equal(t, "250000 1004\n", runHost(t, host, so))
}
