package loader

import (
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Limits on the DWARF work of [Loader.Inspect]. A plugin's debug info is
// untrusted input: compressed sections can claim any size, and entries can
// nest without end, so every read and every loop below is bounded, and
// nothing recurses on the file's structure.
const (
	// maxDWARFSection caps one uncompressed DWARF section, in bytes.
	maxDWARFSection = 256 << 20
	// maxDWARFEntries caps the entries decoded in the plugin's own
	// compilation units (other units are skipped without decoding).
	maxDWARFEntries = 1 << 21
	// maxTypeName caps one type name, in bytes.
	maxTypeName = 4096
	// maxParams caps the parameters and results of one function.
	maxParams = 1024
)

// noDWARFNote is the ExportsNote of a plugin without debug info.
const noDWARFNote = "export types unknown: the file has no DWARF debug info (stripped?); types need DWARF; build with --strip=never"

// readExportTypes fills the Type of each export from the DWARF debug info of
// the ELF file in r, reading it as data only. It returns a note when some or
// all types are unknown, "" when every export has its type.
//
// The Go compiler names a package's globals and functions
// "<pluginPath>.<Name>" in DWARF, as in the symbol tables, inside the
// compilation unit named pluginPath. A variable's type is the name of its
// DW_AT_type, which Go writes as Go source spells the type ("[]int",
// "example.com/plugkit/pluginapi.Greeter"), with aliases resolved (any is
// "interface {}", byte "uint8"). A function's type is built from its
// DW_TAG_formal_parameter children, results being those with
// DW_AT_variable_parameter set. DWARF does not mark a variadic parameter,
// so func(...int) reads as func([]int).
//
// debug/dwarf is written for trusted input; a recover turns any panic it may
// still have into a note.
func readExportTypes(r io.ReaderAt, pluginPath string, exports []Export) (note string) {
	if len(exports) == 0 {
		return ""
	}
	if pluginPath == "" {
		return "export types unknown: the plugin path is unknown"
	}
	defer func() {
		if v := recover(); v != nil {
			for i := range exports {
				exports[i].Type = ""
			}
			note = fmt.Sprintf("export types unknown: malformed DWARF (%v)", v)
		}
	}()
	types, err := exportTypes(r, pluginPath, exports)
	if errors.Is(err, errNoDWARF) {
		return noDWARFNote
	}
	if err != nil {
		return "export types unknown: " + err.Error()
	}
	var missing []string
	for i := range exports {
		exports[i].Type = types[i]
		if types[i] == "" {
			missing = append(missing, exports[i].Name)
		}
	}
	if missing != nil {
		return "no type in the DWARF debug info for " + strings.Join(missing, ", ")
	}
	return ""
}

// errNoDWARF says the file has no .debug_info.
var errNoDWARF = errors.New("no DWARF")

// exportTypes returns the type of each export, "" where unknown.
func exportTypes(r io.ReaderAt, pluginPath string, exports []Export) ([]string, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("malformed ELF: %v", err)
	}
	d, units, err := loadDWARF(f)
	if err != nil {
		return nil, err
	}
	w := &dwarfWalk{
		d:          d,
		vars:       map[string]dwarf.Offset{},
		funcs:      map[string]*subprogram{},
		concrete:   map[dwarf.Offset]*subprogram{},
		typeNames:  map[dwarf.Offset]string{},
		budget:     maxDWARFEntries,
		prefix:     pluginPath + ".",
		pluginPath: pluginPath,
	}
	if err := w.walk(units); err != nil {
		return nil, err
	}
	out := make([]string, len(exports))
	for i, e := range exports {
		if e.Kind == "func" {
			out[i] = w.funcType(w.prefix + e.Name)
		} else if off, ok := w.vars[w.prefix+e.Name]; ok {
			out[i] = w.typeName(off)
		}
	}
	return out, nil
}

// dwarfSections are the sections the entries and their names need: no line
// tables, ranges or location lists.
var dwarfSections = []string{"info", "abbrev", "str", "line_str", "str_offsets", "addr"}

// loadDWARF reads the DWARF sections of f, each bounded by maxDWARFSection,
// and returns them with the offsets of the first entry of every unit in
// .debug_info.
func loadDWARF(f *elf.File) (*dwarf.Data, []dwarf.Offset, error) {
	dat := map[string][]byte{}
	for _, s := range f.Sections {
		var suffix string
		switch {
		case strings.HasPrefix(s.Name, ".debug_"):
			suffix = s.Name[len(".debug_"):]
		case strings.HasPrefix(s.Name, ".zdebug_"):
			suffix = s.Name[len(".zdebug_"):]
		default:
			continue
		}
		known := false
		for _, n := range dwarfSections {
			known = known || n == suffix
		}
		if !known || dat[suffix] != nil || s.Type == elf.SHT_NOBITS {
			continue
		}
		if s.Size > maxDWARFSection {
			return nil, nil, fmt.Errorf("DWARF section %s is larger than %d MiB", s.Name, maxDWARFSection>>20)
		}
		// Open decompresses; the limit holds whatever size the
		// compression header claims.
		b, err := io.ReadAll(io.LimitReader(s.Open(), maxDWARFSection+1))
		if err != nil {
			return nil, nil, fmt.Errorf("malformed DWARF: reading %s: %v", s.Name, err)
		}
		if len(b) > maxDWARFSection {
			return nil, nil, fmt.Errorf("DWARF section %s is larger than %d MiB", s.Name, maxDWARFSection>>20)
		}
		dat[suffix] = b
	}
	if len(dat["info"]) == 0 {
		return nil, nil, errNoDWARF
	}
	units, err := unitStarts(dat["info"], f.ByteOrder)
	if err != nil {
		return nil, nil, fmt.Errorf("malformed DWARF: %v", err)
	}
	d, err := dwarf.New(dat["abbrev"], nil, nil, dat["info"], nil, nil, nil, dat["str"])
	if err != nil {
		return nil, nil, fmt.Errorf("malformed DWARF: %v", err)
	}
	for _, n := range []string{"line_str", "str_offsets", "addr"} {
		if b := dat[n]; b != nil {
			if err := d.AddSection(".debug_"+n, b); err != nil {
				return nil, nil, fmt.Errorf("malformed DWARF: %v", err)
			}
		}
	}
	return d, units, nil
}

// unitStarts returns the offset of the first entry of each unit in
// .debug_info, from the unit headers (DWARF 2 to 5), so that units other
// than the plugin's can be passed over without decoding them.
func unitStarts(info []byte, order binary.ByteOrder) ([]dwarf.Offset, error) {
	var out []dwarf.Offset
	for off := uint64(0); off < uint64(len(info)); {
		rest := info[off:]
		if len(rest) < 4 {
			return nil, fmt.Errorf("unit header at %#x truncated", off)
		}
		length, hdr, offSize := uint64(order.Uint32(rest)), uint64(4), uint64(4)
		if length == 0xffffffff {
			if len(rest) < 12 {
				return nil, fmt.Errorf("unit header at %#x truncated", off)
			}
			length, hdr, offSize = order.Uint64(rest[4:]), 12, 8
		} else if length >= 0xfffffff0 {
			return nil, fmt.Errorf("unit at %#x has reserved length %#x", off, length)
		}
		if length > uint64(len(rest))-hdr || length < 2 {
			return nil, fmt.Errorf("unit at %#x has length %#x beyond the section", off, length)
		}
		version := order.Uint16(rest[hdr:])
		size := uint64(0)
		switch {
		case version >= 2 && version <= 4:
			size = 2 + offSize + 1 // version, abbrev offset, address size
		case version == 5:
			if length < 3 {
				return nil, fmt.Errorf("unit at %#x truncated", off)
			}
			size = 2 + 1 + 1 + offSize // version, unit type, address size, abbrev offset
			switch rest[hdr+2] {
			case 0x02, 0x06: // DW_UT_type, DW_UT_split_type
				size += 8 + offSize
			case 0x04, 0x05: // DW_UT_skeleton, DW_UT_split_compile
				size += 8
			}
		default:
			return nil, fmt.Errorf("unit at %#x has unsupported DWARF version %d", off, version)
		}
		if size > length {
			return nil, fmt.Errorf("unit at %#x is shorter than its header", off)
		}
		if size < length { // a unit may hold no entries
			out = append(out, dwarf.Offset(off+hdr+size))
		}
		off += hdr + length
	}
	return out, nil
}

// subprogram is a DW_TAG_subprogram of the plugin's package: an abstract
// one (inlinable: DW_AT_inline, no code) or a concrete one, which for an
// inlinable function refers to the abstract one through
// DW_AT_abstract_origin and may leave the parameters' names and types there.
type subprogram struct {
	offset   dwarf.Offset
	abstract bool
	params   []param
}

type param struct {
	offset dwarf.Offset
	origin dwarf.Offset // DW_AT_abstract_origin, 0 if none
	typ    dwarf.Offset // DW_AT_type, 0 if none
	result bool         // DW_AT_variable_parameter
}

type dwarfWalk struct {
	d          *dwarf.Data
	prefix     string // pluginPath + "."
	pluginPath string
	budget     int
	vars       map[string]dwarf.Offset // name -> DW_AT_type
	funcs      map[string]*subprogram  // name -> first subprogram
	concrete   map[dwarf.Offset]*subprogram
	typeNames  map[dwarf.Offset]string
}

// walk decodes the compilation units named pluginPath, collecting their
// top-level variables and subprograms with their parameters; it decodes no
// other unit. If no unit has that name, it walks them all.
func (w *dwarfWalk) walk(units []dwarf.Offset) error {
	r := w.d.Reader()
	var mine []dwarf.Offset
	for _, u := range units {
		r.Seek(u)
		e, err := r.Next()
		if err != nil {
			return fmt.Errorf("malformed DWARF: %v", err)
		}
		if e == nil || (e.Tag != dwarf.TagCompileUnit && e.Tag != dwarf.TagPartialUnit) {
			continue
		}
		if name, _ := e.Val(dwarf.AttrName).(string); name == w.pluginPath && e.Children {
			mine = append(mine, u)
		}
	}
	if mine == nil {
		mine = units
	}
	for _, u := range mine {
		if err := w.walkUnit(r, u); err != nil {
			return err
		}
	}
	return nil
}

func (w *dwarfWalk) walkUnit(r *dwarf.Reader, u dwarf.Offset) error {
	r.Seek(u)
	cu, err := r.Next()
	if err != nil || cu == nil || !cu.Children {
		return err
	}
	var cur *subprogram // the top-level subprogram whose children are read
	for depth := 1; depth > 0; {
		if w.budget--; w.budget < 0 {
			return fmt.Errorf("the plugin's DWARF has more than %d entries", maxDWARFEntries)
		}
		e, err := r.Next()
		if err != nil {
			return fmt.Errorf("malformed DWARF: %v", err)
		}
		if e == nil {
			return errors.New("malformed DWARF: unit ends inside an entry")
		}
		if e.Tag == 0 {
			depth--
			if depth <= 1 {
				cur = nil
			}
			continue
		}
		switch {
		case depth == 1 && e.Tag == dwarf.TagVariable:
			name, _ := e.Val(dwarf.AttrName).(string)
			if typ, ok := e.Val(dwarf.AttrType).(dwarf.Offset); ok && strings.HasPrefix(name, w.prefix) {
				if _, dup := w.vars[name]; !dup {
					w.vars[name] = typ
				}
			}
		case depth == 1 && e.Tag == dwarf.TagSubprogram:
			cur = nil
			if origin, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset); ok {
				if w.concrete[origin] == nil {
					cur = &subprogram{offset: e.Offset}
					w.concrete[origin] = cur
				}
			} else if name, _ := e.Val(dwarf.AttrName).(string); strings.HasPrefix(name, w.prefix) && w.funcs[name] == nil {
				cur = &subprogram{offset: e.Offset, abstract: e.Val(dwarf.AttrInline) != nil}
				w.funcs[name] = cur
			}
		case depth == 2 && cur != nil && e.Tag == dwarf.TagFormalParameter:
			if len(cur.params) >= maxParams {
				return fmt.Errorf("a function of the plugin has more than %d parameters", maxParams)
			}
			p := param{offset: e.Offset}
			p.origin, _ = e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset)
			p.typ, _ = e.Val(dwarf.AttrType).(dwarf.Offset)
			p.result, _ = e.Val(dwarf.AttrVarParam).(bool)
			cur.params = append(cur.params, p)
		}
		if e.Children {
			depth++
		}
	}
	return nil
}

// funcType returns the signature of the function name, "" if unknown.
func (w *dwarfWalk) funcType(name string) string {
	sp := w.funcs[name]
	if sp == nil {
		return ""
	}
	params := sp.params
	if sp.abstract {
		// The concrete copy has every parameter, some only as a
		// reference to the abstract one; results may be only there.
		c := w.concrete[sp.offset]
		if c == nil {
			return ""
		}
		byOffset := map[dwarf.Offset]param{}
		for _, p := range sp.params {
			byOffset[p.offset] = p
		}
		params = make([]param, 0, len(c.params))
		used := 0
		for _, p := range c.params {
			if p.origin != 0 {
				a, ok := byOffset[p.origin]
				if !ok {
					return ""
				}
				used++
				if p.typ == 0 {
					p.typ = a.typ
				}
				p.result = p.result || a.result
			}
			params = append(params, p)
		}
		if used != len(sp.params) {
			// A parameter of the abstract function is missing from
			// the concrete one: better no type than a wrong one.
			return ""
		}
	}
	var in, out []string
	for _, p := range params {
		t := w.typeName(p.typ)
		if t == "" {
			return ""
		}
		if p.result {
			out = append(out, t)
		} else {
			if out != nil {
				return "" // Go lists results after parameters
			}
			in = append(in, t)
		}
	}
	sig := "func(" + strings.Join(in, ", ") + ")"
	switch len(out) {
	case 0:
	case 1:
		sig += " " + out[0]
	default:
		sig += " (" + strings.Join(out, ", ") + ")"
	}
	if len(sig) > maxTypeName {
		return ""
	}
	return sig
}

// typeName returns the DW_AT_name of the type entry at off, "" if there is
// none or it is not a plausible Go type name.
func (w *dwarfWalk) typeName(off dwarf.Offset) string {
	if off == 0 {
		return ""
	}
	if n, ok := w.typeNames[off]; ok {
		return n
	}
	name := ""
	r := w.d.Reader()
	r.Seek(off)
	if e, err := r.Next(); err == nil && e != nil && isTypeTag(e.Tag) {
		if n, _ := e.Val(dwarf.AttrName).(string); n != "" && len(n) <= maxTypeName && utf8.ValidString(n) && !strings.ContainsAny(n, "\x00\n") {
			name = n
		}
	}
	w.typeNames[off] = name
	return name
}

func isTypeTag(t dwarf.Tag) bool {
	switch t {
	case dwarf.TagBaseType, dwarf.TagTypedef, dwarf.TagPointerType, dwarf.TagStructType,
		dwarf.TagArrayType, dwarf.TagSubroutineType, dwarf.TagUnspecifiedType,
		dwarf.TagConstType, dwarf.TagVolatileType, dwarf.TagRestrictType,
		dwarf.TagUnionType, dwarf.TagEnumerationType, dwarf.TagClassType,
		dwarf.TagInterfaceType:
		return true
	}
	return false
}
