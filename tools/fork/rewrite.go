package main

import (
	"bytes"
	"go/format"
	"regexp"
	"strings"
)

// rewriter turns the text of one tracked file of the old project into the
// fork's. What it rewrites, and why (also in docs/forking.md):
//
//   - The Go module path, everywhere in text files: go.mod, imports, gazelle
//     directives, importpath attributes, MODULE_PATH in go_plugin.bzl, test
//     expectations, golden files, docs. An occurrence must stand alone (not
//     followed by more path characters), and the regexp-quoted form
//     (example\.com/...) is rewritten too, for tests that match with
//     regexps. Go files (and golden Go output) that were gofmt-clean stay
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
	var b strings.Builder
	n := 0
	for {
		i := strings.Index(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String(), n
		}
		end := i + len(old)
		before := i == 0 || !isPathByte(s[i-1])
		// A '.' that ends a sentence is not part of the path.
		after := end == len(s) || !isPathByte(s[end]) ||
			s[end] == '.' && (end+1 == len(s) || !isPathByte(s[end+1]))
		if before && after {
			b.WriteString(s[:i])
			b.WriteString(new)
			n++
		} else {
			b.WriteString(s[:end])
		}
		s = s[end:]
	}
}

// isBinary uses git's rule: a NUL byte in the first 8000 bytes.
func isBinary(content []byte) bool {
	return bytes.IndexByte(content[:min(len(content), 8000)], 0) >= 0
}

// rewrite returns the fork's content of the file at path (slash-separated,
// relative to the root) and the number of replacements made.
func (r *rewriter) rewrite(path string, content []byte) ([]byte, int) {
	if isBinary(content) {
		return content, 0
	}
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
	var b strings.Builder
	n := 0
	for {
		i := strings.Index(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String(), n
		}
		end := i + len(old)
		ok := true
		if i > 0 && (isPathByte(s[i-1]) || strings.IndexByte("/$@", s[i-1]) >= 0) {
			ok = false
		}
		if end < len(s) {
			c := s[end]
			switch {
			case c == '.' || c == '-':
				// "plugkit." ends a sentence; "plugkit.so" names a file.
				ok = ok && (end+1 == len(s) || !isPathByte(s[end+1]))
			case isPathByte(c) || c == '/':
				ok = false
			}
		}
		b.WriteString(s[:i])
		if ok {
			b.WriteString(new)
			n++
		} else {
			b.WriteString(old)
		}
		s = s[end:]
	}
}
