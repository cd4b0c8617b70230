package loader

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInspectTypes(t *testing.T) {
	so := copyFixture(t, "good", t.TempDir(), "good.so")
	in, err := New(testConfig()).Inspect(so)
	require.NoError(t, err)

	assert.Equal(t, []Export{
		{Name: "Greeter", Kind: "var", Type: "example.com/plugkit/pluginapi.Greeter"},
		{Name: "Hello", Kind: "func", Type: "func() string"},
		{Name: "PluginManifest", Kind: "var", Type: "example.com/plugkit/pluginapi.Manifest"},
	}, in.Exports)
	assert.Empty(t, in.ExportsNote)

	// `host inspect --json` shows them as "type".
	data, err := json.Marshal(in.Exports)
	require.NoError(t, err)
	assert.JSONEq(t, `[
		{"name": "Greeter", "kind": "var", "type": "example.com/plugkit/pluginapi.Greeter"},
		{"name": "Hello", "kind": "func", "type": "func() string"},
		{"name": "PluginManifest", "kind": "var", "type": "example.com/plugkit/pluginapi.Manifest"}
	]`, string(data))
}

// TestInspectTypesSignatures covers what the compiler writes for each kind
// of variable and function, as Bazel and the go command build them.
func TestInspectTypesSignatures(t *testing.T) {
	so := copyFixture(t, "exporttypes", t.TempDir(), "exporttypes.so")
	in, err := New(testConfig()).Inspect(so)
	require.NoError(t, err)
	own := wantPluginPath(t, "exporttypes") // the plugin's own types are named after its path

	got := map[string]string{}
	for _, e := range in.Exports {
		got[e.Kind+" "+e.Name] = e.Type
	}
	assert.Equal(t, map[string]string{
		"var PluginManifest": "example.com/plugkit/pluginapi.Manifest",
		"var Count":          "int",
		"var Names":          "[]string",
		"var Labels":         "map[string]string", // an alias, resolved
		"var Index":          "map[string][]*" + own + ".Point",
		"var Origin":         "*" + own + ".Point",
		"var Any":            "interface {}",
		"var Reader":         "io.Reader",
		"var Callback":       "func(context.Context, ...string) (int, error)",
		"var Bytes":          "[4]uint8",
		"var Events":         "<-chan struct {}",
		"func Add":           "func(int, int) int",
		// DWARF does not mark a variadic parameter.
		"func Join":  "func(string, []string) (string, int)",
		"func Pair":  "func(int, string) (bool, error)",
		"func Noop":  "func()",
		"func Twice": "func(int) int", // abstract and concrete DWARF entries
		"func Quad":  "func(int) int",
		"func Scale": "func(*" + own + ".Point, map[string]float64) " + own + ".Point",
	}, got)
	assert.Empty(t, in.ExportsNote)
}

// debugInfo returns the ELF section header of .debug_info in data.
func debugInfo(t *testing.T, data []byte) *elf.Section {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data))
	require.NoError(t, err)
	s := f.Section(".debug_info")
	require.NotNil(t, s, "the fixture has DWARF")
	return s
}

func TestInspectTypesBadDWARF(t *testing.T) {
	data, err := os.ReadFile(fixture(t, "good"))
	require.NoError(t, err)
	s := debugInfo(t, data)
	require.NotZero(t, s.Flags&elf.SHF_COMPRESSED, "Go compresses DWARF")
	require.Equal(t, elf.ELFCLASS64, elf.Class(data[elf.EI_CLASS]))

	for _, tc := range []struct {
		name  string
		patch func(b []byte)
		want  string
	}{
		{"garbled compressed data", func(b []byte) {
			for i := 0; i < 64; i++ {
				b[s.Offset+24+uint64(i)] ^= 0x5a
			}
		}, "export types unknown: malformed DWARF: reading .debug_info"},
		{"huge claimed size", func(b []byte) {
			binary.LittleEndian.PutUint64(b[s.Offset+8:], 1<<40) // Elf64_Chdr.ch_size
		}, "export types unknown: DWARF section .debug_info is larger than 256 MiB"},
		{"no DWARF", func(b []byte) {
			renameSection(t, b, ".debug_info", ".xxxxx_info")
		}, noDWARFNote},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := append([]byte(nil), data...)
			tc.patch(b)
			so := writeFile(t, t.TempDir(), "bad.so", b)
			in, err := New(testConfig()).Inspect(so)
			require.NoError(t, err)
			require.Len(t, in.Exports, 3, "the symbol tables are intact")
			for _, e := range in.Exports {
				assert.Empty(t, e.Type, e.Name)
			}
			assert.Contains(t, in.ExportsNote, tc.want)
		})
	}
}

// renameSection renames the section old in the ELF file b in place; new
// must be as long.
func renameSection(t *testing.T, b []byte, old, new string) {
	t.Helper()
	require.Len(t, new, len(old))
	f, err := elf.NewFile(bytes.NewReader(b))
	require.NoError(t, err)
	shstr := f.Sections[binary.LittleEndian.Uint16(b[62:])] // Elf64_Ehdr.e_shstrndx
	i := bytes.Index(b[shstr.Offset:shstr.Offset+shstr.Size], []byte(old+"\x00"))
	require.GreaterOrEqual(t, i, 0)
	copy(b[shstr.Offset+uint64(i):], new)
}

func TestUnitStarts(t *testing.T) {
	le := binary.LittleEndian
	unit := func(version uint16, body ...byte) []byte {
		b := le.AppendUint32(nil, uint32(2+len(body)))
		b = le.AppendUint16(b, version)
		return append(b, body...)
	}
	v4 := unit(4, 0, 0, 0, 0, 8, 1, 0)    // abbrev offset, address size, an entry and its end
	v5 := unit(5, 1, 8, 0, 0, 0, 0, 1, 0) // DW_UT_compile, address size, abbrev offset, entries
	empty := unit(5, 1, 8, 0, 0, 0, 0)    // a header and no entries
	typ := unit(5, 2, 8, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 1, 0)

	got, err := unitStarts(bytes.Join([][]byte{v4, v5, empty, typ}, nil), le)
	require.NoError(t, err)
	// After each header: 4+2+4+1 bytes for DWARF 4, 4+2+1+1+4 for
	// DWARF 5, 8+4 more for a type unit; the empty unit is left out.
	assert.Equal(t, []int{11, 13 + 12, 13 + 14 + 12 + 24}, offsets(got))

	for name, bad := range map[string][]byte{
		"truncated length":  {1, 0},
		"length past end":   unit(5, 1)[:5],
		"reserved length":   {0xf0, 0xff, 0xff, 0xff, 5, 0},
		"unknown version":   unit(9, 0, 0, 0, 0, 0, 0, 0),
		"header past unit":  unit(5, 1, 8),
		"64-bit, truncated": {0xff, 0xff, 0xff, 0xff, 1},
	} {
		_, err := unitStarts(bad, le)
		assert.Error(t, err, name)
	}
}

func offsets[T ~uint32](in []T) []int {
	out := make([]int, len(in))
	for i, v := range in {
		out[i] = int(v)
	}
	return out
}

// FuzzExportTypes feeds arbitrary bytes to the DWARF reader behind
// Inspect's export types: it must not panic or run away, and every export
// either gets a type or the note says why not.
func FuzzExportTypes(f *testing.F) {
	f.Add([]byte{}, "main")
	f.Add(elfHeader(elf.ET_DYN, elf.EM_X86_64), "main")
	// Small shared libraries with DWARF 4 and 5, plain and compressed,
	// whose compilation unit the reader walks when told it is the
	// plugin's. Go plugins are too big to mutate usefully (the fuzzer
	// stalls on them); TestInspectTypesBadDWARF damages one instead.
	if gcc, err := exec.LookPath("gcc"); err == nil {
		dir := f.TempDir()
		src := filepath.Join(dir, "seed.c")
		code := "int V; struct s { int a; } S; int F(int a, char *b) { return a; }\n"
		if os.WriteFile(src, []byte(code), 0o644) == nil {
			for i, flags := range [][]string{{"-gdwarf-5"}, {"-gdwarf-4"}, {"-gdwarf-5", "-Wl,--compress-debug-sections=zlib"}} {
				out := filepath.Join(dir, fmt.Sprintf("seed%d.so", i))
				args := append([]string{"-shared", "-fPIC", "-o", out, src}, flags...)
				if exec.Command(gcc, args...).Run() == nil {
					if data, err := os.ReadFile(out); err == nil {
						f.Add(data, src) // the unit's name
					}
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, pluginPath string) {
		if pluginPath == "" {
			if facts, err := readELF("fuzz.so", data); err == nil {
				pluginPath = facts.PluginPath
			}
		}
		exports := []Export{{Name: "Greeter", Kind: "var"}, {Name: "Hello", Kind: "func"}, {Name: "V", Kind: "var"}, {Name: "F", Kind: "func"}}
		note := readExportTypes(bytes.NewReader(data), pluginPath, exports)
		for _, e := range exports {
			if e.Type == "" && note == "" {
				t.Fatalf("%s has no type and no note says why", e.Name)
			}
			if len(e.Type) > maxTypeName || !utf8.ValidString(e.Type) || strings.ContainsRune(e.Type, 0) {
				t.Fatalf("%s: implausible type %q", e.Name, e.Type)
			}
		}
	})
}
