package bindgen

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Fixture plugins are found in one of two ways:
//
//   - BINDGEN_TESTPLUGIN_<NAME>_SO (NAME is the fixture's directory under
//     tools/build/bindgen/testdata, upper-cased: BASIC, COMPOSITE, WITHAPI,
//     BADTYPES) holds the path of a prebuilt .so, absolute or relative to the
//     runfiles directory ($RUNFILES_DIR, else $TEST_SRCDIR, else the working
//     directory). Bazel sets it with $(rlocationpath ...). The plugin must be
//     built with pluginpath example.com/plugkit/tools/build/bindgen/testdata/<name>
//     (the goldens name it) and with the same toolchain and flags as the
//     test binary, which opens it.
//   - Otherwise the test builds it once per test binary with
//     "go build -buildmode=plugin", and skips when there is no go on PATH.
//
// Built fixtures live in one directory per test binary rather than in
// t.TempDir(): a process loads a pluginpath only once, so every test must
// share the same file.
const fixturePkg = "example.com/plugkit/tools/build/bindgen/testdata/"

// testdataDir is tools/build/bindgen/testdata, from this package's directory.
const testdataDir = "../../testdata"

var fixtures struct {
	sync.Mutex
	dir   string
	built map[string]string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtures.dir != "" {
		os.RemoveAll(fixtures.dir)
	}
	os.Exit(code)
}

func fixtureEnv(name string) string {
	return "BINDGEN_TESTPLUGIN_" + strings.ToUpper(name) + "_SO"
}

// fixture returns the path of the fixture plugin built from
// tools/build/bindgen/testdata/<name>.
func fixture(t testing.TB, name string) string {
	t.Helper()
	env := fixtureEnv(name)
	if v := os.Getenv(env); v != "" {
		return runfile(t, env, v)
	}
	fixtures.Lock()
	defer fixtures.Unlock()
	if p, ok := fixtures.built[name]; ok {
		return p
	}
	goTool := requireGo(t, env)
	fixtureDir(t)
	out := filepath.Join(fixtures.dir, name+".so")
	goBuild(t, goTool, "", "-buildmode=plugin", "-o", out, fixturePkg+name)
	fixtures.built[name] = out
	return out
}

// runfile resolves a fixture path given in env var env.
func runfile(t testing.TB, env, v string) string {
	t.Helper()
	if filepath.IsAbs(v) {
		return v
	}
	var tried []string
	for _, root := range []string{os.Getenv("RUNFILES_DIR"), os.Getenv("TEST_SRCDIR"), "."} {
		if root == "" {
			continue
		}
		p := filepath.Join(root, v)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		tried = append(tried, p)
	}
	t.Fatalf("%s=%s: no such file (tried %s)", env, v, strings.Join(tried, ", "))
	return ""
}

// requireGo returns the go command, or skips: without it the fixtures
// can't be built here and must come from why (an env var) instead.
func requireGo(t testing.TB, why string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command on PATH to build test plugins; set %s to a prebuilt plugin", why)
	}
	return goTool
}

// goBuild runs a go command in dir ("" for this package's directory).
func goBuild(t testing.TB, goTool, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(goTool, append([]string{"build"}, args...)...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Run(), "go build %s\n%s", strings.Join(args, " "), out.String())
}

// linkAs gives a fixture a stable name in dir, so the header, which shows
// the base name, doesn't depend on where the fixture came from.
func linkAs(t testing.TB, target, dir, name string) string {
	t.Helper()
	link := filepath.Join(dir, name)
	require.NoError(t, os.Symlink(target, link))
	return link
}

// runMain runs the bindgen command in-process, so that plugins it opens
// are the ones this test binary has loaded.
func runMain(t testing.TB, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// bigPluginSource is a plugin exporting n symbols: n/2 functions Fnnnn
// returning their argument plus nnnn, and n/2 variables Vnnnn = nnnn.
func bigPluginSource(n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Command big exports %d symbols.\npackage main\n\n", n)
	for i := 0; i < n/2; i++ {
		fmt.Fprintf(&b, "// F%04d adds %d.\nfunc F%04d(x int) int { return x + %d }\n\n", i, i, i, i)
		fmt.Fprintf(&b, "// V%04d is %d.\nvar V%04d = %d\n\n", i, i, i, i)
	}
	b.WriteString("func main() {}\n")
	return b.Bytes()
}

// bigPlugin builds bigPluginSource(n) as its own module, named so that
// every size has its own pluginpath, once per test binary.
func bigPlugin(t testing.TB, n int) string {
	t.Helper()
	fixtures.Lock()
	defer fixtures.Unlock()
	key := fmt.Sprintf("big%d", n)
	if v := os.Getenv(fixtureEnv(key)); v != "" {
		return runfile(t, fixtureEnv(key), v) // built by Bazel
	}
	if p, ok := fixtures.built[key]; ok {
		return p
	}
	goTool := requireGo(t, "nothing (this plugin is generated)")
	fixtureDir(t)
	dir := filepath.Join(fixtures.dir, key)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/"+key+"\n\ngo 1.26\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), bigPluginSource(n), 0o644))
	out := filepath.Join(dir, key+".so")
	goBuild(t, goTool, dir, "-buildmode=plugin", "-o", out, ".")
	fixtures.built[key] = out
	return out
}

// fixtureDir creates the per-binary fixture directory; fixtures must be
// locked.
func fixtureDir(t testing.TB) {
	if fixtures.dir == "" {
		dir, err := os.MkdirTemp("", "bindgen-fixtures-")
		require.NoError(t, err)
		fixtures.dir, fixtures.built = dir, map[string]string{}
	}
}
