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
	"testing"

	"example.com/plugkit/host/loader"
	"example.com/plugkit/tools/compat"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runfile resolves a $(rlocationpath) handed over in the environment by the
// go_test rule.
func runfile(t testing.TB, env string) string { return compat.Runfile(t, env) }

// pluginsDir is the plugins/ folder the Bazel-built .so files sit in.
func pluginsDir(t testing.TB) string {
	so := runfile(t, "ENGLISH_SO") // <root>/_main/plugins/greeter/english/english.so
	return filepath.Dir(filepath.Dir(filepath.Dir(so)))
}

func TestGreet(t *testing.T) {
	dir := pluginsDir(t)
	for _, tc := range []struct{ lang, want string }{
		{"english", "Hello Universe\n"},
		{"chinese", "你好宇宙\n"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run([]string{"greet", "--lang=" + tc.lang, "--plugins=" + dir}, &stdout, &stderr)
			require.NoError(t, err, "stderr: %s", stderr.String())
			assert.Equal(t, tc.want, stdout.String())
		})
	}
}

func TestGreetUnknownLanguageListsAvailable(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run([]string{"greet", "--lang=klingon", "--plugins=" + pluginsDir(t)}, &stdout, &stderr)
	require.Error(t, err)
	assert.ErrorIs(t, err, errUsage)
	assert.Contains(t, err.Error(), `"klingon"`)
	assert.Contains(t, err.Error(), "available: chinese, english")
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
		{[]string{"greet", "--lang=chinese"}, 0, "你好宇宙\n", ""},
		{[]string{"greet", "--lang=english"}, 0, "Hello Universe\n", ""},
		{[]string{"greet", "--lang=klingon"}, 2, "", "available: chinese, english"},
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

// copyPlugin copies a Bazel-built plugin and its build manifest into
// dir/<kind>/<name>/, where a test may change them.
func copyPlugin(t *testing.T, dir, kind, name string) string {
	t.Helper()
	src := filepath.Join(pluginsDir(t), kind, name, name+".so")
	dst := filepath.Join(dir, kind, name, name+".so")
	require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
	for _, suffix := range []string{"", ".manifest.json"} {
		data, err := os.ReadFile(src + suffix)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(dst+suffix, data, 0o644))
	}
	return dst
}

func TestGreetRefusesTamperedPlugin(t *testing.T) {
	dir := t.TempDir()
	so := copyPlugin(t, dir, "greeter", "english")
	data, err := os.ReadFile(so)
	require.NoError(t, err)
	data[len(data)/2] ^= 0xff
	require.NoError(t, os.WriteFile(so, data, 0o644))

	var stdout, stderr bytes.Buffer
	err = run([]string{"greet", "--lang=english", "--plugins=" + dir}, &stdout, &stderr)
	require.Error(t, err)
	assert.ErrorIs(t, err, loader.ErrChecksumMismatch)
	assert.Empty(t, stdout.String())
}

func TestGreetRefusesPluginWithoutManifest(t *testing.T) {
	dir := t.TempDir()
	so := copyPlugin(t, dir, "greeter", "chinese")
	require.NoError(t, os.Remove(loader.BuildManifestPath(so)))

	var stdout, stderr bytes.Buffer
	err := run([]string{"greet", "--lang=chinese", "--plugins=" + dir}, &stdout, &stderr)
	require.Error(t, err)
	assert.ErrorIs(t, err, loader.ErrManifestMissing)
}

func TestInspectJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	so := runfile(t, "ENGLISH_SO")
	require.NoError(t, run([]string{"inspect", "--json", so}, &stdout, &stderr), stderr.String())
	var in loader.Inspection
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &in))
	assert.True(t, in.Verdict.Compatible, "%+v", in.Verdict)
	require.NotNil(t, in.BuildManifest)
	assert.Equal(t, "greeter/english", in.BuildManifest.Plugin)
	assert.Equal(t, in.SHA256, in.BuildManifest.SHA256)
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
	require.NoError(t, run([]string{"inspect", runfile(t, "ENGLISH_SO")}, &stdout, &stderr))
	out := stdout.String()
	assert.Contains(t, out, "greeter/english, pluginapi 1.0.0")
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
	for _, p := range []string{"greeter/chinese/chinese.so", "greeter/english/english.so", "loggers/json.so", "loggers/text.so"} {
		assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(p)+`\s+[0-9a-f]{12}\s+ok$`, stdout.String())
	}
}

func TestListReportsRefusedPlugins(t *testing.T) {
	dir := t.TempDir()
	copyPlugin(t, dir, "greeter", "english")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "junk.so"), []byte("junk"), 0o644))
	var stdout, stderr bytes.Buffer
	err := run([]string{"list", dir}, &stdout, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1 of 2 plugins would be refused")
	assert.Regexp(t, `(?m)^junk.so\s+[0-9a-f]{12}\s+refused \(.*not_elf.*\)$`, stdout.String())
	assert.Regexp(t, `(?m)^greeter/english/english.so\s+[0-9a-f]{12}\s+ok$`, stdout.String())
}

// TestLogBinary runs `host log` in a process of its own: the logger plugins
// print to the process's standard output, as in seed 004.
func TestLogBinary(t *testing.T) {
	bin := runfile(t, "HOST_BIN")
	cmd := exec.Command(bin, "log", "--level=warn", "--msg=disk almost full", "--label=disk=/dev/sda", "--dir="+filepath.Join(pluginsDir(t), "loggers"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Equal(t, "[WARN]\tdisk almost full\n\t{\"disk\":\"/dev/sda\"}\n"+
		"WARN disk almost full disk=\"/dev/sda\"\n", string(out))
}

// TestLogKeepsGoingPastABadPlugin: one bad file in the folder is reported,
// and every good logger still gets the message.
func TestLogKeepsGoingPastABadPlugin(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"json", "text"} {
		src := filepath.Join(pluginsDir(t), "loggers", name+".so")
		for _, suffix := range []string{"", ".manifest.json"} {
			data, err := os.ReadFile(src + suffix)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, name+".so"+suffix), data, 0o644))
		}
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken.so"), []byte{0x7f, 'E', 'L', 'F', 2, 1}, 0o644))
	cmd := exec.Command(runfile(t, "HOST_BIN"), "log", "--dir="+dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr)
	assert.Equal(t, 1, exitErr.ExitCode())
	assert.Contains(t, stdout.String(), "[INFO]\tHello world!")
	assert.Contains(t, stdout.String(), "INFO Hello world! user=\"sample\"")
	assert.Contains(t, stderr.String(), "broken.so")
	assert.Contains(t, stderr.String(), "1 of 3 logger plugins failed")
}

// installGreeter copies a plugin file and its build manifest into
// dir/greeter/<lang>/<lang>.so, the layout `host greet` reads.
func installGreeter(t *testing.T, dir, lang, so string) {
	t.Helper()
	dst := filepath.Join(dir, "greeter", lang, lang+".so")
	require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
	for _, suffix := range []string{"", loader.BuildManifestSuffix} {
		data, err := os.ReadFile(so + suffix)
		require.NoError(t, err, "Bazel writes a build manifest next to every plugin")
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
		pkg  string // the package the report names
	}{
		{"built with -race", "RACE_SO", []error{loader.ErrBuildFlagsMismatch, loader.ErrPackageMismatch}, "internal/race"},
		{"pluginapi 2.0.0", "PLUGINAPI_V2_SO", []error{loader.ErrAPIVersion, loader.ErrPackageMismatch}, "example.com/plugkit/pluginapi"},
		{"pluginapi with other contents", "PLUGINAPI_PATCHED_SO", []error{loader.ErrPackageMismatch}, "example.com/plugkit/pluginapi"},
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
			assert.Empty(t, stdout.String())
			assert.Contains(t, err.Error(), tc.pkg)
		})
	}
	// The host still loads a good plugin.
	var stdout, stderr bytes.Buffer
	require.NoError(t, run([]string{"greet", "--lang=english", "--plugins=" + pluginsDir(t)}, &stdout, &stderr))
	assert.Equal(t, "Hello Universe\n", stdout.String())
}

// TestReload: a second build of a plugin loads beside the first and takes
// over its name, because each build has its own plugin path. (Other bytes
// under a loaded plugin path: host/loader's TestReloadTakesOverTheName.)
func TestReload(t *testing.T) {
	first, second := runfile(t, "ENGLISH_SO"), runfile(t, "ENGLISH_REBUILT_SO")
	var stdout, stderr bytes.Buffer
	require.NoError(t, run([]string{"reload", first, second}, &stdout, &stderr), "stderr: %s", stderr.String())
	rows := regexp.MustCompile(`(?m)^\S+\s+greeter/english\s+(\S+)\s+Hello Universe$`).FindAllStringSubmatch(stdout.String(), -1)
	require.Len(t, rows, 2, "stdout: %s", stdout.String())
	assert.Regexp(t, `^example\.com/plugkit/plugins/greeter/english/plugin-[0-9a-f]{12}$`, rows[0][1])
	assert.Regexp(t, `^example\.com/plugkit/host/testdata/english_rebuilt-[0-9a-f]{12}$`, rows[1][1])

	// Reloading bytes already loaded answers with the plugin loaded.
	stdout.Reset()
	require.NoError(t, run([]string{"reload", second}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), rows[1][1])
}

// TestStaticHostMatchesDynamicHost: the plugins linked into //host:static
// print what the same plugins print when //host opens them as .so files.
func TestStaticHostMatchesDynamicHost(t *testing.T) {
	dynamic, static := runfile(t, "HOST_BIN"), runfile(t, "STATIC_HOST_BIN")
	for _, args := range [][]string{
		{"add", "10", "20"},
		{"greet", "--lang=english"},
		{"greet", "--lang=chinese"},
		{"log"},
		{"log", "--level=warn", "--msg=disk almost full", "--label=disk=/dev/sda"},
	} {
		want, err := exec.Command(dynamic, args...).CombinedOutput()
		require.NoError(t, err, "dynamic host %v: %s", args, want)
		// The static host runs with no plugins folder at all.
		cmd := exec.Command(static, args...)
		cmd.Env = append(os.Environ(), "PLUGKIT_PLUGINS="+t.TempDir())
		got, err := cmd.CombinedOutput()
		require.NoError(t, err, "static host %v: %s", args, got)
		assert.Equal(t, string(want), string(got), "%v", args)
		assert.NotEmpty(t, got)
	}
	// An unknown language lists what is linked in.
	cmd := exec.Command(static, "greet", "--lang=klingon")
	cmd.Env = append(os.Environ(), "PLUGKIT_PLUGINS="+t.TempDir())
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "available: chinese, english")
}

func TestAdd(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, run([]string{"add", "--plugins=" + pluginsDir(t), "10", "20"}, &stdout, &stderr))
	assert.Equal(t, "30 (adder 1.0.0)\n", stdout.String())
	assert.ErrorIs(t, run([]string{"add", "--plugins=" + pluginsDir(t), "ten", "20"}, &stdout, &stderr), errUsage)
	assert.ErrorIs(t, run([]string{"add", "1"}, &stdout, &stderr), errUsage)
}
