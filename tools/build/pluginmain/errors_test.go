package main

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/internal/cli"
)

// TestUsageErrors pins what a wrong command line gets: the exact message,
// exit status 2 (internal/cli), and no output file.
func TestUsageErrors(t *testing.T) {
	adder := fixtures["adder"][0]
	for _, tc := range []struct {
		name string
		args []string // "OUT" and "TYPES" stand for files in a fresh folder
		want string
		// stderr is a part of what is printed there (the usage, or a
		// mode's flags), or "" when nothing is printed.
		stderr string
	}{
		{
			name:   "no mode",
			want:   "usage: no command given",
			stderr: "usage: pluginmain MODE [flags] [SRC.go...]",
		},
		{
			name: "unknown mode",
			args: []string{"shared", "-out", "OUT"},
			want: `usage: unknown command "shared"`,
			// The modes, from the command's usage.
			stderr: "  isolated  the package main of a plugin's executable, which serves its kind",
		},
		{
			name: "main: unknown flag",
			args: []string{"main", "-kind", "adder", "-importpath", "x", "-out", "OUT", "-types-out", "TYPES", adder},
			want: "usage: flag provided but not defined: -kind",
			// The mode's flags, from its usage.
			stderr: "  -types-out string",
		},
		{
			name:   "main: flag without its value",
			args:   []string{"main", "-importpath"},
			want:   "usage: flag needs an argument: -importpath",
			stderr: "flag needs an argument: -importpath\nusage: pluginmain main -importpath P -out main.go -types-out types.go SRC.go...\n\nflags:\n",
		},
		{
			name: "main: no -types-out",
			args: []string{"main", "-importpath", "x", "-out", "OUT", adder},
			want: "usage: -importpath, -out, -types-out and the package's source files are required",
		},
		{
			name: "main: no -importpath",
			args: []string{"main", "-out", "OUT", "-types-out", "TYPES", adder},
			want: "usage: -importpath, -out, -types-out and the package's source files are required",
		},
		{
			// go_plugin without a library writes no package main: a
			// package main is given instead, and pluginmain is not run.
			name: "main: no source files",
			args: []string{"main", "-importpath", "x", "-out", "OUT", "-types-out", "TYPES"},
			want: "usage: -importpath, -out, -types-out and the package's source files are required",
		},
		{
			name: "isolated: no -rpc-importpath",
			args: []string{"isolated", "-importpath", "x", "-out", "OUT", adder},
			want: "usage: -importpath, -rpc-importpath, -out and the package's source files are required",
		},
		{
			name: "isolated: no source files",
			args: []string{"isolated", "-importpath", "x", "-rpc-importpath", "r", "-out", "OUT"},
			want: "usage: -importpath, -rpc-importpath, -out and the package's source files are required",
		},
		{
			name:   "isolated: -types-out is main's",
			args:   []string{"isolated", "-types-out", "TYPES"},
			want:   "usage: flag provided but not defined: -types-out",
			stderr: "  -rpc-importpath string",
		},
		{
			name: "static: no -plugin",
			args: []string{"static", "-loader-importpath", "l", "-out", "OUT"},
			want: "usage: -out, -loader-importpath and at least one -plugin are required",
		},
		{
			name: "static: no -loader-importpath",
			args: []string{"static", "-out", "OUT", "-plugin", "adder:adder=x:" + adder},
			want: "usage: -out, -loader-importpath and at least one -plugin are required",
		},
		{
			name: "static: -plugin without a kind",
			args: []string{"static", "-loader-importpath", "l", "-out", "OUT", "-plugin", "adder=x:" + adder},
			want: `usage: -plugin "adder=x:` + adder + `": want KIND:NAME=IMPORTPATH:SRC.go,...`,
		},
		{
			name: "static: -plugin without files",
			args: []string{"static", "-loader-importpath", "l", "-out", "OUT", "-plugin", "adder:adder=x:"},
			want: `usage: -plugin "adder:adder=x:": want KIND:NAME=IMPORTPATH:SRC.go,...`,
		},
		{
			name: "static: -plugin without an import path",
			args: []string{"static", "-loader-importpath", "l", "-out", "OUT", "-plugin", "adder:adder=" + adder},
			want: `usage: -plugin "adder:adder=` + adder + `": want KIND:NAME=IMPORTPATH:SRC.go,...`,
		},
		{
			// The loader's registry would panic at the host's start.
			name: "static: a name twice",
			args: []string{"static", "-loader-importpath", "l", "-out", "OUT",
				"-plugin", "adder:one=x:" + adder, "-plugin", "greeter:one=y:" + fixtures["greeter"][0]},
			want: `usage: plugin "one" given twice`,
		},
		{
			// Files given as in the other modes would be ignored.
			name: "static: positional arguments",
			args: []string{"static", "-loader-importpath", "l", "-out", "OUT", "-plugin", "adder:adder=x:" + adder, adder},
			want: `usage: unexpected arguments ["` + adder + `"]: give each plugin's files in its -plugin`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := withOutputs(tc.args, dir)
			stderr, err := pluginmain(t, args...)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
			assert.ErrorIs(t, err, cli.ErrUsage)
			assert.Equal(t, 2, cli.Status(err))
			if tc.stderr == "" {
				assert.Empty(t, stderr)
			} else {
				assert.Contains(t, stderr, tc.stderr)
			}
			assertNoFiles(t, dir)
		})
	}
}

// TestInputErrors pins what a package pluginmain refuses gets: the exact
// message, with the file and position where there is one, exit status 1,
// and no output file. Every mode reads a package the same way, so the
// cases run in main mode; TestModesShareChecks covers the others.
func TestInputErrors(t *testing.T) {
	for _, tc := range []struct {
		fixture string // under testdata/bad, or a path
		want    string
	}{
		{"mainpkg", "testdata/bad/mainpkg/main.go is package main: write the plugin as a normal package; go_plugin generates its package main"},
		{"generic", "testdata/bad/generic/generic.go:4:1: Map is generic: a plugin cannot export generic functions"},
		{"owntype", "testdata/bad/owntype/owntype.go:7:13: New uses Config, a type of the plugin's own package: move it to pluginapi so the host can name it"},
		{"instance", "testdata/bad/instance/instance.go:6:14: Load: generic type instances are not supported in plugin signatures"},
		{"arraylen", "testdata/bad/arraylen/arraylen.go:7:12: Sum: array length must be a literal"},
		{"notimport", "testdata/bad/notimport/notimport.go:5:12: Use: other is not an import of this file"},
		{"noexports", "package x/noexports exports no variables or functions: a plugin needs at least its PluginManifest"},
		{"conflict", "x/conflict: the name template means both text/template and html/template in different files"},
		{"syntax", "testdata/bad/syntax/syntax.go:3:14: expected ')', found '{'"},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			files, err := filepath.Glob(filepath.Join("testdata", "bad", tc.fixture, "*.go"))
			require.NoError(t, err)
			require.NotEmpty(t, files)
			dir := t.TempDir()
			args := withOutputs([]string{"main", "-importpath", "x/" + tc.fixture, "-out", "OUT", "-types-out", "TYPES"}, dir)
			stderr, err := pluginmain(t, append(args, files...)...)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
			assert.Equal(t, 1, cli.Status(err))
			assert.Empty(t, stderr)
			assertNoFiles(t, dir)
		})
	}
}

// TestModesShareChecks shows isolated and static mode refuse a package as
// main mode does: one plugin source builds in every mode or in none.
// (The name conflict of TestInputErrors is main mode's alone: only its
// types file imports every signature's packages in one file.)
func TestModesShareChecks(t *testing.T) {
	owntype := "testdata/bad/owntype/owntype.go"
	want := "testdata/bad/owntype/owntype.go:7:13: New uses Config, a type of the plugin's own package: move it to pluginapi so the host can name it"
	dir := t.TempDir()
	for _, args := range [][]string{
		{"isolated", "-importpath", "x", "-rpc-importpath", "r", "-out", "OUT", owntype},
		{"static", "-loader-importpath", "l", "-out", "OUT", "-plugin", "k:owntype=x:" + owntype},
	} {
		t.Run(args[0], func(t *testing.T) {
			_, err := pluginmain(t, withOutputs(args, dir)...)
			require.Error(t, err)
			assert.Equal(t, want, err.Error())
			assertNoFiles(t, dir)
		})
	}
}

func TestMissingSource(t *testing.T) {
	dir := t.TempDir()
	args := withOutputs([]string{"main", "-importpath", "x", "-out", "OUT", "-types-out", "TYPES", "testdata/src/nope.go"}, dir)
	_, err := pluginmain(t, args...)
	require.Error(t, err)
	assert.Equal(t, "open testdata/src/nope.go: no such file or directory", err.Error())
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Equal(t, 1, cli.Status(err))
	assertNoFiles(t, dir)
}

func TestUnwritableOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "missing", "main.go")
	_, err := pluginmain(t, isolatedArgs("adder", filepath.Dir(out))...)
	require.Error(t, err)
	assert.Equal(t, "open "+out+": no such file or directory", err.Error())
	assert.Equal(t, 1, cli.Status(err))
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help", "help"} {
		var stdout, stderr bytes.Buffer
		err := run([]string{arg}, &stdout, &stderr)
		assert.NoError(t, err, arg)
		assert.Equal(t, "usage: pluginmain MODE [flags] [SRC.go...]\n\n"+
			"Generates the Go code that makes a plugin of a normal Go package, for\n"+
			"the rules in tools/rules. Modes:\n\n"+
			"  main      the package main of a plugin's .so, and the types file it names types through\n"+
			"  isolated  the package main of a plugin's executable, which serves its kind\n"+
			"  static    a registry package that links plugins into a host\n\n"+
			"Run 'pluginmain MODE -help' for a mode's flags.\n", stdout.String(), arg)
		assert.Empty(t, stderr.String(), arg)
	}

	for mode, synopsis := range map[string]string{
		"main":     "-importpath P -out main.go -types-out types.go SRC.go...",
		"isolated": "-importpath P -rpc-importpath R -out main.go SRC.go...",
		"static":   "-loader-importpath L -out registry.go [-package NAME] -plugin KIND:NAME=P:SRC.go,... ...",
	} {
		t.Run(mode, func(t *testing.T) {
			stderr, err := pluginmain(t, mode, "-help")
			assert.ErrorIs(t, err, flag.ErrHelp)
			assert.Equal(t, 0, cli.Status(err))
			assert.True(t, strings.HasPrefix(stderr, "usage: pluginmain "+mode+" "+synopsis+"\n\nflags:\n  -"), stderr)
			assert.Contains(t, stderr, "\n  -out string\n")
		})
	}
}

// withOutputs replaces OUT and TYPES in args with files in dir.
func withOutputs(args []string, dir string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		switch a {
		case "OUT":
			a = filepath.Join(dir, "out.go")
		case "TYPES":
			a = filepath.Join(dir, "types.go")
		}
		out[i] = a
	}
	return out
}

// assertNoFiles asserts that a failed run left nothing in dir for a build
// to pick up.
func assertNoFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

// TestRenderRefusesInvalidGo: output that does not format is an error
// naming the template, never a file (a bug in pluginmain, not the plugin's).
func TestRenderRefusesInvalidGo(t *testing.T) {
	_, err := render("isolated", isolatedData{Symbols: []symbol{{Name: "Broken", Value: "plugin_impl.("}}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "generated isolated code does not format: ")
	assert.Contains(t, err.Error(), `"Broken": plugin_impl.(,`)
}
