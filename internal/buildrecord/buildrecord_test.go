package buildrecord

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func validRecord() *Record {
	return &Record{
		SchemaVersion:         SchemaVersion,
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

func TestRoundTrip(t *testing.T) {
	r := validRecord()
	data, err := r.Marshal()
	require.NoError(t, err)
	got, err := Parse(data)
	require.NoError(t, err)
	assert.Equal(t, r, got)

	again, err := got.Marshal()
	require.NoError(t, err)
	assert.Equal(t, string(data), string(again), "output is deterministic")
}

func TestValidate(t *testing.T) {
	r := validRecord()
	r.SchemaVersion = 2
	r.SHA256 = "XYZ"
	r.SharedDeps = nil
	err := r.Validate()
	require.Error(t, err)
	for _, want := range []string{"schema_version 2", "sha256", "shared_deps is missing"} {
		assert.Contains(t, err.Error(), want)
	}
}

// TestParseStrict: what Parse accepts is one valid object of known fields,
// and nothing after it but white space.
func TestParseStrict(t *testing.T) {
	good, err := validRecord().Marshal()
	require.NoError(t, err)
	_, err = Parse(append(good, "\n\t "...))
	assert.NoError(t, err, "trailing white space")

	for name, data := range map[string][]byte{
		"a second object": append(append([]byte(nil), good...), "{}"...),
		"a stray bracket": append(append([]byte(nil), good...), ']'),
		"a stray brace":   append(append([]byte(nil), good...), '}'),
		"an unknown field": []byte(strings.Replace(string(good), `"plugin":`,
			`"signed": true, "plugin":`, 1)),
		"not an object": []byte(`[1, 2]`),
		"too large":     append(append([]byte(nil), good...), strings.Repeat(" ", MaxSize)...),
	} {
		_, err := Parse(data)
		assert.Error(t, err, name)
	}
	_, err = Parse([]byte(`{} {}`))
	assert.Error(t, err)
}

func TestKind(t *testing.T) {
	for _, kind := range []string{"", "greeter", "adder", "key_value2"} {
		r := validRecord()
		r.Kind = kind
		assert.NoError(t, r.Validate(), "%q", kind)
	}
	for _, kind := range []string{"Greeter", "2greeter", "_greeter", "greeter/english", "greeter-x", " greeter"} {
		r := validRecord()
		r.Kind = kind
		err := r.Validate()
		require.Error(t, err, "%q", kind)
		assert.Contains(t, err.Error(), "kind")
	}

	// A record written before kinds, without the field, still parses.
	old := validRecord()
	old.Kind = ""
	data, err := json.Marshal(old)
	require.NoError(t, err)
	var fields map[string]any
	require.NoError(t, json.Unmarshal(data, &fields))
	delete(fields, "kind")
	data, err = json.Marshal(fields)
	require.NoError(t, err)
	got, err := Parse(data)
	require.NoError(t, err)
	assert.Equal(t, old, got)

	// The kind is written right after the plugin's name.
	data, err = validRecord().Marshal()
	require.NoError(t, err)
	assert.Contains(t, string(data), `"plugin": "greeter/english",`+"\n"+`  "kind": "greeter",`)
}

func TestNew(t *testing.T) {
	so := filepath.Join(t.TempDir(), "x.so")
	require.NoError(t, os.WriteFile(so, []byte("not really a plugin"), 0o644))
	r, err := New(so, "greeter/x", "greeter", "go1.26.8", FlagsFingerprint(nil), "1.0.0", nil)
	require.NoError(t, err)
	sum := sha256.Sum256([]byte("not really a plugin"))
	assert.Equal(t, &Record{
		SchemaVersion:         SchemaVersion,
		Plugin:                "greeter/x",
		Kind:                  "greeter",
		SHA256:                hex.EncodeToString(sum[:]),
		Size:                  int64(len("not really a plugin")),
		GoVersion:             "go1.26.8",
		BuildFlagsFingerprint: FlagsFingerprint(nil),
		PluginAPIVersion:      "1.0.0",
		SharedDeps:            map[string]string{},
	}, r)
	assert.NoError(t, r.Validate())
}

// TestNewRefusesSpecialFiles: a build action handed something that is no
// regular file fails with the path and what it is, and never blocks on a
// named pipe.
func TestNewRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.so")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	for _, tc := range []struct {
		name, path string
		kind       error
		reason     string
	}{
		{"missing", filepath.Join(dir, "none.so"), os.ErrNotExist, "no such file or directory"},
		{"a folder", dir, ErrNotRegular, "a folder"},
		{"a named pipe", fifo, ErrNotRegular, "a named pipe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.path, "greeter/x", "greeter", "go1.26.8", FlagsFingerprint(nil), "1.0.0", nil)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.kind)
			assert.Contains(t, err.Error(), tc.path+": ")
			assert.Contains(t, err.Error(), tc.reason)
		})
	}
}

func TestFileNames(t *testing.T) {
	assert.Equal(t, "plugins/greeter/english/english.so.build.json", PathFor("plugins/greeter/english/english.so"))
	assert.Equal(t, "plugins/greeter/english/english.build.json", PathFor("plugins/greeter/english/english"))
	assert.Equal(t, "plugins/greeter/english/english.so.manifest.json", LegacyPathFor("plugins/greeter/english/english.so"))

	for name, want := range map[string]struct {
		plugin     string
		legacy, ok bool
	}{
		"a/english.so.build.json":     {"a/english.so", false, true},
		"a/english.build.json":        {"a/english", false, true},
		"a/english.so.manifest.json":  {"a/english.so", true, true},
		"a/english.so":                {"", false, false},
		".build.json":                 {"", false, false},
		"a/english.so.build.json.sig": {"", false, false},
	} {
		plugin, legacy, ok := PluginFor(name)
		assert.Equal(t, want.plugin, plugin, name)
		assert.Equal(t, want.legacy, legacy, name)
		assert.Equal(t, want.ok, ok, name)
	}
}

// TestLocate: the new name wins whenever anything is there; the old name
// is read only when it alone exists; with neither, the new name is the one
// to report missing.
func TestLocate(t *testing.T) {
	dir := t.TempDir()
	so := filepath.Join(dir, "english.so")

	got, legacy := Locate(so)
	assert.Equal(t, so+".build.json", got, "neither exists")
	assert.False(t, legacy)

	require.NoError(t, os.WriteFile(so+".manifest.json", []byte("{}"), 0o644))
	got, legacy = Locate(so)
	assert.Equal(t, so+".manifest.json", got, "only the old name exists")
	assert.True(t, legacy)

	require.NoError(t, os.WriteFile(so+".build.json", []byte("{}"), 0o644))
	got, legacy = Locate(so)
	assert.Equal(t, so+".build.json", got, "both exist")
	assert.False(t, legacy)

	// A dangling symlink, or a named pipe, at the new name is still the
	// record to read: the reader reports what is wrong with it, rather than
	// a stale record of the old name being read instead.
	require.NoError(t, os.Remove(so+".build.json"))
	require.NoError(t, os.Symlink(filepath.Join(dir, "gone"), so+".build.json"))
	got, legacy = Locate(so)
	assert.Equal(t, so+".build.json", got, "a dangling symlink at the new name")
	assert.False(t, legacy)
	require.NoError(t, os.Remove(so+".build.json"))
	require.NoError(t, syscall.Mkfifo(so+".build.json", 0o644))
	got, legacy = Locate(so)
	assert.Equal(t, so+".build.json", got, "a named pipe at the new name")
	assert.False(t, legacy)
}

// TestSchemaMatchesType keeps the embedded JSON schema and the Go type from
// drifting apart, and checks a record Marshal writes against the schema's
// constraints.
func TestSchemaMatchesType(t *testing.T) {
	var schema struct {
		ID         string                     `json:"$id"`
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
		Additional *bool                      `json:"additionalProperties"`
	}
	require.NoError(t, json.Unmarshal([]byte(Schema), &schema))
	assert.True(t, strings.HasSuffix(schema.ID, "/buildrecord.schema.json"), schema.ID)
	require.NotNil(t, schema.Additional)
	assert.False(t, *schema.Additional, "unknown fields are refused, as Parse refuses them")

	var tags []string
	typ := reflect.TypeFor[Record]()
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
	// Every field is required but kind, which records written before
	// kinds lack.
	var wantRequired []string
	for _, tag := range tags {
		if tag != "kind" {
			wantRequired = append(wantRequired, tag)
		}
	}
	assert.Equal(t, wantRequired, required)

	// What Marshal writes meets every constraint the schema states.
	data, err := validRecord().Marshal()
	require.NoError(t, err)
	var written map[string]any
	require.NoError(t, json.Unmarshal(data, &written))
	for name, raw := range schema.Properties {
		var prop struct {
			Type    string   `json:"type"`
			Pattern string   `json:"pattern"`
			Const   *float64 `json:"const"`
			Minimum *float64 `json:"minimum"`
		}
		require.NoError(t, json.Unmarshal(raw, &prop), name)
		v, ok := written[name]
		require.True(t, ok, "Marshal writes %s", name)
		if prop.Pattern != "" {
			s, isString := v.(string)
			require.True(t, isString, "%s is a string", name)
			assert.Regexp(t, prop.Pattern, s, name)
		}
		if prop.Const != nil {
			assert.Equal(t, *prop.Const, v, name)
		}
		if prop.Minimum != nil {
			assert.GreaterOrEqual(t, v.(float64), *prop.Minimum, name)
		}
	}

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

// FuzzParse: the parser takes a file anyone who can write beside a plugin
// may have written. It must refuse or accept, never panic, and what it
// accepts must validate and survive a round trip.
func FuzzParse(f *testing.F) {
	good, err := validRecord().Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"schema_version": 1, "shared_deps": {"a": ""}}`))
	f.Add([]byte(`[1, 2]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("accepted an invalid record: %v", err)
		}
		out, err := r.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(out); err != nil {
			t.Fatalf("a record it wrote does not parse: %v", err)
		}
	})
}
