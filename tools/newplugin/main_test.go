package main

import (
	"bytes"
	"errors"
	"flag"
	"go/format"
	"go/parser"
	"go/token"
	"os"
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

func scratchWorkspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+testModule+"\n\ngo 1.26\n"), 0o644))
	return dir
}

func TestGolden(t *testing.T) {
	for _, name := range []string{"greeter/french", "logger/syslog", "calc"} {
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
				out, err := os.ReadFile(filepath.Join(ws, "plugins", name, f))
				require.NoError(t, err)
				if strings.HasSuffix(f, ".go") {
					checkGo(t, f, out, pkg)
				}
				gf := filepath.Join(golden, f+".golden")
				if *update {
					require.NoError(t, os.MkdirAll(golden, 0o755))
					require.NoError(t, os.WriteFile(gf, out, 0o644))
					continue
				}
				exp, err := os.ReadFile(gf)
				require.NoError(t, err, "run go test ./tools/newplugin -update to create it")
				assert.Equal(t, string(exp), string(out), "%s differs from %s", f, gf)
			}

			// A second run refuses and leaves the files as they were.
			before, err := os.ReadFile(filepath.Join(ws, "plugins", name, pkg+".go"))
			require.NoError(t, err)
			err = run([]string{"--workspace", ws, name}, &stdout, &stderr)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "already exists")
			after, err := os.ReadFile(filepath.Join(ws, "plugins", name, pkg+".go"))
			require.NoError(t, err)
			assert.Equal(t, before, after)
		})
	}
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

func TestKinds(t *testing.T) {
	for name, want := range map[string]string{
		"greeter/french":       "var Greeter pluginapi.Greeter = greeter{}",
		"greeter/swiss/german": "var Greeter pluginapi.Greeter = greeter{}",
		"logger/syslog":        "var Logger pluginapi.Logger = logger{}",
		"calc":                 "func Hello(name string) string",
		"greeterx/french":      "func Hello(name string) string",
	} {
		files, err := render(testModule, name)
		require.NoError(t, err, name)
		pkg := name[strings.LastIndex(name, "/")+1:]
		assert.Contains(t, string(files[pkg+".go"]), want, name)
		assert.Contains(t, string(files[pkg+".go"]), "Name:       \""+name+"\",", name)
	}
}

func TestBadNames(t *testing.T) {
	ws := scratchWorkspace(t)
	require.NoError(t, os.MkdirAll(filepath.Join(ws, "plugins", "greeter", "english"), 0o755))
	for name, want := range map[string]string{
		"":                 "want one NAME",
		"Greeter/French":   "not a lowercase Go identifier",
		"greeter/français": "not a lowercase Go identifier",
		"greeter-french":   "not a lowercase Go identifier",
		"1calc":            "not a lowercase Go identifier",
		"greeter//french":  "empty element",
		"/calc":            "empty element",
		"calc/":            "empty element",
		"greeter/func":     "Go keyword",
		"type":             "Go keyword",
		"calc/main":        "package main",
		"calc_test":        "_test",
		"calc/testdata/x":  "special to the go command",
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

	err := run([]string{"--workspace", ws, "greeter/english"}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "plugins/greeter/english already exists")

	err = run([]string{"--workspace", t.TempDir(), "calc"}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not the workspace root")

	t.Setenv("BUILD_WORKSPACE_DIRECTORY", "")
	err = run([]string{"calc"}, &bytes.Buffer{}, &bytes.Buffer{})
	assert.ErrorIs(t, err, errUsage)
	assert.Contains(t, err.Error(), "bazel run //tools/newplugin")
}

func TestHelp(t *testing.T) {
	var stderr bytes.Buffer
	err := run([]string{"--help"}, &bytes.Buffer{}, &stderr)
	assert.True(t, errors.Is(err, flag.ErrHelp))
	assert.Contains(t, stderr.String(), "usage: bazel run //tools/newplugin -- [--workspace=DIR] NAME")
	assert.Contains(t, stderr.String(), "-workspace")
}
