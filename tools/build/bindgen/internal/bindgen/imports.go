package bindgen

import (
	"go/token"
	"sort"
	"strconv"
	"strings"
)

// fixedImports are the standard-library packages every generated file
// imports, under their own names. A plugin type from one of them reuses the
// import instead of adding a second one.
var fixedImports = []string{
	"crypto/sha256",
	"encoding/hex",
	"errors",
	"fmt",
	"io",
	"os",
	"plugin",
	"strings",
}

// generatedLocals are the identifiers the generated code declares in
// function scope. An import alias equal to one of them would be shadowed
// exactly where Bind names the plugin's types, so aliases avoid them.
var generatedLocals = []string{
	"a0", "b", "err", "errs", "f", "h", "ok", "p", "path", "size", "sum", "sym", "v",
}

// predeclared are Go's predeclared identifiers; an alias named like one
// would shadow it in the whole file.
var predeclared = []string{
	"any", "append", "bool", "byte", "cap", "clear", "close", "comparable",
	"complex", "complex128", "complex64", "copy", "delete", "error", "false",
	"float32", "float64", "imag", "int", "int16", "int32", "int64", "int8",
	"iota", "len", "make", "max", "min", "new", "nil", "panic", "print",
	"println", "real", "recover", "rune", "string", "true", "uint", "uint16",
	"uint32", "uint64", "uint8", "uintptr",
}

// importSet assigns every imported package an alias that cannot collide
// with another import, a predeclared identifier or an identifier of the
// generated code. Aliases are handed out in sorted path order, so the same
// set of packages always gets the same aliases.
type importSet struct {
	paths   map[string]bool
	aliases map[string]string // path -> alias, after assign
}

func newImportSet() *importSet {
	return &importSet{paths: map[string]bool{}}
}

// add records a package path; aliases are chosen later, in assign.
func (s *importSet) add(path string) { s.paths[path] = true }

// assign picks the aliases. reserved holds package-scope identifiers of the
// generated file (type and function names), which an alias must not reuse.
func (s *importSet) assign(reserved []string) {
	taken := map[string]bool{}
	for _, r := range append(append(append([]string{}, reserved...), generatedLocals...), predeclared...) {
		taken[r] = true
	}
	s.aliases = map[string]string{}
	for _, p := range fixedImports {
		name := p[strings.LastIndex(p, "/")+1:]
		s.aliases[p] = name
		taken[name] = true
	}
	paths := make([]string, 0, len(s.paths))
	for p := range s.paths {
		if _, fixed := s.aliases[p]; !fixed {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		base := aliasBase(p)
		alias := base
		for n := 2; taken[alias] || token.IsKeyword(alias); n++ {
			alias = base + strconv.Itoa(n)
		}
		taken[alias] = true
		s.aliases[p] = alias
	}
}

// alias returns the name a path is imported under; assign must have run.
func (s *importSet) alias(path string) string { return s.aliases[path] }

// specs returns the import lines for the plugin's packages, sorted by path.
// The fixed standard-library imports are written by the template.
func (s *importSet) specs() []string {
	var out []string
	paths := make([]string, 0, len(s.paths))
	for p := range s.paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if isFixedImport(p) {
			continue
		}
		out = append(out, s.aliases[p]+" "+strconv.Quote(p))
	}
	return out
}

func isFixedImport(p string) bool {
	for _, f := range fixedImports {
		if f == p {
			return true
		}
	}
	return false
}

// aliasBase derives a lower-case identifier from an import path: its last
// element, skipping a major-version suffix ("/v2"), with every character
// that can't be in an identifier replaced by '_'.
func aliasBase(path string) string {
	elems := strings.Split(path, "/")
	last := elems[len(elems)-1]
	if len(elems) > 1 && len(last) > 1 && last[0] == 'v' && isDigits(last[1:]) {
		last = elems[len(elems)-2]
	}
	var b strings.Builder
	for _, r := range strings.ToLower(last) {
		switch {
		case r == '_' || ('a' <= r && r <= 'z') || ('0' <= r && r <= '9'):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := b.String()
	if name == "" || ('0' <= name[0] && name[0] <= '9') || name == "_" {
		name = "pkg" + name
	}
	return name
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
