package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// rewriter turns the text of one tracked file of the old project into the
// fork's. What it rewrites, and why (also in docs/forking.md):
//
//   - The Go module path, everywhere in text files: go.mod (where
//     tools/rules/contract.bzl reads MODULE_PATH from), imports, gazelle
//     directives, importpath attributes, test expectations, golden files,
//     docs. An occurrence must stand alone (not part of a longer path or
//     host name), and the regexp-quoted form (example\.com/...) is
//     rewritten too, for tests that match with regexps. Go files (and golden Go output) that were gofmt-clean stay
//     so: a longer or shorter path can move an import to another place in
//     its group or change the alignment of a block.
//   - The Bazel module name: module(name = ...) in MODULE.bazel, and the
//     project name at the start of its docstring.
//   - The project name in Markdown prose: the word outside code spans and
//     fenced code blocks, and not part of a path, a variable or a file name.
//     Code, comments and strings elsewhere keep it: there it names the
//     toolkit the fork is built on (the launcher's "plugkit:" messages, its
//     PLUGKIT_* variables and its toolchain cache, which forks share), and
//     tests assert some of those strings.
//
// What it refuses to touch (refusal, below): the module path in bytes that
// are data rather than text, such as protobuf's raw descriptors.
type rewriter struct {
	oldModule, newModule string
	oldName, newName     string
}

// moduleVariants are the forms of the module path that are rewritten: as
// written, quoted for a regexp, and regexp-quoted inside a Go string.
func (r *rewriter) moduleVariants() [][2]string {
	q := func(s string) string { return regexp.QuoteMeta(s) }
	v := [][2]string{{r.oldModule, r.newModule}}
	if q(r.oldModule) != r.oldModule {
		v = append(v,
			[2]string{q(r.oldModule), q(r.newModule)},
			[2]string{strings.ReplaceAll(q(r.oldModule), `\`, `\\`), strings.ReplaceAll(q(r.newModule), `\`, `\\`)})
	}
	return v
}

// isPathByte reports whether c can continue (or precede) a module path.
func isPathByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0
}

// replaceModule replaces old with new where old is not part of a longer
// path: the byte after it is not a path byte (a '/' is: a subpackage), and
// the byte before it is not one either.
func replaceModule(s, old, new string) (string, int) {
	return replaceWhole(s, old, new, func(s string, i, end int) bool {
		before := i == 0 || !isPathByte(s[i-1])
		// A '.' that ends a sentence is not part of the path.
		after := end == len(s) || !isPathByte(s[end]) ||
			s[end] == '.' && (end+1 == len(s) || !isPathByte(s[end+1]))
		return before && after
	})
}

// replaceWhole replaces old with new in s where whole says the occurrence
// s[i:end] stands on its own, and counts the replacements; the module path
// and the project's name differ only in what may stand next to them. s is
// what is left of the text after the previous occurrence, and an
// occurrence left alone is passed over whole, never matched again in part.
func replaceWhole(s, old, new string, whole func(s string, i, end int) bool) (string, int) {
	var b strings.Builder
	n := 0
	for {
		i := strings.Index(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String(), n
		}
		end := i + len(old)
		b.WriteString(s[:i])
		if whole(s, i, end) {
			b.WriteString(new)
			n++
		} else {
			b.WriteString(old)
		}
		s = s[end:]
	}
}

// isBinary reports whether content is not text: a NUL byte anywhere, or
// bytes that are not UTF-8. (Git looks for a NUL in the first 8000 bytes
// only; a NUL further on, or a Latin-1 or compressed file without one, is no
// more text for that.)
func isBinary(content []byte) bool {
	return bytes.IndexByte(content, 0) >= 0 || !utf8.Valid(content)
}

// rewrite returns the fork's content of the file at path (slash-separated,
// relative to the root) and the number of replacements made. A binary file
// is left as it is; refusal says which files the fork must not be run on.
func (r *rewriter) rewrite(path string, content []byte) ([]byte, int) {
	if isBinary(content) {
		return content, 0
	}
	return r.rewriteText(path, content)
}

// rewriteText is rewrite for any bytes, as if they were text.
func (r *rewriter) rewriteText(path string, content []byte) ([]byte, int) {
	s := string(content)
	n := 0
	for _, v := range r.moduleVariants() {
		var k int
		s, k = replaceModule(s, v[0], v[1])
		n += k
	}
	if path == "MODULE.bazel" {
		var k int
		s, k = r.moduleName(s)
		n += k
	}
	if strings.HasSuffix(path, ".md") {
		var k int
		s, k = r.prose(s)
		n += k
	}
	out := []byte(s)
	if n > 0 && (strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".golden")) {
		// Keep gofmt-clean Go gofmt-clean; leave anything else as is.
		if f, err := format.Source(content); err == nil && bytes.Equal(f, content) {
			if g, err := format.Source(out); err == nil {
				out = g
			}
		}
	}
	return out, n
}

// moduleName rewrites module(name = "old") and a docstring that starts with
// the old name in MODULE.bazel.
func (r *rewriter) moduleName(s string) (string, int) {
	n := 0
	re := regexp.MustCompile(`(?m)^(module\(\s*name\s*=\s*")` + regexp.QuoteMeta(r.oldName) + `"`)
	s = re.ReplaceAllStringFunc(s, func(m string) string {
		n++
		return strings.Replace(m, `"`+r.oldName+`"`, `"`+r.newName+`"`, 1)
	})
	if rest, ok := strings.CutPrefix(s, `"""`+r.oldName); ok && len(rest) > 0 && !isPathByte(rest[0]) {
		s = `"""` + r.newName + rest
		n++
	}
	return s, n
}

// prose rewrites the project name in Markdown outside code.
func (r *rewriter) prose(s string) (string, int) {
	lines := strings.SplitAfter(s, "\n")
	n := 0
	fence := ""
	for i, line := range lines {
		trimmed := strings.TrimLeft(line, " ")
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fence = trimmed[:3]
			continue
		}
		if strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "\t") {
			continue // indented code block (or a continuation: left alone)
		}
		// Outside code spans: the even-numbered parts between backticks.
		parts := strings.Split(line, "`")
		if len(parts)%2 == 0 {
			continue // an unbalanced backtick: leave the line alone
		}
		for j := 0; j < len(parts); j += 2 {
			var k int
			parts[j], k = replaceWord(parts[j], r.oldName, r.newName)
			n += k
		}
		lines[i] = strings.Join(parts, "`")
	}
	return strings.Join(lines, ""), n
}

// replaceWord replaces the word old, not when it is part of a path, a file
// name, an identifier, an option or a variable.
func replaceWord(s, old, new string) (string, int) {
	return replaceWhole(s, old, new, func(s string, i, end int) bool {
		if i > 0 && (isPathByte(s[i-1]) || strings.IndexByte("/$@", s[i-1]) >= 0) {
			return false
		}
		if end < len(s) {
			c := s[end]
			switch {
			case c == '.' || c == '-':
				// "plugkit." ends a sentence; "plugkit.so" names a file.
				return end+1 == len(s) || !isPathByte(s[end+1])
			case isPathByte(c) || c == '/':
				return false
			}
		}
		return true
	})
}

// Refusals. The rewrite is a text substitution: the module path becomes a
// path of another length wherever it stands. That is right for text, which
// the fork's tools (Go, Bazel, gazelle, a generator run again) read as text,
// and wrong for data whose bytes carry their own lengths or encoding, where
// the new path leaves each length before it stale. protoc-gen-go's raw file
// descriptor is such data: a Go string holding the .proto's strings
// (go_package, package, type names) each behind its length, and a fork that
// rewrote example.com/plugkit in calls.pb.go panicked at init ("slice bounds
// out of range [-4:]" in protobuf's filedesc). So the fork edits no data:
// where the rewrite would change data, it fails before it writes anything
// and names the file, since the fix is upstream of the fork: generate the
// file again from a source that does not name the module path (calls.proto
// has no go_package; protoc gets the import path from an M flag), or delete
// it, fork, and generate it in the fork. Data is
//
//   - a binary file (isBinary), whatever its format;
//   - in a generated Go file (a "// Code generated ... DO NOT EDIT." header,
//     or a .pb.go name), a string whose value is not the module path or a
//     path below it: such bytes come from a program and may hold lengths,
//     offsets or encodings (a protobuf descriptor, a stringer name table,
//     gzip), and nothing in the source says which. String literals joined
//     with + are one value, as protoc-gen-go splits a descriptor over lines.
//
// The rest of a generated Go file is text and is rewritten: comments,
// imports, and strings that are a path of the module, such as the package
// path constant of bindgen's bindings
// (tools/build/bindgen/internal/bindgen/basic_bindings_test.go), which bindgen run
// in the fork writes the same way (its tests check that). Refusing every
// string of generated files would refuse those. Hand-written files are text.
// The project name needs no check in Go files, where it is never rewritten.
// Only what the rewrite would change counts: a binary or generated file
// that does not hold the old module path is copied as it is.

// refusal returns why the rewrite must not change the file at path, or ""
// when the rewrite may change it (or would not change it).
func (r *rewriter) refusal(path string, content []byte) string {
	if isBinary(content) {
		if _, n := r.rewriteText(path, content); n > 0 {
			return fmt.Sprintf("a binary file that holds %s", r.identityIn(string(content)))
		}
		return ""
	}
	if !strings.HasSuffix(path, ".go") || r.moduleCount(string(content)) == 0 {
		return ""
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, content, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		if strings.HasSuffix(path, ".pb.go") || generatedHeader.Match(content) {
			return fmt.Sprintf("a generated Go file that does not parse (%v) and holds %s", err, r.oldModule)
		}
		return ""
	}
	if !strings.HasSuffix(path, ".pb.go") && !ast.IsGenerated(f) {
		return ""
	}
	imports := map[*ast.BasicLit]bool{}
	for _, imp := range f.Imports {
		imports[imp.Path] = true
	}
	// check reports a string value made of lits that the rewrite would
	// change and that is not an import path of the old module.
	check := func(lits []*ast.BasicLit) string {
		var at *ast.BasicLit // the first literal the rewrite would change
		var value strings.Builder
		for _, lit := range lits {
			if at == nil && r.moduleCount(lit.Value) > 0 {
				at = lit
			}
			v, err := strconv.Unquote(lit.Value)
			if err != nil {
				v = lit.Value
			}
			value.WriteString(v)
		}
		if at == nil || r.isImportPath(value.String()) {
			return ""
		}
		what := "a string that is not an import path"
		if strings.HasSuffix(path, ".pb.go") || protocGenerated.Match(content) {
			what = "a string that is not an import path (protobuf's raw descriptor: length-prefixed data)"
		}
		return fmt.Sprintf("generated Go, line %d: %s in %s", fset.Position(at.Pos()).Line, r.oldModule, what)
	}
	why := ""
	ast.Inspect(f, func(node ast.Node) bool {
		if why != "" {
			return false
		}
		switch node := node.(type) {
		case *ast.BinaryExpr:
			if lits, ok := stringConcat(node); ok {
				why = check(lits)
				return false
			}
		case *ast.BasicLit:
			if node.Kind == token.STRING && !imports[node] {
				why = check([]*ast.BasicLit{node})
			}
		}
		return true
	})
	return why
}

// generatedHeader is Go's marker of a generated file
// (https://go.dev/s/generatedcode), for a file that does not parse.
var generatedHeader = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)

// protocGenerated marks the output of a protoc plugin (protoc-gen-go,
// protoc-gen-go-grpc, ...), whatever the file is called.
var protocGenerated = regexp.MustCompile(`(?m)^// Code generated by protoc-gen-`)

// stringConcat returns the string literals of e when e joins only string
// literals with +, in order.
func stringConcat(e ast.Expr) ([]*ast.BasicLit, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		return []*ast.BasicLit{e}, e.Kind == token.STRING
	case *ast.ParenExpr:
		return stringConcat(e.X)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return nil, false
		}
		x, ok := stringConcat(e.X)
		if !ok {
			return nil, false
		}
		y, ok := stringConcat(e.Y)
		return append(x, y...), ok
	}
	return nil, false
}

// moduleCount is the number of replacements of the module path that the
// rewrite makes in s.
func (r *rewriter) moduleCount(s string) int {
	n := 0
	for _, v := range r.moduleVariants() {
		var k int
		s, k = replaceModule(s, v[0], v[1])
		n += k
	}
	return n
}

// isImportPath reports whether s is the old module path, or a path below it
// (an import path, or the prefix of one): path characters and slashes only.
func (r *rewriter) isImportPath(s string) bool {
	rest, ok := strings.CutPrefix(s, r.oldModule)
	if !ok || rest != "" && rest[0] != '/' {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] != '/' && !isPathByte(rest[i]) {
			return false
		}
	}
	return true
}

// identityIn names what of the old identity s holds.
func (r *rewriter) identityIn(s string) string {
	if r.moduleCount(s) > 0 {
		return r.oldModule
	}
	return "the name " + r.oldName
}
