package main

import (
	"bytes"
	"errors"
	"flag"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the generator's output (go test ./tools/newplugin -update)")

// testModule is the module path of the scratch workspaces, other than this
// repository's so that the test proves newplugin reads it from go.mod.
const testModule = "example.com/newplugintest"

// testPluginsBuild is a plugins/BUILD.bazel with the one list of plugins.
const testPluginsBuild = `load("//tools/rules:defs.bzl", "plugin_dir")

# The plugins this repository ships.
PLUGINS = [
    "//plugins/greeter/english:plugin",
]

plugin_dir(
    name = "plugins",
    plugins = PLUGINS,
)
`

// scratchWorkspace is a workspace with go.mod, the real contract
// (pluginapi's source: ../../pluginapi, data under Bazel) and a
// plugins/BUILD.bazel.
func scratchWorkspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+testModule+"\n\ngo 1.26\n"), 0o644))
	srcs, err := filepath.Glob(filepath.Join("..", "..", "pluginapi", "*.go"))
	require.NoError(t, err)
	require.NotEmpty(t, srcs, "pluginapi's source is data of this test")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "pluginapi"), 0o755))
	for _, src := range srcs {
		if strings.HasSuffix(src, "_test.go") {
			continue
		}
		data, err := os.ReadFile(src)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "pluginapi", filepath.Base(src)), data, 0o644))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "plugins"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "plugins", "BUILD.bazel"), []byte(testPluginsBuild), 0o644))
	return dir
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

// TestGolden scaffolds one plugin of every kind the real contract declares.
func TestGolden(t *testing.T) {
	for _, name := range []string{"greeter/french", "logger/syslog", "adder/fast"} {
		t.Run(strings.ReplaceAll(name, "/", "_"), func(t *testing.T) {
			ws := scratchWorkspace(t)
			var stdout, stderr bytes.Buffer
			require.NoError(t, run([]string{"--workspace", ws, name}, &stdout, &stderr))
			assert.Empty(t, stderr.String())
			pkg := name[strings.LastIndex(name, "/")+1:]
			want := []string{"BUILD.bazel", pkg + ".go", pkg + "_test.go"}
			for _, f := range want {
				assert.Contains(t, stdout.String(), "wrote plugins/"+name+"/"+f+"\n")
			}
			entries, err := os.ReadDir(filepath.Join(ws, "plugins", name))
			require.NoError(t, err)
			var got []string
			for _, e := range entries {
				got = append(got, e.Name())
			}
			assert.Equal(t, want, got)

			golden := filepath.Join("testdata", "golden", strings.ReplaceAll(name, "/", "_"))
			for _, f := range want {
				out := readFile(t, filepath.Join(ws, "plugins", name, f))
				if strings.HasSuffix(f, ".go") {
					checkGo(t, f, []byte(out), pkg)
				}
				gf := filepath.Join(golden, f+".golden")
				if *update {
					require.NoError(t, os.MkdirAll(golden, 0o755))
					require.NoError(t, os.WriteFile(gf, []byte(out), 0o644))
					continue
				}
				exp, err := os.ReadFile(gf)
				require.NoError(t, err, "run go test ./tools/newplugin -update to create it")
				assert.Equal(t, string(exp), out, "%s differs from %s", f, gf)
			}

			// The plugin joins the one list, which stays sorted and formatted.
			list := readFile(t, filepath.Join(ws, "plugins", "BUILD.bazel"))
			assert.Contains(t, list, `"//plugins/`+name+`:plugin",`)
			assert.Contains(t, list, `"//plugins/greeter/english:plugin",`)
			assert.Contains(t, list, "# The plugins this repository ships.")

			// A second run refuses and leaves the files as they were.
			before := readFile(t, filepath.Join(ws, "plugins", name, pkg+".go"))
			err = run([]string{"--workspace", ws, name}, &stdout, &stderr)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "already exists")
			assert.Equal(t, before, readFile(t, filepath.Join(ws, "plugins", name, pkg+".go")))
		})
	}
}

// TestGeneratedCodeBuilds compiles the scaffolds of every kind with the go
// command, against the real contract. Under Bazel there is no go command;
// there, //tools/fork:fork_test.sh builds scaffolded plugins in a fork.
func TestGeneratedCodeBuilds(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	ws := scratchWorkspace(t)
	for _, name := range []string{"greeter/french", "logger/syslog", "adder/fast"} {
		require.NoError(t, run([]string{"--workspace", ws, "--no-register", name}, &bytes.Buffer{}, &bytes.Buffer{}))
	}
	// This repository's requirements (testify), under the scratch module.
	gomod := readFile(t, filepath.Join("..", "..", "go.mod"))
	gomod = "module " + testModule + gomod[strings.Index(gomod, "\n"):]
	require.NoError(t, os.WriteFile(filepath.Join(ws, "go.mod"), []byte(gomod), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(ws, "go.sum"), []byte(readFile(t, filepath.Join("..", "..", "go.sum"))), 0o644))
	cmd := exec.Command(gobin, "vet", "./pluginapi/...", "./plugins/...")
	cmd.Dir = ws
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
}

// checkGo asserts that src parses, is gofmt-clean, is package pkg, and
// imports pluginapi from the workspace's module.
func checkGo(t *testing.T, file string, src []byte, pkg string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, src, parser.ParseComments)
	require.NoError(t, err)
	assert.Equal(t, pkg, f.Name.Name)
	formatted, err := format.Source(src)
	require.NoError(t, err)
	assert.Equal(t, string(formatted), string(src), "%s is not gofmt-clean", file)
	var imports []string
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		require.NoError(t, err)
		imports = append(imports, p)
	}
	assert.Contains(t, imports, testModule+"/pluginapi")
	if strings.HasSuffix(file, "_test.go") {
		assert.Contains(t, imports, "github.com/stretchr/testify/assert")
	} else {
		assert.Contains(t, string(src), "var PluginManifest = pluginapi.Manifest{")
	}
}

func TestNoRegister(t *testing.T) {
	ws := scratchWorkspace(t)
	var stdout bytes.Buffer
	require.NoError(t, run([]string{"--workspace", ws, "--no-register", "greeter/french"}, &stdout, &bytes.Buffer{}))
	assert.Equal(t, testPluginsBuild, readFile(t, filepath.Join(ws, "plugins", "BUILD.bazel")))
	assert.Contains(t, stdout.String(), "--no-register")
	assert.FileExists(t, filepath.Join(ws, "plugins", "greeter", "french", "french.go"))
}

// TestNoListWritesNothing: without the list to register in, nothing is
// written, and the error says what to do.
func TestNoListWritesNothing(t *testing.T) {
	ws := scratchWorkspace(t)
	require.NoError(t, os.WriteFile(filepath.Join(ws, "plugins", "BUILD.bazel"), []byte("# no list\n"), 0o644))
	err := run([]string{"--workspace", ws, "greeter/french"}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--no-register")
	assert.NoDirExists(t, filepath.Join(ws, "plugins", "greeter"))
}

func TestBadNames(t *testing.T) {
	ws := scratchWorkspace(t)
	require.NoError(t, os.MkdirAll(filepath.Join(ws, "plugins", "greeter", "english"), 0o755))
	for name, want := range map[string]string{
		"":                 "want one KIND/NAME",
		"calc":             "no KIND/ prefix",
		"widget/french":    `kind "widget" is not declared`,
		"Greeter/French":   "not a lowercase Go identifier",
		"greeter/français": "not a lowercase Go identifier",
		"greeter-french":   "not a lowercase Go identifier",
		"greeter//french":  "empty element",
		"/calc":            "empty element",
		"greeter/":         "empty element",
		"greeter/func":     "Go keyword",
		"greeter/main":     "package main",
		"greeter/x_test":   "_test",
		"greeter/testdata": "special to the go command",
		"../calc":          "not a lowercase Go identifier",
	} {
		var args []string
		if name != "" {
			args = []string{name}
		}
		err := run(append([]string{"--workspace", ws}, args...), &bytes.Buffer{}, &bytes.Buffer{})
		require.Error(t, err, name)
		assert.ErrorIs(t, err, errUsage, name)
		assert.Contains(t, err.Error(), want, name)
	}
	// An undeclared kind lists the declared ones.
	err := run([]string{"--workspace", ws, "widget/french"}, &bytes.Buffer{}, &bytes.Buffer{})
	assert.Contains(t, err.Error(), "adder, greeter, logger")

	err = run([]string{"--workspace", ws, "greeter/english"}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "plugins/greeter/english already exists")

	err = run([]string{"--workspace", t.TempDir(), "greeter/french"}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not the workspace root")

	t.Setenv("BUILD_WORKSPACE_DIRECTORY", "")
	err = run([]string{"greeter/french"}, &bytes.Buffer{}, &bytes.Buffer{})
	assert.ErrorIs(t, err, errUsage)
	assert.Contains(t, err.Error(), "bazel run //tools/newplugin")
}

func TestHelp(t *testing.T) {
	var stderr bytes.Buffer
	err := run([]string{"--workspace", scratchWorkspace(t), "--help"}, &bytes.Buffer{}, &stderr)
	assert.True(t, errors.Is(err, flag.ErrHelp))
	assert.Contains(t, stderr.String(), "KIND/NAME")
	assert.Contains(t, stderr.String(), "-workspace")
	assert.Contains(t, stderr.String(), "-no-register")
	for _, kind := range []string{"adder", "greeter", "logger"} {
		assert.Contains(t, stderr.String(), kind)
	}
}
