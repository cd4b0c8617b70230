package main

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/internal/buildrecord"
	"example.com/plugkit/internal/cli"
)

// without returns args with flag name and its value left out.
func without(args []string, name string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if args[i] == name {
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}

// plus returns a copy of args with extra after them.
func plus(args []string, extra ...string) []string {
	return append(append([]string(nil), args...), extra...)
}

// replacing returns args with every value of flag name left out, and the
// flag given once with value.
func replacing(args []string, name, value string) []string {
	return append(without(args, name), name, value)
}

// TestUsageErrors pins what a wrong command line gets: the exact message,
// exit status 2, and no file.
func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	// Any file will do: these fail before it is read.
	plugin := pluginArgs("testdata/shared.go.mod", out)
	host := hostArgs(out)
	for _, tc := range []struct {
		name   string
		args   []string
		want   string
		stderr string // a part of what the flag package prints, or "" for nothing
	}{
		{"no mode", nil, "usage: no command given", "usage: buildrecord MODE [flags]"},
		{"unknown mode", []string{"manifest"}, `usage: unknown command "manifest"`, "  plugin  write a plugin's build record"},
		{"plugin: no -so", without(plugin, "-so"), "usage: -so, -out and -name are required", ""},
		{"plugin: no -out", without(plugin, "-out"), "usage: -so, -out and -name are required", ""},
		{"plugin: no -name", without(plugin, "-name"), "usage: -so, -out and -name are required", ""},
		{"plugin: no -go-version", without(plugin, "-go-version"), "usage: -go-version and -go-mod are required", ""},
		{"plugin: no -go-mod", without(plugin, "-go-mod"), "usage: -go-version and -go-mod are required", ""},
		{"plugin: empty -go-version", replacing(plugin, "-go-version", ""), "usage: -go-version and -go-mod are required", ""},
		{"plugin: host's -package", plus(plugin, "-package", "x"), "usage: flag provided but not defined: -package", "usage: buildrecord plugin -so P.so"},
		{"plugin: -flag without its value", plus(plugin, "-flag"), "usage: flag needs an argument: -flag", "  -flag value\n"},
		{"plugin: positional arguments", plus(plugin, "plugin.so"), `usage: unexpected arguments ["plugin.so"]`, ""},
		{"host: no -out", without(host, "-out"), "usage: -out is required", ""},
		{"host: no -go-mod", without(host, "-go-mod"), "usage: -go-version and -go-mod are required", ""},
		{"host: plugin's -so", plus(host, "-so", "x.so"), "usage: flag provided but not defined: -so", "usage: buildrecord host -out buildconfig.go"},
		{"host: positional arguments", plus(host, "go.mod"), `usage: unexpected arguments ["go.mod"]`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stderr, err := invoke(t, tc.args...)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
			assert.ErrorIs(t, err, cli.ErrUsage)
			assert.Equal(t, 2, cli.Status(err))
			if tc.stderr == "" {
				assert.Empty(t, stderr)
			} else {
				assert.Contains(t, stderr, tc.stderr)
			}
			assert.NoFileExists(t, out)
		})
	}
}

// TestInputErrors pins what bad inputs get: the exact message, exit status
// 1, and no file. The inputs come from the rules, so each message names the
// file at fault.
func TestInputErrors(t *testing.T) {
	so := pluginSO(t)
	out := filepath.Join(t.TempDir(), "out")
	plugin := pluginArgs(so, out)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no go.mod", replacing(plugin, "-go-mod", "testdata/none.go.mod"), "open testdata/none.go.mod: no such file or directory"},
		{"bad go.mod", replacing(plugin, "-go-mod", "testdata/bad.go.mod"), "testdata/bad.go.mod:3: usage: require module/path v1.2.3"},
		{"host: bad go.mod", replacing(hostArgs(out), "-go-mod", "testdata/bad.go.mod"), "testdata/bad.go.mod:3: usage: require module/path v1.2.3"},
		{"no -api-src", without(plugin, "-api-src"), "the plugin does not link example.com/plugkit/pluginapi: every plugin exports a pluginapi.Manifest"},
		{"missing -api-src", replacing(plugin, "-api-src", "testdata/badapi/none.go"), "open testdata/badapi/none.go: no such file or directory"},
		{"-api-src does not parse", replacing(plugin, "-api-src", "testdata/badapi/syntax.go"), "testdata/badapi/syntax.go:3:20: expected operand, found 'EOF'"},
		{"APIVersion not a literal", replacing(plugin, "-api-src", "testdata/badapi/nonliteral.go"), "testdata/badapi/nonliteral.go: APIVersion is not a string literal"},
		{"no APIVersion", plus(replacing(plugin, "-api-src", "testdata/badapi/noversion.go"), "-api-src", "testdata/pluginapi/kinds.go"),
			"no APIVersion constant in testdata/badapi/noversion.go, testdata/pluginapi/kinds.go"},
		{"APIVersion not a version", replacing(plugin, "-api-src", "testdata/badapi/notsemver.go"),
			`the loader would refuse this build record: pluginapi_version "v1" is not a semantic version`},
		{"kind not a kind's name", replacing(plugin, "-kind", "Greeter"),
			`the loader would refuse this build record: kind "Greeter" is not a lower-case name ([a-z][a-z0-9_]*)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stderr, err := invoke(t, tc.args...)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
			assert.Equal(t, 1, cli.Status(err))
			assert.Empty(t, stderr)
			assert.NoFileExists(t, out)
		})
	}
}

// TestPluginFileErrors: -so must name a regular file that can be read.
// internal/buildrecord words the errors; the checks here are their kind,
// the path and the reason.
func TestPluginFileErrors(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.so")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	for _, tc := range []struct {
		name, so string
		kind     error
		reason   string
	}{
		{"missing", filepath.Join(dir, "none.so"), fs.ErrNotExist, "no such file or directory"},
		{"a folder", dir, buildrecord.ErrNotRegular, "a folder"},
		// A build action handed a named pipe must fail, not block on it.
		{"a named pipe", fifo, buildrecord.ErrNotRegular, "a named pipe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			err := runWithin(t, 10*time.Second, pluginArgs(tc.so, out)...)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.kind)
			assert.Contains(t, err.Error(), tc.so+": ")
			assert.Contains(t, err.Error(), tc.reason)
			assert.Equal(t, 1, cli.Status(err))
			assert.NoFileExists(t, out)
		})
	}

	t.Run("unreadable", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root reads a file of mode 0000; the missing, folder and pipe cases cover unreadable -so")
		}
		so := filepath.Join(t.TempDir(), "locked.so")
		require.NoError(t, os.WriteFile(so, []byte("\x7fELF"), 0o000))
		out := filepath.Join(t.TempDir(), "out")
		_, err := invoke(t, pluginArgs(so, out)...)
		require.Error(t, err)
		assert.ErrorIs(t, err, fs.ErrPermission)
		assert.Contains(t, err.Error(), so+": ")
		assert.Equal(t, 1, cli.Status(err))
		assert.NoFileExists(t, out)
	})
}

// runWithin runs buildrecord, failing the test if it has not returned
// within d (it would block on a named pipe forever).
func runWithin(t *testing.T, d time.Duration, args ...string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		var stdout, stderr bytes.Buffer
		done <- run(args, &stdout, &stderr)
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("buildrecord %s did not return within %v", strings.Join(args, " "), d)
		return nil
	}
}

func TestUnwritableOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "missing", "out")
	for _, args := range [][]string{pluginArgs(pluginSO(t), out), hostArgs(out)} {
		t.Run(args[0], func(t *testing.T) {
			_, err := invoke(t, args...)
			require.Error(t, err)
			assert.Equal(t, "open "+out+": no such file or directory", err.Error())
			assert.Equal(t, 1, cli.Status(err))
		})
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help", "help"} {
		var stdout, stderr bytes.Buffer
		assert.NoError(t, run([]string{arg}, &stdout, &stderr), arg)
		assert.Equal(t, "usage: buildrecord MODE [flags]\n\n"+
			"Writes what the host's loader compares before it opens a plugin, for\n"+
			"the rules in tools/rules/build_record.bzl. Modes:\n\n"+
			"  plugin  write a plugin's build record (JSON), for beside its .so or executable\n"+
			"  host    write the host's expected values as Go source (host/buildconfig)\n\n"+
			"Run 'buildrecord MODE -help' for a mode's flags.\n", stdout.String(), arg)
		assert.Empty(t, stderr.String(), arg)
	}
	for mode, synopsis := range map[string]string{
		"plugin": "-so P.so -out P.so.build.json -name NAME [-kind KIND] " + commonSynopsis,
		"host":   "-out buildconfig.go [-package NAME] " + commonSynopsis,
	} {
		t.Run(mode, func(t *testing.T) {
			stderr, err := invoke(t, mode, "-help")
			assert.ErrorIs(t, err, flag.ErrHelp)
			assert.Equal(t, 0, cli.Status(err))
			assert.True(t, strings.HasPrefix(stderr, "usage: buildrecord "+mode+" "+synopsis+"\n\nflags:\n  -"), stderr)
			for _, common := range []string{"-api-src", "-flag", "-go-mod", "-go-version", "-importpath"} {
				assert.Contains(t, stderr, "\n  "+common+" ")
			}
		})
	}
}
