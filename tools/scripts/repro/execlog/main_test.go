package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/internal/cli"
)

// testdata/build.json is an execution log as Bazel 7 writes it
// (--execution_log_json_file): pretty-printed SpawnExec objects joined as
// "}{", no newline at the end. Its four spawns:
//
//	GoCompilePkg //internal/cli:cli               remote cache hit
//	GoCompilePkg //tools/scripts/repro/execlog:execlog_test (twice: the
//	             internal test package and the testmain), remote cacheable,
//	             ran locally
//	Genrule      //host/testdata:stamp            tagged no-remote-cache: remotable
//	             and cacheable, but not remoteCacheable; no platform
//	             properties, as when its platform has no exec_properties
//
// truncated.json is its first entry and part of the second, as a build
// killed while writing leaves it; malformed.json lacks a comma in the second.

func TestMain(m *testing.M) {
	// Set under `bazel run`, it would move the relative testdata paths.
	os.Unsetenv("BUILD_WORKING_DIRECTORY")
	os.Exit(m.Run())
}

func runTool(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func writeLog(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "exec.json")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

func TestCache(t *testing.T) {
	stdout, stderr, err := runTool(t, "cache", "testdata/build.json")
	require.NoError(t, err, stderr)
	assert.Equal(t, `uncacheable Genrule //host/testdata:stamp (processwrapper-sandbox)
miss GoCompilePkg //tools/scripts/repro/execlog:execlog_test (processwrapper-sandbox)
miss GoCompilePkg //tools/scripts/repro/execlog:execlog_test (processwrapper-sandbox)
spawns 4 cacheable 3 misses 2
`, stdout)
	assert.Empty(t, stderr)
}

func TestExecuted(t *testing.T) {
	stdout, stderr, err := runTool(t, "executed", "testdata/build.json")
	require.NoError(t, err, stderr)
	assert.Equal(t, `3 spawns executed
    1  Genrule                //host/testdata:stamp
    2  GoCompilePkg           //tools/scripts/repro/execlog:execlog_test
`, stdout)
}

func TestPlatform(t *testing.T) {
	stdout, stderr, err := runTool(t, "platform", "testdata/build.json")
	require.NoError(t, err, stderr)
	assert.Equal(t, "plugkit-cc-toolchain=26b7fcc34e713239\n", stdout)

	stdout, stderr, err = runTool(t, "platform", "--require=plugkit-cc-toolchain", "testdata/build.json")
	require.Error(t, err)
	assert.Equal(t, 1, cli.Status(err))
	assert.Equal(t, "plugkit-cc-toolchain=26b7fcc34e713239\n", stdout, "the properties are printed all the same")
	assert.Equal(t, "no plugkit-cc-toolchain: Genrule //host/testdata:stamp (processwrapper-sandbox)\n", stderr)
	assert.Contains(t, err.Error(), "testdata/build.json: 1 of 4 spawns have no platform property plugkit-cc-toolchain")

	_, _, err = runTool(t, "platform", "--require=plugkit-cc-toolchain", writeLog(t, ""))
	assert.NoError(t, err, "no spawn lacks it in an empty log")
}

func TestPlatformDistinctSorted(t *testing.T) {
	log := writeLog(t, `{
  "mnemonic": "GoLink",
  "platform": {
    "properties": [{
      "name": "plugkit-cc-toolchain",
      "value": "bbbb"
    }, {
      "name": "OSFamily",
      "value": "Linux"
    }]
  }
}{
  "mnemonic": "GoCompilePkg",
  "platform": {
    "properties": [{
      "name": "plugkit-cc-toolchain",
      "value": "aaaa"
    }, {
      "name": "OSFamily",
      "value": "Linux"
    }]
  }
}`)
	stdout, stderr, err := runTool(t, "platform", "--require=OSFamily", "--require=plugkit-cc-toolchain", log)
	require.NoError(t, err, stderr)
	assert.Equal(t, "OSFamily=Linux\nplugkit-cc-toolchain=aaaa\nplugkit-cc-toolchain=bbbb\n", stdout,
		"two values of one property are both shown: the spawns disagree on their toolchain")
}

func TestEmptyLog(t *testing.T) {
	// A build whose every action hit the local action cache logs nothing.
	for _, path := range []string{"testdata/empty.json", writeLog(t, "\n \n")} {
		stdout, stderr, err := runTool(t, "cache", path)
		require.NoError(t, err, stderr)
		assert.Equal(t, "spawns 0 cacheable 0 misses 0\n", stdout)
		stdout, _, err = runTool(t, "executed", path)
		require.NoError(t, err)
		assert.Equal(t, "0 spawns executed\n", stdout)
		stdout, _, err = runTool(t, "platform", path)
		require.NoError(t, err)
		assert.Empty(t, stdout)
	}
}

func TestTruncatedLog(t *testing.T) {
	data, err := os.ReadFile("testdata/build.json")
	require.NoError(t, err)
	second := bytes.Index(data, []byte("}{")) + 1
	for _, cmd := range []string{"cache", "executed", "platform"} {
		stdout, _, err := runTool(t, cmd, "testdata/truncated.json")
		require.Error(t, err, cmd)
		assert.Equal(t, 1, cli.Status(err))
		assert.Contains(t, err.Error(), "testdata/truncated.json: byte offset "+strconv.Itoa(second)+": entry 2 is cut short by the end of the file")
		assert.Empty(t, stdout, "%s prints nothing of a log it could not read whole", cmd)
	}
}

func TestMalformedLog(t *testing.T) {
	data, err := os.ReadFile("testdata/malformed.json")
	require.NoError(t, err)
	second := bytes.Index(data, []byte("}{")) + 1
	// The comma is missing before the second entry's "cacheable": the
	// decoder fails on that key's opening quote.
	bad := bytes.Index(data[second:], []byte(`"cacheable"`)) + second
	_, _, err = runTool(t, "cache", "testdata/malformed.json")
	require.Error(t, err)
	assert.Equal(t, 1, cli.Status(err))
	assert.Contains(t, err.Error(), "testdata/malformed.json: byte offset "+strconv.Itoa(bad)+": entry 2 (from byte offset "+strconv.Itoa(second)+") is not JSON")
}

func TestNotASpawnLog(t *testing.T) {
	for _, tc := range []struct{ name, log, want string }{
		{"null", `{"mnemonic": "GoLink"} null`, "byte offset 23: entry 2 is null"},
		{"no mnemonic", `{"mnemonic": "GoLink"}` + "\n" + `{"id": "1", "started": {}}`, "byte offset 23: entry 2 has no \"mnemonic\""},
		{"wrong type", `{"mnemonic": "GoLink"}{"mnemonic": "GoLink", "cacheHit": "yes"}`, "byte offset 22: entry 2: field \"cacheHit\" is a JSON string"},
		{"array", `[{"mnemonic": "GoLink"}]`, "byte offset 0: entry 1: field \"\" is a JSON array"},
		{"garbage", "\n\nnot json", "byte offset 3: entry 1 (from byte offset 2) is not JSON"},
		{"whitespace between", "{\"mnemonic\": \"GoLink\"}\n\n{\"mnemonic\" \"GoLink\"}", "byte offset 36: entry 2 (from byte offset 24) is not JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeLog(t, tc.log)
			_, _, err := runTool(t, "cache", path)
			require.Error(t, err)
			assert.Equal(t, 1, cli.Status(err))
			assert.Contains(t, err.Error(), path+": "+tc.want)
		})
	}
}

func TestUsage(t *testing.T) {
	stdout, _, err := runTool(t, "--help")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(stdout, "usage: execlog cache LOG\n"), stdout)

	_, stderr, err := runTool(t, "cache", "-h")
	assert.Equal(t, 0, cli.Status(err), "asking for help is no failure")
	assert.Contains(t, stderr, "usage: execlog cache LOG")

	_, stderr, err = runTool(t, "platform", "-h")
	assert.Equal(t, 0, cli.Status(err))
	assert.Contains(t, stderr, "-require NAME")

	for _, args := range [][]string{
		{},
		{"hits", "testdata/build.json"},
		{"cache"},
		{"cache", "testdata/build.json", "testdata/empty.json"},
		{"executed", "--bogus", "testdata/build.json"},
		{"platform", "--require=", "testdata/build.json"},
	} {
		_, _, err := runTool(t, args...)
		assert.Equal(t, 2, cli.Status(err), "%q: %v", args, err)
	}
}

func TestUnreadableLog(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.json")
	_, _, err := runTool(t, "cache", missing)
	require.Error(t, err)
	assert.Equal(t, 1, cli.Status(err))
	assert.Contains(t, err.Error(), missing)

	dir := t.TempDir()
	_, _, err = runTool(t, "cache", dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), dir+": not a regular file")
}

func TestBazelRunWorkingDirectory(t *testing.T) {
	abs, err := filepath.Abs("testdata")
	require.NoError(t, err)
	t.Setenv("BUILD_WORKING_DIRECTORY", abs)
	stdout, _, err := runTool(t, "cache", "build.json")
	require.NoError(t, err)
	assert.Contains(t, stdout, "spawns 4 ")
}
