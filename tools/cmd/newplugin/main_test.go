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
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/bazelbuild/buildtools/build"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/internal/cli"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the generator's output (go test ./tools/cmd/newplugin -update)")

// testModule is the module path of the scratch workspaces that prove
// newplugin reads it from go.mod; the golden workspaces use this
// repository's own go.mod.
const testModule = "example.com/newplugintest"

// testPluginsBuild is a plugins/BUILD.bazel with the one list of plugins,
// for workspaces of another contract, and under Bazel, where this
// repository's plugins/BUILD.bazel is not exported to the test.
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

// repo is this repository's root, under go test and in the test's
// runfiles under Bazel (go.mod and pluginapi's source are data).
var repo = filepath.Join("..", "..", "..")

// newWorkspace is a workspace in a temporary folder: this repository's
// go.mod (and go.sum, when there is one) with the module line set to module
// unless it is empty, the API package's source from apiSrc, and
// plugins/BUILD.bazel, this repository's when there is one and realPlugins
// is set, else testPluginsBuild.
func newWorkspace(t *testing.T, module, apiSrc string, realPlugins bool) string {
	t.Helper()
	dir := t.TempDir()
	gomod := readFile(t, filepath.Join(repo, "go.mod"))
	if module != "" {
		gomod = "module " + module + gomod[strings.Index(gomod, "\n"):]
	}
	writeFile(t, filepath.Join(dir, "go.mod"), gomod)
	if sum, err := os.ReadFile(filepath.Join(repo, "go.sum")); err == nil {
		writeFile(t, filepath.Join(dir, "go.sum"), string(sum))
	}
	srcs, err := filepath.Glob(filepath.Join(apiSrc, "*.go"))
	require.NoError(t, err)
	require.NotEmpty(t, srcs, "the contract's source, %s, is data of this test", apiSrc)
	for _, src := range srcs {
		if !strings.HasSuffix(src, "_test.go") {
			writeFile(t, filepath.Join(dir, "pluginapi", filepath.Base(src)), readFile(t, src))
		}
	}
	plugins := testPluginsBuild
	if realPlugins {
		// Not data under Bazel (plugins/ exports no BUILD.bazel): there the
		// test edits testPluginsBuild instead.
		if data, err := os.ReadFile(filepath.Join(repo, "plugins", "BUILD.bazel")); err == nil {
			plugins = string(data)
		}
	}
	writeFile(t, filepath.Join(dir, "plugins", "BUILD.bazel"), plugins)
	return dir
}

// scratchWorkspace is a workspace of the real contract under testModule.
func scratchWorkspace(t *testing.T) string {
	return newWorkspace(t, testModule, filepath.Join(repo, "pluginapi"), false)
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

// golden compares the files newplugin wrote for name in ws, and its
// output, with testdata/golden/<name with _ for />/, or rewrites them with
// -update.
func golden(t *testing.T, ws, name, stdout string) {
	t.Helper()
	pkg := name[strings.LastIndex(name, "/")+1:]
	want := []string{"BUILD.bazel", pkg + ".go", pkg + "_test.go"}
	entries, err := os.ReadDir(filepath.Join(ws, "plugins", name))
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	assert.Equal(t, want, got)

	dir := filepath.Join("testdata", "golden", strings.ReplaceAll(name, "/", "_"))
	files := map[string]string{"stdout": stdout}
	for _, f := range want {
		files[f] = readFile(t, filepath.Join(ws, "plugins", name, f))
		switch {
		case strings.HasSuffix(f, ".go"):
			checkGo(t, f, []byte(files[f]), pkg)
		case f == "BUILD.bazel":
			checkBuild(t, f, files[f])
		}
	}
	for f, out := range files {
		gf := filepath.Join(dir, f+".golden")
		if *update {
			writeFile(t, gf, out)
			continue
		}
		exp, err := os.ReadFile(gf)
		require.NoError(t, err, "run go test ./tools/cmd/newplugin -update to create it")
		assert.Equal(t, string(exp), out, "%s differs from %s", f, gf)
	}
}

// TestGolden scaffolds one plugin of every kind the real contract declares,
// in a copy of this workspace: its go.mod, pluginapi's source and
// plugins/BUILD.bazel.
func TestGolden(t *testing.T) {
	for _, name := range []string{"greeter/french", "logger/syslog", "adder/fast"} {
		t.Run(strings.ReplaceAll(name, "/", "_"), func(t *testing.T) {
			ws := newWorkspace(t, "", filepath.Join(repo, "pluginapi"), true)
			listBefore := readFile(t, filepath.Join(ws, "plugins", "BUILD.bazel"))
			var stdout, stderr bytes.Buffer
			require.NoError(t, run([]string{"--workspace", ws, name}, &stdout, &stderr))
			assert.Empty(t, stderr.String())
			golden(t, ws, name, stdout.String())

			// The plugin joins the one list, which stays sorted and formatted,
			// and nothing else in the file changes.
			label := "//plugins/" + name + ":plugin"
			listAfter := readFile(t, filepath.Join(ws, "plugins", "BUILD.bazel"))
			checkBuild(t, "plugins/BUILD.bazel", listAfter)
			before, after := pluginsList(t, listBefore), pluginsList(t, listAfter)
			assert.True(t, sort.StringsAreSorted(after), "PLUGINS is not sorted: %q", after)
			assert.ElementsMatch(t, append(before, label), after)
			assert.Equal(t, listBefore, strings.Replace(listAfter, "    \""+label+"\",\n", "", 1),
				"plugins/BUILD.bazel changed other than by one line in PLUGINS")

			// A second run refuses and leaves every file as it was.
			src := readFile(t, filepath.Join(ws, "plugins", name, name[strings.LastIndex(name, "/")+1:]+".go"))
			err := run([]string{"--workspace", ws, name}, &stdout, &stderr)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "plugins/"+name+" already exists")
			assert.Equal(t, src, readFile(t, filepath.Join(ws, "plugins", name, name[strings.LastIndex(name, "/")+1:]+".go")))
			assert.Equal(t, listAfter, readFile(t, filepath.Join(ws, "plugins", "BUILD.bazel")))
		})
	}
}

// fancyAPI is a contract whose kinds use what the real one does not:
// imports, a named func type, embedded interfaces, named results, names
// that collide (testdata/fancy/pluginapi).
var fancyAPI = filepath.Join("testdata", "fancy", "pluginapi")

const fancyModule = "example.com/fancy"

// TestGoldenFancy scaffolds plugins of testdata/fancy's kinds, in a
// workspace of another module.
func TestGoldenFancy(t *testing.T) {
	for _, name := range []string{"fancy/demo", "plain/bare"} {
		t.Run(strings.ReplaceAll(name, "/", "_"), func(t *testing.T) {
			ws := newWorkspace(t, fancyModule, fancyAPI, false)
			var stdout, stderr bytes.Buffer
			require.NoError(t, run([]string{"--workspace", ws, name}, &stdout, &stderr))
			assert.Empty(t, stderr.String())
			golden(t, ws, name, stdout.String())
			assert.Contains(t, readFile(t, filepath.Join(ws, "plugins", name, "BUILD.bazel")),
				`importpath = "`+fancyModule+"/plugins/"+name+`"`, "the module path comes from go.mod")
		})
	}
}

// TestGeneratedCodeBuilds vets, builds and tests the scaffolds of every
// kind, of the real contract and of testdata/fancy, with the go command
// (offline: GOPROXY=off, this repository's go.mod and go.sum). Under Bazel,
// which has no go command for tests, it is skipped; //tools/cmd/fork:fork_test.sh
// builds and tests scaffolded plugins in a fork with Bazel.
func TestGeneratedCodeBuilds(t *testing.T) {
	if os.Getenv("TEST_SRCDIR") != "" {
		t.Skip("under Bazel: no go command")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	if _, err := os.Stat(filepath.Join(repo, "go.sum")); err != nil {
		t.Skip("no go.sum beside go.mod")
	}
	for _, tc := range []struct {
		module, api string
		names       []string
	}{
		{testModule, filepath.Join(repo, "pluginapi"), []string{"greeter/french", "logger/syslog", "adder/fast", "greeter/swiss/german"}},
		{fancyModule, fancyAPI, []string{"fancy/demo", "plain/bare"}},
	} {
		t.Run(tc.module, func(t *testing.T) {
			ws := newWorkspace(t, tc.module, tc.api, false)
			for _, name := range tc.names {
				require.NoError(t, run([]string{"--workspace", ws, "--no-register", name}, &bytes.Buffer{}, &bytes.Buffer{}))
			}
			for _, args := range [][]string{
				{"vet", "./pluginapi/...", "./plugins/..."},
				{"test", "-count=1", "./plugins/..."},
			} {
				cmd := exec.Command(gobin, args...)
				cmd.Dir = ws
				cmd.Env = append(os.Environ(), "GOWORK=off", "GOPROXY=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=readonly -buildvcs=false")
				out, err := cmd.CombinedOutput()
				require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), out)
			}
		})
	}
}

// checkGo asserts that src parses, is gofmt-clean, is package pkg, and
// imports pluginapi.
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
	var api bool
	for _, p := range imports {
		api = api || strings.HasSuffix(p, "/pluginapi")
	}
	assert.True(t, api, "%s does not import pluginapi: %q", file, imports)
	if strings.HasSuffix(file, "_test.go") {
		assert.Contains(t, imports, "github.com/stretchr/testify/assert")
	} else {
		assert.Contains(t, string(src), "var PluginManifest = pluginapi.Manifest{")
	}
}

// checkBuild asserts that a BUILD file is as buildifier formats it.
func checkBuild(t *testing.T, file, src string) {
	t.Helper()
	f, err := build.ParseBuild(file, []byte(src))
	require.NoError(t, err)
	assert.Equal(t, src, string(build.Format(f)), "%s is not formatted as buildifier formats it", file)
}

// pluginsList returns the labels in PLUGINS = [...] of a plugins/BUILD.bazel.
func pluginsList(t *testing.T, src string) []string {
	t.Helper()
	f, err := build.ParseBuild("plugins/BUILD.bazel", []byte(src))
	require.NoError(t, err)
	for _, stmt := range f.Stmt {
		if a, ok := stmt.(*build.AssignExpr); ok {
			if id, ok := a.LHS.(*build.Ident); ok && id.Name == "PLUGINS" {
				l, ok := a.RHS.(*build.ListExpr)
				require.True(t, ok, "PLUGINS is not a list")
				var out []string
				for _, e := range l.List {
					s, ok := e.(*build.StringExpr)
					require.True(t, ok, "PLUGINS holds a non-string")
					out = append(out, s.Value)
				}
				return out
			}
		}
	}
	t.Fatal("no PLUGINS")
	return nil
}

func TestRegister(t *testing.T) {
	const file = `# head
PLUGINS = [
    # the first
    "//plugins/a:plugin",
    "//plugins/c:plugin",  # the last
]

other(name = "x")
`
	out, added, err := register("plugins/BUILD.bazel", []byte(file), "//plugins/b:plugin")
	require.NoError(t, err)
	assert.True(t, added)
	assert.Equal(t, `# head
PLUGINS = [
    # the first
    "//plugins/a:plugin",
    "//plugins/b:plugin",
    "//plugins/c:plugin",  # the last
]

other(name = "x")
`, string(out))

	for label, want := range map[string][]string{
		"//plugins/0:plugin": {"//plugins/0:plugin", "//plugins/a:plugin", "//plugins/c:plugin"},
		"//plugins/z:plugin": {"//plugins/a:plugin", "//plugins/c:plugin", "//plugins/z:plugin"},
	} {
		out, added, err := register("plugins/BUILD.bazel", []byte(file), label)
		require.NoError(t, err)
		assert.True(t, added)
		assert.Equal(t, want, pluginsList(t, string(out)), label)
	}

	// Already listed: unchanged.
	out, added, err = register("plugins/BUILD.bazel", []byte(file), "//plugins/c:plugin")
	require.NoError(t, err)
	assert.False(t, added)
	assert.Equal(t, file, string(out))

	// An empty list gets its one element.
	out, added, err = register("plugins/BUILD.bazel", []byte("PLUGINS = []\n"), "//plugins/a:plugin")
	require.NoError(t, err)
	assert.True(t, added)
	assert.Equal(t, []string{"//plugins/a:plugin"}, pluginsList(t, string(out)))

	for src, want := range map[string]string{
		"# nothing\n":                 "has no list PLUGINS",
		"PLUGINS = OTHER + [\"x\"]\n": "not a list literal",
		"PLUGINS = [\n":               "cannot register",
	} {
		_, _, err := register("plugins/BUILD.bazel", []byte(src), "//plugins/a:plugin")
		require.Error(t, err, src)
		assert.ErrorIs(t, err, errNoRegistry, src)
		assert.Contains(t, err.Error(), want, src)
	}
}

func TestNoRegister(t *testing.T) {
	ws := scratchWorkspace(t)
	var stdout bytes.Buffer
	require.NoError(t, run([]string{"--workspace", ws, "--no-register", "greeter/french"}, &stdout, &bytes.Buffer{}))
	assert.Equal(t, testPluginsBuild, readFile(t, filepath.Join(ws, "plugins", "BUILD.bazel")))
	assert.Contains(t, stdout.String(), "--no-register")
	assert.NotContains(t, stdout.String(), "//host", "a plugin that does not ship is not in the host")
	assert.FileExists(t, filepath.Join(ws, "plugins", "greeter", "french", "french.go"))

	// --no-register needs no plugins/BUILD.bazel at all.
	require.NoError(t, os.Remove(filepath.Join(ws, "plugins", "BUILD.bazel")))
	require.NoError(t, run([]string{"--workspace", ws, "--no-register", "logger/syslog"}, &bytes.Buffer{}, &bytes.Buffer{}))
	assert.FileExists(t, filepath.Join(ws, "plugins", "logger", "syslog", "syslog.go"))
}

// TestNoListWritesNothing: without the list to register in, nothing is
// written, and the error says what to do.
func TestNoListWritesNothing(t *testing.T) {
	for what, setup := range map[string]func(ws string){
		"no PLUGINS": func(ws string) {
			writeFile(t, filepath.Join(ws, "plugins", "BUILD.bazel"), "# no list\n")
		},
		"no plugins/BUILD.bazel": func(ws string) {
			require.NoError(t, os.Remove(filepath.Join(ws, "plugins", "BUILD.bazel")))
		},
	} {
		ws := scratchWorkspace(t)
		setup(ws)
		err := run([]string{"--workspace", ws, "greeter/french"}, &bytes.Buffer{}, &bytes.Buffer{})
		require.Error(t, err, what)
		assert.ErrorIs(t, err, errNoRegistry, what)
		assert.Contains(t, err.Error(), `add "//plugins/greeter/french:plugin"`, what)
		assert.Contains(t, err.Error(), "--no-register", what)
		assert.NoDirExists(t, filepath.Join(ws, "plugins", "greeter"), what)
	}
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
		assert.ErrorIs(t, err, cli.ErrUsage, name)
		assert.Equal(t, 2, cli.Status(err), name)
		assert.Contains(t, err.Error(), want, name)
	}
	// An undeclared kind, and a name without one, list the declared kinds.
	for _, name := range []string{"widget/french", "calc"} {
		err := run([]string{"--workspace", ws, name}, &bytes.Buffer{}, &bytes.Buffer{})
		assert.Contains(t, err.Error(), "adder, greeter, logger", name)
	}
	assert.NoDirExists(t, filepath.Join(ws, "plugins", "widget"))
	assert.Equal(t, testPluginsBuild, readFile(t, filepath.Join(ws, "plugins", "BUILD.bazel")))

	err := run([]string{"--workspace", ws, "greeter/english"}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "plugins/greeter/english already exists")
	assert.Equal(t, testPluginsBuild, readFile(t, filepath.Join(ws, "plugins", "BUILD.bazel")))

	err = run([]string{"--workspace", t.TempDir(), "greeter/french"}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not the workspace root")

	t.Setenv("BUILD_WORKSPACE_DIRECTORY", "")
	err = run([]string{"greeter/french"}, &bytes.Buffer{}, &bytes.Buffer{})
	assert.ErrorIs(t, err, cli.ErrUsage)
	assert.Contains(t, err.Error(), "bazel run //tools/cmd/newplugin")
}

func TestHelp(t *testing.T) {
	var stderr bytes.Buffer
	err := run([]string{"--workspace", scratchWorkspace(t), "--help"}, &bytes.Buffer{}, &stderr)
	assert.True(t, errors.Is(err, flag.ErrHelp))
	assert.Contains(t, stderr.String(), "KIND/NAME")
	assert.Contains(t, stderr.String(), "-workspace")
	assert.Contains(t, stderr.String(), "-no-register")
	assert.Contains(t, stderr.String(), "kinds declared in pluginapi/")
	for _, kind := range []string{"adder", "greeter", "logger"} {
		assert.Regexp(t, `(?m)^  `+kind+` +PluginManifest`, stderr.String())
	}

	// Without a readable workspace, the usage alone.
	stderr.Reset()
	err = run([]string{"--workspace", t.TempDir(), "--help"}, &bytes.Buffer{}, &stderr)
	assert.True(t, errors.Is(err, flag.ErrHelp))
	assert.Contains(t, stderr.String(), "KIND/NAME")
	assert.NotContains(t, stderr.String(), "kinds declared")
}
