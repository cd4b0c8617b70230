package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/host/loader"
	"example.com/plugkit/internal/buildrecord"
	"example.com/plugkit/internal/signing"
)

// TestLogRefusesExitingInit: a plugin that exports only F and whose init
// calls os.Exit(3), installed as a logger with a build record that matches
// its bytes, among good loggers. The host refuses it from its ELF exports,
// before its init can run, and every other logger gets the message. Beside
// it, the other files of the bad-input class: a named pipe and a truncated
// plugin. The host binary itself runs, so an init that ran would end it
// with status 3.
func TestLogRefusesExitingInit(t *testing.T) {
	dir := t.TempDir()
	copyPlugin(t, dir, "tap")
	exiter := filepath.Join(dir, "hosttest", "exiter", "exiter.so")
	require.NoError(t, os.MkdirAll(filepath.Dir(exiter), 0o755))
	data, err := os.ReadFile(runfile(t, "INITEXIT_SO"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(exiter, data, 0o644))
	matchingRecord(t, exiter, filepath.Join(dir, "hosttest", "tap", "tap.so"), "logger")
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "fifo.so"), 0o644))
	tap, err := os.ReadFile(filepath.Join(dir, "hosttest", "tap", "tap.so"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "truncated.so"), tap[:len(tap)/2], 0o644))

	cmd := exec.Command(runfile(t, "HOST_BIN"), "log", "--dir="+dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr, stderr.String())
	assert.Equal(t, 1, exitErr.ExitCode(), "refused, not ended by the plugin's init (status 3)")
	assert.Equal(t, "tap info \"Hello world!\" user=\"sample\"\n", stdout.String())
	assert.Contains(t, stderr.String(), "exiter.so")
	assert.Contains(t, stderr.String(), "plugin symbol missing: PluginManifest")
	assert.Contains(t, stderr.String(), "fifo.so")
	assert.Contains(t, stderr.String(), "not a regular file")
	assert.Contains(t, stderr.String(), "truncated.so")
	t.Log(stderr.String())

	// host list names every refusal by its codes, and never blocks.
	stdout.Reset()
	err = run([]string{"list", dir}, &stdout, &stderr)
	require.Error(t, err)
	assert.Regexp(t, `hosttest/exiter/exiter.so\s+\w+\s+refused \(symbol_missing\)`, stdout.String())
	assert.Regexp(t, `fifo.so\s+-\s+not_regular`, stdout.String())
	assert.Regexp(t, `truncated.so\s+\w+\s+refused \(not_elf, build_record_missing\)`, stdout.String())
	assert.Regexp(t, `hosttest/tap/tap.so\s+\w+\s+ok`, stdout.String())
}

// matchingRecord writes a build record of kind for so that matches its
// bytes and, for everything else, the record of the good plugin like.
func matchingRecord(t *testing.T, so, like, kind string) {
	t.Helper()
	r, err := loader.ReadBuildRecord(like)
	require.NoError(t, err)
	br, err := buildrecord.New(so, "hosttest/"+filepath.Base(so), kind, r.GoVersion, r.BuildFlagsFingerprint, r.PluginAPIVersion, r.SharedDeps)
	require.NoError(t, err)
	out, err := br.Marshal()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(buildrecord.PathFor(so), out, 0o644))
}

// TestTrustedKeys: with --trust the host loads only plugins signed by a key
// in the file (two keys, for rotation), refuses the rest with their codes,
// and says what to do. Keys are generated here.
func TestTrustedKeys(t *testing.T) {
	dir := t.TempDir()
	so := copyPlugin(t, dir, "hello")
	pub1, key1, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	pub2, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	_, stranger, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	keys := filepath.Join(t.TempDir(), "trusted.pub")
	require.NoError(t, os.WriteFile(keys, []byte(signing.NewPublicKey(pub2, "next").String()+"\n"+signing.NewPublicKey(pub1, "current").String()+"\n"), 0o644))
	signWith := func(key ed25519.PrivateKey) {
		record, err := os.ReadFile(loader.BuildRecordPath(so))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(loader.SignaturePath(so), signing.Sign(key, record), 0o644))
	}
	greet := func(extra ...string) (string, error) {
		var stdout, stderr bytes.Buffer
		err := run(append([]string{"greet", "--lang=hello", "--plugins=" + dir}, extra...), &stdout, &stderr)
		return stdout.String(), err
	}

	_, err = greet("--trust=" + keys)
	assert.ErrorIs(t, err, loader.ErrUnsigned)
	assert.Equal(t, "unsigned", loader.Code(err))
	assert.Contains(t, loader.Remedy(err), "tools/cmd/sign")

	signWith(stranger)
	_, err = greet("--trust=" + keys)
	assert.ErrorIs(t, err, loader.ErrUnknownKey)

	signWith(key1)
	out, err := greet("--trust=" + keys)
	require.NoError(t, err)
	assert.Equal(t, "hello from host/testdata\n", out)

	var stdout, stderr bytes.Buffer
	require.NoError(t, run([]string{"inspect", "--trust=" + keys, so}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), "by trusted key "+signing.KeyID(pub1))

	// The same through the environment, and a keys file that is no such
	// file is the user's mistake, said before anything loads.
	t.Setenv("PLUGKIT_TRUSTED_KEYS", keys)
	out, err = greet()
	require.NoError(t, err)
	assert.Equal(t, "hello from host/testdata\n", out)
	_, err = greet("--trust=" + filepath.Join(dir, "missing.pub"))
	assert.ErrorIs(t, err, errUsage)
}
