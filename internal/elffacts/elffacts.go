// Package elffacts reads what a Go plugin's ELF file says about itself, as
// data, without running or mapping any of it: the header, the build mode
// markers, the plugin path, the exports, the package fingerprints and the Go
// build info. The host's loader, `host inspect` and bindgen all read plugins
// through it, so the three never disagree about a file.
//
// The file is held in memory and parsed once. debug/elf parses the headers;
// the symbol tables, which are most of the work, are scanned in place with
// bounds checks on every offset, because a plugin's symbol tables hold tens
// of thousands of names and only a handful matter. The input is untrusted:
// no offset, size or count read from the file is used before it is checked
// against the data, and a panic in debug/elf becomes an error.
package elffacts

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"unicode"
	"unicode/utf8"
)

// Symbol names the Go linker writes into plugins. They are not a documented
// interface, only stable since Go 1.8, so they serve as markers and never
// fail a file on their absence alone.
const (
	// PkgHashPrefix names one symbol per linked package holding its
	// fingerprint. Plugins (and hosts that import "plugin") export them in
	// .dynsym; the runtime compares a plugin's with the host's after dlopen.
	PkgHashPrefix = "go:link.pkghashbytes."
	// ThisPluginPath holds the plugin path; .symtab only, so gone when
	// stripped.
	ThisPluginPath = "go:link.thispluginpath"
	// PluginTabs is the plugin's export table; .symtab only.
	PluginTabs = "go:plugin.tabs"
)

// ErrFormat is wrapped by every error of Open: the data is not an ELF file
// this package can read (empty, foreign, truncated or damaged).
var ErrFormat = errors.New("not a readable ELF file")

// Tables, as Symbols names them.
const (
	Symtab = ".symtab"
	Dynsym = ".dynsym"
)

// File is one ELF file held in memory.
type File struct {
	data []byte
	ef   *elf.File
}

// Open parses the ELF headers of data, which File keeps and reads from
// later: the caller must not change it.
func Open(data []byte) (f *File, err error) {
	defer func() {
		if v := recover(); v != nil {
			f, err = nil, fmt.Errorf("%w: malformed ELF (%v)", ErrFormat, v)
		}
	}()
	if len(data) < 4 {
		return nil, fmt.Errorf("%w: too short for an ELF header (%d bytes)", ErrFormat, len(data))
	}
	if string(data[:4]) != elf.ELFMAG {
		return nil, fmt.Errorf("%w: bad magic %q", ErrFormat, data[:4])
	}
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: malformed or truncated ELF: %v", ErrFormat, err)
	}
	return &File{data: data, ef: ef}, nil
}

// ELF returns the headers debug/elf parsed. Reading section contents through
// it is safe but copies; Section is cheaper.
func (f *File) ELF() *elf.File { return f.ef }

// Section returns the bytes of the named section as they are in the file,
// or nil when there is no such section, it has no bytes in the file, or it
// is compressed. The slice aliases the file's data.
func (f *File) Section(name string) []byte {
	s := f.ef.Section(name)
	if s == nil {
		return nil
	}
	return f.sectionBytes(s)
}

func (f *File) sectionBytes(s *elf.Section) []byte {
	if s.Type == elf.SHT_NOBITS || s.Flags&elf.SHF_COMPRESSED != 0 {
		return nil
	}
	end := s.Offset + s.FileSize
	if end < s.Offset || end > uint64(len(f.data)) {
		return nil
	}
	return f.data[s.Offset:end]
}

// rawSymbol is one symbol table entry, its name still in the string table.
type rawSymbol struct {
	name  []byte // aliases the file's data
	info  byte
	shndx elf.SectionIndex
	value uint64
	size  uint64
}

func (s *rawSymbol) defined() bool { return s.shndx != elf.SHN_UNDEF }

// eachSymbol calls fn for every entry of the first section of type typ
// (SHT_SYMTAB or SHT_DYNSYM) but the null one, until fn returns false. nameIf
// decides from the first bytes of a name, which the caller gets in full only
// when nameIf is nil or says yes; that keeps a scan of tens of thousands of
// names from searching each for its end. It reports whether the table exists.
func (f *File) eachSymbol(typ elf.SectionType, nameIf func(prefix []byte) bool, fn func(s *rawSymbol) bool) bool {
	var tab *elf.Section
	for _, s := range f.ef.Sections {
		if s.Type == typ {
			tab = s
			break
		}
	}
	if tab == nil || int(tab.Link) <= 0 || int(tab.Link) >= len(f.ef.Sections) {
		return false
	}
	syms, strs := f.sectionBytes(tab), f.sectionBytes(f.ef.Sections[tab.Link])
	if syms == nil || strs == nil {
		return false
	}
	order := f.ef.ByteOrder
	size := 24
	if f.ef.Class == elf.ELFCLASS32 {
		size = 16
	}
	var s rawSymbol
	for off := size; off+size <= len(syms); off += size {
		e := syms[off : off+size]
		name := order.Uint32(e)
		if f.ef.Class == elf.ELFCLASS32 {
			s.value, s.size = uint64(order.Uint32(e[4:])), uint64(order.Uint32(e[8:]))
			s.info, s.shndx = e[12], elf.SectionIndex(order.Uint16(e[14:]))
		} else {
			s.info, s.shndx = e[4], elf.SectionIndex(order.Uint16(e[6:]))
			s.value, s.size = order.Uint64(e[8:]), order.Uint64(e[16:])
		}
		if uint64(name) >= uint64(len(strs)) {
			continue
		}
		rest := strs[name:]
		if nameIf != nil && !nameIf(rest) {
			continue
		}
		n := bytes.IndexByte(rest, 0)
		if n < 0 {
			continue
		}
		s.name = rest[:n]
		if !fn(&s) {
			break
		}
	}
	return true
}

// symbolData returns the bytes of a defined symbol, or nil if they are not
// in the file or larger than limit.
func (f *File) symbolData(s *rawSymbol, limit uint64) []byte {
	if s.size == 0 || s.size > limit || int(s.shndx) <= 0 || int(s.shndx) >= len(f.ef.Sections) {
		return nil
	}
	sec := f.ef.Sections[s.shndx]
	b := f.sectionBytes(sec)
	if b == nil || s.value < sec.Addr || s.value-sec.Addr > uint64(len(b)) || s.size > uint64(len(b))-(s.value-sec.Addr) {
		return nil
	}
	off := s.value - sec.Addr
	return b[off : off+s.size]
}

// Symbol is a defined symbol of a table, as Symbols lists it.
type Symbol struct {
	Name string
	Func bool // STT_FUNC; otherwise an object or something else
	// Object is STT_OBJECT.
	Object bool
}

// Symbols lists the defined symbols of table (Symtab or Dynsym), in table
// order, and whether the table exists.
func (f *File) Symbols(table string) ([]Symbol, bool) {
	typ := elf.SHT_SYMTAB
	if table == Dynsym {
		typ = elf.SHT_DYNSYM
	}
	var out []Symbol
	ok := f.eachSymbol(typ, nil, func(s *rawSymbol) bool {
		if s.defined() {
			t := elf.ST_TYPE(s.info)
			out = append(out, Symbol{Name: string(s.name), Func: t == elf.STT_FUNC, Object: t == elf.STT_OBJECT})
		}
		return true
	})
	return out, ok
}

// SymbolString returns the data of the defined symbol name in table as
// text, or "" when there is none, it is larger than 4 KiB or not UTF-8.
func (f *File) SymbolString(table, name string) string {
	typ := elf.SHT_SYMTAB
	if table == Dynsym {
		typ = elf.SHT_DYNSYM
	}
	var out string
	f.eachSymbol(typ, prefixIs(name), func(s *rawSymbol) bool {
		if string(s.name) != name || !s.defined() {
			return true
		}
		if b := f.symbolData(s, 4096); b != nil && utf8.Valid(b) {
			out = string(b)
		}
		return false
	})
	return out
}

// prefixIs returns a nameIf that passes names that may equal or extend p.
func prefixIs(p string) func([]byte) bool {
	return func(b []byte) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }
}

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

// Facts is what the checks learn from a file's ELF structure.
type Facts struct {
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
	ExportsIn  string            // Dynsym, Symtab or ""
	PkgHashes  map[string]string // package -> fingerprint (hex)

	BuildInfo    *debug.BuildInfo // nil if unreadable
	BuildInfoErr error
}

// Facts reads everything the checks need, in one pass over each symbol
// table. manifestSymbol is the name of the plugin's identity export
// (pluginapi.ManifestSymbol), used to find the plugin path of a file whose
// .symtab is gone.
func (f *File) Facts(manifestSymbol string) (facts *Facts) {
	ef := f.ef
	facts = &Facts{Type: ef.Type, Machine: ef.Machine, Class: ef.Class, Order: ef.ByteOrder}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			facts.HasInterp = true
		}
	}
	for _, s := range ef.Sections {
		switch s.Name {
		case ".go.buildinfo", ".note.go.buildid":
			facts.HasGoNote = true
		}
	}

	// The linker's own names all start "go:"; nothing else is looked at.
	goName := func(b []byte) bool { return len(b) > 3 && b[0] == 'g' && b[1] == 'o' && b[2] == ':' }
	facts.HasSymtab = f.eachSymbol(elf.SHT_SYMTAB, goName, func(s *rawSymbol) bool {
		switch string(s.name) {
		case PluginTabs:
			facts.PluginMark = true
		case ThisPluginPath:
			facts.PluginMark = true
			if b := f.symbolData(s, 4096); b != nil && utf8.Valid(b) {
				facts.PluginPath = string(b)
			}
		}
		return true
	})
	var defined bool
	facts.PkgHashes, defined = f.pkgHashes()
	facts.PluginMark = facts.PluginMark || defined

	facts.BuildInfo, facts.BuildInfoErr = f.BuildInfo()
	mainPath := ""
	if facts.BuildInfo != nil {
		mainPath = facts.BuildInfo.Path
	}
	f.findExports(facts, mainPath, manifestSymbol)
	return facts
}

// PkgHashes reads only the package fingerprints of .dynsym: what a host
// needs of its own executable.
func (f *File) PkgHashes() map[string]string {
	h, _ := f.pkgHashes()
	return h
}

// pkgHashes also reports whether any fingerprint symbol is defined, even one
// whose bytes could not be read: a plugin marker of its own.
func (f *File) pkgHashes() (out map[string]string, defined bool) {
	out = map[string]string{}
	f.eachSymbol(elf.SHT_DYNSYM, prefixIs(PkgHashPrefix), func(s *rawSymbol) bool {
		if s.defined() {
			defined = true
			if b := f.symbolData(s, 64); b != nil {
				out[string(s.name[len(PkgHashPrefix):])] = hex.EncodeToString(b)
			}
		}
		return true
	})
	return out, defined
}

// findExports lists the symbols exported under the plugin path and, when
// that is not known, guesses it first: from the main package path of the
// build info, or from the symbol carrying manifestSymbol. It prefers
// .dynsym, which strip keeps, over .symtab.
func (f *File) findExports(facts *Facts, mainPath, manifestSymbol string) {
	tables := []struct {
		name string
		typ  elf.SectionType
	}{{Dynsym, elf.SHT_DYNSYM}, {Symtab, elf.SHT_SYMTAB}}

	if facts.PluginPath == "" && mainPath != "" && mainPath != "command-line-arguments" {
		if _, ok := facts.PkgHashes[mainPath]; ok {
			facts.PluginPath = mainPath
		}
	}
	if facts.PluginPath == "" && manifestSymbol != "" {
		suffix := "." + manifestSymbol
		for _, t := range tables {
			f.eachSymbol(t.typ, nil, func(s *rawSymbol) bool {
				if p, ok := bytes.CutSuffix(s.name, []byte(suffix)); ok && s.defined() && len(p) > 0 {
					facts.PluginPath = string(p)
					return false
				}
				return true
			})
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
		f.eachSymbol(t.typ, prefixIs(prefix), func(s *rawSymbol) bool {
			name := string(s.name[len(prefix):])
			if !s.defined() || elf.ST_BIND(s.info) != elf.STB_GLOBAL || !isExportedIdent(name) {
				return true
			}
			kind := "var"
			if elf.ST_TYPE(s.info) == elf.STT_FUNC {
				kind = "func"
			}
			out = append(out, Export{Name: name, Kind: kind})
			return true
		})
		if len(out) > 0 {
			sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
			facts.Exports, facts.ExportsIn = dedupe(out), t.name
			return
		}
	}
}

func dedupe(in []Export) []Export {
	out := in[:0]
	for i, e := range in {
		if i == 0 || e.Name != in[i-1].Name {
			out = append(out, e)
		}
	}
	return out
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

// The layout of the build info blob (cmd/link's buildinfo, read by
// debug/buildinfo): a 32-byte header starting with the magic, aligned to 16,
// then, since Go 1.18, the Go version and the module info as
// varint-prefixed strings.
var buildInfoMagic = []byte("\xff Go buildinf:")

const (
	buildInfoAlign  = 16
	buildInfoHeader = 32
	flagsInline     = 2
)

// BuildInfo decodes the build info from the .go.buildinfo section in place.
// Files without that section, or in the pre-1.18 layout, go to
// debug/buildinfo, which reads them through the segments.
func (f *File) BuildInfo() (*debug.BuildInfo, error) {
	data := f.Section(".go.buildinfo")
	if len(data) > 64<<10 {
		data = data[:64<<10]
	}
	for data != nil {
		i := bytes.Index(data, buildInfoMagic)
		if i < 0 || len(data)-i < buildInfoHeader {
			data = nil
			break
		}
		if i%buildInfoAlign == 0 {
			data = data[i:]
			break
		}
		data = data[(i+buildInfoAlign-1)&^(buildInfoAlign-1):]
	}
	if data == nil || data[15]&flagsInline == 0 {
		return buildinfo.Read(bytes.NewReader(f.data))
	}
	vers, rest, ok := decodeString(data[buildInfoHeader:])
	if !ok || vers == "" {
		return nil, errors.New("not a Go executable: no Go version in the build info")
	}
	mod, _, ok := decodeString(rest)
	if !ok {
		return nil, errors.New("damaged build info: module info runs past the section")
	}
	if len(mod) >= 33 && mod[len(mod)-17] == '\n' {
		mod = mod[16 : len(mod)-16] // module framing, cmd/go's infoStart and infoEnd
	} else {
		mod = ""
	}
	bi, err := debug.ParseBuildInfo(mod)
	if err != nil {
		return nil, err
	}
	bi.GoVersion = vers
	return bi, nil
}

func decodeString(data []byte) (s string, rest []byte, ok bool) {
	n, w := binary.Uvarint(data)
	if w <= 0 || n > uint64(len(data)-w) {
		return "", nil, false
	}
	return string(data[w : w+int(n)]), data[w+int(n):], true
}

// BuildSetting returns the value of key in bi's settings, "" when absent.
func BuildSetting(bi *debug.BuildInfo, key string) string {
	if bi == nil {
		return ""
	}
	for _, s := range bi.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// Index finds .dynsym symbols by name through the file's .gnu.hash table,
// the one the dynamic linker uses: a few probes per name, where a scan of
// a host's .dynsym reads tens of thousands of names.
type Index struct {
	f       *File
	syms    []byte
	strs    []byte
	buckets []byte // nbuckets uint32
	chain   []byte // uint32 per symbol from symOffset
	nbucket uint32
	symOff  uint32
}

// DynsymIndex returns the file's .gnu.hash index, or nil when it has none
// or it is malformed; callers then scan.
func (f *File) DynsymIndex() *Index {
	if f.ef.Class != elf.ELFCLASS64 {
		return nil
	}
	var hs, ds *elf.Section
	for _, s := range f.ef.Sections {
		switch s.Type {
		case elf.SHT_GNU_HASH:
			hs = s
		case elf.SHT_DYNSYM:
			ds = s
		}
	}
	if hs == nil || ds == nil || int(ds.Link) <= 0 || int(ds.Link) >= len(f.ef.Sections) {
		return nil
	}
	h, syms, strs := f.sectionBytes(hs), f.sectionBytes(ds), f.sectionBytes(f.ef.Sections[ds.Link])
	if len(h) < 16 || syms == nil || strs == nil {
		return nil
	}
	o := f.ef.ByteOrder
	nbucket, symOff, bloomSize := o.Uint32(h), o.Uint32(h[4:]), o.Uint32(h[8:])
	at := 16 + uint64(bloomSize)*8
	end := at + uint64(nbucket)*4
	if nbucket == 0 || end > uint64(len(h)) {
		return nil
	}
	return &Index{f: f, syms: syms, strs: strs, buckets: h[at:end], chain: h[end:], nbucket: nbucket, symOff: symOff}
}

func gnuHash(name string) uint32 {
	h := uint32(5381)
	for i := 0; i < len(name); i++ {
		h = h*33 + uint32(name[i])
	}
	return h
}

// lookup returns the defined symbol name, if the table has it.
func (x *Index) lookup(name string) (rawSymbol, bool) {
	o := x.f.ef.ByteOrder
	h := gnuHash(name)
	idx := o.Uint32(x.buckets[(h%x.nbucket)*4:])
	if idx < x.symOff {
		return rawSymbol{}, false
	}
	for {
		ci := uint64(idx-x.symOff) * 4
		if ci+4 > uint64(len(x.chain)) || uint64(idx+1)*24 > uint64(len(x.syms)) {
			return rawSymbol{}, false
		}
		h2 := o.Uint32(x.chain[ci:])
		if h|1 == h2|1 {
			e := x.syms[uint64(idx)*24:]
			off := uint64(o.Uint32(e))
			if off+uint64(len(name)) < uint64(len(x.strs)) && string(x.strs[off:off+uint64(len(name))]) == name && x.strs[off+uint64(len(name))] == 0 {
				s := rawSymbol{name: x.strs[off : off+uint64(len(name))], info: e[4], shndx: elf.SectionIndex(o.Uint16(e[6:])), value: o.Uint64(e[8:]), size: o.Uint64(e[16:])}
				return s, s.defined()
			}
		}
		if h2&1 != 0 {
			return rawSymbol{}, false
		}
		idx++
	}
}

// PkgHash returns the fingerprint of package pkg, as PkgHashes would.
func (x *Index) PkgHash(pkg string) (string, bool) {
	s, ok := x.lookup(PkgHashPrefix + pkg)
	if !ok {
		return "", false
	}
	b := x.f.symbolData(&s, 64)
	if b == nil {
		return "", false
	}
	return hex.EncodeToString(b), true
}
