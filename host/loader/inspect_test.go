package loader

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/internal/buildrecord"
)

func TestInspectGood(t *testing.T) {
	so := copyFixture(t, "good", t.TempDir(), "good.so")
	writeKindRecord(t, so, "loadertest/good", "greeter", nil)
	in, err := New(testConfig()).Inspect(so)
	require.NoError(t, err)

	assert.True(t, in.Verdict.Compatible, "%+v", in.Verdict)
	assert.Empty(t, in.Verdict.Findings)
	assert.Equal(t, wantPluginPath(t, "good"), in.PluginPath)
	assert.Equal(t, []Export{
		{Name: "Greeter", Kind: "var", Type: "example.com/plugkit/pluginapi.Greeter"},
		{Name: "Hello", Kind: "func", Type: "func() string"},
		{Name: "PluginManifest", Kind: "var", Type: "example.com/plugkit/pluginapi.Manifest"},
	}, in.Exports)
	assert.Equal(t, ".dynsym", in.ExportsSource)
	require.NotNil(t, in.BuildInfo)
	assert.Equal(t, testConfig().GoVersion, in.BuildInfo.GoVersion)
	if os.Getenv(fixtureEnv("good")) == "" {
		// go build records the main package's path; rules_go (before 0.64)
		// records only the Go version in a plugin's build info.
		assert.NotEmpty(t, in.BuildInfo.Path)
	}
	require.NotNil(t, in.ELF)
	assert.Equal(t, "ET_DYN", in.ELF.Type)
	require.NotNil(t, in.BuildRecord)
	assert.Equal(t, in.SHA256, in.BuildRecord.SHA256)

	// The JSON field names are an interface of `host inspect --json`.
	data, err := json.Marshal(in)
	require.NoError(t, err)
	var fields map[string]any
	require.NoError(t, json.Unmarshal(data, &fields))
	for _, k := range []string{"path", "sha256", "size", "elf", "build_info", "plugin_path", "exports", "stripped", "build_record", "verdict"} {
		assert.Contains(t, fields, k)
	}
	// The build record's kind, for `host inspect` to show.
	require.IsType(t, map[string]any{}, fields["build_record"])
	assert.Equal(t, "greeter", fields["build_record"].(map[string]any)["kind"])
}

func TestInspectStripped(t *testing.T) {
	strip, err := exec.LookPath("strip")
	if err != nil {
		t.Skip("no strip command")
	}
	so := copyFixture(t, "good", t.TempDir(), "good.so")
	out, err := exec.Command(strip, so).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.NoError(t, os.Chmod(so, 0o644))

	in, err := New(testConfig()).Inspect(so)
	require.NoError(t, err)
	assert.True(t, in.Stripped)
	// .dynsym survives strip, and with it the exports.
	assert.Equal(t, ".dynsym", in.ExportsSource)
	assert.Len(t, in.Exports, 3)
	// DWARF does not, and with it the types.
	for _, e := range in.Exports {
		assert.Empty(t, e.Type, e.Name)
	}
	assert.Equal(t, noDWARFNote, in.ExportsNote)
	assert.Contains(t, in.ExportsNote, "types need DWARF; build with --strip=never")
	assert.True(t, in.Verdict.Compatible, "%+v", in.Verdict)
}

func TestInspectReportsProblems(t *testing.T) {
	dir := t.TempDir()
	so := copyFixture(t, "good", dir, "good.so")
	require.NoError(t, os.Chmod(so, 0o666))
	writeRecord(t, so, "loadertest/good", func(m *buildrecord.Record) { m.GoVersion = "go1.25.0" })

	in, err := New(testConfig()).Inspect(so)
	require.NoError(t, err)
	assert.False(t, in.Verdict.Compatible)
	var codes []string
	for _, p := range in.Verdict.Findings {
		codes = append(codes, p.Code)
	}
	// The file is described even though it is unsafe and incompatible.
	assert.Equal(t, []string{"unsafe_permissions", "toolchain_mismatch", "build_record_invalid"}, codes)
	assert.Len(t, in.Exports, 3)

	empty := writeFile(t, dir, "empty.so", nil)
	in, err = New(testConfig()).Inspect(empty)
	require.NoError(t, err)
	assert.Nil(t, in.ELF)
	assert.Equal(t, []Export{}, in.Exports)
	require.Len(t, in.Verdict.Findings, 1)
	assert.Equal(t, "not_elf", in.Verdict.Findings[0].Code)

	_, err = New(testConfig()).Inspect(filepath.Join(dir, "missing.so"))
	assert.ErrorIs(t, err, ErrNotFound)
}
