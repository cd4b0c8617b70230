package loader

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func validManifest() *BuildManifest {
	return &BuildManifest{
		SchemaVersion:         BuildManifestSchemaVersion,
		Plugin:                "greeter/english",
		Kind:                  "greeter",
		SHA256:                strings.Repeat("ab", 32),
		Size:                  1234,
		GoVersion:             "go1.26.8",
		BuildFlagsFingerprint: FlagsFingerprint([]string{"-race"}),
		PluginAPIVersion:      "1.0.0",
		SharedDeps:            map[string]string{"golang.org/x/text": "v0.20.0"},
	}
}

func TestBuildManifestRoundTrip(t *testing.T) {
	m := validManifest()
	data, err := m.Marshal()
	require.NoError(t, err)
	got, err := ParseBuildManifest(data)
	require.NoError(t, err)
	assert.Equal(t, m, got)

	again, err := got.Marshal()
	require.NoError(t, err)
	assert.Equal(t, string(data), string(again), "output is deterministic")
}

func TestBuildManifestValidate(t *testing.T) {
	m := validManifest()
	m.SchemaVersion = 2
	m.SHA256 = "XYZ"
	m.SharedDeps = nil
	err := m.Validate()
	require.Error(t, err)
	for _, want := range []string{"schema_version 2", "sha256", "shared_deps is missing"} {
		assert.Contains(t, err.Error(), want)
	}

	_, err = ParseBuildManifest([]byte(`{} {}`))
	assert.Error(t, err)
}

func TestBuildManifestKind(t *testing.T) {
	for _, kind := range []string{"", "greeter", "adder", "key_value2"} {
		m := validManifest()
		m.Kind = kind
		assert.NoError(t, m.Validate(), "%q", kind)
	}
	for _, kind := range []string{"Greeter", "2greeter", "_greeter", "greeter/english", "greeter-x", " greeter"} {
		m := validManifest()
		m.Kind = kind
		err := m.Validate()
		require.Error(t, err, "%q", kind)
		assert.Contains(t, err.Error(), "kind")
	}

	// A manifest written before kinds, without the field, still parses.
	old := validManifest()
	old.Kind = ""
	data, err := json.Marshal(old)
	require.NoError(t, err)
	var fields map[string]any
	require.NoError(t, json.Unmarshal(data, &fields))
	delete(fields, "kind")
	data, err = json.Marshal(fields)
	require.NoError(t, err)
	got, err := ParseBuildManifest(data)
	require.NoError(t, err)
	assert.Equal(t, old, got)

	// The kind is written right after the plugin's name.
	data, err = validManifest().Marshal()
	require.NoError(t, err)
	assert.Contains(t, string(data), `"plugin": "greeter/english",`+"\n"+`  "kind": "greeter",`)

	so := writeFile(t, t.TempDir(), "x.so", []byte("not really a plugin"))
	m, err := NewBuildManifest(so, "greeter/x", "greeter", "go1.26.8", FlagsFingerprint(nil), "1.0.0", nil)
	require.NoError(t, err)
	assert.Equal(t, "greeter", m.Kind)
	assert.Equal(t, "greeter/x", m.Plugin)
	assert.Equal(t, "1.0.0", m.PluginAPIVersion)
}

// TestBuildManifestSchemaMatchesType keeps the embedded JSON schema and the
// Go type from drifting apart.
func TestBuildManifestSchemaMatchesType(t *testing.T) {
	var schema struct {
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	require.NoError(t, json.Unmarshal([]byte(BuildManifestSchema), &schema))

	var tags []string
	typ := reflect.TypeFor[BuildManifest]()
	for i := 0; i < typ.NumField(); i++ {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		tags = append(tags, name)
	}
	var props []string
	for k := range schema.Properties {
		props = append(props, k)
	}
	sort.Strings(tags)
	sort.Strings(props)
	required := append([]string(nil), schema.Required...)
	sort.Strings(required)
	assert.Equal(t, tags, props)
	// Every field is required but kind, which manifests written before
	// kinds lack.
	var wantRequired []string
	for _, tag := range tags {
		if tag != "kind" {
			wantRequired = append(wantRequired, tag)
		}
	}
	assert.Equal(t, wantRequired, required)

	var kind struct {
		Type    string `json:"type"`
		Pattern string `json:"pattern"`
	}
	require.NoError(t, json.Unmarshal(schema.Properties["kind"], &kind))
	assert.Equal(t, "string", kind.Type)
	re := regexp.MustCompile(kind.Pattern)
	for _, k := range []string{"", "greeter", "key_value2"} {
		assert.True(t, re.MatchString(k), "%q", k)
	}
	for _, k := range []string{"Greeter", "2x", "a-b"} {
		assert.False(t, re.MatchString(k), "%q", k)
	}
}

func TestFlagsFingerprint(t *testing.T) {
	a := FlagsFingerprint([]string{"-race", "-tags=netgo", "GOAMD64=v1"})
	assert.Equal(t, a, FlagsFingerprint([]string{"GOAMD64=v1", "-race", "-tags=netgo", "-race"}))
	assert.NotEqual(t, a, FlagsFingerprint([]string{"-tags=netgo", "GOAMD64=v1"}))
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, a)
}

func TestReadAllowlist(t *testing.T) {
	sum := strings.Repeat("0f", 32)
	p := filepath.Join(t.TempDir(), "allow.txt")
	require.NoError(t, os.WriteFile(p, []byte("# trusted builds\n\n"+strings.ToUpper(sum)+"  *english.so\n"), 0o644))
	got, err := ReadAllowlist(p)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{sum: "english.so"}, got)

	require.NoError(t, os.WriteFile(p, []byte("nothex  x.so\n"), 0o644))
	_, err = ReadAllowlist(p)
	assert.ErrorContains(t, err, "allow.txt:1")
}

func TestCodeCoversEverySentinel(t *testing.T) {
	for _, err := range []error{ErrNotFound, ErrUnsafePermissions, ErrTooLarge, ErrNotRegular, ErrNotExecutable,
		ErrNotELF, ErrWrongArch, ErrNotGoPlugin, ErrToolchainMismatch, ErrBuildFlagsMismatch, ErrSharedDepMismatch,
		ErrPackageMismatch, ErrManifestMissing, ErrManifestInvalid, ErrChecksumMismatch, ErrNotAllowlisted,
		ErrAlreadyLoaded, ErrInitPanic, ErrOpen, ErrSymbolMissing, ErrSymbolType, ErrWrongKind, ErrAPIVersion,
		ErrIdentity, ErrUnsigned, ErrUnknownKey, ErrBadSignature} {
		assert.NotEqual(t, "unknown", Code(err), "%v", err)
		assert.NotEmpty(t, Remedy(err), "%v", err)
	}
	assert.Equal(t, "", Code(nil))
	assert.Equal(t, "unknown", Code(os.ErrClosed))
}

// FuzzBuildManifest: the build manifest parser takes a file anyone who can
// write beside a plugin may have written. It must refuse or accept, never
// panic, and what it accepts must validate and survive a round trip.
func FuzzBuildManifest(f *testing.F) {
	good, err := validManifest().Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"schema_version": 1, "shared_deps": {"a": ""}}`))
	f.Add([]byte(`[1, 2]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseBuildManifest(data)
		if err != nil {
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("accepted an invalid manifest: %v", err)
		}
		out, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseBuildManifest(out); err != nil {
			t.Fatalf("a manifest it wrote does not parse: %v", err)
		}
	})
}
