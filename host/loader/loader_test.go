package loader

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/internal/buildrecord"
	"example.com/plugkit/pluginapi"
)

// writeRecord writes a build record for the plugin at so that matches
// the test host and names no kind, after edit changes it.
func writeRecord(t *testing.T, so, name string, edit func(*buildrecord.Record)) {
	t.Helper()
	writeKindRecord(t, so, name, "", edit)
}

// writeKindRecord is writeRecord for a plugin of kind.
func writeKindRecord(t *testing.T, so, name, kind string, edit func(*buildrecord.Record)) {
	t.Helper()
	cfg := testConfig()
	br, err := buildrecord.New(so, name, kind, cfg.GoVersion, buildrecord.FlagsFingerprint([]string{"-race"}), pluginapi.APIVersion, map[string]string{"github.com/stretchr/testify": "v1.12.1"})
	require.NoError(t, err)
	if edit != nil {
		edit(br)
	}
	data, err := br.Marshal()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(buildrecord.PathFor(so), data, 0o644))
}

// wantPluginPath is the plugin path of fixture name as built by the go
// command; a build system may choose another, so then only its presence is
// checked.
func wantPluginPath(t *testing.T, name string) string {
	t.Helper()
	if os.Getenv(fixtureEnv(name)) != "" {
		in, err := New(testConfig()).Inspect(fixture(t, name))
		require.NoError(t, err)
		require.NotEmpty(t, in.PluginPath)
		return in.PluginPath
	}
	return "example.com/plugkit/host/loader/testdata/plugins/" + name
}

func patchMachine(t *testing.T, data []byte, m uint16) []byte {
	t.Helper()
	require.Greater(t, len(data), 20)
	out := append([]byte(nil), data...)
	binary.LittleEndian.PutUint16(out[18:], m) // e_machine
	return out
}

func buildCLib(t *testing.T, dir string) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc to build a C shared library")
	}
	src := writeFile(t, dir, "clib.c", []byte("int answer(void) { return 42; }\n"))
	out := filepath.Join(dir, "clib.so")
	msg, err := exec.Command(gcc, "-shared", "-fPIC", "-o", out, src).CombinedOutput()
	require.NoError(t, err, "%s", msg)
	require.NoError(t, os.Chmod(out, 0o755))
	return out
}

// TestBadInputs feeds the loader one real file per way a plugin can be
// wrong and checks that each yields its own typed error, and that the test
// process survives them all.
func TestBadInputs(t *testing.T) {
	random := make([]byte, 4096)
	_, err := rand.Read(random)
	require.NoError(t, err)

	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) (path string, cfg Config)
		want  error
		as    any // pointer to the structured error type expected
	}{
		{"missing file", func(t *testing.T, dir string) (string, Config) {
			return filepath.Join(dir, "missing.so"), testConfig()
		}, ErrNotFound, new(*FileError)},
		{"empty file", func(t *testing.T, dir string) (string, Config) {
			return writeFile(t, dir, "empty.so", nil), testConfig()
		}, ErrNotELF, new(*FormatError)},
		{"random bytes", func(t *testing.T, dir string) (string, Config) {
			return writeFile(t, dir, "random.so", random), testConfig()
		}, ErrNotELF, new(*FormatError)},
		{"truncated plugin", func(t *testing.T, dir string) (string, Config) {
			data, err := os.ReadFile(fixture(t, "good"))
			require.NoError(t, err)
			return writeFile(t, dir, "truncated.so", data[:len(data)/3]), testConfig()
		}, ErrNotELF, new(*FormatError)},
		{"C shared library", func(t *testing.T, dir string) (string, Config) {
			return buildCLib(t, dir), testConfig()
		}, ErrNotGoPlugin, new(*FormatError)},
		{"Go executable", func(t *testing.T, dir string) (string, Config) {
			exe, err := os.Executable()
			require.NoError(t, err)
			data, err := os.ReadFile(exe)
			require.NoError(t, err)
			return writeFile(t, dir, "exe.so", data), testConfig()
		}, ErrNotGoPlugin, new(*FormatError)},
		{"wrong architecture", func(t *testing.T, dir string) (string, Config) {
			data, err := os.ReadFile(fixture(t, "good"))
			require.NoError(t, err)
			m := uint16(183) // EM_AARCH64
			if testConfig().GOARCH == "arm64" {
				m = 62 // EM_X86_64
			}
			return writeFile(t, dir, "arch.so", patchMachine(t, data, m)), testConfig()
		}, ErrWrongArch, new(*ArchError)},
		{"tampered after build", func(t *testing.T, dir string) (string, Config) {
			so := copyFixture(t, "good", dir, "tampered.so")
			writeRecord(t, so, "loadertest/good", nil)
			data, err := os.ReadFile(so)
			require.NoError(t, err)
			data[len(data)/2] ^= 0xff
			require.NoError(t, os.WriteFile(so, data, 0o644))
			return so, testConfig()
		}, ErrChecksumMismatch, new(*ChecksumError)},
		{"not allowlisted", func(t *testing.T, dir string) (string, Config) {
			cfg := testConfig()
			cfg.Allowlist = map[string]string{"00": "nothing"}
			return copyFixture(t, "good", dir, "good.so"), cfg
		}, ErrNotAllowlisted, new(*ChecksumError)},
		{"other-writable file", func(t *testing.T, dir string) (string, Config) {
			so := copyFixture(t, "good", dir, "good.so")
			require.NoError(t, os.Chmod(so, 0o666))
			return so, testConfig()
		}, ErrUnsafePermissions, new(*PermissionError)},
		{"group-writable folder", func(t *testing.T, dir string) (string, Config) {
			sub := filepath.Join(dir, "shared")
			require.NoError(t, os.Mkdir(sub, 0o775))
			require.NoError(t, os.Chmod(sub, 0o775))
			return copyFixture(t, "good", sub, "good.so"), testConfig()
		}, ErrUnsafePermissions, new(*PermissionError)},
		{"build record required", func(t *testing.T, dir string) (string, Config) {
			cfg := testConfig()
			cfg.RequireBuildRecord = true
			return copyFixture(t, "good", dir, "good.so"), cfg
		}, ErrBuildRecordMissing, new(*BuildRecordError)},
		{"build record malformed", func(t *testing.T, dir string) (string, Config) {
			so := copyFixture(t, "good", dir, "good.so")
			writeFile(t, dir, "good.so"+buildrecord.Suffix, []byte(`{"schema_version": 1, "extra": true}`))
			return so, testConfig()
		}, ErrBuildRecordInvalid, new(*BuildRecordError)},
		{"toolchain, flags and shared dep differ", func(t *testing.T, dir string) (string, Config) {
			so := copyFixture(t, "good", dir, "good.so")
			writeRecord(t, so, "loadertest/good", func(m *buildrecord.Record) {
				m.GoVersion = "go1.25.0"
				m.BuildFlagsFingerprint = buildrecord.FlagsFingerprint([]string{"-trimpath"})
				m.SharedDeps["github.com/stretchr/testify"] = "v1.11.0"
			})
			cfg := testConfig()
			cfg.BuildFlagsFingerprint = buildrecord.FlagsFingerprint([]string{"-race"})
			cfg.SharedDeps = map[string]string{"github.com/stretchr/testify": "v1.12.1"}
			return so, cfg
		}, ErrToolchainMismatch, new(*IncompatibleError)},
		{"PluginManifest of the wrong type", func(t *testing.T, dir string) (string, Config) {
			return copyFixture(t, "badmanifest", dir, "badmanifest.so"), testConfig()
		}, ErrSymbolType, new(*SymbolTypeError)},
		{"PluginManifest missing", func(t *testing.T, dir string) (string, Config) {
			return copyFixture(t, "nomanifest", dir, "nomanifest.so"), testConfig()
		}, ErrSymbolMissing, new(*SymbolMissingError)},
		{"unsupported API version", func(t *testing.T, dir string) (string, Config) {
			return copyFixture(t, "oldapi", dir, "oldapi.so"), testConfig()
		}, ErrAPIVersion, new(*APIVersionError)},
		{"init panics", func(t *testing.T, dir string) (string, Config) {
			return copyFixture(t, "initpanic", dir, "initpanic.so"), testConfig()
		}, ErrInitPanic, new(*InitPanicError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, cfg := tt.setup(t, t.TempDir())
			p, err := New(cfg).Load(path)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.ErrorIs(t, err, tt.want)
			assert.ErrorAs(t, err, tt.as)
			assert.Equal(t, Code(tt.want), Code(err))
			assert.Contains(t, err.Error(), path, "the message names the file")
			t.Log(err)
		})
	}
}

func TestIncompatibleListsEveryDifference(t *testing.T) {
	dir := t.TempDir()
	so := copyFixture(t, "good", dir, "good.so")
	writeRecord(t, so, "loadertest/good", func(m *buildrecord.Record) {
		m.GoVersion = "go1.25.0"
		m.BuildFlagsFingerprint = buildrecord.FlagsFingerprint([]string{"-trimpath"})
		m.PluginAPIVersion = "2.0.0"
		m.SharedDeps["github.com/stretchr/testify"] = "v1.11.0"
		m.SharedDeps["example.com/only/plugin"] = "v0.1.0"
	})
	cfg := testConfig()
	cfg.BuildFlagsFingerprint = buildrecord.FlagsFingerprint([]string{"-race"})
	cfg.SharedDeps = map[string]string{"github.com/stretchr/testify": "v1.12.1"}

	err := New(cfg).Precheck(so)
	var ie *IncompatibleError
	require.ErrorAs(t, err, &ie)
	var fields []string
	for _, m := range ie.Mismatches {
		fields = append(fields, m.Field)
	}
	assert.Equal(t, []string{
		"go_version (build record)",
		"build_flags_fingerprint (build record)",
		"pluginapi_version (build record)",
		"module github.com/stretchr/testify (build record)",
		"go_version (build record vs build info)",
	}, fields)
	for _, kind := range []error{ErrToolchainMismatch, ErrBuildFlagsMismatch, ErrAPIVersion, ErrSharedDepMismatch, ErrBuildRecordInvalid} {
		assert.ErrorIs(t, err, kind)
	}
	var m *Mismatch
	require.ErrorAs(t, err, &m)
	assert.Equal(t, "go1.25.0", m.Got)
}

func TestLoadGood(t *testing.T) {
	dir := t.TempDir()
	so := copyFixture(t, "good", dir, "good.so")
	writeRecord(t, so, "loadertest/good", nil)
	// Signed, and loaded by a host in production mode: the process opens
	// this plugin once, so this is where a signed plugin is opened.
	key, pub := keyPair(t, "release")
	sign(t, so, key)
	cfg := testConfig()
	cfg.TrustedKeys = []TrustedKey{pub}
	l := New(cfg)

	require.NoError(t, l.Precheck(so))
	p, err := l.Load(so)
	require.NoError(t, err)
	assert.Equal(t, "loadertest/good", p.Manifest.Name)
	assert.Equal(t, pluginapi.APIVersion, p.Manifest.APIVersion)
	assert.Equal(t, wantPluginPath(t, "good"), p.PluginPath)
	require.NotNil(t, p.BuildRecord)
	assert.Equal(t, p.SHA256, p.BuildRecord.SHA256)
	// Every phase does real work (reads, parses, dlopen), so none is zero.
	assert.Positive(t, p.Timings.Stage, "stage")
	assert.Positive(t, p.Timings.Check, "check")
	assert.Positive(t, p.Timings.Open, "open")
	assert.Positive(t, p.Timings.Identify, "identify")

	g, err := Lookup[pluginapi.Greeter](p, pluginapi.GreeterSymbol)
	require.NoError(t, err)
	assert.Equal(t, "hello from good", g.Greet())

	hello, err := Lookup[func() string](p, "Hello")
	require.NoError(t, err)
	assert.Equal(t, "hello", hello())

	m, err := Lookup[*pluginapi.Manifest](p, pluginapi.ManifestSymbol)
	require.NoError(t, err)
	assert.Equal(t, "loadertest/good", m.Name)

	_, err = Lookup[pluginapi.Logger](p, pluginapi.LoggerSymbol)
	var missing *SymbolMissingError
	require.ErrorAs(t, err, &missing)
	assert.Equal(t, pluginapi.LoggerSymbol, missing.Symbol)
	assert.Equal(t, so, missing.Plugin)

	// Reopening the path, or the same bytes elsewhere, gives the plugin
	// already loaded.
	again, err := l.Load(so)
	require.NoError(t, err)
	assert.Same(t, p, again)
	elsewhere := copyFixture(t, "good", t.TempDir(), "renamed.so")
	again, err = New(testConfig()).Load(elsewhere)
	require.NoError(t, err)
	assert.Same(t, p, again)
	assert.Contains(t, Loaded(), p)
}

func TestLookupWrongType(t *testing.T) {
	p, err := New(testConfig()).Load(copyFixture(t, "badtypes", t.TempDir(), "badtypes.so"))
	require.NoError(t, err)

	_, err = Lookup[pluginapi.Greeter](p, pluginapi.GreeterSymbol)
	var te *SymbolTypeError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "pluginapi.Greeter", te.Want)
	assert.Equal(t, "*int", te.Got)

	_, err = Lookup[pluginapi.Logger](p, pluginapi.LoggerSymbol)
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "*pluginapi.Logger (holding nil)", te.Got)

	n, err := Lookup[*int](p, "Greeter")
	require.NoError(t, err)
	assert.Equal(t, 42, *n)
}

func TestInitPanicIsRemembered(t *testing.T) {
	so := copyFixture(t, "initpanic", t.TempDir(), "initpanic.so")
	l := New(testConfig())
	_, first := l.Load(so)
	var ip *InitPanicError
	require.ErrorAs(t, first, &ip)
	assert.EqualError(t, ip.Value.(error), "initpanic: boom")
	assert.NotEmpty(t, ip.Stack)

	// A second plugin.Open would block forever; the loader must answer
	// from its record instead.
	done := make(chan error, 1)
	go func() {
		_, err := l.Load(so)
		done <- err
	}()
	select {
	case err := <-done:
		assert.Same(t, first, err)
	case <-time.After(30 * time.Second):
		t.Fatal("second Load of a plugin whose init panicked blocked")
	}
}

func TestRebuiltPluginIsRefused(t *testing.T) {
	dir := t.TempDir()
	_, err := New(testConfig()).Load(copyFixture(t, "good", dir, "good.so"))
	require.NoError(t, err)

	// Same plugin path, other bytes: what a rebuild at the same path
	// looks like to the runtime.
	data, err := os.ReadFile(fixture(t, "good"))
	require.NoError(t, err)
	rebuilt := writeFile(t, t.TempDir(), "good.so", append(data, "rebuilt"...))
	_, err = New(testConfig()).Load(rebuilt)
	var ae *AlreadyLoadedError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, wantPluginPath(t, "good"), ae.PluginPath)
	assert.NotEqual(t, ae.LoadedSHA256, ae.GotSHA256)
}

func TestReloadTakesOverTheName(t *testing.T) {
	l := New(testConfig())
	v1, err := l.Load(copyFixture(t, "rebuild_v1", t.TempDir(), "rebuild.so"))
	require.NoError(t, err)

	// The next build, under its own plugin path: Load keeps names unique...
	next := copyFixture(t, "rebuild_v2", t.TempDir(), "rebuild.so")
	_, err = l.Load(next)
	var ie *IdentityError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "loadertest/rebuild", ie.Name)

	// ...and Reload hands the name over; the old build keeps working.
	v2, err := l.Reload(next)
	require.NoError(t, err)
	assert.NotEqual(t, v1.PluginPath, v2.PluginPath)
	g2, err := Lookup[pluginapi.Greeter](v2, pluginapi.GreeterSymbol)
	require.NoError(t, err)
	assert.Equal(t, "hello from build 2", g2.Greet())
	g1, err := Lookup[pluginapi.Greeter](v1, pluginapi.GreeterSymbol)
	require.NoError(t, err)
	assert.Equal(t, "hello from build 1", g1.Greet())
	assert.Contains(t, Loaded(), v2)
	assert.NotContains(t, Loaded(), v1)

	// Reload does not bypass the runtime's rule: other bytes under a plugin
	// path already loaded are still refused.
	data, err := os.ReadFile(fixture(t, "rebuild_v1"))
	require.NoError(t, err)
	samePath := writeFile(t, t.TempDir(), "rebuild.so", append(data, "rebuilt"...))
	_, err = l.Reload(samePath)
	var ae *AlreadyLoadedError
	require.ErrorAs(t, err, &ae)
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	copyFixture(t, "good", dir, "b_good.so")
	copyFixture(t, "initpanic", dir, "c_initpanic.so")
	writeFile(t, dir, "a_empty.so", nil)
	writeFile(t, dir, "README.txt", []byte("not a plugin"))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "d_folder.so"), 0o755))

	results, err := New(testConfig()).LoadDir(dir)
	require.NoError(t, err)
	require.Len(t, results, 3)
	assert.Equal(t, filepath.Join(dir, "a_empty.so"), results[0].Path)
	assert.ErrorIs(t, results[0].Err, ErrNotELF)
	assert.NoError(t, results[1].Err)
	require.NotNil(t, results[1].Plugin)
	assert.Equal(t, "loadertest/good", results[1].Plugin.Manifest.Name)
	assert.ErrorIs(t, results[2].Err, ErrInitPanic)

	err = Errors(results)
	assert.ErrorIs(t, err, ErrNotELF)
	assert.ErrorIs(t, err, ErrInitPanic)

	_, err = New(testConfig()).LoadDir(filepath.Join(dir, "missing"))
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestConcurrentLoads(t *testing.T) {
	const n = 8
	var paths []string
	for i := 0; i < n; i++ {
		name := []string{"good", "badtypes"}[i%2]
		paths = append(paths, copyFixture(t, name, t.TempDir(), name+".so"))
	}
	l := New(testConfig())
	plugins := make([]*Plugin, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			plugins[i], errs[i] = l.Load(paths[i])
		}()
	}
	wg.Wait()
	for i := range paths {
		require.NoError(t, errs[i])
		assert.Same(t, plugins[i%2], plugins[i])
	}
}

func TestClassifyOpenError(t *testing.T) {
	err := classifyOpenError("x.so", errors.New(`plugin.Open("x"): plugin was built with a different version of package example.com/plugkit/pluginapi`))
	var pm *PackageMismatchError
	require.ErrorAs(t, err, &pm)
	assert.Equal(t, "example.com/plugkit/pluginapi", pm.Package)
	assert.Contains(t, err.Error(), "example.com/plugkit/pluginapi")

	err = classifyOpenError("x.so", errors.New(`plugin.Open("x"): plugin already loaded`))
	assert.ErrorIs(t, err, ErrAlreadyLoaded)

	err = classifyOpenError("x.so", errors.New(`plugin.Open("x"): failed to map segment from shared object`))
	var oe *OpenError
	require.ErrorAs(t, err, &oe)
	assert.ErrorIs(t, err, ErrOpen)
}

// TestPackageMismatchBeforeOpen makes the host's package hashes disagree
// with a plugin's and expects the pre-open check to name the package.
func TestPackageMismatchBeforeOpen(t *testing.T) {
	so := copyFixture(t, "good", t.TempDir(), "good.so")
	host := hostPkgHashes()
	if host == nil {
		t.Skip("the test binary exports no package hashes")
	}
	const pkg = "example.com/plugkit/pluginapi"
	_, ok := host.Hash(pkg)
	require.True(t, ok, pkg)
	fake := fakeHashes{host, pkg}
	saved := hostPkgHashes
	hostPkgHashes = func() pkgHashes { return fake }
	t.Cleanup(func() { hostPkgHashes = saved })

	err := New(testConfig()).Precheck(so)
	var pm *PackageMismatchError
	require.ErrorAs(t, err, &pm)
	assert.Equal(t, pkg, pm.Package)
	assert.Empty(t, pm.Others)
}

// TestPackageMismatchWithLoadedPlugin checks that a package a loaded plugin
// brought (and the host does not link) must match in later plugins, as the
// runtime requires.
func TestPackageMismatchWithLoadedPlugin(t *testing.T) {
	p, err := New(testConfig()).Load(copyFixture(t, "good", t.TempDir(), "good.so"))
	require.NoError(t, err)
	pkg := p.PluginPath // the plugin's main package, not in the host
	require.NotEmpty(t, pkg)

	_, _, err = claim("later.so", "not-a-loaded-sha", "", map[string]string{pkg: "00"})
	var pm *PackageMismatchError
	require.ErrorAs(t, err, &pm)
	assert.Equal(t, pkg, pm.Package)
	assert.True(t, pm.LoadedPlugins)
	assert.Contains(t, err.Error(), "a plugin already loaded")
}

func TestDifferingPackages(t *testing.T) {
	assert.Equal(t, []string{"a", "c"}, differingPackages(
		map[string]string{"c": "1", "a": "1", "b": "1", "only-plugin": "1"},
		hashMap{"a": "2", "b": "1", "c": "2", "only-host": "1"}))
	assert.Empty(t, differingPackages(nil, hashMap{"a": "1"}))
}

// fakeHashes is the host's package hashes with one package's changed.
type fakeHashes struct {
	host pkgHashes
	pkg  string
}

func (f fakeHashes) Hash(pkg string) (string, bool) {
	if pkg == f.pkg {
		return "0000000000000000", true
	}
	return f.host.Hash(pkg)
}
