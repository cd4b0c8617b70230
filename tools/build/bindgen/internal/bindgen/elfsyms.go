package bindgen

import (
	"debug/elf"
	"debug/gosym"
	"errors"
	"example.com/plugkit/internal/elffacts"
	"fmt"
	"go/token"
	"os"
	"regexp"
	"sort"
	"strings"
)

// symbolTable is what the plugin file itself says about its exports. The
// Go linker names a plugin's exported function or variable
// "<pluginpath>.<Name>" in the ELF symbol tables; everything here is read
// with debug/elf, debug/buildinfo and debug/gosym, never from the runtime.
type symbolTable struct {
	// source is the table the names came from: ".symtab", ".dynsym" or
	// ".gopclntab" (functions only).
	source string
	// funcs and vars map a full symbol name to true.
	funcs, vars map[string]bool
	// buildPath is the main package path recorded by the go command
	// ("command-line-arguments" for a plugin built from files), or "".
	buildPath string
	// linkPath is the plugin path the linker recorded in the data of the
	// go:link.thispluginpath symbol, or "" when the symbol table is gone.
	// Bazel's rules_go records no build info path, so this is what names a
	// Bazel-built plugin's path for certain.
	linkPath string
}

// unnamedPluginPath is how the go command names a plugin built from files
// rather than from a package: the pluginpath is "plugin/unnamed-" and a hash.
var unnamedPluginPath = regexp.MustCompile(`^plugin/unnamed-[0-9a-f]+$`)

// readSymbolTable reads the symbol names of a plugin file, through
// internal/elffacts, as the host's loader does. It prefers .symtab, which an
// unstripped build has; then .dynsym, which survives stripping on Linux
// because the dynamic loader needs it; and last .gopclntab, which only lists
// functions.
func readSymbolTable(path string) (*symbolTable, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotPlugin, path, err)
	}
	f, err := elffacts.Open(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotPlugin, path, err)
	}
	if t := f.ELF().Type; t != elf.ET_DYN {
		return nil, fmt.Errorf("%w: %s is an ELF %s, not a shared object", ErrNotPlugin, path, t)
	}
	st := &symbolTable{funcs: map[string]bool{}, vars: map[string]bool{}}
	if bi, _ := f.BuildInfo(); bi != nil {
		st.buildPath = bi.Path
		if m := elffacts.BuildSetting(bi, "-buildmode"); m != "" && m != "plugin" {
			return nil, fmt.Errorf("%w: %s was built with -buildmode=%s", ErrNotPlugin, path, m)
		}
	}
	// Only what the linker wrote, not the loader's guesses for stripped files.
	st.linkPath = f.SymbolString(elffacts.Symtab, elffacts.ThisPluginPath)
	for _, table := range []string{elffacts.Symtab, elffacts.Dynsym} {
		syms, _ := f.Symbols(table)
		for _, s := range syms {
			if strings.HasPrefix(s.Name, "local.") {
				continue
			}
			switch {
			case s.Func:
				st.funcs[s.Name] = true
			case s.Object:
				st.vars[s.Name] = true
			}
		}
		if len(st.funcs) > 0 {
			st.source = table
			return st, nil
		}
	}
	if err := st.readPclntab(f); err != nil {
		return nil, fmt.Errorf("%w: %s: no symbol table and %w", ErrNotPlugin, path, err)
	}
	st.source = ".gopclntab"
	return st, nil
}

func (st *symbolTable) readPclntab(f *elffacts.File) error {
	pcln, text := f.Section(".gopclntab"), f.ELF().Section(".text")
	if pcln == nil || text == nil {
		return errors.New("no .gopclntab section")
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(pcln, text.Addr))
	if err != nil {
		return fmt.Errorf("reading .gopclntab: %w", err)
	}
	for _, fn := range tab.Funcs {
		st.funcs[fn.Name] = true
	}
	if len(st.funcs) == 0 {
		return errors.New("an empty .gopclntab")
	}
	return nil
}

// exportName splits a symbol into its package path and name when the name
// could be a plugin export: an exported identifier directly under a package.
// Methods ("T.M", "(*T).M"), closures ("F.func1"), generic instances
// ("F[int]"), init tasks ("..inittask") and type descriptors ("type:...")
// all fail this test.
func exportName(sym string) (pkg, name string, ok bool) {
	if strings.HasPrefix(sym, "type:") || strings.HasPrefix(sym, "go:") {
		return "", "", false
	}
	i := strings.LastIndexByte(sym, '.')
	if i <= 0 {
		return "", "", false
	}
	pkg, name = sym[:i], sym[i+1:]
	if !token.IsIdentifier(name) || !token.IsExported(name) || strings.ContainsAny(pkg, "()[]*") {
		return "", "", false
	}
	return pkg, name, true
}

// exports lists the names exported under pkg, sorted, with whether each is
// a function.
func (st *symbolTable) exports(pkg string) (names []string, isFunc map[string]bool) {
	isFunc = map[string]bool{}
	for sym, fn := range st.all() {
		if p, n, ok := exportName(sym); ok && p == pkg {
			names = append(names, n)
			isFunc[n] = fn
		}
	}
	sort.Strings(names)
	return names, isFunc
}

func (st *symbolTable) all() map[string]bool {
	all := make(map[string]bool, len(st.funcs)+len(st.vars))
	for s := range st.vars {
		all[s] = false
	}
	for s := range st.funcs {
		all[s] = true
	}
	return all
}

// candidatePaths returns the package paths that may be the plugin's main
// package, most likely first. When the file itself settles the question
// (build info naming the package, or the go command's
// "plugin/unnamed-<hash>" form) there is one candidate; otherwise every
// package with exported-looking symbols is, and the caller must check them
// against the opened plugin.
func (st *symbolTable) candidatePaths() (sure []string, all []string) {
	seen := map[string]bool{}
	var unnamed []string
	for sym := range st.all() {
		if p, _, ok := exportName(sym); ok && !seen[p] {
			seen[p] = true
			all = append(all, p)
			if unnamedPluginPath.MatchString(p) {
				unnamed = append(unnamed, p)
			}
		}
	}
	sort.Strings(all)
	switch {
	case st.linkPath != "" && seen[st.linkPath]:
		return []string{st.linkPath}, all
	case st.buildPath != "" && st.buildPath != "command-line-arguments" && seen[st.buildPath]:
		return []string{st.buildPath}, all
	case len(unnamed) == 1:
		return unnamed, all
	}
	return nil, all
}
