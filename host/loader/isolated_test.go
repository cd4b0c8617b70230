package loader

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/internal/buildrecord"
)

// executableFixture writes an executable and, unless kind is "-", its
// build record of kind, into a private folder.
func executableFixture(t *testing.T, kind, apiVersion string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	exe := filepath.Join(dir, "english")
	require.NoError(t, os.WriteFile(exe, []byte("#!/bin/sh\nexit 0\n"), 0o755))
	if kind != "-" {
		m, err := buildrecord.New(exe, "greeter/english", kind, "go1.26.8", buildrecord.FlagsFingerprint(nil), apiVersion, nil)
		require.NoError(t, err)
		b, err := m.Marshal()
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(buildrecord.PathFor(exe), b, 0o644))
	}
	return exe
}

func TestIsolatedPath(t *testing.T) {
	assert.Equal(t, "plugins/greeter/english/english", IsolatedPath("plugins/greeter/english/english.so"))
	assert.Equal(t, "plugins/greeter/english/english.build.json", buildrecord.PathFor(IsolatedPath("plugins/greeter/english/english.so")))
}

func TestCheckExecutable(t *testing.T) {
	l := New(HostConfig())
	t.Run("ok", func(t *testing.T) {
		exe := executableFixture(t, "greeter", "1.2.0")
		br, err := l.CheckExecutable(exe, greeterKind)
		require.NoError(t, err)
		assert.Equal(t, "greeter/english", br.Plugin)
		assert.Len(t, br.SHA256, 64)
	})
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T) string
		want    error
	}{
		{"missing", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nothing") }, ErrNotFound},
		{"no build record", func(t *testing.T) string { return executableFixture(t, "-", "") }, ErrBuildRecordMissing},
		{"another kind", func(t *testing.T) string { return executableFixture(t, "logger", "1.0.0") }, ErrWrongKind},
		{"another pluginapi major", func(t *testing.T) string { return executableFixture(t, "greeter", "2.0.0") }, ErrAPIVersion},
		{"not executable", func(t *testing.T) string {
			exe := executableFixture(t, "greeter", "1.0.0")
			require.NoError(t, os.Chmod(exe, 0o644))
			return exe
		}, ErrNotExecutable},
		{"writable by others", func(t *testing.T) string {
			exe := executableFixture(t, "greeter", "1.0.0")
			require.NoError(t, os.Chmod(exe, 0o757))
			return exe
		}, ErrUnsafePermissions},
		{"changed after its build record", func(t *testing.T) string {
			exe := executableFixture(t, "greeter", "1.0.0")
			require.NoError(t, os.WriteFile(exe, []byte("#!/bin/sh\nexit 1 # longer\n"), 0o755))
			return exe
		}, ErrChecksumMismatch},
		{"a named pipe", func(t *testing.T) string {
			return mkfifo(t, filepath.Join(t.TempDir(), "english"))
		}, ErrNotRegular},
		{"a named pipe for a build record", func(t *testing.T) string {
			exe := executableFixture(t, "-", "")
			mkfifo(t, buildrecord.PathFor(exe))
			return exe
		}, ErrNotRegular},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.CheckExecutable(tc.prepare(t), greeterKind)
			assert.ErrorIs(t, err, tc.want)
		})
	}
	t.Run("not in the allowlist", func(t *testing.T) {
		cfg := HostConfig()
		cfg.Allowlist = map[string]string{}
		_, err := New(cfg).CheckExecutable(executableFixture(t, "greeter", "1.0.0"), greeterKind)
		assert.ErrorIs(t, err, ErrNotAllowlisted)
	})
}

func TestRemotePluginSymbols(t *testing.T) {
	v := "1.0.0"
	p := &RemotePlugin{Path: "/x/adder", Symbols: map[string]any{"BuildVersion": &v}}
	got, err := LookupVar[string](p, "BuildVersion")
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", *got)
	_, err = p.Lookup("Missing")
	assert.ErrorIs(t, err, ErrSymbolMissing)
	assert.Contains(t, err.Error(), "isolated:/x/adder")
}
