package loader

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/internal/buildrecord"
	"example.com/plugkit/internal/elffacts"
	"example.com/plugkit/internal/signing"
)

// The diagnosis corpus: real files, built by Bazel or taken from this test
// binary, then damaged, each with every finding the pre-open check must
// report, root cause first. Load refuses each before opening it, so none of
// their code runs.

// goodPlugin copies the good fixture into dir and gives it a build record that
// matches its bytes.
func goodPlugin(t *testing.T, dir, file string) string {
	so := copyFixture(t, "good", dir, file)
	writeRecord(t, so, "loadertest/good", nil)
	return so
}

// otherRecord puts the good fixture's build record beside so, as a user
// who copies a record next to the wrong file does.
func otherRecord(t *testing.T, so string) {
	src := goodPlugin(t, t.TempDir(), "good.so")
	data, err := os.ReadFile(BuildRecordPath(src))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(buildrecord.PathFor(so), data, 0o644))
}

// replaceOnce replaces the one occurrence of old in data, same length.
func replaceOnce(t *testing.T, data []byte, old, new string) []byte {
	t.Helper()
	require.Len(t, new, len(old))
	i := bytes.Index(data, []byte(old))
	require.GreaterOrEqual(t, i, 0, "%q not in the file", old)
	out := append([]byte(nil), data...)
	copy(out[i:], new)
	return out
}

// withGoVersion is the good fixture as an older toolchain would have
// stamped it: the Go version in its build info replaced by one as long.
// (A real go1.25 plugin would differ in its package hashes too; those
// differences are the toolchain's consequences, which the diagnosis leaves
// out, so the findings are the same.)
func withGoVersion(t *testing.T, version string) []byte {
	data, err := os.ReadFile(fixture(t, "good"))
	require.NoError(t, err)
	f, err := elf.NewFile(bytes.NewReader(data))
	require.NoError(t, err)
	sec := f.Section(".go.buildinfo")
	require.NotNil(t, sec)
	start, end := int(sec.Offset), int(sec.Offset+sec.Size)
	i := bytes.Index(data[start:end], []byte(runtime.Version()))
	require.GreaterOrEqual(t, i, 0)
	require.Len(t, version, len(runtime.Version()), "same length keeps the varint prefix right")
	out := append([]byte(nil), data...)
	copy(out[start+i:], version)
	return out
}

func wrongArch(t *testing.T) []byte {
	data, err := os.ReadFile(fixture(t, "good"))
	require.NoError(t, err)
	m := uint16(elf.EM_AARCH64)
	if runtime.GOARCH == "arm64" {
		m = uint16(elf.EM_X86_64)
	}
	return patchMachine(t, data, m)
}

func goExecutable(t *testing.T) []byte {
	exe, err := os.Executable()
	require.NoError(t, err)
	data, err := os.ReadFile(exe)
	require.NoError(t, err)
	return data
}

// patchHeader returns the good fixture with the ELF header field at off
// (ELF64 layout) set to v.
func patchHeader(t *testing.T, off, size int, v uint64) []byte {
	data, err := os.ReadFile(fixture(t, "good"))
	require.NoError(t, err)
	out := append([]byte(nil), data...)
	switch size {
	case 2:
		binary.LittleEndian.PutUint16(out[off:], uint16(v))
	case 8:
		binary.LittleEndian.PutUint64(out[off:], v)
	}
	return out
}

// sectionLink returns the good fixture with the sh_link of its section of
// type typ set to link: a symbol table pointing at a string table that is
// not there.
func sectionLink(t *testing.T, typ elf.SectionType, link uint32) []byte {
	data, err := os.ReadFile(fixture(t, "good"))
	require.NoError(t, err)
	f, err := elf.NewFile(bytes.NewReader(data))
	require.NoError(t, err)
	shoff := binary.LittleEndian.Uint64(data[0x28:])
	out := append([]byte(nil), data...)
	for i, s := range f.Sections {
		if s.Type == typ {
			binary.LittleEndian.PutUint32(out[int(shoff)+i*64+40:], link) // Elf64_Shdr.sh_link
		}
	}
	return out
}

func TestDiagnosisCorpus(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the damaged headers are ELF64 little-endian")
	}
	type file struct {
		name  string
		setup func(t *testing.T, dir string) string
		cfg   func(*Config)
		want  []string // every finding's code, root cause first
	}
	write := func(name string, data func(*testing.T) []byte) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string { return writeFile(t, dir, name, data(t)) }
	}
	withOther := func(name string, data func(*testing.T) []byte) func(*testing.T, string) string {
		return func(t *testing.T, dir string) string {
			so := writeFile(t, dir, name, data(t))
			otherRecord(t, so)
			return so
		}
	}
	require := func(c *Config) { c.RequireBuildRecord = true }
	go125 := func(t *testing.T) []byte { return withGoVersion(t, "go1.25.5") }
	corpus := []file{
		// The three files: alone, with a build record required, and
		// with a record of another file beside them. The root cause comes
		// first, and the checksum's remedy says the record is not this
		// file's, not that the file changed.
		{"arm64 build", write("arm64.so", wrongArch), nil, []string{"wrong_arch"}},
		{"arm64 build, build record required", write("arm64.so", wrongArch), require, []string{"wrong_arch", "build_record_missing"}},
		{"arm64 build, another file's build record", withOther("arm64.so", wrongArch), nil, []string{"wrong_arch", "checksum_mismatch"}},
		{"go1.25.5 build", write("old.so", go125), nil, []string{"toolchain_mismatch"}},
		{"go1.25.5 build, build record required", write("old.so", go125), require, []string{"toolchain_mismatch", "build_record_missing"}},
		{"go1.25.5 build, another file's build record", withOther("old.so", go125), nil, []string{"toolchain_mismatch", "build_record_invalid", "checksum_mismatch"}},
		{"Go executable", write("exe.so", goExecutable), nil, []string{"not_go_plugin"}},
		{"Go executable, build record required", write("exe.so", goExecutable), require, []string{"not_go_plugin", "build_record_missing"}},
		{"Go executable, another file's build record", withOther("exe.so", goExecutable), nil, []string{"not_go_plugin", "checksum_mismatch"}},

		// Damaged ELF headers and tables.
		{"truncated to its ELF header", write("hdr.so", func(t *testing.T) []byte {
			data, err := os.ReadFile(fixture(t, "good"))
			assert.NoError(t, err)
			return data[:64]
		}), nil, []string{"not_elf"}},
		{"section headers past the end", write("shoff.so", func(t *testing.T) []byte { return patchHeader(t, 0x28, 8, 1<<40) }), nil, []string{"not_elf"}},
		{"section header count too large", write("shnum.so", func(t *testing.T) []byte { return patchHeader(t, 0x3c, 2, 0xfeff) }), nil, []string{"not_elf"}},
		{"program headers past the end", write("phoff.so", func(t *testing.T) []byte { return patchHeader(t, 0x20, 8, 1<<40) }), nil, []string{"not_elf"}},
		{"section name table index out of range", write("shstrndx.so", func(t *testing.T) []byte { return patchHeader(t, 0x3e, 2, 0xfffe) }), nil, []string{"not_elf"}},
		{"ELF type core", write("core.so", func(t *testing.T) []byte { return patchHeader(t, 0x10, 2, uint64(elf.ET_CORE)) }), nil, []string{"not_go_plugin"}},
		// With its dynamic symbols' names gone, nothing shows the file is
		// a plugin, or what it exports.
		{".dynsym without a string table", write("dynlink.so", func(t *testing.T) []byte { return sectionLink(t, elf.SHT_DYNSYM, 0) }), nil, []string{"not_go_plugin"}},
		// .symtab damaged alone: .dynsym still names the exports.
		{".symtab without a string table", write("symlink.so", func(t *testing.T) []byte { return sectionLink(t, elf.SHT_SYMTAB, 0xffff) }), nil, nil},

		// Tampered after the build.
		{"one byte changed", func(t *testing.T, dir string) string {
			so := goodPlugin(t, dir, "tampered.so")
			data, err := os.ReadFile(so)
			assert.NoError(t, err)
			data[len(data)/2] ^= 0xff
			assert.NoError(t, os.WriteFile(so, data, 0o644))
			return so
		}, nil, []string{"checksum_mismatch"}},
		{"the good plugin", func(t *testing.T, dir string) string { return goodPlugin(t, dir, "good.so") }, require, nil},
	}
	for _, c := range corpus {
		t.Run(c.name, func(t *testing.T) {
			so := c.setup(t, t.TempDir())
			cfg := testConfig()
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			l := New(cfg)
			err := l.Precheck(so)
			got := []string{}
			for _, f := range Findings(err) {
				got = append(got, Code(f))
			}
			want := c.want
			if want == nil {
				want = []string{}
			}
			assert.Equal(t, want, got, "%v", err)
			t.Log(err)

			in, ierr := l.Inspect(so)
			assert.NoError(t, ierr)
			var codes []string
			for _, f := range in.Verdict.Findings {
				codes = append(codes, f.Code)
				assert.NotEmpty(t, f.Remedy, "finding %s has a remedy", f.Code)
				assert.True(t, strings.HasSuffix(f.Message, f.Remedy), "the message ends in the remedy: %q", f.Message)
			}
			if codes == nil {
				codes = []string{}
			}
			assert.Equal(t, want, codes, "inspect lists the same findings")
			if len(want) > 0 && err != nil {
				assert.Equal(t, Remedy(Findings(err)[0]), Remedy(err), "the remedy of a refusal is its root cause's")
			}

			var ce *ChecksumError
			if len(want) > 1 && errorsAs(err, &ce) {
				assert.True(t, ce.Foreign, "the checksum finding knows the file is foreign")
				assert.Contains(t, ce.Remedy(), "describes other bytes")
				assert.NotContains(t, err.Error(), "changed after it was built")
			}
		})
	}
}

func errorsAs(err error, target **ChecksumError) bool {
	for _, f := range Findings(err) {
		if ce, ok := f.(*ChecksumError); ok {
			*target = ce
			return true
		}
	}
	return false
}

// keyPair makes a real ed25519 key and its trusted-key form.
func keyPair(t *testing.T, comment string) (ed25519.PrivateKey, TrustedKey) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return priv, signing.NewPublicKey(pub, comment)
}

// sign writes the signature of so's build record with key.
func sign(t *testing.T, so string, key ed25519.PrivateKey) {
	record, err := os.ReadFile(BuildRecordPath(so))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(SignaturePath(so), signing.Sign(key, record), 0o644))
}

func TestSignedPlugins(t *testing.T) {
	oldKey, oldPub := keyPair(t, "release-2026")
	newKey, newPub := keyPair(t, "release-2027")
	strangerKey, _ := keyPair(t, "stranger")
	production := testConfig()
	production.TrustedKeys = []TrustedKey{oldPub, newPub}

	for _, c := range []struct {
		name  string
		setup func(t *testing.T, so string)
		want  []string
		as    error
	}{
		{"signed by a trusted key", func(t *testing.T, so string) { sign(t, so, oldKey) }, nil, nil},
		{"signed by the next key (rotation)", func(t *testing.T, so string) { sign(t, so, newKey) }, nil, nil},
		{"unsigned", func(t *testing.T, so string) {}, []string{"unsigned"}, ErrUnsigned},
		{"signed by an unknown key", func(t *testing.T, so string) { sign(t, so, strangerKey) }, []string{"unknown_key"}, ErrUnknownKey},
		{"build record changed after signing", func(t *testing.T, so string) {
			sign(t, so, oldKey)
			writeRecord(t, so, "loadertest/good", func(m *buildrecord.Record) { m.Plugin = "loadertest/renamed" })
		}, []string{"bad_signature"}, ErrBadSignature},
		{"plugin changed after signing, build record regenerated", func(t *testing.T, so string) {
			sign(t, so, oldKey)
			data, err := os.ReadFile(so)
			require.NoError(t, err)
			data[len(data)/2] ^= 0xff
			require.NoError(t, os.WriteFile(so, data, 0o644))
			writeRecord(t, so, "loadertest/good", nil)
		}, []string{"bad_signature"}, ErrBadSignature},
		{"plugin changed after signing", func(t *testing.T, so string) {
			sign(t, so, oldKey)
			data, err := os.ReadFile(so)
			require.NoError(t, err)
			data[len(data)/2] ^= 0xff
			require.NoError(t, os.WriteFile(so, data, 0o644))
		}, []string{"checksum_mismatch"}, ErrChecksumMismatch},
		{"signature file malformed", func(t *testing.T, so string) {
			require.NoError(t, os.WriteFile(SignaturePath(so), []byte(`{"schema_version": 1, "algorithm": "rsa"}`), 0o644))
		}, []string{"bad_signature"}, ErrBadSignature},
		{"signature is a named pipe", func(t *testing.T, so string) { mkfifo(t, SignaturePath(so)) }, []string{"not_regular"}, ErrNotRegular},
		{"no build record to sign", func(t *testing.T, so string) { require.NoError(t, os.Remove(BuildRecordPath(so))) }, []string{"build_record_missing"}, ErrBuildRecordMissing},
	} {
		t.Run(c.name, func(t *testing.T) {
			so := goodPlugin(t, t.TempDir(), "good.so")
			c.setup(t, so)
			l := New(production)
			err := l.Precheck(so)
			var got []string
			for _, f := range Findings(err) {
				got = append(got, Code(f))
			}
			assert.Equal(t, c.want, got, "%v", err)
			if c.as != nil {
				assert.ErrorIs(t, err, c.as)
			}
			t.Log(err)
			if c.name == "plugin changed after signing" {
				var ce *ChecksumError
				require.ErrorAs(t, err, &ce)
				assert.True(t, ce.Signed)
				assert.Contains(t, Remedy(err), "changed after its build record was signed")
			}
			in, ierr := l.Inspect(so)
			require.NoError(t, ierr)
			assert.Equal(t, err == nil, in.Verdict.Compatible)
			if err == nil {
				assert.Contains(t, []string{oldPub.ID, newPub.ID}, in.Verdict.SignedBy)
			}
		})
	}

	// Development mode checks no signature, and says so.
	so := goodPlugin(t, t.TempDir(), "good.so")
	in, err := New(testConfig()).Inspect(so)
	require.NoError(t, err)
	assert.True(t, in.Verdict.Compatible)
	assert.Contains(t, strings.Join(in.Verdict.Notes, "\n"), "development mode")

}

func TestReadTrustedKeys(t *testing.T) {
	_, a := keyPair(t, "a")
	_, b := keyPair(t, "b two words")
	dir := t.TempDir()
	p := filepath.Join(dir, "trusted.pub")
	require.NoError(t, os.WriteFile(p, []byte("# release keys\n"+a.String()+"\n\n"+b.String()+"\n"), 0o644))
	keys, err := ReadTrustedKeys(p)
	require.NoError(t, err)
	require.Len(t, keys, 2)
	assert.Equal(t, a.ID, keys[0].ID)
	assert.Equal(t, "b two words", keys[1].Comment)

	require.NoError(t, os.WriteFile(p, []byte(a.String()+"\nplugkit-ed25519 AAAA\nssh-ed25519 AAAA x\n"), 0o644))
	_, err = ReadTrustedKeys(p)
	assert.ErrorContains(t, err, "line 2")
	assert.ErrorContains(t, err, "line 3")

	require.NoError(t, os.WriteFile(p, []byte("# none\n"), 0o644))
	_, err = ReadTrustedKeys(p)
	assert.ErrorContains(t, err, "no key")

	_, err = ReadTrustedKeys(mkfifo(t, filepath.Join(dir, "fifo.pub")))
	assert.ErrorContains(t, err, "named pipe")
}

// TestDynsymIndexAgreesWithScan: the .gnu.hash lookups the host's package
// check uses find exactly what a scan of .dynsym finds, in this test binary
// (which imports "plugin") and in a Bazel-built plugin.
func TestDynsymIndexAgreesWithScan(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	for _, path := range []string{exe, fixture(t, "good")} {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		f, err := elffacts.Open(data)
		require.NoError(t, err)
		scanned := f.PkgHashes()
		require.NotEmpty(t, scanned, path)
		x := f.DynsymIndex()
		require.NotNil(t, x, "%s has a .gnu.hash table", path)
		for pkg, want := range scanned {
			got, ok := x.PkgHash(pkg)
			assert.True(t, ok, "%s: %s", path, pkg)
			assert.Equal(t, want, got, "%s: %s", path, pkg)
		}
		_, ok := x.PkgHash("example.com/no/such/package")
		assert.False(t, ok)
	}
}
