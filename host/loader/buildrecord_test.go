package loader

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/internal/buildrecord"
	"example.com/plugkit/internal/signing"
)

// toLegacyName moves the build record of the plugin at so, and its
// signature if any, to the names they had before the rename, as a folder
// installed by an older plugkit holds them.
func toLegacyName(t *testing.T, so string) {
	t.Helper()
	require.NoError(t, os.Rename(buildrecord.PathFor(so), buildrecord.LegacyPathFor(so)))
	if _, err := os.Stat(buildrecord.PathFor(so) + SignatureSuffix); err == nil {
		require.NoError(t, os.Rename(buildrecord.PathFor(so)+SignatureSuffix, buildrecord.LegacyPathFor(so)+SignatureSuffix))
	}
	require.NoFileExists(t, buildrecord.PathFor(so))
}

// TestLegacyBuildRecordName: for one release, a plugin whose build record
// has the old name (<plugin>.so.manifest.json, signed in
// <plugin>.so.manifest.json.sig) passes the checks as before, and Inspect
// says to rename it; a record of the new name wins over one of the old.
func TestLegacyBuildRecordName(t *testing.T) {
	required := testConfig()
	required.RequireBuildRecord = true

	t.Run("read from the old name", func(t *testing.T) {
		so := copyFixture(t, "greeterkind", t.TempDir(), "greeterkind.so")
		writeKindRecord(t, so, "loadertest/greeterkind", "greeter", nil)
		toLegacyName(t, so)
		assert.Equal(t, so+".manifest.json", BuildRecordPath(so))

		r, err := ReadBuildRecord(so)
		require.NoError(t, err)
		assert.Equal(t, "greeter", r.Kind)

		l := New(required)
		in, err := l.Inspect(so)
		require.NoError(t, err)
		assert.True(t, in.Verdict.Compatible, "%+v", in.Verdict.Findings)
		require.NotNil(t, in.BuildRecord)
		assert.Equal(t, in.SHA256, in.BuildRecord.SHA256)
		notes := strings.Join(in.Verdict.Notes, "\n")
		assert.Contains(t, notes, "build record read from the old name "+so+".manifest.json")
		assert.Contains(t, notes, "rename the file to "+so+".build.json")

		// Load's own pre-open check reads the same record: the plugin
		// passes it, and LoadKind tells its kind from the old name too.
		// (Refused before it is opened: a test that opened it would leave
		// it loaded for the tests after this one.)
		assert.NoError(t, l.Precheck(so))
		_, err = l.LoadKind(so, Kind{Name: "logger", Symbols: []KindSymbol{{Name: "Logger"}}})
		var ke *KindError
		require.ErrorAs(t, err, &ke)
		assert.Equal(t, "greeter", ke.Got)
	})

	t.Run("the new name wins", func(t *testing.T) {
		so := goodPlugin(t, t.TempDir(), "good.so")
		toLegacyName(t, so)
		// A stale record of the new name, of another plugin: it is the one
		// read, and its error is reported, not hidden by the old one.
		writeRecord(t, so, "loadertest/other", func(r *buildrecord.Record) { r.SHA256 = strings.Repeat("0", 64) })
		assert.Equal(t, buildrecord.PathFor(so), BuildRecordPath(so))
		err := New(required).Precheck(so)
		assert.ErrorIs(t, err, ErrChecksumMismatch)
		in, err := New(required).Inspect(so)
		require.NoError(t, err)
		assert.NotContains(t, strings.Join(in.Verdict.Notes, "\n"), "old name")
	})

	t.Run("missing under both names", func(t *testing.T) {
		so := copyFixture(t, "good", t.TempDir(), "good.so")
		err := New(required).Precheck(so)
		var be *BuildRecordError
		require.ErrorAs(t, err, &be)
		assert.Equal(t, ErrBuildRecordMissing, be.Kind)
		assert.Equal(t, buildrecord.PathFor(so), be.Path, "the name to install is the new one")
		assert.Contains(t, Remedy(err), "<plugin>.so.build.json")
	})

	t.Run("signed under the old name", func(t *testing.T) {
		key, pub := keyPair(t, "legacy")
		production := testConfig()
		production.TrustedKeys = []TrustedKey{pub}

		so := goodPlugin(t, t.TempDir(), "good.so")
		sign(t, so, key)
		toLegacyName(t, so)
		assert.Equal(t, so+".manifest.json.sig", SignaturePath(so))
		in, err := New(production).Inspect(so)
		require.NoError(t, err)
		assert.True(t, in.Verdict.Compatible, "%+v", in.Verdict.Findings)
		assert.Equal(t, pub.ID, in.Verdict.SignedBy)

		// A signature of the old name does not vouch for a record of the
		// new one: the pair is read side by side.
		so = goodPlugin(t, t.TempDir(), "good.so")
		record, err := os.ReadFile(buildrecord.PathFor(so))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(buildrecord.LegacyPathFor(so)+SignatureSuffix, signing.Sign(key, record), 0o644))
		err = New(production).Precheck(so)
		assert.ErrorIs(t, err, ErrUnsigned)
		var se *SignatureError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, buildrecord.PathFor(so)+".sig", se.Path)
	})

	t.Run("executable", func(t *testing.T) {
		exe := executableFixture(t, "greeter", "1.0.0")
		require.NoError(t, os.Rename(buildrecord.PathFor(exe), filepath.Join(filepath.Dir(exe), "english.manifest.json")))
		r, err := New(testConfig()).CheckExecutable(exe, greeterKind)
		require.NoError(t, err)
		assert.Equal(t, "greeter/english", r.Plugin)
	})
}
