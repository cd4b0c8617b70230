package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"example.com/plugkit/host/buildconfig"
	"example.com/plugkit/host/loader"
	"example.com/plugkit/internal/buildrecord"
	"example.com/plugkit/internal/cli"
	"example.com/plugkit/internal/compat"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errUsage is the mark of a usage error, exit status 2 (internal/cli).
var errUsage = cli.ErrUsage

// runfile resolves a $(rlocationpath) handed over in the environment by the
// go_test rule.
func runfile(t testing.TB, env string) string { return compat.Runfile(t, env) }

// pluginsDir is //host/testdata:plugins, the host tests' own plugins in
// the layout the host reads: <dir>/hosttest/<name>/<name>.so.
func pluginsDir(t testing.TB) string {
	so := runfile(t, "HELLO_SO") // <root>/_main/host/testdata/hello/hello.so
	dir := filepath.Join(filepath.Dir(filepath.Dir(so)), "plugins")
	require.DirExists(t, dir)
	return dir
}

// TestLoaderConfig: the host's loader expects what
// buildconfig.LoaderConfig says; only the trust mode is the command line's.
func TestLoaderConfig(t *testing.T) {
	defer func(keys []loader.TrustedKey) { trustedKeys = keys }(trustedKeys)
	trustedKeys = nil
	got := newLoader().Config()
	assert.Equal(t, loader.New(buildconfig.LoaderConfig()).Config(), got)
	assert.Equal(t, buildconfig.Generated, got.RequireBuildRecord)
}

func TestGreet(t *testing.T) {
	dir := pluginsDir(t)
	for _, tc := range []struct{ lang, want string }{
		{"hello", "hello from host/testdata\n"},
		// Exported as a concrete value whose pointer has the methods.
		{"nihao", "你好, host/testdata\n"},
	} {
		for _, mode := range []string{"--isolated=false", "--isolated"} {
			t.Run(tc.lang+mode, func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				err := run([]string{"greet", mode, "--lang=" + tc.lang, "--plugins=" + dir}, &stdout, &stderr)
				require.NoError(t, err, "stderr: %s", stderr.String())
				assert.Equal(t, tc.want, stdout.String())
			})
		}
	}
}

func TestGreetUnknownLanguageListsAvailable(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run([]string{"greet", "--lang=klingon", "--plugins=" + pluginsDir(t)}, &stdout, &stderr)
	require.Error(t, err)
	assert.ErrorIs(t, err, errUsage)
	assert.Contains(t, err.Error(), `"klingon"`)
	assert.Contains(t, err.Error(), "available: hello, nihao")
	assert.Empty(t, stdout.String())
}

func TestGreetNoPlugins(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run([]string{"greet", "--plugins=" + t.TempDir()}, &stdout, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no greeter plugins")
}

func TestUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.ErrorIs(t, run(nil, &stdout, &stderr), errUsage)
	assert.ErrorIs(t, run([]string{"frobnicate"}, &stdout, &stderr), errUsage)
	assert.ErrorIs(t, run([]string{"greet", "--nope"}, &stdout, &stderr), errUsage)
	assert.ErrorIs(t, run([]string{"greet", "extra"}, &stdout, &stderr), errUsage)

	stderr.Reset()
	assert.True(t, errors.Is(run([]string{"greet", "--help"}, &stdout, &stderr), flag.ErrHelp))
	assert.Contains(t, stderr.String(), "-lang")
	// No machine path in the help: the plugins folder's default is said,
	// not shown (the runfiles' absolute path is this machine's).
	for _, cmd := range []string{"greet", "log", "add"} {
		stderr.Reset()
		assert.ErrorIs(t, run([]string{cmd, "--help"}, &stdout, &stderr), flag.ErrHelp)
		assert.Contains(t, stderr.String(), "$PLUGKIT_PLUGINS", cmd)
		assert.NotContains(t, stderr.String(), "runfiles/", cmd)
		assert.NotContains(t, stderr.String(), "/root/", cmd)
	}
	stderr.Reset()
	require.NoError(t, run([]string{"--help"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "greet")
}

// TestHostBinary runs the real host binary as a user would, plugins found
// through its own runfiles.
func TestHostBinary(t *testing.T) {
	bin := runfile(t, "HOST_BIN")
	for _, tc := range []struct {
		args     []string
		wantCode int
		stdout   string
		stderr   string
	}{
		{[]string{"greet", "--lang=nihao"}, 0, "你好, host/testdata\n", ""},
		{[]string{"greet", "--lang=hello"}, 0, "hello from host/testdata\n", ""},
		{[]string{"greet", "--lang=klingon"}, 2, "", "available: hello, nihao"},
		{[]string{"add", "2", "3"}, 0, "5 (adder host-test)\n", ""},
		{[]string{"log", "--level=warn", "--msg=disk almost full"}, 0, "tap warn \"disk almost full\" user=\"sample\"\n", ""},
	} {
		cmd := exec.Command(bin, tc.args...)
		cmd.Env = append(os.Environ(), "PLUGKIT_PLUGINS="+pluginsDir(t))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			code = exitErr.ExitCode()
		} else {
			require.NoError(t, err)
		}
		assert.Equal(t, tc.wantCode, code, "%v: stderr %s", tc.args, stderr.String())
		assert.Equal(t, tc.stdout, stdout.String(), "%v", tc.args)
		assert.Contains(t, stderr.String(), tc.stderr, "%v", tc.args)
	}
}

// TestInstalledHostBinary: a host copied out of Bazel's tree, as an install
// does, with no runfiles and no variables, finds the plugins beside it.
func TestInstalledHostBinary(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "host")
	data, err := os.ReadFile(runfile(t, "HOST_BIN"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(bin, data, 0o755))
	copyPlugin(t, filepath.Join(dir, "plugins"), "hello")

	cmd := exec.Command(bin, "greet", "--lang=hello")
	cmd.Env = withoutRunfiles(os.Environ())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "hello from host/testdata\n", string(out))
}

// TestHostBinaryRunfilesManifest runs the host as bazel-bin holds it, with
// nothing in its environment pointing at runfiles: it finds them through the
// manifest beside it, which the runfiles library prefers to the tree, and
// still finds //plugins, a folder, which no manifest lists.
func TestHostBinaryRunfilesManifest(t *testing.T) {
	bin, err := filepath.EvalSymlinks(runfile(t, "HOST_BIN"))
	require.NoError(t, err)
	for _, p := range []string{bin + ".runfiles_manifest", bin + ".runfiles"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("the host's own runfiles are not built beside it here: %v", err)
		}
	}
	cmd := exec.Command(bin, "list")
	cmd.Env = withoutRunfiles(os.Environ())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, rel := range strings.Fields(os.Getenv("PRODUCT_PLUGINS")) {
		if strings.HasSuffix(rel, ".so") {
			assert.Contains(t, string(out), filepath.Base(rel))
		}
	}
}

// withoutRunfiles is env without what points a program at its plugins or
// runfiles.
func withoutRunfiles(env []string) []string {
	var out []string
	for _, kv := range env {
		switch k, _, _ := strings.Cut(kv, "="); {
		case k == "PLUGKIT_PLUGINS", k == "TEST_SRCDIR", strings.HasPrefix(k, "RUNFILES_"):
		default:
			out = append(out, kv)
		}
	}
	return out
}

// copyPlugin copies a Bazel-built test plugin and its build record into
// dir/hosttest/<name>/, where a test may change them.
func copyPlugin(t *testing.T, dir, name string) string {
	t.Helper()
	src := filepath.Join(pluginsDir(t), "hosttest", name, name+".so")
	dst := filepath.Join(dir, "hosttest", name, name+".so")
	require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
	for _, suffix := range []string{"", buildrecord.Suffix} {
		data, err := os.ReadFile(src + suffix)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(dst+suffix, data, 0o644))
	}
	return dst
}

func TestGreetRefusesTamperedPlugin(t *testing.T) {
	dir := t.TempDir()
	so := copyPlugin(t, dir, "hello")
	data, err := os.ReadFile(so)
	require.NoError(t, err)
	data[len(data)/2] ^= 0xff
	require.NoError(t, os.WriteFile(so, data, 0o644))

	var stdout, stderr bytes.Buffer
	err = run([]string{"greet", "--lang=hello", "--plugins=" + dir}, &stdout, &stderr)
	require.Error(t, err)
	assert.ErrorIs(t, err, loader.ErrChecksumMismatch)
	assert.Empty(t, stdout.String())
}

func TestGreetRefusesPluginWithoutBuildRecord(t *testing.T) {
	dir := t.TempDir()
	so := copyPlugin(t, dir, "nihao")
	require.NoError(t, os.Remove(loader.BuildRecordPath(so)))

	var stdout, stderr bytes.Buffer
	err := run([]string{"greet", "--lang=nihao", "--plugins=" + dir}, &stdout, &stderr)
	require.Error(t, err)
	assert.ErrorIs(t, err, loader.ErrBuildRecordMissing)
}

// TestLegacyBuildRecordName: a plugin installed before the build record's
// rename, its record named <plugin>.so.manifest.json, still loads for one
// release, and `host inspect` says to rename it.
func TestLegacyBuildRecordName(t *testing.T) {
	dir := t.TempDir()
	so := copyPlugin(t, dir, "hello")
	require.NoError(t, os.Rename(buildrecord.PathFor(so), buildrecord.LegacyPathFor(so)))

	var stdout, stderr bytes.Buffer
	require.NoError(t, run([]string{"greet", "--lang=hello", "--plugins=" + dir}, &stdout, &stderr), stderr.String())
	assert.Equal(t, "hello from host/testdata\n", stdout.String())

	stdout.Reset()
	stderr.Reset()
	require.NoError(t, run([]string{"inspect", "--json", so}, &stdout, &stderr), stderr.String())
	var in loader.Inspection
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &in))
	assert.True(t, in.Verdict.Compatible, "%+v", in.Verdict)
	require.NotNil(t, in.BuildRecord)
	assert.Equal(t, "hosttest/hello", in.BuildRecord.Plugin)
	assert.Contains(t, strings.Join(in.Verdict.Notes, "\n"), "build record read from the old name "+buildrecord.LegacyPathFor(so))
}

func TestInspectJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	so := runfile(t, "HELLO_SO")
	require.NoError(t, run([]string{"inspect", "--json", so}, &stdout, &stderr), stderr.String())
	var in loader.Inspection
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &in))
	assert.True(t, in.Verdict.Compatible, "%+v", in.Verdict)
	require.NotNil(t, in.BuildRecord)
	assert.Equal(t, "hosttest/hello", in.BuildRecord.Plugin)
	assert.Equal(t, "greeter", in.BuildRecord.Kind)
	assert.Equal(t, in.SHA256, in.BuildRecord.SHA256)
	var names []string
	for _, e := range in.Exports {
		names = append(names, e.Name)
	}
	assert.Equal(t, []string{"Greeter", "PluginManifest"}, names)
	// Types come from DWARF, which Bazel keeps (--strip=never).
	assert.Equal(t, []loader.Export{
		{Name: "Greeter", Kind: "var", Type: "example.com/plugkit/pluginapi.Greeter"},
		{Name: "PluginManifest", Kind: "var", Type: "example.com/plugkit/pluginapi.Manifest"},
	}, in.Exports)
	assert.Empty(t, in.ExportsNote)
	var raw struct {
		Exports []map[string]string `json:"exports"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &raw))
	require.Len(t, raw.Exports, 2)
	assert.Equal(t, "example.com/plugkit/pluginapi.Greeter", raw.Exports[0]["type"])
}

func TestInspectText(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, run([]string{"inspect", runfile(t, "HELLO_SO")}, &stdout, &stderr))
	out := stdout.String()
	assert.Contains(t, out, "hosttest/hello, pluginapi 1.0.0")
	assert.Regexp(t, `(?m)^  kind\s+greeter$`, out)
	assert.Regexp(t, `(?m)^exports:\s+2 \(from \.dynsym\)$`, out)
	assert.Regexp(t, `(?m)^  var\s+Greeter\s+example\.com/plugkit/pluginapi\.Greeter$`, out)
	assert.Regexp(t, `(?m)^  var\s+PluginManifest\s+example\.com/plugkit/pluginapi\.Manifest$`, out)
	assert.Regexp(t, `(?m)^verdict:\s+compatible$`, out)
}

func TestInspectRefusesCFile(t *testing.T) {
	var stdout, stderr bytes.Buffer
	f := filepath.Join(t.TempDir(), "notes.so")
	require.NoError(t, os.WriteFile(f, []byte("not a plugin"), 0o644))
	err := run([]string{"inspect", f}, &stdout, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not_elf")
	assert.Regexp(t, `(?m)^\s+not_elf\s+.*not an ELF file`, stdout.String())
}

func TestList(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, run([]string{"list", pluginsDir(t)}, &stdout, &stderr), stdout.String())
	for _, p := range []string{"hosttest/hello/hello.so", "hosttest/nihao/nihao.so", "hosttest/sum/sum.so", "hosttest/tap/tap.so"} {
		assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(p)+`\s+[0-9a-f]{12}\s+ok$`, stdout.String())
	}
}

func TestListReportsRefusedPlugins(t *testing.T) {
	dir := t.TempDir()
	copyPlugin(t, dir, "hello")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "junk.so"), []byte("junk"), 0o644))
	var stdout, stderr bytes.Buffer
	err := run([]string{"list", dir}, &stdout, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1 of 2 plugins would be refused")
	assert.Regexp(t, `(?m)^junk.so\s+[0-9a-f]{12}\s+refused \(.*not_elf.*\)$`, stdout.String())
	assert.Regexp(t, `(?m)^hosttest/hello/hello.so\s+[0-9a-f]{12}\s+ok$`, stdout.String())
}

// TestLogBinary runs `host log` in a process of its own: the logger plugins
// print to the process's standard output. Plugins of other kinds in the
// folder are left alone.
func TestLogBinary(t *testing.T) {
	bin := runfile(t, "HOST_BIN")
	cmd := exec.Command(bin, "log", "--level=warn", "--msg=disk almost full", "--label=disk=/dev/sda", "--dir="+pluginsDir(t))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Equal(t, "tap warn \"disk almost full\" disk=\"/dev/sda\"\n", string(out))
}

// TestLogKeepsGoingPastABadPlugin: one bad file in the folder is reported,
// and every good logger still gets the message.
func TestLogKeepsGoingPastABadPlugin(t *testing.T) {
	dir := t.TempDir()
	copyPlugin(t, dir, "tap")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken.so"), []byte{0x7f, 'E', 'L', 'F', 2, 1}, 0o644))
	cmd := exec.Command(runfile(t, "HOST_BIN"), "log", "--dir="+dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr)
	assert.Equal(t, 1, exitErr.ExitCode())
	assert.Equal(t, "tap info \"Hello world!\" user=\"sample\"\n", stdout.String())
	assert.Contains(t, stderr.String(), "broken.so")
	assert.Contains(t, stderr.String(), "1 of 2 logger plugins failed")
}

// TestKindsDoNotMix: a plugin is bound through the kind it was built as;
// asked for as another kind, it is refused before it is opened.
func TestKindsDoNotMix(t *testing.T) {
	dir := t.TempDir()
	so := copyPlugin(t, dir, "tap")
	// A logger under a greeter's file name: greet finds it by name, and
	// the loader refuses it by kind.
	hello := filepath.Join(dir, "hosttest", "tap", "hello.so")
	require.NoError(t, os.Rename(so, hello))
	require.NoError(t, os.Rename(loader.BuildRecordPath(so), buildrecord.PathFor(hello)))
	var stdout, stderr bytes.Buffer
	err := run([]string{"greet", "--lang=hello", "--plugins=" + dir}, &stdout, &stderr)
	require.Error(t, err)
	assert.ErrorIs(t, err, loader.ErrWrongKind)
	assert.Equal(t, "wrong_kind", loader.Code(err))
}

// installGreeter copies a plugin file and its build record into
// dir/greeter/<lang>/<lang>.so, the layout `host greet` reads.
func installGreeter(t *testing.T, dir, lang, so string) {
	t.Helper()
	dst := filepath.Join(dir, "greeter", lang, lang+".so")
	require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
	for _, suffix := range []string{"", buildrecord.Suffix} {
		data, err := os.ReadFile(so + suffix)
		require.NoError(t, err, "Bazel writes a build record next to every plugin")
		require.NoError(t, os.WriteFile(dst+suffix, data, 0o644))
	}
}

// TestGreetRefusesIncompatibleBuilds: plugins Bazel built differently from
// this host (host/testdata/BUILD.bazel) are refused before they are opened,
// each with its own typed error, and the host keeps working afterwards.
func TestGreetRefusesIncompatibleBuilds(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  string
		want []error
		// not is a consequence of the root cause the diagnosis leaves out.
		not  error
		says string // what the report names
	}{
		{"built with -race", "RACE_SO", []error{loader.ErrBuildFlagsMismatch}, loader.ErrPackageMismatch, "build_flags_fingerprint"},
		{"pluginapi 2.0.0", "PLUGINAPI_V2_SO", []error{loader.ErrAPIVersion}, loader.ErrPackageMismatch, "pluginapi_version"},
		{"pluginapi with other contents", "PLUGINAPI_PATCHED_SO", []error{loader.ErrPackageMismatch}, nil, "example.com/plugkit/pluginapi"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			installGreeter(t, dir, "variant", runfile(t, tc.env))
			var stdout, stderr bytes.Buffer
			err := run([]string{"greet", "--lang=variant", "--plugins=" + dir}, &stdout, &stderr)
			require.Error(t, err)
			for _, want := range tc.want {
				assert.ErrorIs(t, err, want)
			}
			if tc.not != nil {
				assert.NotErrorIs(t, err, tc.not)
			}
			assert.Empty(t, stdout.String())
			assert.Contains(t, err.Error(), tc.says)
		})
	}
	// The host still loads a good plugin.
	var stdout, stderr bytes.Buffer
	require.NoError(t, run([]string{"greet", "--lang=hello", "--plugins=" + pluginsDir(t)}, &stdout, &stderr))
	assert.Equal(t, "hello from host/testdata\n", stdout.String())
}

// TestReload: a second build of a plugin loads beside the first and takes
// over its name, because each build has its own plugin path. (Other bytes
// under a loaded plugin path: host/loader's TestReloadTakesOverTheName.)
func TestReload(t *testing.T) {
	first, second := runfile(t, "HELLO_SO"), runfile(t, "HELLO_REBUILT_SO")
	var stdout, stderr bytes.Buffer
	require.NoError(t, run([]string{"reload", first, second}, &stdout, &stderr), "stderr: %s", stderr.String())
	rows := regexp.MustCompile(`(?m)^\S+\s+hosttest/hello\s+(\S+)\s+hello from host/testdata$`).FindAllStringSubmatch(stdout.String(), -1)
	require.Len(t, rows, 2, "stdout: %s", stdout.String())
	assert.Regexp(t, `^example\.com/plugkit/host/testdata/hello-[0-9a-f]{12}$`, rows[0][1])
	assert.Regexp(t, `^example\.com/plugkit/host/testdata/hello_rebuilt-[0-9a-f]{12}$`, rows[1][1])

	// Reloading bytes already loaded answers with the plugin loaded.
	stdout.Reset()
	require.NoError(t, run([]string{"reload", second}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), rows[1][1])
}

// hostOutput runs a host binary and returns what it printed, all streams.
func hostOutput(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %v: %s", filepath.Base(bin), args, out)
	return string(out)
}

// TestStaticHostMatchesDynamicHost: plugins linked into a static host print
// what the same plugins print when the host opens them as .so files. First
// the tests' own plugins, whose output is known.
func TestStaticHostMatchesDynamicHost(t *testing.T) {
	dynamic, static := runfile(t, "HOST_BIN"), runfile(t, "TEST_STATIC_HOST_BIN")
	withPlugins := []string{"PLUGKIT_PLUGINS=" + pluginsDir(t)}
	// The static host runs with no plugins folder at all.
	noPlugins := []string{"PLUGKIT_PLUGINS=" + t.TempDir()}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"add", "10", "20"}, "30 (adder host-test)\n"},
		{[]string{"greet", "--lang=hello"}, "hello from host/testdata\n"},
		{[]string{"greet", "--lang=nihao"}, "你好, host/testdata\n"},
		{[]string{"log"}, "tap info \"Hello world!\" user=\"sample\"\n"},
		{[]string{"log", "--level=warn", "--msg=disk almost full", "--label=disk=/dev/sda"}, "tap warn \"disk almost full\" disk=\"/dev/sda\"\n"},
	} {
		assert.Equal(t, tc.want, hostOutput(t, dynamic, withPlugins, tc.args...), "dynamic %v", tc.args)
		assert.Equal(t, tc.want, hostOutput(t, static, noPlugins, tc.args...), "static %v", tc.args)
		isolatedArgs := append([]string{tc.args[0], "--isolated"}, tc.args[1:]...)
		assert.Equal(t, tc.want, hostOutput(t, dynamic, withPlugins, isolatedArgs...), "isolated %v", tc.args)
	}
	// An unknown language lists what is linked in.
	cmd := exec.Command(static, "greet", "--lang=klingon")
	cmd.Env = append(os.Environ(), noPlugins...)
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "available: hello, nihao")
}

// TestShippedPluginsMatch: //host and //host:static agree on the plugins
// this repository ships (plugins/BUILD.bazel's list), whatever they are,
// for every command their kinds have.
func TestShippedPluginsMatch(t *testing.T) {
	dynamic, static := runfile(t, "HOST_BIN"), runfile(t, "STATIC_HOST_BIN")
	noPlugins := []string{"PLUGKIT_PLUGINS=" + t.TempDir()}
	var runs [][]string
	kinds := map[string]bool{}
	for _, rel := range strings.Fields(os.Getenv("PRODUCT_PLUGINS")) {
		if !strings.HasSuffix(rel, ".so") {
			continue
		}
		m, err := loader.ReadBuildRecord(compat.Resolve(t, rel))
		require.NoError(t, err)
		kinds[m.Kind] = true
		if m.Kind == "greeter" {
			runs = append(runs, []string{"greet", "--lang=" + strings.TrimSuffix(filepath.Base(rel), ".so")})
		}
	}
	if kinds["logger"] {
		runs = append(runs, []string{"log"}, []string{"log", "--level=warn", "--msg=disk almost full", "--label=disk=/dev/sda"})
	}
	if kinds["adder"] {
		runs = append(runs, []string{"add", "10", "20"})
	}
	if len(runs) == 0 {
		t.Skip("plugins/BUILD.bazel ships no greeter, logger or adder")
	}
	for _, args := range runs {
		want := hostOutput(t, dynamic, nil, args...)
		assert.Equal(t, want, hostOutput(t, static, noPlugins, args...), "static: %v", args)
		// The same plugins, each in a process of its own.
		isolatedArgs := append([]string{args[0], "--isolated"}, args[1:]...)
		assert.Equal(t, want, hostOutput(t, dynamic, nil, isolatedArgs...), "isolated: %v", args)
		assert.NotEmpty(t, want, "%v", args)
	}
}

func TestAdd(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, run([]string{"add", "--plugins=" + pluginsDir(t), "10", "20"}, &stdout, &stderr))
	assert.Equal(t, "30 (adder host-test)\n", stdout.String())
	assert.ErrorIs(t, run([]string{"add", "--plugins=" + pluginsDir(t), "ten", "20"}, &stdout, &stderr), errUsage)
	assert.ErrorIs(t, run([]string{"add", "1"}, &stdout, &stderr), errUsage)
}

// TestPathsUnderBazelRun: under `bazel run`, a relative path means the
// user's folder (BUILD_WORKING_DIRECTORY), not the runfiles.
func TestPathsUnderBazelRun(t *testing.T) {
	dir := pluginsDir(t)
	t.Setenv("BUILD_WORKING_DIRECTORY", filepath.Dir(dir))
	rel := filepath.Join(filepath.Base(dir), "hosttest", "hello", "hello.so")
	var stdout, stderr bytes.Buffer
	require.NoError(t, run([]string{"inspect", rel}, &stdout, &stderr), stderr.String())
	assert.Contains(t, stdout.String(), "hosttest/hello, pluginapi")
	stdout.Reset()
	require.NoError(t, run([]string{"greet", "--lang=hello", "--plugins=" + filepath.Base(dir)}, &stdout, &stderr))
	assert.Equal(t, "hello from host/testdata\n", stdout.String())
	stdout.Reset()
	require.NoError(t, run([]string{"list", filepath.Base(dir)}, &stdout, &stderr), stdout.String())
	assert.Contains(t, stdout.String(), "hosttest/hello/hello.so")
}
