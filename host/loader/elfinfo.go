package loader

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"strings"
	"sync"

	"example.com/plugkit/internal/elffacts"
	"example.com/plugkit/pluginapi"
)

// Export is a symbol the plugin exports, as listed in its ELF symbol table.
type Export = elffacts.Export

// elfFacts is what the pre-open check learns from a file's ELF structure.
type elfFacts = elffacts.Facts

// archSpec is what an ELF header must say to run on a GOARCH.
type archSpec struct {
	machine elf.Machine
	class   elf.Class
	order   binary.ByteOrder
}

var archSpecs = map[string]archSpec{
	"386":      {elf.EM_386, elf.ELFCLASS32, binary.LittleEndian},
	"amd64":    {elf.EM_X86_64, elf.ELFCLASS64, binary.LittleEndian},
	"arm":      {elf.EM_ARM, elf.ELFCLASS32, binary.LittleEndian},
	"arm64":    {elf.EM_AARCH64, elf.ELFCLASS64, binary.LittleEndian},
	"loong64":  {elf.EM_LOONGARCH, elf.ELFCLASS64, binary.LittleEndian},
	"mips":     {elf.EM_MIPS, elf.ELFCLASS32, binary.BigEndian},
	"mipsle":   {elf.EM_MIPS, elf.ELFCLASS32, binary.LittleEndian},
	"mips64":   {elf.EM_MIPS, elf.ELFCLASS64, binary.BigEndian},
	"mips64le": {elf.EM_MIPS, elf.ELFCLASS64, binary.LittleEndian},
	"ppc64":    {elf.EM_PPC64, elf.ELFCLASS64, binary.BigEndian},
	"ppc64le":  {elf.EM_PPC64, elf.ELFCLASS64, binary.LittleEndian},
	"riscv64":  {elf.EM_RISCV, elf.ELFCLASS64, binary.LittleEndian},
	"s390x":    {elf.EM_S390, elf.ELFCLASS64, binary.BigEndian},
}

func describeArch(goarch string, m elf.Machine, c elf.Class, o binary.ByteOrder) string {
	endian := "little-endian"
	if o == binary.BigEndian {
		endian = "big-endian"
	}
	if goarch == "" {
		for name, s := range archSpecs {
			if s.machine == m && s.class == c && s.order == o {
				goarch = name
			}
		}
	}
	if goarch == "" {
		goarch = "unknown GOARCH"
	}
	return fmt.Sprintf("%s (%v, %v, %s)", goarch, m, c, endian)
}

// readELF parses the ELF structure of data, once, as data: nothing in it
// runs. Its errors are *FormatError with Kind ErrNotELF; name is only used
// in messages.
func readELF(name string, data []byte) (*elfFacts, error) {
	f, err := elffacts.Open(data)
	if err != nil {
		return nil, &FormatError{Path: name, Kind: ErrNotELF, Detail: strings.TrimPrefix(err.Error(), elffacts.ErrFormat.Error()+": ")}
	}
	return factsOf(name, f)
}

// factsOf reads the facts of an opened file; debug/elf is written for
// trusted input, so a panic it may still have on a hostile file becomes
// ErrNotELF rather than crashing the host through its own check.
func factsOf(name string, f *elffacts.File) (facts *elfFacts, err error) {
	defer func() {
		if v := recover(); v != nil {
			facts, err = nil, &FormatError{Path: name, Kind: ErrNotELF, Detail: fmt.Sprintf("malformed ELF (%v)", v)}
		}
	}()
	return f.Facts(pluginapi.ManifestSymbol), nil
}

// pkgHashes answers a package's fingerprint in one side of a comparison.
type pkgHashes interface {
	Hash(pkg string) (string, bool)
}

// hashMap is a pkgHashes read in full: a plugin's, or those of the plugins
// loaded so far.
type hashMap map[string]string

func (m hashMap) Hash(pkg string) (string, bool) {
	h, ok := m[pkg]
	return h, ok
}

// hostPkgHashes returns the package fingerprints the running executable
// exports (present because it imports "plugin"), or nil if it cannot be
// read. The executable is mapped once per process and stays mapped; a
// package is looked up through its .gnu.hash table, as the dynamic linker
// would, so a check costs a few probes per package the plugin links rather
// than a scan of the host's tens of thousands of dynamic symbols.
var hostPkgHashes = sync.OnceValue(func() (hashes pkgHashes) {
	defer func() {
		if recover() != nil {
			hashes = nil
		}
	}()
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	data, release, err := mapHostExecutable(exe)
	if err != nil {
		return nil
	}
	f, err := elffacts.Open(data)
	if err != nil {
		release()
		return nil
	}
	if x := f.DynsymIndex(); x != nil {
		if _, ok := x.PkgHash("runtime"); ok {
			return safeIndex{x}
		}
	}
	defer release()
	if h := f.PkgHashes(); len(h) > 0 {
		return hashMap(h)
	}
	return nil
})

// safeIndex turns a panic of a lookup (a damaged executable) into "not
// found".
type safeIndex struct{ x *elffacts.Index }

func (s safeIndex) Hash(pkg string) (h string, ok bool) {
	defer func() {
		if recover() != nil {
			h, ok = "", false
		}
	}()
	return s.x.PkgHash(pkg)
}
