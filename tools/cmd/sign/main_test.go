package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/internal/buildrecord"
	"example.com/plugkit/internal/cli"
)

func runSign(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(args, &stdout, &stderr)
	return stdout.String() + stderr.String(), err
}

func TestKeygenSignVerify(t *testing.T) {
	keys := t.TempDir()
	out, err := runSign(t, "keygen", "--comment=ci 2026", filepath.Join(keys, "ci"))
	require.NoError(t, err, out)
	fi, err := os.Stat(filepath.Join(keys, "ci.key"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the private key is the owner's alone")
	pub, err := os.ReadFile(filepath.Join(keys, "ci.pub"))
	require.NoError(t, err)
	assert.Regexp(t, `^plugkit-ed25519 [A-Za-z0-9+/=]{44} ci 2026\n$`, string(pub))
	_, err = runSign(t, "keygen", filepath.Join(keys, "ci"))
	assert.Error(t, err, "keygen never overwrites a key")

	plugins := t.TempDir()
	for _, p := range []string{"greeter/a/a.so", "logger/b/b.so", "logger/b/b"} {
		path := filepath.Join(plugins, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte("plugin "+p), 0o755))
		require.NoError(t, os.WriteFile(buildrecord.PathFor(path), []byte(`{"plugin": "`+p+`"}`), 0o644))
	}
	out, err = runSign(t, "sign", "--key="+filepath.Join(keys, "ci.key"), plugins)
	require.NoError(t, err, out)
	assert.Equal(t, 3, strings.Count(out, "signed "))
	first, err := os.ReadFile(filepath.Join(plugins, "greeter/a/a.so.build.json.sig"))
	require.NoError(t, err)

	// Deterministic: signing again gives the same bytes.
	_, err = runSign(t, "sign", "--key="+filepath.Join(keys, "ci.key"), filepath.Join(plugins, "greeter/a/a.so"))
	require.NoError(t, err)
	again, err := os.ReadFile(filepath.Join(plugins, "greeter/a/a.so.build.json.sig"))
	require.NoError(t, err)
	assert.Equal(t, first, again)

	out, err = runSign(t, "verify", "--trust="+filepath.Join(keys, "ci.pub"), plugins)
	require.NoError(t, err, out)
	assert.Equal(t, 3, strings.Count(out, "ok   "))

	// A record changed after signing fails; so does an unsigned one.
	require.NoError(t, os.WriteFile(filepath.Join(plugins, "logger/b/b.so.build.json"), []byte(`{"plugin": "other"}`), 0o644))
	require.NoError(t, os.Remove(filepath.Join(plugins, "logger/b/b.build.json.sig")))
	out, err = runSign(t, "verify", "--trust="+filepath.Join(keys, "ci.pub"), plugins)
	require.Error(t, err)
	assert.Contains(t, out, "FAIL "+filepath.Join(plugins, "logger/b/b.so")+": signature does not verify")
	assert.Contains(t, out, "FAIL "+filepath.Join(plugins, "logger/b/b")+": not signed")
	assert.Contains(t, err.Error(), "2 of 3 signatures do not verify")

	// The key from the environment, as CI hands over a secret.
	pem, err := os.ReadFile(filepath.Join(keys, "ci.key"))
	require.NoError(t, err)
	t.Setenv("PLUGKIT_SIGNING_KEY", string(pem))
	out, err = runSign(t, "sign", plugins)
	require.NoError(t, err, out)
	out, err = runSign(t, "verify", "--trust="+filepath.Join(keys, "ci.pub"), plugins)
	require.NoError(t, err, out)
}

// TestLegacyRecordName: for one release, a plugin whose build record has
// its old name (<plugin>.so.manifest.json) and none of the new is signed
// beside that record, as the host's loader reads it, verified there, and
// both say to rename it; a record of the new name wins.
func TestLegacyRecordName(t *testing.T) {
	keys := t.TempDir()
	_, err := runSign(t, "keygen", filepath.Join(keys, "ci"))
	require.NoError(t, err)
	plugins := t.TempDir()
	old := filepath.Join(plugins, "greeter/old/old.so")
	both := filepath.Join(plugins, "greeter/both/both.so")
	for _, p := range []string{old, both} {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("plugin "+p), 0o755))
		require.NoError(t, os.WriteFile(buildrecord.LegacyPathFor(p), []byte(`{"plugin": "old name"}`), 0o644))
	}
	require.NoError(t, os.WriteFile(buildrecord.PathFor(both), []byte(`{"plugin": "new name"}`), 0o644))

	var stdout, stderr bytes.Buffer
	require.NoError(t, run([]string{"sign", "--key=" + filepath.Join(keys, "ci.key"), plugins}, &stdout, &stderr), stderr.String())
	assert.Equal(t, 2, strings.Count(stdout.String(), "signed "), stdout.String())
	assert.FileExists(t, old+".manifest.json.sig")
	assert.NoFileExists(t, old+".build.json.sig")
	assert.FileExists(t, both+".build.json.sig")
	assert.NoFileExists(t, both+".manifest.json.sig")
	assert.Equal(t, "note: "+old+": build record has the old name "+old+".manifest.json, read for one more release only: rebuild the plugin, or rename it to "+old+".build.json (and its signature to "+old+".build.json.sig)\n", stderr.String())

	// Named alone, by the plugin or by its record of the old name.
	for _, p := range []string{old, old + ".manifest.json"} {
		out, err := runSign(t, "verify", "--trust="+filepath.Join(keys, "ci.pub"), p)
		require.NoError(t, err, out)
		assert.Contains(t, out, "ok   "+old+" (key ")
		assert.Contains(t, out, "note: "+old+": build record has the old name")
	}
	out, err := runSign(t, "verify", "--trust="+filepath.Join(keys, "ci.pub"), plugins)
	require.NoError(t, err, out)
	assert.Equal(t, 2, strings.Count(out, "ok   "), out)
}

func TestSignRefusals(t *testing.T) {
	t.Setenv("PLUGKIT_SIGNING_KEY", "")
	t.Setenv("PLUGKIT_SIGNING_KEY_FILE", "")
	dir := t.TempDir()
	_, err := runSign(t, "sign", dir)
	assert.ErrorIs(t, err, cli.ErrUsage, "no key")
	_, err = runSign(t)
	assert.ErrorIs(t, err, cli.ErrUsage)
	_, err = runSign(t, "frobnicate")
	assert.ErrorIs(t, err, cli.ErrUsage)

	_, err = runSign(t, "keygen", filepath.Join(dir, "k"))
	require.NoError(t, err)
	_, err = runSign(t, "sign", "--key="+filepath.Join(dir, "k.key"), t.TempDir())
	assert.ErrorContains(t, err, "no build record in the folder")
	require.NoError(t, os.Chmod(filepath.Join(dir, "k.key"), 0o644))
	_, err = runSign(t, "sign", "--key="+filepath.Join(dir, "k.key"), dir)
	assert.ErrorContains(t, err, "readable by others")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.key"), []byte("not a key"), 0o600))
	_, err = runSign(t, "sign", "--key="+filepath.Join(dir, "bad.key"), dir)
	assert.ErrorContains(t, err, "PRIVATE KEY")
}
