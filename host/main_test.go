package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runfile resolves a $(rlocationpath) handed over in the environment by the
// go_test rule.
func runfile(t testing.TB, env string) string {
	t.Helper()
	rel := os.Getenv(env)
	if rel == "" {
		t.Skipf("%s is not set: run this test with bazel test //host:host_test", env)
	}
	for _, root := range []string{os.Getenv("RUNFILES_DIR"), os.Getenv("TEST_SRCDIR")} {
		if root == "" {
			continue
		}
		if p := filepath.Join(root, rel); fileExists(p) {
			return p
		}
	}
	t.Fatalf("%s=%s not found in the runfiles", env, rel)
	return ""
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

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
