package loader

import (
	"debug/buildinfo"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"example.com/plugkit/pluginapi"
)

// Symbol prefixes the Go linker writes into plugins. They are not a
// documented interface, only stable since Go 1.8; the checks below use them
// as markers and never fail open on their absence alone.
const (
	// pkgHashPrefix names one symbol per linked package holding its
	// fingerprint. Plugins (and hosts that import "plugin") export them in
	// .dynsym; the runtime compares the plugin's against the host's after
	// dlopen.
	pkgHashPrefix = "go:link.pkghashbytes."
	// thisPluginPath holds the plugin path; .symtab only, so gone when
	// stripped.
	thisPluginPath = "go:link.thispluginpath"
	// pluginTabs is the plugin's export table; .symtab only.
	pluginTabs = "go:plugin.tabs"
)

// Export is a symbol the plugin exports, as listed in its ELF symbol table.
type Export struct {
	Name string `json:"name"` // e.g. "Greeter"
	Kind string `json:"kind"` // "func" or "var"
	// Type is the Go type from the DWARF debug info, "" when unknown: a
	// variable's type, e.g. "example.com/plugkit/pluginapi.Greeter", or a
	// function's signature, e.g. "func(string, int) (int, error)" (a
	// variadic ...T reads []T, DWARF does not mark it).
	Type string `json:"type,omitempty"`
}

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

// elfFacts is what the pre-open check learns from a file's ELF structure.
type elfFacts struct {
	Type       elf.Type
	Machine    elf.Machine
	Class      elf.Class
	Order      binary.ByteOrder
	HasInterp  bool // PT_INTERP: an executable (PIE or not), not a library
	HasGoNote  bool // .go.buildinfo or .note.go.buildid
	HasSymtab  bool // false when stripped
	PluginMark bool // plugin-only symbols seen
	PluginPath string
	Exports    []Export
	ExportsIn  string            // ".dynsym", ".symtab" or ""
	PkgHashes  map[string]string // package -> fingerprint (hex)

	BuildInfo    *debug.BuildInfo // nil if unreadable
	BuildInfoErr error
}

// readELF parses the ELF structure of r. Its errors are *FormatError with
// Kind ErrNotELF; name is only used in messages.
//
// debug/elf is written for trusted input; a recover turns any panic it may
// still have on hostile files into ErrNotELF so a bad plugin cannot crash the
// host through the check meant to protect it.
func readELF(name string, r io.ReaderAt) (facts *elfFacts, err error) {
	defer func() {
		if v := recover(); v != nil {
			facts, err = nil, &FormatError{Path: name, Kind: ErrNotELF, Detail: fmt.Sprintf("malformed ELF (%v)", v)}
		}
	}()
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil {
		return nil, &FormatError{Path: name, Kind: ErrNotELF, Detail: "file too short for an ELF header"}
	}
	if string(magic[:]) != elf.ELFMAG {
		return nil, &FormatError{Path: name, Kind: ErrNotELF, Detail: fmt.Sprintf("bad magic %q", magic[:])}
	}
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, &FormatError{Path: name, Kind: ErrNotELF, Detail: "malformed or truncated ELF: " + err.Error()}
	}
	facts = &elfFacts{Type: f.Type, Machine: f.Machine, Class: f.Class, Order: f.ByteOrder}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			facts.HasInterp = true
		}
	}
	for _, s := range f.Sections {
		switch s.Name {
		case ".go.buildinfo", ".note.go.buildid":
			facts.HasGoNote = true
		}
	}

	// Errors from the symbol tables are not fatal: a stripped or damaged
	// table only means fewer facts, and the checks that need them say so.
	dyn, _ := f.DynamicSymbols()
	syms, symErr := f.Symbols()
	facts.HasSymtab = symErr == nil && len(syms) > 0

	var marked bool
	facts.PkgHashes, marked = pkgHashes(f, dyn)
	facts.PluginMark = marked
	for _, s := range syms {
		switch s.Name {
		case pluginTabs:
			facts.PluginMark = true
		case thisPluginPath:
			facts.PluginMark = true
			if b := symbolData(f, s, 4096); b != nil && utf8.Valid(b) {
				facts.PluginPath = string(b)
			}
		}
	}

	facts.BuildInfo, facts.BuildInfoErr = buildinfo.Read(r)
	mainPath := ""
	if facts.BuildInfo != nil {
		mainPath = facts.BuildInfo.Path
	}
	findExports(facts, dyn, syms, mainPath)
	return facts, nil
}

// pkgHashes reads the package fingerprints a plugin, or a host that imports
// "plugin", exports in .dynsym; defined reports whether any fingerprint
// symbol is defined, even one whose bytes could not be read.
func pkgHashes(f *elf.File, dyn []elf.Symbol) (hashes map[string]string, defined bool) {
	hashes = map[string]string{}
	for _, s := range dyn {
		if pkg, ok := strings.CutPrefix(s.Name, pkgHashPrefix); ok && s.Section != elf.SHN_UNDEF {
			defined = true
			if b := symbolData(f, s, 64); b != nil {
				hashes[pkg] = fmt.Sprintf("%x", b)
			}
		}
	}
	return hashes, defined
}

// symbolData returns the bytes of a defined symbol, or nil if they are not in
// the file or larger than limit.
func symbolData(f *elf.File, s elf.Symbol, limit uint64) []byte {
	if s.Size == 0 || s.Size > limit || int(s.Section) <= 0 || int(s.Section) >= len(f.Sections) {
		return nil
	}
	sec := f.Sections[s.Section]
	if sec.Type == elf.SHT_NOBITS || s.Value < sec.Addr || s.Value-sec.Addr+s.Size > sec.Size {
		return nil
	}
	b := make([]byte, s.Size)
	if _, err := sec.ReadAt(b, int64(s.Value-sec.Addr)); err != nil {
		return nil
	}
	return b
}

// findExports lists the symbols exported under pluginPath and, when
// pluginPath is not known, guesses it first: from the main package path of
// the build info, or from the symbol carrying pluginapi.ManifestSymbol. It
// prefers .dynsym, which strip keeps, over .symtab.
func findExports(facts *elfFacts, dyn, syms []elf.Symbol, mainPath string) {
	tables := []struct {
		name string
		syms []elf.Symbol
	}{{".dynsym", dyn}, {".symtab", syms}}

	if facts.PluginPath == "" && mainPath != "" && mainPath != "command-line-arguments" {
		if _, ok := facts.PkgHashes[mainPath]; ok {
			facts.PluginPath = mainPath
		}
	}
	if facts.PluginPath == "" {
		for _, t := range tables {
			for _, s := range t.syms {
				if p, ok := strings.CutSuffix(s.Name, "."+pluginapi.ManifestSymbol); ok && s.Section != elf.SHN_UNDEF && p != "" {
					facts.PluginPath = p
					break
				}
			}
			if facts.PluginPath != "" {
				break
			}
		}
	}
	if facts.PluginPath == "" {
		return
	}
	prefix := facts.PluginPath + "."
	for _, t := range tables {
		var out []Export
		for _, s := range t.syms {
			name, ok := strings.CutPrefix(s.Name, prefix)
			if !ok || s.Section == elf.SHN_UNDEF || elf.ST_BIND(s.Info) != elf.STB_GLOBAL || !isExportedIdent(name) {
				continue
			}
			kind := "var"
			if elf.ST_TYPE(s.Info) == elf.STT_FUNC {
				kind = "func"
			}
			out = append(out, Export{Name: name, Kind: kind})
		}
		if len(out) > 0 {
			sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
			facts.Exports, facts.ExportsIn = out, t.name
			return
		}
	}
}

// isExportedIdent reports whether s is an exported Go identifier, which
// leaves out methods, closures and generic instances that share the prefix.
func isExportedIdent(s string) bool {
	for i, r := range s {
		if i == 0 && !unicode.IsUpper(r) {
			return false
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
			return false
		}
	}
	return s != ""
}

// hostPkgHashes returns the package fingerprints the running executable
// exports (present because it imports "plugin"), or nil if it cannot be read.
var hostPkgHashes = sync.OnceValue(func() (hashes map[string]string) {
	// The executable is our own, but debug/elf may still panic on a file
	// it dislikes; no fingerprints is the safe answer then.
	defer func() {
		if recover() != nil {
			hashes = nil
		}
	}()
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	f, err := os.Open(exe)
	if err != nil {
		return nil
	}
	defer f.Close()
	// Only .dynsym: the host's full symbol table, which readELF would also
	// parse, is tens of thousands of names this does not need.
	ef, err := elf.NewFile(f)
	if err != nil {
		return nil
	}
	dyn, err := ef.DynamicSymbols()
	if err != nil {
		return nil
	}
	if h, _ := pkgHashes(ef, dyn); len(h) > 0 {
		return h
	}
	return nil
})
