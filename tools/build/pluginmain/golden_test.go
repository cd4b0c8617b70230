package main

import (
	"bytes"
	"flag"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite tools/build/pluginmain/testdata/golden from the current generator")

// fixturePkg is the import path of testdata/src/<name>: the goldens name the
// fixtures by their real paths, so the end-to-end test compiles them as
// they are.
const fixturePkg = "example.com/plugkit/tools/build/pluginmain/testdata/src/"

// fixtures lists the files of each testdata/src package, as go_plugin's
// go_sources passes a library's files (test files included: the tool must
// skip them).
var fixtures = map[string][]string{
	"adder":      {"testdata/src/adder/adder.go"},
	"greeter":    {"testdata/src/greeter/greeter.go"},
	"logger":     {"testdata/src/logger/logger.go", "testdata/src/logger/logger_test.go"},
	"signatures": {"testdata/src/signatures/a.go", "testdata/src/signatures/b.go"},
}

// kinds are the fixtures' kinds, for isolated mode's rpc package and static
// mode's registry. signatures is no kind the contract declares; pluginmain
// does not check kinds (go_plugin does), so any name serves.
var kinds = map[string]string{
	"adder":      "adder",
	"greeter":    "greeter",
	"logger":     "logger",
	"signatures": "signatures",
}

// rpcImportpath is the -rpc-importpath go_plugin passes for a kind.
func rpcImportpath(kind string) string {
	return "example.com/plugkit/pluginapi/kinds/" + kind + "rpc"
}

// pluginmain runs the command in-process and returns what it printed to
// stderr, and its error. Only help goes to stdout (TestHelp).
func pluginmain(t testing.TB, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(args, &stdout, &stderr)
	assert.Empty(t, stdout.String(), "pluginmain printed to stdout")
	return stderr.String(), err
}

// mainArgs are the arguments go_plugin's _plugin_main passes, writing into
// dir.
func mainArgs(name, dir string) []string {
	return append([]string{"main",
		"-importpath", fixturePkg + name,
		"-out", filepath.Join(dir, "main.go"),
		"-types-out", filepath.Join(dir, "types.go"),
	}, fixtures[name]...)
}

// isolatedArgs are the arguments go_plugin's _isolated_main passes.
func isolatedArgs(name, dir string) []string {
	return append([]string{"isolated",
		"-importpath", fixturePkg + name,
		"-rpc-importpath", rpcImportpath(kinds[name]),
		"-out", filepath.Join(dir, "main.go"),
	}, fixtures[name]...)
}

// staticPlugins are the registry's plugins, given out of name order as a
// BUILD file may list them: the registry sorts them.
var staticPlugins = []string{"logger", "adder", "greeter", "signatures"}

// staticArgs are the arguments go_plugin_registry's _registry_src passes.
func staticArgs(dir string) []string {
	args := []string{"static",
		"-package", "registry",
		"-loader-importpath", "example.com/plugkit/host/loader",
		"-out", filepath.Join(dir, "registry.go"),
	}
	for _, name := range staticPlugins {
		args = append(args, "-plugin", kinds[name]+":pluginmaintest/"+name+"="+fixturePkg+name+":"+strings.Join(fixtures[name], ","))
	}
	return args
}

// generated runs pluginmain with args and returns each output file, by
// base name, from dir.
func generated(t *testing.T, dir string, args []string, outputs ...string) map[string][]byte {
	t.Helper()
	stderr, err := pluginmain(t, args...)
	require.NoError(t, err, "pluginmain %s", strings.Join(args, " "))
	assert.Empty(t, stderr, "pluginmain printed on success")
	files := map[string][]byte{}
	for _, out := range outputs {
		data, err := os.ReadFile(filepath.Join(dir, out))
		require.NoError(t, err)
		files[out] = data
	}
	return files
}

type goldenCase struct {
	name string
	args func(dir string) []string
	// outputs maps each file the run writes to its golden file's name.
	outputs map[string]string
}

// goldenCases are every mode with every fixture the rules would give it.
func goldenCases() []goldenCase {
	var cases []goldenCase
	for _, name := range []string{"adder", "greeter", "logger", "signatures"} {
		cases = append(cases,
			goldenCase{
				name:    "main_" + name,
				args:    func(dir string) []string { return mainArgs(name, dir) },
				outputs: map[string]string{"main.go": "main_" + name, "types.go": "main_" + name + "_types"},
			},
			goldenCase{
				name:    "isolated_" + name,
				args:    func(dir string) []string { return isolatedArgs(name, dir) },
				outputs: map[string]string{"main.go": "isolated_" + name},
			})
	}
	return append(cases, goldenCase{
		name:    "static_registry",
		args:    staticArgs,
		outputs: map[string]string{"registry.go": "static_registry"},
	})
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			outputs := make([]string, 0, len(tc.outputs))
			for out := range tc.outputs {
				outputs = append(outputs, out)
			}
			dir := t.TempDir()
			got := generated(t, dir, tc.args(dir), outputs...)
			// A second run, into another folder, proves the output depends
			// on the inputs alone: no paths, no map order.
			dir2 := t.TempDir()
			again := generated(t, dir2, tc.args(dir2), outputs...)
			for out, golden := range tc.outputs {
				assert.Equal(t, string(got[out]), string(again[out]), "%s differs between runs", out)
				checkGo(t, out, got[out])
				assert.NotContains(t, string(got[out]), dir, "%s names its output folder", out)
				compareGolden(t, golden, got[out])
			}
		})
	}
}

// checkGo asserts that src is what gofmt would write and parses as Go, with
// the generated-code header tools recognise.
func checkGo(t *testing.T, name string, src []byte) {
	t.Helper()
	_, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ParseComments)
	require.NoError(t, err, "%s does not parse:\n%s", name, src)
	formatted, err := format.Source(src)
	require.NoError(t, err)
	assert.Equal(t, string(formatted), string(src), "%s is not gofmt-clean", name)
	first, _, _ := strings.Cut(string(src), "\n")
	assert.Regexp(t, `^// Code generated by "pluginmain [^"]+"; DO NOT EDIT\.$`, first)
}

// compareGolden compares got with testdata/golden/<name>.golden, or
// rewrites that file with -update.
func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./tools/build/pluginmain -update to create it")
	// testify prints a unified diff of the two.
	assert.Equal(t, string(want), string(got), "stale %s: review the diff, then run go test ./tools/build/pluginmain -update", path)
}
