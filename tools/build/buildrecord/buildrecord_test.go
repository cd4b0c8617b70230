package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bazelbuild/rules_go/go/runfiles"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/internal/buildrecord"
)

var update = flag.Bool("update", false, "rewrite testdata/golden (tools/bazel run //tools/build/buildrecord:buildrecord_test -- -update)")

// soEnv names the rlocationpath of the plugin the tests describe: a real
// .so from //host/testdata (sum, the host tests' adder), set by the go_test's env.
const soEnv = "BUILDRECORD_TEST_SO"

// pluginSO is the path of that plugin.
func pluginSO(t *testing.T) string {
	t.Helper()
	rl := os.Getenv(soEnv)
	require.NotEmpty(t, rl, "%s is unset: run bazel test //tools/build/buildrecord:buildrecord_test", soEnv)
	path, err := runfiles.Rlocation(rl)
	require.NoError(t, err)
	return path
}

// buildFlags are what go_build_flags would pass, unsorted and with a
// duplicate: the fingerprint is of the set.
var buildFlags = []string{"GOOS=linux", "GOARCH=amd64", "-race", "-tags=netgo", "GOOS=linux"}

// commonArgs are the flags both modes take, as _common_args passes them.
func commonArgs() []string {
	args := []string{"-go-version", "1.26.8"}
	for _, f := range buildFlags {
		args = append(args, "-flag", f)
	}
	return append(args,
		"-go-mod", "testdata/shared.go.mod",
		// The version is in the second file: every file is read.
		"-api-src", "testdata/pluginapi/kinds.go",
		"-api-src", "testdata/pluginapi/pluginapi.go",
	)
}

// linkedImportpaths are the import paths the plugin links, as the rule
// lists them from its libraries' transitive archives.
var linkedImportpaths = []string{
	// The main module and the standard library are in no requirement.
	"example.com/buildrecordtest/plugins/greeter",
	"fmt",
	// A module, and a package of it.
	"github.com/hashicorp/go-plugin",
	"github.com/hashicorp/go-plugin/internal/cmdrunner",
	// Nested modules: the longest module path wins.
	"example.com/nested/other",
	"example.com/nested/sub/pkg",
	// Replaced, by a version and by a folder.
	"example.com/forked/pkg",
	"example.com/local",
}

// wantDeps is shared_deps for linkedImportpaths: golang.org/x/mod and
// x/sys are required but not linked.
var wantDeps = map[string]string{
	"example.com/forked":             "v1.0.1",
	"example.com/local":              "=> ./local",
	"example.com/nested":             "v1.2.0",
	"example.com/nested/sub":         "v1.3.0",
	"github.com/hashicorp/go-plugin": "v1.6.3",
}

func pluginArgs(so, out string) []string {
	args := append([]string{"plugin", "-so", so, "-out", out, "-name", "adder", "-kind", "adder"}, commonArgs()...)
	for _, ip := range linkedImportpaths {
		args = append(args, "-importpath", ip)
	}
	return args
}

func hostArgs(out string, extra ...string) []string {
	return append(append([]string{"host", "-out", out}, commonArgs()...), extra...)
}

// invoke runs the command in-process and returns what it printed to
// stderr, and its error; nothing but help goes to stdout.
func invoke(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(args, &stdout, &stderr)
	assert.Empty(t, stdout.String(), "buildrecord printed to stdout")
	return stderr.String(), err
}

// record runs plugin mode on so and returns the file it wrote.
func record(t *testing.T, so string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "plugin.so.build.json")
	stderr, err := invoke(t, pluginArgs(so, out)...)
	require.NoError(t, err)
	assert.Empty(t, stderr)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	return data
}

// fingerprint is buildrecord.FlagsFingerprint written out again, so that a
// change to how flags are condensed, which would make every plugin built
// before it mismatch, fails here.
func fingerprint(flags []string) string {
	set := map[string]bool{}
	for _, f := range flags {
		set[f] = true
	}
	sorted := make([]string, 0, len(set))
	for f := range set {
		sorted = append(sorted, f)
	}
	sort.Strings(sorted)
	h := sha256.New()
	for _, f := range sorted {
		io.WriteString(h, f+"\n")
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

func TestPluginRecord(t *testing.T) {
	so := pluginSO(t)
	data := record(t, so)

	content, err := os.ReadFile(so)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(content, []byte("\x7fELF")), "%s is not an ELF file", so)
	sum := sha256.Sum256(content)

	var got map[string]any
	require.NoError(t, json.Unmarshal(data, &got))
	deps := map[string]any{}
	for k, v := range wantDeps {
		deps[k] = v
	}
	assert.Equal(t, map[string]any{
		"schema_version":          float64(1),
		"plugin":                  "adder",
		"kind":                    "adder",
		"sha256":                  hex.EncodeToString(sum[:]),
		"size":                    float64(len(content)),
		"go_version":              "go1.26.8",
		"build_flags_fingerprint": fingerprint(buildFlags),
		"pluginapi_version":       "1.4.2",
		"shared_deps":             deps,
	}, got)

	// The exact bytes, layout included: the golden has the file's checksum
	// and size as placeholders, since the plugin's bytes depend on the
	// toolchain.
	generic := strings.Replace(string(data), hex.EncodeToString(sum[:]), "@@SHA256@@", 1)
	generic = strings.Replace(generic, `"size": `+strconv.Itoa(len(content))+",", `"size": @@SIZE@@,`, 1)
	compareGolden(t, "plugin.build.json", []byte(generic))

	// What the build writes, the loader reads: it parses records with
	// buildrecord.Parse.
	r, err := buildrecord.Parse(data)
	require.NoError(t, err)
	assert.Equal(t, "adder", r.Kind)
}

// TestPluginRecordDeterministic: the record depends on the file's bytes,
// not its name, place or times, so a rebuild that links the same bytes
// writes the same record, and an action cache can keep it.
func TestPluginRecordDeterministic(t *testing.T) {
	content, err := os.ReadFile(pluginSO(t))
	require.NoError(t, err)
	a := filepath.Join(t.TempDir(), "a", "adder.so")
	b := filepath.Join(t.TempDir(), "elsewhere", "renamed.so")
	for i, p := range []string{a, b} {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, content, 0o644))
		mtime := time.Date(2000+i*20, 1, 1, 0, 0, 0, 0, time.UTC)
		require.NoError(t, os.Chtimes(p, mtime, mtime))
	}
	first, second := record(t, a), record(t, b)
	assert.Equal(t, string(first), string(second))

	wd, err := os.Getwd()
	require.NoError(t, err)
	for _, path := range []string{a, b, filepath.Dir(a), wd, os.TempDir()} {
		assert.NotContains(t, string(first), path)
	}
	assert.NotContains(t, string(first), "adder.so")
}

func TestHostGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		extra  []string
	}{
		{"buildconfig.go", nil},
		{"buildconfig_package.go", []string{"-package", "expectations"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			src := hostSourceFor(t, tc.extra...)
			assert.Equal(t, string(src), string(hostSourceFor(t, tc.extra...)), "output differs between runs")
			_, err := parser.ParseFile(token.NewFileSet(), tc.golden, src, parser.ParseComments)
			require.NoError(t, err, "%s", src)
			formatted, err := format.Source(src)
			require.NoError(t, err)
			assert.Equal(t, string(formatted), string(src), "output is not gofmt-clean")
			compareGolden(t, tc.golden, src)
		})
	}
}

func hostSourceFor(t *testing.T, extra ...string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "buildconfig.go")
	stderr, err := invoke(t, hostArgs(out, extra...)...)
	require.NoError(t, err)
	assert.Empty(t, stderr)
	src, err := os.ReadFile(out)
	require.NoError(t, err)
	return src
}

// TestHostAgreesWithPlugin is the point of the tool: from the same inputs,
// the host's expectations are the plugin's record. The host expects every
// module of go.mod; the plugin names those it links.
func TestHostAgreesWithPlugin(t *testing.T) {
	var m struct {
		GoVersion   string            `json:"go_version"`
		Fingerprint string            `json:"build_flags_fingerprint"`
		SharedDeps  map[string]string `json:"shared_deps"`
	}
	require.NoError(t, json.Unmarshal(record(t, pluginSO(t)), &m))

	consts, deps := parseHostSource(t, hostSourceFor(t))
	assert.Equal(t, "true", consts["Generated"])
	assert.Equal(t, strconv.Quote(m.GoVersion), consts["GoVersion"])
	assert.Equal(t, strconv.Quote(m.Fingerprint), consts["BuildFlagsFingerprint"])
	for mod, v := range m.SharedDeps {
		assert.Equal(t, v, deps[mod], mod)
	}
	assert.Equal(t, map[string]string{
		"example.com/forked":             "v1.0.1",
		"example.com/local":              "=> ./local",
		"example.com/nested":             "v1.2.0",
		"example.com/nested/sub":         "v1.3.0",
		"github.com/hashicorp/go-plugin": "v1.6.3",
		"golang.org/x/mod":               "v0.42.0",
		"golang.org/x/sys":               "v0.30.0",
	}, deps)
}

// parseHostSource returns the constants of host mode's output, as written,
// and its SharedDeps.
func parseHostSource(t *testing.T, src []byte) (map[string]string, map[string]string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "buildconfig.go", src, 0)
	require.NoError(t, err)
	consts, deps := map[string]string{}, map[string]string{}
	for _, decl := range f.Decls {
		gd := decl.(*ast.GenDecl)
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			switch {
			case gd.Tok == token.CONST:
				switch v := vs.Values[0].(type) {
				case *ast.BasicLit:
					consts[vs.Names[0].Name] = v.Value
				case *ast.Ident:
					consts[vs.Names[0].Name] = v.Name
				}
			case vs.Names[0].Name == "SharedDeps":
				for _, el := range vs.Values[0].(*ast.CompositeLit).Elts {
					kv := el.(*ast.KeyValueExpr)
					k, err := strconv.Unquote(kv.Key.(*ast.BasicLit).Value)
					require.NoError(t, err)
					v, err := strconv.Unquote(kv.Value.(*ast.BasicLit).Value)
					require.NoError(t, err)
					deps[k] = v
				}
			}
		}
	}
	return consts, deps
}

// compareGolden compares got with testdata/golden/<name>.golden, or
// rewrites that file with -update. Under `bazel run` it writes into the
// workspace, not the runfiles.
func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		dest := path
		if ws := os.Getenv("BUILD_WORKSPACE_DIRECTORY"); ws != "" {
			dest = filepath.Join(ws, "tools", "build", "buildrecord", path)
		}
		require.NoError(t, os.WriteFile(dest, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run tools/bazel run //tools/build/buildrecord:buildrecord_test -- -update to create it")
	// testify prints a unified diff of the two.
	assert.Equal(t, string(want), string(got), "stale %s: review the diff, then run tools/bazel run //tools/build/buildrecord:buildrecord_test -- -update", path)
}
