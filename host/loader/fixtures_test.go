package loader

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// fixtureNames are the plugins under testdata/plugins/<name>.
var fixtureNames = []string{"good", "badtypes", "badmanifest", "oldapi", "initpanic", "nomanifest", "exporttypes", "rebuild_v1", "rebuild_v2", "greeterkind", "initexit"}

// FixtureEnv names the environment variable through which a build system
// hands a test the fixture plugin name, e.g. LOADER_TESTPLUGIN_GOOD_SO. Its
// value is an absolute path, or a runfiles path resolved against
// RUNFILES_DIR, then TEST_SRCDIR, then the working directory.
func fixtureEnv(name string) string {
	return "LOADER_TESTPLUGIN_" + strings.ToUpper(name) + "_SO"
}

// buildDir holds fixtures built by the fallback; made by TestMain so that
// every test shares one build of each plugin, as they share one process in
// which each plugin can be opened only once.
var buildDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "loader-fixtures-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type built struct {
	once sync.Once
	path string
	skip string
	err  error
}

var fixtures sync.Map // name -> *built

// fixture returns the path of the fixture plugin name: from its environment
// variable when set, else built with the go command (skipping the test when
// there is none). The file must not be changed; copy it first.
func fixture(t testing.TB, name string) string {
	t.Helper()
	if v := os.Getenv(fixtureEnv(name)); v != "" {
		p := resolveRunfile(v)
		_, err := os.Stat(p)
		require.NoError(t, err, "%s=%s", fixtureEnv(name), v)
		return p
	}
	b, _ := fixtures.LoadOrStore(name, &built{})
	bf := b.(*built)
	bf.once.Do(func() { bf.path, bf.skip, bf.err = buildFixture(name) })
	if bf.skip != "" {
		t.Skip(bf.skip)
	}
	require.NoError(t, bf.err, "building fixture %s", name)
	return bf.path
}

func resolveRunfile(v string) string {
	if filepath.IsAbs(v) {
		return v
	}
	for _, env := range []string{"RUNFILES_DIR", "TEST_SRCDIR"} {
		if root := os.Getenv(env); root != "" {
			if p := filepath.Join(root, v); fileExists(p) {
				return p
			}
		}
	}
	return v
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// goTool prefers the toolchain that built this test binary: only its
// plugins can be opened here.
func goTool() (string, bool) {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p, true
	}
	p, err := exec.LookPath("go")
	return p, err == nil
}

func buildFixture(name string) (path, skip string, err error) {
	goBin, ok := goTool()
	if !ok {
		return "", fmt.Sprintf("no go command to build fixture %s and %s is not set", name, fixtureEnv(name)), nil
	}
	out := filepath.Join(buildDir, name+".so")
	args := []string{"build", "-buildmode=plugin"}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "-o", out, "./testdata/plugins/"+name)
	cmd := exec.Command(goBin, args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if msg, err := cmd.CombinedOutput(); err != nil {
		if strings.Contains(string(msg), "requires cgo") || strings.Contains(string(msg), "not supported") {
			return "", fmt.Sprintf("cannot build plugins here: %s", msg), nil
		}
		return "", "", fmt.Errorf("%s %s: %v\n%s", goBin, strings.Join(args, " "), err, msg)
	}
	return out, "", nil
}

// copyFixture copies the fixture name into dir as file (mode 0o644) and
// returns its path.
func copyFixture(t testing.TB, name, dir, file string) string {
	t.Helper()
	data, err := os.ReadFile(fixture(t, name))
	require.NoError(t, err)
	return writeFile(t, dir, file, data)
}

func writeFile(t testing.TB, dir, file string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, file)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	return p
}

// testConfig is what the tests' host expects: the test binary itself.
func testConfig() Config {
	cfg := HostConfig()
	cfg.TempDir = buildDir
	return cfg
}
