package bindgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rpcArgs are the genrule's arguments (tools/rules/kinds.bzl) for kind.
func rpcArgs(kind, out string, extra ...string) []string {
	return append([]string{"rpc", "-kind", kind, "-api-importpath", apiImportPath,
		"-isolated-importpath", isolatedImportPath, "-loader-importpath", loaderImportPath,
		"-bindings-importpath", apiImportPath + "/kinds/" + kind, "-output-path", out}, extra...)
}

// TestRPCGolden generates the rpc stubs of every kind pluginapi declares
// and compares them with testdata/golden/rpc_<kind>.golden (-update
// rewrites them). The build compiles the same output (//pluginapi/kinds).
func TestRPCGolden(t *testing.T) {
	files := apiSources(t)
	for _, kind := range realKinds {
		t.Run(kind, func(t *testing.T) {
			gen := func() string {
				out := filepath.Join(t.TempDir(), kind+"rpc.go")
				code, _, stderr := runMain(t, append(rpcArgs(kind, out, "-kinds", strings.Join(realKinds, ",")), files...)...)
				require.Equal(t, 0, code, stderr)
				b, err := os.ReadFile(out)
				require.NoError(t, err)
				return string(b)
			}
			got := gen()
			assert.Equal(t, got, gen(), "output differs between runs")
			assert.NotContains(t, got, "/root/", "no machine paths")
			checkGolden(t, "rpc_"+kind, []byte(got))
		})
	}
}

// TestRPCRefusesWhatCannotCross: a kind whose methods take or return a
// func, a chan, an interface or an address is refused, every problem at
// once, each naming the method (or symbol) and the type.
func TestRPCRefusesWhatCannotCross(t *testing.T) {
	out := filepath.Join(t.TempDir(), "watchrpc.go")
	code, _, stderr := runMain(t, "rpc", "-kind", "watch", "-api-importpath", "example.com/plugkit/tools/build/bindgen/testdata/rpcbad",
		"-isolated-importpath", isolatedImportPath, "-output-path", out, filepath.Join(testdataDir, "rpcbad", "api.go"))
	assert.Equal(t, 1, code)
	for _, want := range []string{
		"kind cannot run out of process: kind watch (rpcbad.WatchKind)",
		"Watcher.OnChange: parameter 1 (func(string)): a func cannot cross a process",
		"Watcher.Events: result 1 (chan int): a chan cannot cross a process",
		"Watcher.Anything: parameter 1 (any): an interface value cannot cross",
		"Watcher.Ptr: result 1 (uintptr): a uintptr is an address",
		"Hook: parameter 1 (func()): a func cannot cross a process",
		"variable Channel of type chan string: a chan cannot cross a process",
	} {
		assert.Contains(t, stderr, want)
	}
	assert.NoFileExists(t, out)
}

func TestRPCUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no kind", []string{"rpc", "-api-importpath", apiImportPath, "-isolated-importpath", isolatedImportPath, "x.go"}, "-kind is required"},
		{"no isolated", []string{"rpc", "-kind", "greeter", "-api-importpath", apiImportPath, "x.go"}, "-isolated-importpath is required"},
		{"no sources", []string{"rpc", "-kind", "greeter", "-api-importpath", apiImportPath, "-isolated-importpath", isolatedImportPath}, "source files are required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runMain(t, tc.args...)
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr, tc.want)
		})
	}
	code, _, stderr := runMain(t, "rpc", "-help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "bindgen rpc generates the stubs")
}
