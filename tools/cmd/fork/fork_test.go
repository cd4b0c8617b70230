package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"flag"
	"go/format"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/plugkit/internal/cli"
)

// The fork's identity in these tests; forkIdentity picks another when the
// tree already is that fork (as in tools/cmd/fork/fork_test.sh's copy).
const (
	newModule = "github.com/acme/platform"
	newName   = "platform"
)

func forkIdentity(t *testing.T, src string) (string, string) {
	t.Helper()
	goModule, _, err := projectIdentity(src)
	require.NoError(t, err)
	if goModule == newModule {
		return "example.org/refork", "refork"
	}
	return newModule, newName
}

// workspace returns the source tree: under Bazel, the folder that
// //:MODULE.bazel's runfiles symlink leads to (the test is tagged local, as
// //tools/lint:buildifier_test is, and reads the workspace rather than
// declared inputs, so that every tracked file is forked); under go test, the
// repository root above this package.
func workspace(t *testing.T) string {
	t.Helper()
	marker := filepath.Join("..", "..", "..", "MODULE.bazel")
	if rl := os.Getenv("FORK_WORKSPACE_MARKER"); rl != "" {
		marker = filepath.Join(os.Getenv("TEST_SRCDIR"), rl)
	}
	real, err := filepath.EvalSymlinks(marker)
	require.NoError(t, err)
	root := filepath.Dir(real)
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		t.Skipf("%s is not a git work tree (%v): the test must run locally, unsandboxed, in a checkout", root, err)
	}
	return root
}

// TestForkWorkspace forks this repository into a temporary folder and checks
// the copy: no old module path left in a text file, every Go file parses and
// imports only packages of the new module that exist (or that the rewritten
// gazelle directives resolve), and the module identity moved everywhere.
func TestForkWorkspace(t *testing.T) {
	src := workspace(t)
	oldModule, _, err := projectIdentity(src)
	require.NoError(t, err)
	newModule, newName := forkIdentity(t, src)
	dest := filepath.Join(t.TempDir(), "fork")
	var stdout, stderr bytes.Buffer
	require.NoError(t, run([]string{"--src", src, "--dest", dest, "--module", newModule, "--name", newName}, &stdout, &stderr))
	assert.Empty(t, stderr.String())
	assert.Contains(t, stdout.String(), "rewrote go.mod (1)\n")

	goModule, bazelName, err := projectIdentity(dest)
	require.NoError(t, err)
	assert.Equal(t, newModule, goModule)
	assert.Equal(t, newName, bazelName)
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(dest, p))
		require.NoError(t, err)
		return string(b)
	}
	assert.Contains(t, read("BUILD.bazel"), "# gazelle:prefix "+newModule+"\n")
	assert.Contains(t, read("README.md"), "# "+newName+"\n")

	// The gazelle resolve directives name the new module, and resolve
	// imports below.
	resolve := map[string]string{}
	type resolveRegexp struct {
		re    *regexp.Regexp
		label string // with $1, $2 ... for the submatches
	}
	var resolveRE []resolveRegexp
	for _, m := range regexp.MustCompile(`(?m)^# gazelle:resolve(_regexp)? go (\S+) (\S+)$`).FindAllStringSubmatch(read("BUILD.bazel"), -1) {
		assert.Contains(t, m[2], newModule)
		if m[1] == "" {
			resolve[m[2]] = m[3]
		} else {
			resolveRE = append(resolveRE, resolveRegexp{regexp.MustCompile(m[2]), m[3]})
		}
	}
	require.NotEmpty(t, resolve)
	require.NotEmpty(t, resolveRE)

	goDirs := map[string]bool{}
	var goFiles, textFiles int
	require.NoError(t, filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		rel, _ := filepath.Rel(dest, p)
		rel = filepath.ToSlash(rel)
		content, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if isBinary(content) {
			return nil
		}
		textFiles++
		assert.NotContains(t, string(content), oldModule, "%s still names the old module", rel)
		assert.NotContains(t, string(content), regexp.QuoteMeta(oldModule), "%s still names the old module", rel)
		if strings.HasSuffix(rel, ".go") {
			goFiles++
			goDirs[filepath.ToSlash(filepath.Dir(rel))] = true
		}
		return nil
	}))
	assert.Greater(t, textFiles, 50)
	assert.Greater(t, goFiles, 20)

	// Protobuf sources and generated code do not carry the module path (no
	// go_package: protoc's M flag gives the import path), so the fork copies
	// them byte for byte: a raw descriptor holds strings behind their
	// lengths, which a rewrite would leave stale (a panic at init in
	// protobuf's filedesc).
	var protoFiles []string
	require.NoError(t, filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".pb.go") || strings.HasSuffix(p, ".proto")) {
			rel, _ := filepath.Rel(dest, p)
			protoFiles = append(protoFiles, filepath.ToSlash(rel))
		}
		return err
	}))
	require.NotEmpty(t, protoFiles)
	for _, rel := range protoFiles {
		orig, err := os.ReadFile(filepath.Join(src, rel))
		require.NoError(t, err)
		assert.NotContains(t, string(orig), oldModule, "%s names the module path: regenerate it without (see calls.proto)", rel)
		assert.Equal(t, string(orig), read(rel), "the fork changed %s", rel)
	}

	fset := token.NewFileSet()
	for dir := range goDirs {
		files, err := filepath.Glob(filepath.Join(dest, dir, "*.go"))
		require.NoError(t, err)
		for _, f := range files {
			rel, _ := filepath.Rel(dest, f)
			content, err := os.ReadFile(f)
			require.NoError(t, err)
			// Test inputs that are broken on purpose (a parser's error
			// cases) stay broken; every other file still parses.
			if orig, err := os.ReadFile(filepath.Join(src, rel)); err == nil {
				if _, err := parser.ParseFile(token.NewFileSet(), rel, orig, parser.ParseComments); err != nil {
					continue
				}
			}
			file, err := parser.ParseFile(fset, f, content, parser.ParseComments)
			if !assert.NoError(t, err, "%s does not parse", rel) {
				continue
			}
			// A file that was gofmt-clean before the fork still is.
			if orig, err := os.ReadFile(filepath.Join(src, rel)); err == nil {
				if fo, err := format.Source(orig); err == nil && bytes.Equal(fo, orig) {
					fc, err := format.Source(content)
					require.NoError(t, err)
					assert.Equal(t, string(fc), string(content), "%s is no longer gofmt-clean", rel)
				}
			}
			for _, imp := range file.Imports {
				path, err := strconv.Unquote(imp.Path.Value)
				require.NoError(t, err)
				assert.False(t, path == oldModule || strings.HasPrefix(path, oldModule+"/"), "%s imports %s", rel, path)
				if !strings.HasPrefix(path, newModule+"/") {
					continue
				}
				pkg := strings.TrimPrefix(path, newModule+"/")
				if _, ok := resolve[path]; ok {
					continue
				}
				matched := false
				for _, rr := range resolveRE {
					if sub := rr.re.FindStringSubmatchIndex(path); sub != nil {
						matched = true
						// The label's package, //pkg:name, must exist.
						label := string(rr.re.ExpandString(nil, rr.label, path, sub))
						pkg, _, _ := strings.Cut(strings.TrimPrefix(label, "//"), ":")
						_, err := os.Stat(filepath.Join(dest, filepath.FromSlash(pkg), "BUILD.bazel"))
						assert.NoError(t, err, "%s imports %s, which resolves to %s, a missing package", rel, path, label)
					}
				}
				if !matched {
					assert.True(t, goDirs[pkg], "%s imports %s: no Go package %s in the fork", rel, path, pkg)
				}
			}
		}
	}

	// The copy holds what git tracks, nothing else.
	_, err = os.Stat(filepath.Join(dest, ".git"))
	assert.True(t, errors.Is(err, os.ErrNotExist))
	_, err = os.Stat(filepath.Join(dest, "bazel-bin"))
	assert.True(t, errors.Is(err, os.ErrNotExist))
}

func TestDryRunChangesNothing(t *testing.T) {
	src := workspace(t)
	newModule, newName := forkIdentity(t, src)
	dest := filepath.Join(t.TempDir(), "fork")
	var stdout bytes.Buffer
	require.NoError(t, run([]string{"--src", src, "--dest", dest, "--module", newModule, "--name", newName, "--dry-run"}, &stdout, &bytes.Buffer{}))
	assert.Contains(t, stdout.String(), "would rewrite go.mod (1)\n")
	assert.Contains(t, stdout.String(), "would rewrite MODULE.bazel")
	assert.Contains(t, stdout.String(), "would copy ")
	_, err := os.Stat(dest)
	assert.True(t, errors.Is(err, os.ErrNotExist), "dry run created %s", dest)
}

func TestRefusals(t *testing.T) {
	src := workspace(t)
	nonEmpty := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(nonEmpty, "x"), nil, 0o644))
	oldModule, oldName, err := projectIdentity(src)
	require.NoError(t, err)
	newModule, newName := forkIdentity(t, src)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--dest", nonEmpty, "--module", newModule, "--name", newName}, "is not empty"},
		{[]string{"--dest", filepath.Join(src, "fork"), "--module", newModule, "--name", newName}, "overlaps the work tree"},
		{[]string{"--dest", t.TempDir(), "--module", "acme", "--name", newName}, "--module"},
		{[]string{"--dest", t.TempDir(), "--module", newModule, "--name", "Platform"}, "Bazel module name"},
		{[]string{"--dest", t.TempDir(), "--module", newModule}, "--module and --name are required"},
		{[]string{"--dest", t.TempDir(), "--module", oldModule, "--name", oldName}, "nothing to do"},
		{[]string{"--module", newModule, "--name", newName, "extra"}, "unexpected argument"},
	} {
		err := run(append([]string{"--src", src}, tc.args...), &bytes.Buffer{}, &bytes.Buffer{})
		require.Error(t, err, tc.args)
		assert.ErrorIs(t, err, cli.ErrUsage, tc.args)
		assert.Contains(t, err.Error(), tc.want, tc.args)
	}
}

func TestHelp(t *testing.T) {
	var stderr bytes.Buffer
	err := run([]string{"--help"}, &bytes.Buffer{}, &stderr)
	assert.True(t, errors.Is(err, flag.ErrHelp))
	assert.Contains(t, stderr.String(), "usage: bazel run //tools/cmd/fork -- --module PATH --name NAME")
	assert.Contains(t, stderr.String(), "-dry-run")
}

// writeIndex writes a version 2 git index for files (the content each path
// has in the index) into root/.git.
func writeIndex(t *testing.T, root string, files map[string]string) {
	t.Helper()
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b bytes.Buffer
	b.WriteString("DIRC")
	_ = binary.Write(&b, binary.BigEndian, []uint32{2, uint32(len(paths))})
	for _, p := range paths {
		start := b.Len()
		b.Write(make([]byte, 24))
		_ = binary.Write(&b, binary.BigEndian, []uint32{0o100644, 0, 0, uint32(len(files[p]))})
		h := blobHash([]byte(files[p]))
		b.Write(h[:])
		_ = binary.Write(&b, binary.BigEndian, uint16(len(p)))
		b.WriteString(p)
		b.Write(make([]byte, 8-(b.Len()-start)%8))
	}
	sum := sha1.Sum(b.Bytes())
	b.Write(sum[:])
	require.NoError(t, os.MkdirAll(filepath.Join(root, ".git"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, ".git", "index"), b.Bytes(), 0o644))
}

// writeTree writes files into a new folder, with a git index that tracks
// them, and returns the folder.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, p), []byte(c), 0o644))
	}
	writeIndex(t, root, files)
	return root
}

// TestInPlace forks a small tree in place, and refuses a tree with
// uncommitted changes.
func TestInPlace(t *testing.T) {
	files := map[string]string{
		"go.mod":           "module example.org/oldmod\n\ngo 1.26\n",
		"MODULE.bazel":     "\"\"\"oldmod: a test tree.\"\"\"\n\nmodule(name = \"oldmod\")\n",
		"README.md":        "# oldmod\n\noldmod is here; `oldmod` and ~/.cache/oldmod stay.\n",
		"a/a.go":           "package a\n\nimport (\n\t\"example.org/oldmod/b\"\n\t\"example.org/oldmodx/c\"\n)\n\nvar _ = b.B\nvar _ = c.C\n",
		"a/a_test.go":      "package a\n\nvar re = `^example\\.org/oldmod/a$`\n",
		"b/BUILD.bazel":    "go_library(\n    name = \"b\",\n    importpath = \"example.org/oldmod/b\",\n)\n",
		"untouched/c.txt":  "www.example.org/oldmod is another host\n",
		"tools/x/data.bin": "oldmod\x00binary, example.org/oldmodx\n",
		// Generated Go: comments, imports and import path strings are text.
		"gen/gen.go": "// Code generated by gen from example.org/oldmod/b. DO NOT EDIT.\n\npackage gen\n\nimport \"example.org/oldmod/b\"\n\nconst Pkg = \"example.org/oldmod/b\"\n\nvar _ = b.B\n",
		// Generated protobuf code whose descriptor does not name the module
		// path: its imports are rewritten, its descriptor is not touched.
		"p/p.pb.go": "// Code generated by protoc-gen-go. DO NOT EDIT.\n\npackage p\n\nimport _ \"example.org/oldmod/b\"\n\nconst rawDesc = \"\" +\n\t\"\\n\" +\n\t\"\\ap.proto\\x12\\x06oldmod\"\n",
	}
	root := writeTree(t, files)
	require.NoError(t, os.WriteFile(filepath.Join(root, "untracked.go"), []byte("package x // example.org/oldmod\n"), 0o644))

	var stdout bytes.Buffer
	require.NoError(t, run([]string{"--src", root, "--module", "example.net/newmod", "--name", "newmod"}, &stdout, &bytes.Buffer{}))
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(root, p))
		require.NoError(t, err)
		return string(b)
	}
	assert.Equal(t, "module example.net/newmod\n\ngo 1.26\n", read("go.mod"))
	assert.Equal(t, "\"\"\"newmod: a test tree.\"\"\"\n\nmodule(name = \"newmod\")\n", read("MODULE.bazel"))
	assert.Equal(t, "# newmod\n\nnewmod is here; `oldmod` and ~/.cache/oldmod stay.\n", read("README.md"))
	// gofmt moves the import: example.net sorts before example.org.
	assert.Equal(t, "package a\n\nimport (\n\t\"example.net/newmod/b\"\n\t\"example.org/oldmodx/c\"\n)\n\nvar _ = b.B\nvar _ = c.C\n", read("a/a.go"))
	assert.Equal(t, "package a\n\nvar re = `^example\\.net/newmod/a$`\n", read("a/a_test.go"))
	assert.Contains(t, read("b/BUILD.bazel"), `importpath = "example.net/newmod/b"`)
	assert.Equal(t, files["untouched/c.txt"], read("untouched/c.txt"))
	assert.Equal(t, files["tools/x/data.bin"], read("tools/x/data.bin"))
	assert.Equal(t, "// Code generated by gen from example.net/newmod/b. DO NOT EDIT.\n\npackage gen\n\nimport \"example.net/newmod/b\"\n\nconst Pkg = \"example.net/newmod/b\"\n\nvar _ = b.B\n", read("gen/gen.go"))
	assert.Equal(t, strings.Replace(files["p/p.pb.go"], "example.org/oldmod/b", "example.net/newmod/b", 1), read("p/p.pb.go"))
	assert.Equal(t, "package x // example.org/oldmod\n", read("untracked.go"))
	assert.NotContains(t, stdout.String(), "data.bin")

	// The tree now differs from its index: a second fork is refused.
	err := run([]string{"--src", root, "--module", "example.com/third", "--name", "third"}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "uncommitted changes (MODULE.bazel, README.md, a/a.go")
}

// TestRefusesData forks trees that hold the old module path in data the
// rewrite would corrupt: each fork fails before it writes anything, in place,
// into --dest and with --dry-run, and names the file.
func TestRefusesData(t *testing.T) {
	base := map[string]string{
		"go.mod":       "module example.org/oldmod\n\ngo 1.26\n",
		"MODULE.bazel": "module(name = \"oldmod\")\n",
		"a/a.go":       "package a\n\nimport _ \"example.org/oldmod/b\"\n",
	}
	for _, tc := range []struct {
		path, content, want string
	}{
		// protoc-gen-go's raw descriptor, as it writes one: the file name
		// p.proto behind its length (\a), the package p behind its own
		// (\x01), go_package behind its length ('$', 36) in the options,
		// behind theirs ('&', 38), then syntax = "proto3".
		{"p/p.pb.go", "// Code generated by protoc-gen-go. DO NOT EDIT.\n\npackage p\n\nconst rawDesc = \"\" +\n\t\"\\n\" +\n\t\"\\ap.proto\\x12\\x01pB&Z$example.org/oldmod/tools/cmd/bench/protob\\x06proto3\"\n",
			"p/p.pb.go: generated Go, line 7: example.org/oldmod in a string that is not an import path (protobuf's raw descriptor"},
		// Any generator's string that is not an import path: a name table
		// read by offsets, in a raw string literal.
		{"gen/names.go", "// Code generated by \"stringer -linecomment\"; DO NOT EDIT.\n\npackage gen\n\nconst _Kind_name = `greeter of example.org/oldmodlogger of example.org/oldmod`\n\nvar _Kind_index = [...]uint8{0, 29, 57}\n",
			"gen/names.go: generated Go, line 5: example.org/oldmod in a string that is not an import path"},
		{"gen/broken.go", "// Code generated by gen. DO NOT EDIT.\n\npackage gen\n\nconst x = \"example.org/oldmod\n",
			"gen/broken.go: a generated Go file that does not parse"},
		{"testdata/blob.bin", "\x00\x12example.org/oldmod/b\x00", "testdata/blob.bin: a binary file that holds example.org/oldmod"},
		{"testdata/latin1.txt", "caf\xe9 example.org/oldmod\n", "testdata/latin1.txt: a binary file that holds example.org/oldmod"},
		{"docs/odd.md", "oldmod\n\x00", "docs/odd.md: a binary file that holds the name oldmod"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			files := map[string]string{tc.path: tc.content}
			for p, c := range base {
				files[p] = c
			}
			root := writeTree(t, files)
			dest := filepath.Join(t.TempDir(), "fork")
			for _, extra := range [][]string{nil, {"--dest", dest}, {"--dry-run"}, {"--dest", dest, "--dry-run"}} {
				var stdout bytes.Buffer
				err := run(append([]string{"--src", root, "--module", "example.net/newmod", "--name", "newmod"}, extra...), &stdout, &bytes.Buffer{})
				require.Error(t, err, extra)
				assert.NotErrorIs(t, err, cli.ErrUsage)
				assert.Contains(t, err.Error(), "nothing written", extra)
				assert.Contains(t, err.Error(), tc.want, extra)
				assert.Contains(t, err.Error(), "regenerate", extra)
				assert.Empty(t, stdout.String(), extra)
				for p, c := range files {
					b, err := os.ReadFile(filepath.Join(root, p))
					require.NoError(t, err)
					assert.Equal(t, c, string(b), "%s changed (%v)", p, extra)
				}
				_, err = os.Stat(dest)
				assert.True(t, errors.Is(err, os.ErrNotExist), "%s was created (%v)", dest, extra)
			}
		})
	}
}

func TestReplaceModule(t *testing.T) {
	for in, want := range map[string]string{
		"example.org/oldmod":                     "example.net/newmod",
		`"example.org/oldmod/pluginapi"`:         `"example.net/newmod/pluginapi"`,
		"see example.org/oldmod.":                "see example.net/newmod.",
		"example.org/oldmod.Type":                "example.org/oldmod.Type",
		"example.org/oldmodx":                    "example.org/oldmodx",
		"example.org/oldmod-x":                   "example.org/oldmod-x",
		"www.example.org/oldmod":                 "www.example.org/oldmod",
		"https://example.org/oldmod/schema.json": "https://example.net/newmod/schema.json",
		"^example.org/oldmod/(.*)$":              "^example.net/newmod/(.*)$",
	} {
		got, _ := replaceModule(in, "example.org/oldmod", "example.net/newmod")
		assert.Equal(t, want, got, in)
	}
}

func TestProse(t *testing.T) {
	r := &rewriter{oldName: "oldmod", newName: "newmod"}
	for in, want := range map[string]string{
		"# oldmod\n":                           "# newmod\n",
		"oldmod's launcher, as oldmod does.\n": "newmod's launcher, as newmod does.\n",
		"`oldmod` and oldmod\n":                "`oldmod` and newmod\n",
		"$OLDMOD_CACHE, ~/.cache/oldmod, oldmod.so, oldmod_x, oldmod/x, -oldmod\n": "$OLDMOD_CACHE, ~/.cache/oldmod, oldmod.so, oldmod_x, oldmod/x, -oldmod\n",
		"```sh\noldmod run\n```\noldmod\n":                                         "```sh\noldmod run\n```\nnewmod\n",
		"    oldmod indented code\n":                                               "    oldmod indented code\n",
		"[oldmod](docs/oldmod.md)\n":                                               "[newmod](docs/oldmod.md)\n",
		"one ` unbalanced oldmod\n":                                                "one ` unbalanced oldmod\n",
	} {
		got, _ := r.prose(in)
		assert.Equal(t, want, got, in)
	}
}

// TestIndexMatchesGit compares readIndex with git ls-files, where there is a
// git (not inside the offline launcher's root).
func TestIndexMatchesGit(t *testing.T) {
	src := workspace(t)
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git on PATH")
	}
	out, err := exec.Command(git, "-C", src, "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("git ls-files: %v", err)
	}
	want := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	entries, err := trackedFiles(src)
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Path)
	}
	assert.Equal(t, want, got)
}
